#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
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
#include "fraud/fraud_action.h"
#include "fraud/fraud_graph.h"
#include "fraud/fraud_rules.h"
#include "fraud/fraud_state_store.h"

namespace staylab::fraud {

inline constexpr size_t kDefaultRememberedEventIds = 100'000;

struct FraudDetectorOptions {
  FraudRules rules;
  // How many applied event ids are remembered to drop a redelivered event; the
  // oldest is forgotten first. Beyond the window a redelivery is still harmless:
  // a BookingPlaced whose booking_id is known, or a property event whose
  // aggregate_version is not newer than the last one applied, changes nothing.
  // Default: 100'000. Must be >= 1.
  size_t remembered_event_ids = kDefaultRememberedEventIds;
  // Idempotent recognises redelivered events (above); Naive applies whatever
  // it is given: no event id is remembered, a property event applies whatever
  // its version, and a BookingPlaced whose booking is known is counted again,
  // as another booking (so a repeated delivery can make Velocity fire).
  // Default: Idempotent.
  ConsumerDelivery delivery = ConsumerDelivery::Idempotent;
};

// Everything a detector's store holds about its inputs and findings, read
// whole: for tests and comparisons, never on the path of an event.
struct FraudState {
  std::map<std::string, PropertyRecord> properties;
  // Host -> instrument keys ("payment:..", "device:..", "ip:..") ever declared in
  // the host_signals of the host's properties. Only grows: a host that changes
  // its payout fingerprint still owns the old one as evidence.
  std::map<std::string, std::set<std::string>> host_instruments;
  std::vector<BookingRecord> bookings;         // In applied order.
  std::vector<Suspicion> suspicions;           // In detection order.
  std::vector<std::string> applied_event_ids;  // Oldest first.
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
// with a malformed payload and changes nothing; StoreFailure from the store,
// after which the event may be half written in the caller's open transaction,
// which the caller must roll back (without one, the detector rolls back its own).
// State: kept in a FraudStateStore (keyed tables, see there), read and written
// one key at a time as events need it; the detector itself holds nothing
// between events, so two detectors over one store are one detector. Writes
// land in the store's open transaction when there is one (the consumer's),
// each in a transaction of its own otherwise.
// Memory: what one event reads. The store grows with bookings, properties and
// suspicions (it is a read model of the log); applied event ids are bounded by
// remembered_event_ids.
// Thread safety: none; one owner. Movable, not copyable.
class FraudDetector {
 public:
  // Returns a detector over a store of its own, in memory (the twin): for
  // tests and one-off replays. InvalidInput when an option is out of range.
  [[nodiscard]] static Result<FraudDetector> create(FraudDetectorOptions options = {});
  // Returns a detector over `store`, which must outlive it. InvalidInput when
  // an option is out of range.
  [[nodiscard]] static Result<FraudDetector> open(FraudDetectorOptions options,
                                                  FraudStateStore& store);

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

  // Returns the suspicions, in detection order.
  [[nodiscard]] Result<std::vector<Suspicion>> suspicions() const;
  // Returns the graph's counts (reads the whole graph; see FraudGraph::stats).
  [[nodiscard]] Result<GraphStats> graphStats() const;
  // Returns everything the store holds (reads it whole).
  [[nodiscard]] Result<FraudState> exportState() const;
  const FraudDetectorOptions& options() const { return m_options; }
  FraudStateStore& store() const { return *m_store; }
  // Returns "fraud-v1:<count>:<16 hex>", a hash over the suspicions' ids, rules,
  // subjects and property ids in id order: equal for any two detectors that found
  // the same suspicions, whatever the order or evidence. A naive detector that
  // was given a booking more than once also hashes, per such booking, its id
  // and how many times it holds it, so it differs from a detector given each
  // booking once.
  [[nodiscard]] Result<std::string> canonicalDigest() const;

 private:
  FraudDetector(FraudDetectorOptions options, std::unique_ptr<FraudStateStore> owned,
                FraudStateStore& store)
      : m_options(std::move(options)), m_owned_store(std::move(owned)), m_store(&store) {}

  struct RingChanges;
  bool idempotent() const { return m_options.delivery == ConsumerDelivery::Idempotent; }
  size_t ringSize() const { return static_cast<size_t>(m_options.rules.ring_accounts); }
  FraudGraph graph() const { return FraudGraph(*m_store); }
  Result<Application> applyProperty(const EventEnvelope& event);
  Result<Application> applyBooking(const EventEnvelope& event);
  // Adds the booking to the store and the graph, collecting ring changes.
  Result<void> indexBooking(const BookingRecord& booking, RingChanges& changes);

  Result<void> checkSelfDealing(const BookingRecord& booking, const EventEnvelope& cause,
                                std::vector<FraudAction>& actions);
  Result<void> checkSharedPayment(const std::string& payment, const EventEnvelope& cause,
                                  std::vector<FraudAction>& actions);
  Result<void> checkVelocity(const std::string& guest, int64_t seq, const EventEnvelope& cause,
                             std::vector<FraudAction>& actions);
  Result<void> checkRings(const RingChanges& changes, const EventEnvelope& cause,
                          std::vector<FraudAction>& actions);
  Result<void> checkRingProperty(const BookingRecord& booking, const EventEnvelope& cause,
                                 std::vector<FraudAction>& actions);

  // Records a new suspicion and appends its actions; `mark_reason` non-empty
  // also sends MarkPropertyFraud for `property_id`.
  Result<void> raise(FraudRule rule, Subject subject, nlohmann::json evidence,
                     std::string property_id, const EventEnvelope& cause,
                     const std::string& mark_reason, std::vector<FraudAction>& actions);

  FraudDetectorOptions m_options;
  std::unique_ptr<FraudStateStore> m_owned_store;  // Only when created with a store of its own.
  FraudStateStore* m_store;
};

}  // namespace staylab::fraud
