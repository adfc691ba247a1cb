#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/command_context.h"
#include "domain/common/event_envelope.h"
#include "domain/common/platform_patterns.h"
#include "domain/listing/listing_service.h"
#include "events/consumer.h"
#include "fraud/entity_graph.h"
#include "fraud/fraud_rules.h"

namespace staylab::fraud {

inline constexpr size_t kDefaultRememberedEventIds = 100'000;
inline constexpr std::string_view kFraudSuspectedType = "FraudSuspected";
inline constexpr std::string_view kFraudTopic = "fraud";
inline constexpr std::string_view kFraudCaller = "fraud-service";

struct FraudDetectorOptions {
  FraudRules rules;
  // How many applied event ids are remembered to drop a redelivered event; the
  // oldest is forgotten first. Beyond the window a redelivery is still harmless:
  // a BookingPlaced whose booking_id is known, or a property event whose
  // aggregate_version is not newer than the last one applied, changes nothing.
  // Default: 100'000 (a few MB). Must be >= 1.
  size_t remembered_event_ids = kDefaultRememberedEventIds;
  // Idempotent recognises redelivered events (above); Naive applies whatever
  // it is given: no event id is remembered, a property event applies whatever
  // its version, and a BookingPlaced whose booking is known is counted again,
  // as another booking (so a repeated delivery can make Velocity fire).
  // Default: Idempotent.
  ConsumerDelivery delivery = ConsumerDelivery::Idempotent;
};

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

// A placed booking as the detector keeps it (from BookingPlaced). Signals are
// empty when absent.
struct BookingRecord {
  std::string booking_id;
  std::string property_id;
  std::string guest_id;
  std::string host_id;
  std::string payment_fingerprint;
  std::string device;
  std::string ip;
  int64_t occurred_at_nanos = 0;
  bool operator==(const BookingRecord&) const = default;
};

struct PropertyRecord {
  std::string host_id;
  int64_t version = 0;  // aggregate_version of the last PropertyCreated/Updated applied.
  bool operator==(const PropertyRecord&) const = default;
};

// Everything the detector needs to continue: the inputs of the graph and the
// rules, and what it has found. The graph, the components and the per-guest
// booking times are derived from it on restore.
struct FraudState {
  std::map<std::string, PropertyRecord> properties;
  // Host -> instrument keys ("payment:..", "device:..", "ip:..") ever declared in
  // the host_signals of the host's properties. Only grows: a host that changes
  // its payout fingerprint still owns the old one as evidence.
  std::map<std::string, std::set<std::string>> host_instruments;
  std::vector<BookingRecord> bookings;        // In applied order.
  std::vector<Suspicion> suspicions;          // In detection order.
  std::deque<std::string> applied_event_ids;  // Oldest first.

  nlohmann::json toJson() const;
  // Validates shape and types; InvalidInput names the bad field. Never throws.
  static Result<FraudState> fromJson(const nlohmann::json& json);
  bool operator==(const FraudState&) const = default;
};

// Fraud detection over listing and booking events: keeps the entity graph and the
// rules' inputs, and turns each new hit of a rule into a Suspicion and the
// actions to deliver.
//
// Events: PropertyCreated / PropertyUpdated (aggregate_type "property";
// payload property_id, host_id, host_signals{payout_fingerprint, device, ip})
// and BookingPlaced (aggregate_type "booking"; booking_id, property_id,
// guest_id, host_id, payment_fingerprint, device, ip). Everything else
// (PropertySuspended, BookingRejected, BookingCancelled, the "fraud" topic's
// own events, unknown types) is ignored and yields nothing. A cancelled booking
// still counts: placing and cancelling quickly is what Velocity looks for.
//
// Rules (thresholds in FraudRules; each fires once per subject, ever):
//   SharedPayment (subject: instrument "payment:<fp>")   the fingerprint's guests reach the
//   threshold. Velocity      (subject: account, the guest)          threshold bookings within the
//   window. SelfDealing   (subject: booking)                     guest == host, or the booking's
//   payment,
//       device or ip is among the host's declared instruments. Also checked again for the host's
//       earlier bookings when a property event declares a new instrument. Yields MarkPropertyFraud.
//   Ring          (subject: account)                     each account whose component reaches
//       the ring size; and (subject: property) each property whose host and one of its guests
//       (another account) are in one ring-sized component. The property one yields
//       MarkPropertyFraud.
// Every rule's condition only becomes true as events add facts, so which
// suspicions exist (ids, rules, subjects, properties) does not depend on how the
// partitions of the two topics interleave; evidence and detected_at record what
// was known at detection and may differ between interleavings.
//
// Deterministic: the same events in the same order give the same state and actions.
// Errors: apply returns InvalidInput (field "payload.<name>") for a known event
// with a malformed payload and changes nothing.
// Memory: grows with bookings, properties and suspicions (it is a read model of
// the log); applied event ids are bounded by remembered_event_ids.
// Thread safety: none; one owner. Movable, not copyable.
class FraudDetector {
 public:
  // Returns InvalidInput when an option is out of range.
  [[nodiscard]] static Result<FraudDetector> create(FraudDetectorOptions options = {});
  // Rebuilds a detector from saved state. InvalidInput when the options are out of
  // range or the state is inconsistent (duplicate suspicion, empty id, or a
  // duplicate booking, which only a naive detector may hold).
  [[nodiscard]] static Result<FraudDetector> restore(FraudDetectorOptions options,
                                                     FraudState state);

  FraudDetector(FraudDetector&&) noexcept = default;
  FraudDetector& operator=(FraudDetector&&) noexcept = default;

  // What applying one event did.
  struct Application {
    std::vector<FraudAction> actions;  // Of its new suspicions, in order.
    // Applied when the event was an input that changed the state; Skipped for
    // an event that is no input or that an idempotent detector recognised.
    EventEffect effect = EventEffect::Skipped;
  };

  // Applies one event; returns the actions its new suspicions cause, in order.
  // An event whose id was already applied changes nothing and yields nothing
  // (unless the detector is naive).
  [[nodiscard]] Result<std::vector<FraudAction>> apply(const EventEnvelope& event);
  // As apply(), also telling whether the event was applied.
  [[nodiscard]] Result<Application> applyEvent(const EventEnvelope& event);

  const std::vector<Suspicion>& suspicions() const { return m_state.suspicions; }
  GraphStats graphStats() const { return m_graph.stats(); }
  const FraudState& state() const { return m_state; }
  const FraudDetectorOptions& options() const { return m_options; }
  // Returns "fraud-v1:<count>:<16 hex>", a hash over the suspicions' ids, rules,
  // subjects and property ids in id order: equal for any two detectors that found
  // the same suspicions, whatever the order or evidence. A naive detector that
  // was given a booking more than once also hashes, per such booking, its id
  // and how many times it holds it, so it differs from a detector given each
  // booking once.
  std::string canonicalDigest() const;

 private:
  explicit FraudDetector(FraudDetectorOptions options) : m_options(std::move(options)) {}

  struct RingChanges;
  bool idempotent() const { return m_options.delivery == ConsumerDelivery::Idempotent; }
  Result<Application> applyProperty(const EventEnvelope& event);
  Result<Application> applyBooking(const EventEnvelope& event);
  void remember(const std::string& event_id);
  // Adds the booking to the indexes and the graph, collecting ring changes.
  void indexBooking(size_t booking_index, RingChanges& changes);
  void linkHostInstrument(const std::string& host, const std::string& instrument,
                          RingChanges& changes);

  void checkSelfDealing(size_t booking_index, const EventEnvelope& cause,
                        std::vector<FraudAction>& actions);
  void checkSharedPayment(const std::string& payment, const EventEnvelope& cause,
                          std::vector<FraudAction>& actions);
  void checkVelocity(const std::string& guest, size_t booking_index, const EventEnvelope& cause,
                     std::vector<FraudAction>& actions);
  void checkRings(const RingChanges& changes, const EventEnvelope& cause,
                  std::vector<FraudAction>& actions);
  void checkRingProperty(size_t booking_index, const EventEnvelope& cause,
                         std::vector<FraudAction>& actions);

  bool isFlagged(FraudRule rule, const Subject& subject) const;
  // Records a new suspicion and appends its actions; `mark_reason` non-empty
  // also sends MarkPropertyFraud for `property_id`.
  void raise(FraudRule rule, Subject subject, nlohmann::json evidence, std::string property_id,
             const EventEnvelope& cause, const std::string& mark_reason,
             std::vector<FraudAction>& actions);

  FraudDetectorOptions m_options;
  FraudState m_state;
  EntityGraph m_graph;
  // Derived from m_state.
  std::unordered_set<std::string> m_applied_ids;
  std::unordered_map<std::string, size_t> m_booking_index;
  std::unordered_map<std::string, std::vector<size_t>> m_bookings_by_guest;
  std::unordered_map<std::string, std::vector<size_t>> m_bookings_by_host;
  std::unordered_map<std::string, std::vector<size_t>> m_bookings_by_payment;
  std::unordered_map<std::string, std::set<std::string>> m_payment_guests;
  // Guest -> (occurred_at, booking index), sorted.
  std::unordered_map<std::string, std::vector<std::pair<int64_t, size_t>>> m_guest_times;
  std::unordered_map<std::string, size_t> m_suspicion_index;  // "rule|kind|id" -> index.
};

}  // namespace staylab::fraud
