#include "fraud/fraud_rules.h"

#include <array>
#include <utility>

#include "domain/common/hash.h"
#include "fraud/json_fields.h"

namespace staylab::fraud {
namespace {

constexpr std::array<std::pair<FraudRule, std::string_view>, 4> kRuleNames{{
    {FraudRule::SharedPayment, "shared_payment"},
    {FraudRule::Velocity, "velocity"},
    {FraudRule::SelfDealing, "self_dealing"},
    {FraudRule::Ring, "ring"},
}};

constexpr std::array<std::pair<SubjectKind, std::string_view>, 4> kSubjectNames{{
    {SubjectKind::Account, "account"},
    {SubjectKind::Instrument, "instrument"},
    {SubjectKind::Booking, "booking"},
    {SubjectKind::Property, "property"},
}};

std::string hashedId(std::string_view prefix, std::string_view purpose, FraudRule rule,
                     const Subject& subject) {
  std::string key =
      fmt::format("{}|{}|{}|{}", purpose, toString(rule), toString(subject.kind), subject.id);
  return fmt::format("{}{:016x}", prefix, fnv1a64(key));
}

}  // namespace

Result<void> FraudRules::validate() const {
  if (shared_payment_guests < 2) {
    return invalidInput("shared_payment_guests", "must be at least 2, got {}",
                        shared_payment_guests);
  }
  if (velocity_bookings < 2) {
    return invalidInput("velocity_bookings", "must be at least 2, got {}", velocity_bookings);
  }
  if (velocity_window_nanos <= 0) {
    return invalidInput("velocity_window_nanos", "must be positive, got {}", velocity_window_nanos);
  }
  if (ring_accounts < 2) {
    return invalidInput("ring_accounts", "must be at least 2, got {}", ring_accounts);
  }
  return {};
}

std::string_view toString(FraudRule rule) {
  for (const auto& [value, name] : kRuleNames) {
    if (value == rule) {
      return name;
    }
  }
  return "unknown";
}

std::optional<FraudRule> parseFraudRule(std::string_view name) {
  for (const auto& [value, text] : kRuleNames) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view toString(SubjectKind kind) {
  for (const auto& [value, name] : kSubjectNames) {
    if (value == kind) {
      return name;
    }
  }
  return "unknown";
}

std::optional<SubjectKind> parseSubjectKind(std::string_view name) {
  for (const auto& [value, text] : kSubjectNames) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string suspicionId(FraudRule rule, const Subject& subject) {
  return hashedId("sus_", "suspicion", rule, subject);
}

std::string fraudEventId(FraudRule rule, const Subject& subject) {
  return hashedId("evt_fraud_", "event", rule, subject);
}

std::string fraudCommandId(FraudRule rule, const Subject& subject) {
  return hashedId("cmd_fraud_", "command", rule, subject);
}

nlohmann::json Suspicion::toJson() const {
  return nlohmann::json{
      {"id", id},
      {"rule", std::string(toString(rule))},
      {"subject", {{"kind", std::string(toString(subject.kind))}, {"id", subject.id}}},
      {"evidence", evidence},
      {"detected_at", detected_at_nanos},
      {"property_id", property_id},
      {"caused_by", caused_by},
  };
}

Result<Suspicion> Suspicion::fromJson(const nlohmann::json& json) {
  return json_fields::guarded("suspicion", [&]() -> Result<Suspicion> {
    namespace jf = json_fields;
    constexpr std::string_view kPath = "suspicion";
    Suspicion suspicion;
    suspicion.id = STAYLAB_TRY(jf::string(json, kPath, "id"));
    std::string rule = STAYLAB_TRY(jf::string(json, kPath, "rule"));
    auto parsed_rule = parseFraudRule(rule);
    if (!parsed_rule) {
      return invalidInput("suspicion.rule", "'{}' is not a fraud rule", rule);
    }
    suspicion.rule = *parsed_rule;
    const nlohmann::json* subject = STAYLAB_TRY(jf::object(json, kPath, "subject"));
    std::string kind = STAYLAB_TRY(jf::string(*subject, "suspicion.subject", "kind"));
    auto parsed_kind = parseSubjectKind(kind);
    if (!parsed_kind) {
      return invalidInput("suspicion.subject.kind", "'{}' is not a subject kind", kind);
    }
    suspicion.subject.kind = *parsed_kind;
    suspicion.subject.id = STAYLAB_TRY(jf::string(*subject, "suspicion.subject", "id"));
    suspicion.evidence = *STAYLAB_TRY(jf::object(json, kPath, "evidence"));
    suspicion.detected_at_nanos = STAYLAB_TRY(jf::integer(json, kPath, "detected_at"));
    suspicion.property_id =
        STAYLAB_TRY(jf::string(json, kPath, "property_id", jf::Emptiness::Allowed));
    suspicion.caused_by = STAYLAB_TRY(jf::string(json, kPath, "caused_by"));
    if (suspicion.id != suspicionId(suspicion.rule, suspicion.subject)) {
      return invalidInput("suspicion.id", "'{}' does not match its rule and subject", suspicion.id);
    }
    return suspicion;
  });
}

}  // namespace staylab::fraud
