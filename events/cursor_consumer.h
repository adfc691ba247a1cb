#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/ports/clock.h"
#include "domain/ports/event_log.h"
#include "events/consumer.h"

namespace staylab {

// The offsets of a naive consumer (ConsumerDelivery::Naive), in the manner of
// Kafka's enable.auto.commit: kept in memory as the consumer reads, and
// committed to its store by a write of their own once `interval_nanos` of the
// clock have passed since the last commit (and when the consumer is flushed).
// A crash loses what was not committed: the consumer reads those events
// again. Not thread-safe; `clock` must outlive it.
class NaiveOffsets {
 public:
  // (topic, partition) -> the offset to read next.
  using Offsets = std::map<std::pair<std::string, int>, int64_t>;

  NaiveOffsets(const Clock& clock, int64_t interval_nanos)
      : m_clock(clock), m_interval_nanos(interval_nanos), m_last_commit_nanos(clock.nowNanos()) {}

  // Returns the offset to read next in (topic, partition), when read this life.
  std::optional<int64_t> next(const std::string& topic, int partition) const;
  // Records that the consumer read up to `last` and wrote its effect.
  void advance(const LogPosition& last);
  // Returns whether offsets wait for a commit and the interval has passed.
  bool due() const;
  bool pending() const { return m_pending; }
  // Returns every offset read.
  const Offsets& all() const { return m_next; }
  // Records that all() was committed, now.
  void committed();
  // Forgets every offset (the consumer starts again from its store).
  void clear();

 private:
  const Clock& m_clock;
  int64_t m_interval_nanos;
  int64_t m_last_commit_nanos;
  Offsets m_next;
  bool m_pending = false;
};

// The base of a consumer that reads its topics through a PartitionCursor and
// keeps its offsets in its own store, as the projections do. It runs step()
// and lag() over the cursor and, with ConsumerDelivery::Naive, holds the
// NaiveOffsets: read before the stored ones, written through writeOffsets()
// when due after a step and at flush(). The subclass applies the records and
// says through committed() what it committed.
//
// Poison (DeliveryOptions::poison): the subclass asks poisonVerdict() for
// each event it cannot apply. Pass: it records the event as poison and
// passes it, in the same commit as its offset. Hold: it stops that
// partition's run before the event (the offset stays on it), and the next
// steps read that partition one record at a time, to try the event again.
// With DeadLetter the last try first appends the event, with the error, to
// "<topic>.dlq" (DeadLetterRecord in the payload of a "DeadLettered" event
// whose id is the event's id + "/dlq/" + name(), so a crash between that
// append and the commit appends the same id again); with Block every try
// holds. The tries made are kept in memory: a restarted consumer tries anew.
// Thread safety: see Consumer.
class CursorConsumer : public Consumer {
 public:
  [[nodiscard]] Result<size_t> step(size_t max_events) final;
  [[nodiscard]] Result<int64_t> lag() final;
  // Returns the lag of each partition it reads, topics in its order.
  [[nodiscard]] Result<std::vector<PartitionLag>> partitionLags();
  // Returns how many events this instance appended to a dead-letter topic.
  size_t deadLettered() const { return m_dead_lettered; }
  // Returns how many tries of poison this instance held back (each a retry
  // to come, or, with Block, one more step its partition stayed blocked).
  size_t poisonRetries() const { return m_poison_retries; }
  // Returns how many partitions are held at poison now.
  size_t heldPartitions() const { return m_held.size(); }
  // Competing consumers: from now on this instance reads only the partitions
  // dealt to member `member` of `members` (PartitionCursor::assign), and
  // forgets the poison it held on the others. Default: all partitions.
  void assign(int member, int members);
  // Commits a naive consumer's offsets; nothing to do otherwise.
  [[nodiscard]] Result<void> flush() final;

 protected:
  // Reads `topics` of `log` (which must outlive it) at most `max_batch`
  // events per partition read. `delivery.clock` is required with Naive.
  CursorConsumer(EventLog& log, std::vector<std::string> topics, size_t max_batch,
                 const DeliveryOptions& delivery);

  // Returns the next offset of (topic, partition) as the store holds it; 0 when none.
  [[nodiscard]] virtual Result<int64_t> storedOffset(const std::string& topic, int partition) = 0;
  // Applies runs of records (see PartitionCursor) and commits them, with the
  // offset after each run's last passed record unless naive(); calls
  // committed() for each commit. Returns how many records it passed.
  [[nodiscard]] virtual Result<size_t> applyRuns(
      const std::vector<std::vector<LogRecord>>& runs) = 0;
  // Writes a naive consumer's offsets in a commit of their own.
  [[nodiscard]] virtual Result<void> writeOffsets(const NaiveOffsets::Offsets& offsets) = 0;

  bool naive() const { return m_naive.has_value(); }

  enum class PoisonVerdict {
    Pass,  // Record it as poison and pass its offset.
    Hold,  // Stop its partition's run before it: it is tried again later.
  };
  // Decides what to do with `record`, which cannot be applied for `reason`
  // (see the class comment); with DeadLetter the last try appends it to its
  // dead-letter topic first. Errors: StoreFailure when that append fails
  // (the step fails and the next tries again).
  [[nodiscard]] Result<PoisonVerdict> poisonVerdict(const LogRecord& record,
                                                    const std::string& reason);
  // Follows a commit of effects: records a naive consumer's offsets after
  // `lasts`, and reports `applied` (unless replaying).
  void committed(const std::vector<const LogRecord*>& applied,
                 const std::vector<LogPosition>& lasts);
  // For rebuild(), once the store is cleared: reads the log again from the
  // stored offsets (0 by then), `events_per_step` at a time, until caught up,
  // reporting nothing; then flushes.
  [[nodiscard]] Result<void> replay(size_t events_per_step);

 private:
  Result<int64_t> loadOffset(const std::string& topic, int partition);

  // The poison a partition is held at: its offset, the tries made, and
  // whether it went to the dead-letter topic already.
  struct HeldPoison {
    int64_t offset = 0;
    int tries = 0;
    bool dead_lettered = false;
  };

  EventLog& m_log;
  PartitionCursor m_cursor;
  PoisonPolicy m_poison;
  std::map<std::pair<std::string, int>, HeldPoison> m_held;
  size_t m_dead_lettered = 0;
  size_t m_poison_retries = 0;
  size_t m_step_retries = 0;  // Tries on the way to the dead-letter topic, this step.
  size_t m_max_batch;
  std::optional<NaiveOffsets> m_naive;  // With ConsumerDelivery::Naive only.
  bool m_replaying = false;             // replay() reports nothing.
};

}  // namespace staylab
