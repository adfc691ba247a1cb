#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"

namespace staylab::fraud {

inline constexpr int64_t kNanosPerHour = int64_t{3'600'000'000'000};

// The thresholds of the fraud rules. Every rule compares with ">=": a count equal
// to its threshold fires.
struct FraudRules {
  // SharedPayment: one payment fingerprint used in bookings by at least this many
  // distinct guest accounts (a host's payout fingerprint does not count as a use).
  // Default: 3. Must be >= 2.
  int shared_payment_guests = 3;
  // Velocity: a guest with at least this many BookingPlaced events whose
  // occurred_at lie within one window. Default: 5. Must be >= 2.
  int velocity_bookings = 5;
  // Velocity window, in event time (occurred_at), inclusive at both ends: the
  // bookings fire when last - first <= window. Five bookings spanning exactly 24 h
  // fire; spanning 24 h + 1 ns they do not. Default: 24 h. Must be > 0.
  int64_t velocity_window_nanos = 24 * kNanosPerHour;
  // Ring: a connected group of at least this many accounts (guests and hosts)
  // linked through shared instruments. Default: 4. Must be >= 2.
  int ring_accounts = 4;

  // Returns InvalidInput naming the first threshold out of range.
  [[nodiscard]] Result<void> validate() const;
  bool operator==(const FraudRules&) const = default;
};

enum class FraudRule { SharedPayment, Velocity, SelfDealing, Ring };
// Returns the stable name used in JSON and ids: "shared_payment", "velocity",
// "self_dealing", "ring".
std::string_view toString(FraudRule rule);
std::optional<FraudRule> parseFraudRule(std::string_view name);

// What a suspicion is about.
enum class SubjectKind {
  Account,     // A guest or host handle (Velocity; Ring membership).
  Instrument,  // "payment:<fingerprint>", "device:<id>" or "ip:<address>" (SharedPayment).
  Booking,     // A booking id (SelfDealing).
  Property,    // A property id (Ring: the property's host and a guest are in one ring).
};
// Returns "account", "instrument", "booking" or "property".
std::string_view toString(SubjectKind kind);
std::optional<SubjectKind> parseSubjectKind(std::string_view name);

struct Subject {
  SubjectKind kind = SubjectKind::Account;
  std::string id;
  bool operator==(const Subject&) const = default;
};

// One hit of a rule. A rule records at most one suspicion per subject; its id and
// the ids of what it causes are derived from (rule, subject) alone, so a rebuild
// from the log produces the same ids.
struct Suspicion {
  std::string id;  // "sus_" + 16 hex digits; see suspicionId().
  FraudRule rule = FraudRule::SharedPayment;
  Subject subject;
  // What the detector saw when the rule fired: the accounts, instruments and
  // bookings involved. Lists are sorted and capped at kMaxEvidenceItems, with a
  // "..._total" count beside a capped list.
  nlohmann::json evidence;
  int64_t detected_at_nanos = 0;  // occurred_at of the triggering event.
  std::string property_id;        // Empty when the suspicion concerns no one property.
  std::string caused_by;          // event_id of the triggering event.

  nlohmann::json toJson() const;
  // Validates every field; InvalidInput names the first bad one. Never throws.
  static Result<Suspicion> fromJson(const nlohmann::json& json);
  bool operator==(const Suspicion&) const = default;
};

inline constexpr size_t kMaxEvidenceItems = 100;

// Deterministic ids: FNV-1a 64 of the rule and subject, as 16 hex digits.
std::string suspicionId(FraudRule rule, const Subject& subject);
std::string fraudEventId(FraudRule rule, const Subject& subject);    // "evt_fraud_..."
std::string fraudCommandId(FraudRule rule, const Subject& subject);  // "cmd_fraud_..."

}  // namespace staylab::fraud
