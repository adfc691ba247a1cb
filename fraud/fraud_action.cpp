#include "fraud/fraud_action.h"

#include "fraud/json_fields.h"

namespace staylab::fraud {

namespace jf = json_fields;

bool SendMarkPropertyFraud::operator==(const SendMarkPropertyFraud& other) const {
  return command.property_id == other.command.property_id &&
         command.reason == other.command.reason && context.command_id == other.context.command_id &&
         context.correlation_id == other.context.correlation_id &&
         context.caller == other.context.caller;
}

nlohmann::json fraudActionToJson(const FraudAction& action) {
  if (const auto* publish = std::get_if<PublishFraudSuspected>(&action)) {
    return nlohmann::json{{"action", "publish_fraud_suspected"},
                          {"event", publish->event.toJson()}};
  }
  const auto& send = std::get<SendMarkPropertyFraud>(action);
  return nlohmann::json{
      {"action", "mark_property_fraud"},
      {"property_id", send.command.property_id},
      {"reason", send.command.reason},
      {"command_id", send.context.command_id},
      {"correlation_id", send.context.correlation_id},
      {"caller", send.context.caller},
  };
}

Result<FraudAction> fraudActionFromJson(const nlohmann::json& json) {
  return json_fields::guarded("action", [&]() -> Result<FraudAction> {
    constexpr std::string_view kPath = "action";
    std::string kind = STAYLAB_TRY(jf::string(json, kPath, "action"));
    if (kind == "publish_fraud_suspected") {
      const nlohmann::json* event = STAYLAB_TRY(jf::object(json, kPath, "event"));
      PublishFraudSuspected publish;
      publish.event = STAYLAB_TRY(EventEnvelope::fromJson(*event));
      return FraudAction(std::move(publish));
    }
    if (kind == "mark_property_fraud") {
      SendMarkPropertyFraud send;
      send.command.property_id = STAYLAB_TRY(jf::string(json, kPath, "property_id"));
      send.command.reason = STAYLAB_TRY(jf::string(json, kPath, "reason"));
      send.context.command_id = STAYLAB_TRY(jf::string(json, kPath, "command_id"));
      send.context.correlation_id = STAYLAB_TRY(jf::string(json, kPath, "correlation_id"));
      send.context.caller = STAYLAB_TRY(jf::string(json, kPath, "caller"));
      return FraudAction(std::move(send));
    }
    return invalidInput("action.action", "'{}' is not a fraud action", kind);
  });
}

}  // namespace staylab::fraud
