#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "domain/ports/clock.h"
#include "domain/ports/event_log.h"
#include "events/consumer.h"
#include "fraud/fraud_detector.h"
#include "fraud/fraud_snapshot_store.h"

namespace staylab::fraud {

struct FraudConsumerOptions {
  FraudDetectorOptions detector;
  // Topics read, all partitions of each. Their order breaks ties of event time
  // (a property's event before a booking's at the same instant).
  // Default: {"property", "booking"}.
  std::vector<std::string> topics{"property", "booking"};
  // Events per batch during rebuild(). Default: 1000. Must be >= 1.
  size_t rebuild_batch = 1000;
  // A step saves once at least this many events were consumed since the last
  // save; until then offsets and effects stay in memory together, and a crash
  // only makes the log replay them. The snapshot is written whole, so saving
  // less often is what keeps a large state cheap to follow. Default: 1 (every
  // step that consumed an event saves). Must be >= 1. Idempotent only.
  size_t save_every_events = 1;
  // How delivered events are applied; its mode is also the detector's
  // (whatever detector.delivery says). Default: idempotently.
  DeliveryOptions delivery = {};
};

// Feeds fraud detection from the event log and keeps its offsets in the fraud
// snapshot, in the same atomic write as the effects (detector state and pending
// actions). Delivery from the log is at least once; the effect is exactly once,
// because offsets and effects are never saved apart.
//
// Order: a step merges the partitions it reads by (occurred_at, topic order,
// partition), keeping each partition's own order. The suspicions found do not
// depend on this order (see FraudDetector), so a rebuild gives the same
// canonicalDigest() even when partitions were consumed in another interleaving.
//
// Delivery of actions is the application's: it appends each FraudSuspected to
// the log's "fraud" topic and sends each MarkPropertyFraud through the gateway,
// then calls acknowledge(). A crash between delivery and acknowledge() delivers
// again; the ids are deterministic, so that is harmless (consumers deduplicate
// events by id; marking a suspended property again changes nothing).
//
// Saving: offsets, detector state and pending actions are always saved together
// in one atomic write (FraudSnapshotStore::save); save_every_events only makes
// steps save less often. acknowledge(), rebuild() and flush() always save.
//
// With ConsumerDelivery::Naive, what a team that trusts its delivery writes:
// the detector applies whatever it is given (FraudDetectorOptions::delivery),
// every step that consumed events saves the snapshot with its effects but with
// the offsets last committed, and the offsets are committed by a save of their
// own at most once per delivery.auto_commit_interval_nanos of the clock (and at
// flush()), in the manner of Kafka's enable.auto.commit. A crash between the
// two saves makes the next open apply those events again, on top of their
// effects. save_every_events does not apply.
//
// Observation: an ApplyObserver, when set, is told of each event the detector
// applied (FraudDetector::Application::effect) once a save has written its
// effect; what a crash lost before its save is told again when re-applied and
// saved. rebuild() reports nothing.
//
// Errors: InvalidInput for a bad option or a topic missing from the log;
// StoreFailure from the log or the snapshot store. A known event whose payload
// is malformed is skipped (counted in skippedEvents()) rather than blocking the
// partition forever. When a save fails the consumer keeps its newer in-memory
// state (effects and offsets still agree) and retries the save on the next step.
// Lifetime: `log` and `store` must outlive the consumer.
// Thread safety: none; one consumer per store.
class FraudConsumer {
 public:
  // Loads the snapshot from `store` and restores the detector from it.
  [[nodiscard]] static Result<std::unique_ptr<FraudConsumer>> open(
      EventLog& log, FraudSnapshotStore& store, FraudConsumerOptions options = {});

  // Reads up to `max_events` events after the offsets reached, applies them,
  // appends their actions to the pending list and, once save_every_events were
  // consumed since the last save, saves everything in one write. Returns the
  // number of events consumed (skipped ones included); 0 when caught up.
  [[nodiscard]] Result<size_t> step(size_t max_events);
  // Saves the in-memory state when it is ahead of the store (a naive
  // consumer's offsets included); does nothing otherwise.
  [[nodiscard]] Result<void> flush();
  // Returns the actions not yet acknowledged, oldest first.
  const std::vector<FraudAction>& pendingActions() const { return m_pending; }
  // Removes the first `count` pending actions (delivered) and saves.
  // InvalidInput when `count` exceeds the pending actions.
  [[nodiscard]] Result<void> acknowledge(size_t count);
  // Starts from an empty state at offset 0 of every partition and consumes the
  // log up to its end, then saves. Pending actions are regenerated for every
  // suspicion; the app delivers them again, harmlessly. When reading or applying
  // fails the previous state stays in place; when only the save fails the rebuilt
  // state is kept and the next step() saves it.
  [[nodiscard]] Result<void> rebuild();
  // Returns the detector's canonical digest of its suspicions.
  [[nodiscard]] Result<std::string> canonicalDigest() const;
  // Returns "fraud", the name the observer is told.
  static std::string name() { return "fraud"; }
  // Reports each event applied from now on to `observer` (see above); an
  // empty function stops the reports.
  void setApplyObserver(ApplyObserver observer) { m_observer = std::move(observer); }

  const FraudDetector& detector() const { return m_detector; }
  const std::map<std::string, int64_t>& offsets() const { return m_offsets; }
  int64_t skippedEvents() const { return m_skipped_events; }
  // Returns what save() would write (a naive consumer's offsets as last committed).
  FraudSnapshot snapshot() const;

 private:
  FraudConsumer(EventLog& log, FraudSnapshotStore& store, FraudConsumerOptions options,
                FraudDetector detector, FraudSnapshot snapshot);

  bool naive() const { return m_options.delivery.mode == ConsumerDelivery::Naive; }
  // Applies up to `max_events` in memory, without saving.
  Result<size_t> consume(size_t max_events);
  // Writes the snapshot; then reports what it made durable.
  Result<void> save();
  // Naive: makes the in-memory offsets the committed ones, and saves.
  Result<void> commitOffsets();

  EventLog& m_log;
  FraudSnapshotStore& m_store;
  FraudConsumerOptions m_options;
  FraudDetector m_detector;
  std::map<std::string, int64_t> m_offsets;
  std::vector<FraudAction> m_pending;
  int64_t m_skipped_events = 0;
  bool m_unsaved = false;          // In-memory state is ahead of the store.
  size_t m_events_since_save = 0;  // Events consumed since the last save.
  bool m_save_failed = false;      // The last save failed: the next step retries it.
  // Naive: the offsets the store holds, and when they were last committed.
  std::map<std::string, int64_t> m_committed_offsets;
  int64_t m_last_commit_nanos = 0;
  ApplyObserver m_observer;
  std::vector<EventEnvelope> m_unreported;  // Applied, not yet saved; while observed.
  bool m_replaying = false;                 // rebuild() reports nothing.
};

}  // namespace staylab::fraud
