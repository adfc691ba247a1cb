#pragma once

#include <cstdint>

namespace staylab {

// The platform's architectural patterns that can be switched off, each to
// what teams who skip the pattern really build, so that the simulator can
// measure what the pattern buys. The first value of each enum is the
// pattern itself and the default; with every default the platform behaves
// exactly as if these switches did not exist.

// How searches are answered.
enum class QueryModel {
  ReadModel,    // CQRS: from the search read model, a projection of the log.
  Composition,  // API composition: listing store, then booking store, at query time.
};

// How the Listing and Booking contexts get their events to the log.
enum class EventPublication {
  Outbox,     // Transactional outbox: events commit with the state change; a relay moves them.
  DualWrite,  // The state change commits, then a second write appends the events to the log.
};

// How the consumers of the log (the projections, fraud detection) apply what
// they are delivered.
enum class ConsumerDelivery {
  // Idempotent consumer: offsets commit with the effect; duplicates are recognised.
  Idempotent,
  // Every delivered event is applied; offsets are committed apart, now and then.
  Naive,
};

// What a consumer of the log does with an event it cannot apply (poison: a
// malformed payload, an unsupported schema version, an effect its store
// refuses).
enum class PoisonHandling {
  // Dead-letter topic: the event is tried again at the consumer's next steps,
  // up to PoisonPolicy::attempts tries; then it is appended with the error to
  // the topic "<topic>.dlq" of the log, recorded as poison in the consumer's
  // store and passed.
  DeadLetter,
  // Retried for ever: tried again at every step, so the consumer's partition
  // stops behind it (head-of-line blocking) while its other partitions go on.
  Block,
  // Recorded as poison in the consumer's store and passed at once, without a
  // dead-letter topic: a consumer built on its own, over a log without one.
  Skip,
};

struct PoisonPolicy {
  PoisonHandling handling = PoisonHandling::DeadLetter;  // Default: DeadLetter.
  // DeadLetter: tries before the event is dead-lettered, one per step, >= 1.
  // Default: 3.
  int attempts = 3;
};

// Whether the listing service keeps listings in an in-memory cache
// (cache-aside), and how an entry goes stale.
enum class CacheInvalidation {
  OnUpdate,  // A write of the listing drops its entry: no view is older than the store.
  TtlOnly,   // An entry lives its TTL whatever is written meanwhile.
};

struct ListingCachePolicy {
  bool enabled = false;                                          // Default: no cache.
  int64_t ttl_nanos = 5'000'000'000;                             // Default: 5 s.
  CacheInvalidation invalidation = CacheInvalidation::OnUpdate;  // Default: OnUpdate.
};

// How PlaceBooking reaches the booking service.
enum class BookingIntake {
  // The gateway calls the booking service and answers with its outcome.
  Synchronous,
  // Queue-based load leveling: the gateway appends the command to a queue
  // (a topic of the event log) and answers "accepted" with a status id; a
  // worker drains the queue, and the caller polls the status for the outcome.
  Queued,
};

struct PlatformPatterns {
  QueryModel query_model = QueryModel::ReadModel;             // Default: ReadModel.
  EventPublication publication = EventPublication::Outbox;    // Default: Outbox.
  ConsumerDelivery delivery = ConsumerDelivery::Idempotent;   // Default: Idempotent.
  ListingCachePolicy listing_cache;                           // Default: off.
  BookingIntake booking_intake = BookingIntake::Synchronous;  // Default: Synchronous.
  PoisonPolicy poison;                                        // Default: DeadLetter, 3 tries.
};

// How often a naive consumer commits its offsets, in nanoseconds of the
// platform's Clock, in the manner of Kafka's enable.auto.commit (whose
// auto.commit.interval.ms defaults to 5000).
inline constexpr int64_t kAutoCommitIntervalNanos = 5'000'000'000;

}  // namespace staylab
