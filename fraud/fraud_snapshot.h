#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fraud/fraud_detector.h"

namespace staylab::fraud {

// Everything fraud detection keeps, written in one atomic file so that the
// consumer's offsets are committed with their effects: the detector's state,
// the log offsets it has consumed, and the actions not yet delivered.
struct FraudSnapshot {
  FraudState detector;
  // "topic/partition" -> the next offset to read. A missing key means 0.
  std::map<std::string, int64_t> offsets;
  // Actions produced but not yet acknowledged as delivered, oldest first.
  std::vector<FraudAction> pending;
  // Known events skipped because their payload was malformed (see FraudConsumer).
  int64_t skipped_events = 0;

  // Returns the JSON document, including a format tag and version.
  nlohmann::json toJson() const;
  // Validates everything (format, version, types, offsets >= 0, the detector
  // state, every pending action); InvalidInput names the bad field. Never throws.
  static Result<FraudSnapshot> fromJson(const nlohmann::json& json);
  bool operator==(const FraudSnapshot&) const = default;
};

// Returns "topic/partition", the key of FraudSnapshot::offsets.
std::string offsetKey(std::string_view topic, int partition);

}  // namespace staylab::fraud
