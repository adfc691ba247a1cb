#pragma once

#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "domain/common/command_context.h"
#include "domain/common/event_envelope.h"
#include "domain/listing/listing_service.h"

namespace staylab::fraud {

inline constexpr std::string_view kFraudSuspectedType = "FraudSuspected";
inline constexpr std::string_view kFraudTopic = "fraud";
inline constexpr std::string_view kFraudCaller = "fraud-service";

// The FraudSuspected event to append to the log's "fraud" topic. Its event_id
// derives from the suspicion's rule and subject, so a redelivery (or a rebuild)
// appends an event consumers already deduplicate by id.
struct PublishFraudSuspected {
  EventEnvelope event;
  bool operator==(const PublishFraudSuspected&) const = default;
};

// The MarkPropertyFraud command to send through the gateway. context.command_id
// derives from the suspicion (stable across redeliveries), correlation_id is the
// triggering event's, caller is "fraud-service".
struct SendMarkPropertyFraud {
  listing::MarkPropertyFraud command;
  CommandContext context;
  bool operator==(const SendMarkPropertyFraud& other) const;
};

// What the application must deliver after a detector step.
using FraudAction = std::variant<PublishFraudSuspected, SendMarkPropertyFraud>;
nlohmann::json fraudActionToJson(const FraudAction& action);
// Validates the shape; InvalidInput names the bad field. Never throws.
Result<FraudAction> fraudActionFromJson(const nlohmann::json& json);

}  // namespace staylab::fraud
