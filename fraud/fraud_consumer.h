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
#include "fraud/fraud_state_store.h"

namespace staylab::fraud {

struct FraudConsumerOptions {
  FraudDetectorOptions detector;
  // Topics read, all partitions of each. Their order breaks ties of event time
  // (a property's event before a booking's at the same instant).
  // Default: {"property", "booking"}.
  std::vector<std::string> topics{"property", "booking"};
  // Events per batch during rebuild(). Default: 1000. Must be >= 1.
  size_t rebuild_batch = 1000;
  // A step commits once at least this many events were consumed since the
  // last commit; until then offsets and effects wait together in the store's
  // open transaction, and a crash only makes the log replay them. Committing
  // less often saves a commit's fsync per step. Default: 1 (every step that
  // consumed an event commits). Must be >= 1. Idempotent only.
  size_t save_every_events = 1;
  // How delivered events are applied; its mode is also the detector's
  // (whatever detector.delivery says). Default: idempotently.
  DeliveryOptions delivery = {};
};

// Feeds fraud detection from the event log and keeps its offsets in fraud
// detection's store, in the same transaction as the effects (detector state
// and pending actions). Delivery from the log is at least once; the effect is
// exactly once, because offsets and effects are never committed apart.
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
// Committing: a step opens a transaction on the store when none is open; the
// detector's writes, the offsets and the pending actions go into it, and a
// commit makes them durable together. save_every_events only makes steps
// commit less often. acknowledge(), rebuild() and flush() always commit.
// Opening reads only the position (offsets, pending actions, a counter):
// the state itself is read key by key as events need it.
//
// With ConsumerDelivery::Naive, what a team that trusts its delivery writes:
// the detector applies whatever it is given (FraudDetectorOptions::delivery),
// every step that consumed events commits its effects but with the offsets
// last committed, and the offsets are committed by a transaction of their own
// at most once per delivery.auto_commit_interval_nanos of the clock (and at
// flush()), in the manner of Kafka's enable.auto.commit. A crash between the
// two commits makes the next open apply those events again, on top of their
// effects. save_every_events does not apply.
//
// Observation: an ApplyObserver, when set, is told of each event the detector
// applied (FraudDetector::Application::effect) once a commit has made its
// effect durable; what a crash lost before its commit is told again when
// re-applied and committed. rebuild() reports nothing.
//
// Errors: InvalidInput for a bad option or a topic missing from the log;
// StoreFailure from the log or the store. A known event whose payload is
// malformed is skipped (counted in skippedEvents()) rather than blocking the
// partition forever. When applying an event or committing fails, the open
// transaction is rolled back and the consumer goes back to the store's last
// committed position: the log delivers those events again at the next step.
// Lifetime: `log` and `store` must outlive the consumer; destroying the
// consumer rolls back what it had not committed.
// Thread safety: none; one consumer per store.
class FraudConsumer {
 public:
  // Reads the consumer's position from `store` and opens the detector over it.
  [[nodiscard]] static Result<std::unique_ptr<FraudConsumer>> open(
      EventLog& log, FraudStateStore& store, FraudConsumerOptions options = {});
  ~FraudConsumer();
  FraudConsumer(const FraudConsumer&) = delete;
  FraudConsumer& operator=(const FraudConsumer&) = delete;

  // Reads up to `max_events` events after the offsets reached, applies them,
  // appends their actions to the pending list and, once save_every_events were
  // consumed since the last commit, commits everything in one transaction.
  // Returns the number of events consumed (skipped ones included); 0 when
  // caught up.
  [[nodiscard]] Result<size_t> step(size_t max_events);
  // Commits what the open transaction holds (a naive consumer's offsets
  // included); does nothing when everything is committed.
  [[nodiscard]] Result<void> flush();
  // Returns the actions not yet acknowledged, oldest first.
  const std::vector<FraudAction>& pendingActions() const { return m_pending; }
  // Removes the first `count` pending actions (delivered) and commits.
  // InvalidInput when `count` exceeds the pending actions.
  [[nodiscard]] Result<void> acknowledge(size_t count);
  // Empties the store and consumes the log from offset 0 of every partition
  // to its end, in one transaction, then commits. Pending actions are
  // regenerated for every suspicion; the app delivers them again, harmlessly.
  // When reading, applying or committing fails, the previous state stays.
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
  // Returns what a commit writes as the position (a naive consumer's offsets
  // as last committed).
  ConsumerPosition position() const;

 private:
  FraudConsumer(EventLog& log, FraudStateStore& store, FraudConsumerOptions options,
                FraudDetector detector, ConsumerPosition position);

  bool naive() const { return m_options.delivery.mode == ConsumerDelivery::Naive; }
  // Applies up to `max_events` in the open transaction, without committing.
  Result<size_t> consume(size_t max_events);
  // Writes the position and commits; then reports what it made durable.
  Result<void> save();
  // Naive: makes the in-memory offsets the committed ones, and commits.
  Result<void> commitOffsets();
  // Rolls the open transaction back and returns to the committed position.
  void discardUncommitted();
  // Reads the committed position into memory.
  Result<void> reloadPosition();

  EventLog& m_log;
  FraudStateStore& m_store;
  FraudConsumerOptions m_options;
  FraudDetector m_detector;
  std::map<std::string, int64_t> m_offsets;
  std::vector<FraudAction> m_pending;
  int64_t m_skipped_events = 0;
  bool m_unsaved = false;          // The open transaction holds what is not committed.
  size_t m_events_since_save = 0;  // Events consumed since the last commit.
  bool m_stale = false;            // Going back to the committed position failed: retry.
  // Naive: the offsets the store holds, and when they were last committed.
  std::map<std::string, int64_t> m_committed_offsets;
  int64_t m_last_commit_nanos = 0;
  ApplyObserver m_observer;
  std::vector<EventEnvelope> m_unreported;  // Applied, not yet committed; while observed.
  bool m_replaying = false;                 // rebuild() reports nothing.
};

}  // namespace staylab::fraud
