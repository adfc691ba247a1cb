#include "domain/common/event_envelope.h"

#include "domain/common/json_number.h"

namespace staylab {

nlohmann::json EventEnvelope::toJson() const {
  nlohmann::json json{
      {"event_id", event_id},
      {"type", type},
      {"schema_version", schema_version},
      {"aggregate_type", aggregate_type},
      {"aggregate_id", aggregate_id},
      {"aggregate_version", aggregate_version},
      {"occurred_at", occurred_at_nanos},
      {"correlation_id", correlation_id},
      {"causation_id", causation_id},
      {"payload", payload},
  };
  if (!caller.empty()) {
    json["caller"] = caller;
  }
  return json;
}

Result<EventEnvelope> EventEnvelope::fromJson(const nlohmann::json& json) {
  if (!json.is_object()) {
    return invalidInput("event", "must be a JSON object");
  }
  EventEnvelope event;
  auto string_field = [&](const char* name, std::string& out) -> Result<void> {
    auto it = json.find(name);
    if (it == json.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
      return invalidInput(fmt::format("event.{}", name), "must be a non-empty string");
    }
    out = it->get<std::string>();
    return {};
  };
  auto int_field = [&](const char* name, int64_t& out) -> Result<void> {
    auto it = json.find(name);
    const auto number = it == json.end() ? std::nullopt : wholeNumber<int64_t>(*it);
    if (!number) {
      return invalidInput(fmt::format("event.{}", name), "must be a 64-bit integer");
    }
    out = *number;
    return {};
  };
  STAYLAB_TRY(string_field("event_id", event.event_id));
  STAYLAB_TRY(string_field("type", event.type));
  STAYLAB_TRY(string_field("aggregate_type", event.aggregate_type));
  STAYLAB_TRY(string_field("aggregate_id", event.aggregate_id));
  STAYLAB_TRY(string_field("correlation_id", event.correlation_id));
  STAYLAB_TRY(string_field("causation_id", event.causation_id));
  if (json.contains("caller")) {
    STAYLAB_TRY(string_field("caller", event.caller));
  }
  int64_t schema_version = 0;
  STAYLAB_TRY(int_field("schema_version", schema_version));
  if (schema_version < 1 || schema_version > 1000) {
    return invalidInput("event.schema_version", "must be 1..1000");
  }
  event.schema_version = static_cast<int>(schema_version);
  STAYLAB_TRY(int_field("aggregate_version", event.aggregate_version));
  STAYLAB_TRY(int_field("occurred_at", event.occurred_at_nanos));
  auto payload = json.find("payload");
  if (payload == json.end() || !payload->is_object()) {
    return invalidInput("event.payload", "must be a JSON object");
  }
  event.payload = *payload;
  return event;
}

Result<EventEnvelope> EventEnvelope::fromText(std::string_view text) {
  const nlohmann::json json =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return invalidInput("event", "is not valid JSON");
  }
  return fromJson(json);
}

}  // namespace staylab
