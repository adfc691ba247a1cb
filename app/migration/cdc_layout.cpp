#include "app/migration/cdc_layout.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "domain/common/json_number.h"

namespace staylab::migration {
namespace {

constexpr std::string_view kChangeType = "LegacyChange";
constexpr std::string_view kRetryType = "LegacyChangeRetry";
constexpr std::string_view kErrorType = "LegacyChangeFailed";

nlohmann::json changeJson(const legacy::Change& change) {
  return nlohmann::json{{"change_id", change.change_id},
                        {"table", change.table},
                        {"op", std::string(1, change.op)},
                        {"row_key", change.row_key},
                        {"prop_no", change.prop_no},
                        {"source", std::string(1, static_cast<char>(change.source))},
                        {"depends_on", change.depends_on},
                        {"image", change.image}};
}

EventEnvelope envelope(std::string id, std::string_view type, std::string topic, std::string key,
                       const legacy::Change& change, int64_t now_nanos) {
  EventEnvelope event;
  event.event_id = std::move(id);
  event.type = std::string(type);
  event.schema_version = 1;
  event.aggregate_type = std::move(topic);
  event.aggregate_id = std::move(key);
  event.aggregate_version = change.change_id;
  event.occurred_at_nanos = now_nanos;
  event.correlation_id = changeCorrelation(change.change_id);
  event.causation_id = event.correlation_id;
  event.caller = std::string(kCdcCaller);
  return event;
}

Result<char> letter(const nlohmann::json& value, std::string_view field) {
  const std::string text = value.get<std::string>();
  if (text.size() != 1)
    return invalidInput(std::string(field), "must be one letter, not '{}'", text);
  return text[0];
}

}  // namespace

std::map<std::string, int> sourceTopics(CdcStrategy strategy) {
  switch (strategy) {
    case CdcStrategy::PerTable:
      return {{"cdc.property", kCdcPartitions}, {"cdc.reservation", kCdcPartitions}};
    case CdcStrategy::ByKey:
      return {{"cdc.changes", kCdcPartitions}};
    case CdcStrategy::Firehose:
      return {{"cdc.firehose", 1}};
  }
  return {};
}

std::string changeCorrelation(int64_t change_id) {
  return fmt::format("cdc/{}", change_id);
}

EventEnvelope changeEvent(const legacy::Change& change, CdcStrategy strategy, int64_t now_nanos) {
  std::string topic;
  int64_t key = change.prop_no;
  switch (strategy) {
    case CdcStrategy::PerTable:
      topic = change.table == "PROPERTY" ? "cdc.property" : "cdc.reservation";
      key = change.row_key;
      break;
    case CdcStrategy::ByKey:
      topic = "cdc.changes";
      break;
    case CdcStrategy::Firehose:
      topic = "cdc.firehose";
      break;
  }
  EventEnvelope event = envelope(changeCorrelation(change.change_id), kChangeType, topic,
                                 fmt::format("{}", key), change, now_nanos);
  event.payload = changeJson(change);
  return event;
}

EventEnvelope retryEvent(const ChangeRecord& record, int64_t now_nanos) {
  EventEnvelope event =
      envelope(fmt::format("{}/retry/{}", changeCorrelation(record.change.change_id), record.tries),
               kRetryType, std::string(kRetryTopic), fmt::format("{}", record.change.prop_no),
               record.change, now_nanos);
  event.payload = changeJson(record.change);
  event.payload["tries"] = record.tries;
  event.payload["not_before"] = record.not_before_nanos;
  event.payload["reason"] = record.reason;
  return event;
}

EventEnvelope errorEvent(const ChangeRecord& record, int64_t now_nanos) {
  EventEnvelope event = envelope(
      fmt::format("{}/error", changeCorrelation(record.change.change_id)), kErrorType,
      std::string(kErrorTopic), fmt::format("{}", record.change.prop_no), record.change, now_nanos);
  event.payload = changeJson(record.change);
  event.payload["tries"] = record.tries;
  event.payload["reason"] = record.reason;
  return event;
}

Result<ChangeRecord> changeRecordOf(const EventEnvelope& event) {
  if (event.type != kChangeType && event.type != kRetryType && event.type != kErrorType)
    return invalidInput("type", "'{}' is not a legacy change", event.type);
  const nlohmann::json& payload = event.payload;
  // Every integer field must be an integer in range (never a float cast).
  auto integer = [&](const char* name) -> Result<int64_t> {
    std::optional<int64_t> number = wholeNumber<int64_t>(payload.at(name));
    if (!number) {
      return invalidInput(name, "must be an integer in range");
    }
    return *number;
  };
  try {
    ChangeRecord record;
    legacy::Change& change = record.change;
    change.change_id = STAYLAB_TRY(integer("change_id"));
    change.table = payload.at("table").get<std::string>();
    if (change.table != "PROPERTY" && change.table != "RESERVATION")
      return invalidInput("table", "must be PROPERTY or RESERVATION, not '{}'", change.table);
    change.op = STAYLAB_TRY(letter(payload.at("op"), "op"));
    change.row_key = STAYLAB_TRY(integer("row_key"));
    change.prop_no = STAYLAB_TRY(integer("prop_no"));
    const char source = STAYLAB_TRY(letter(payload.at("source"), "source"));
    if (source != 'L' && source != 'S')
      return invalidInput("source", "must be L or S, not '{}'", source);
    change.source = static_cast<legacy::Source>(source);
    change.depends_on = STAYLAB_TRY(integer("depends_on"));
    change.image = payload.at("image").get<std::string>();
    if (payload.contains("tries"))
      record.tries = static_cast<int>(
          std::clamp<int64_t>(STAYLAB_TRY(integer("tries")), 0, std::numeric_limits<int>::max()));
    if (payload.contains("not_before"))
      record.not_before_nanos = STAYLAB_TRY(integer("not_before"));
    if (payload.contains("reason"))
      record.reason = payload.at("reason").get<std::string>();
    return record;
  } catch (const nlohmann::json::exception& error) {
    return invalidInput("payload", "{}", error.what());
  }
}

}  // namespace staylab::migration
