#include "fraud/fraud_snapshot.h"

#include "fraud/json_fields.h"

namespace staylab::fraud {
namespace {

namespace jf = json_fields;

constexpr std::string_view kFormat = "staylab.fraud.snapshot";
constexpr int64_t kVersion = 1;

bool isOffsetKey(std::string_view key) {
  size_t slash = key.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == key.size() ||
      key.size() - slash - 1 > 3) {
    return false;
  }
  for (size_t index = slash + 1; index < key.size(); ++index) {
    if (key[index] < '0' || key[index] > '9') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string offsetKey(std::string_view topic, int partition) {
  return fmt::format("{}/{}", topic, partition);
}

nlohmann::json FraudSnapshot::toJson() const {
  nlohmann::json pending_json = nlohmann::json::array();
  for (const auto& action : pending) {
    pending_json.push_back(fraudActionToJson(action));
  }
  return nlohmann::json{
      {"format", kFormat},
      {"version", kVersion},
      {"offsets", offsets},
      {"pending", std::move(pending_json)},
      {"skipped_events", skipped_events},
      {"detector", detector.toJson()},
  };
}

Result<FraudSnapshot> FraudSnapshot::fromJson(const nlohmann::json& json) {
  return json_fields::guarded("snapshot", [&]() -> Result<FraudSnapshot> {
    constexpr std::string_view kPath = "snapshot";
    std::string format = STAYLAB_TRY(jf::string(json, kPath, "format"));
    if (format != kFormat) {
      return invalidInput("snapshot.format", "'{}' is not '{}'", format, kFormat);
    }
    int64_t version = STAYLAB_TRY(jf::integer(json, kPath, "version"));
    if (version != kVersion) {
      return invalidInput("snapshot.version", "version {} is not supported (expected {})", version,
                          kVersion);
    }
    FraudSnapshot snapshot;
    const nlohmann::json* offsets = STAYLAB_TRY(jf::object(json, kPath, "offsets"));
    for (const auto& [key, value] : offsets->items()) {
      if (!isOffsetKey(key)) {
        return invalidInput("snapshot.offsets", "'{}' is not 'topic/partition'", key);
      }
      nlohmann::json holder{{"offset", value}};
      auto offset = jf::integer(holder, fmt::format("snapshot.offsets.{}", key), "offset");
      if (!offset || *offset < 0) {
        return invalidInput(fmt::format("snapshot.offsets.{}", key), "must be an offset >= 0");
      }
      snapshot.offsets.emplace(key, *offset);
    }
    const nlohmann::json* pending = STAYLAB_TRY(jf::array(json, kPath, "pending"));
    for (const auto& action : *pending) {
      snapshot.pending.push_back(STAYLAB_TRY(fraudActionFromJson(action)));
    }
    snapshot.skipped_events = STAYLAB_TRY(jf::integer(json, kPath, "skipped_events"));
    const nlohmann::json* detector = STAYLAB_TRY(jf::object(json, kPath, "detector"));
    snapshot.detector = STAYLAB_TRY(FraudState::fromJson(*detector));
    return snapshot;
  });
}

}  // namespace staylab::fraud
