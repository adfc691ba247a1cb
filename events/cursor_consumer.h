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
// Thread safety: see Consumer.
class CursorConsumer : public Consumer {
 public:
  [[nodiscard]] Result<size_t> step(size_t max_events) final;
  [[nodiscard]] Result<int64_t> lag() final;
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
  // offset after each run unless naive(); calls committed() for each commit.
  [[nodiscard]] virtual Result<void> applyRuns(const std::vector<std::vector<LogRecord>>& runs) = 0;
  // Writes a naive consumer's offsets in a commit of their own.
  [[nodiscard]] virtual Result<void> writeOffsets(const NaiveOffsets::Offsets& offsets) = 0;

  bool naive() const { return m_naive.has_value(); }
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

  PartitionCursor m_cursor;
  size_t m_max_batch;
  std::optional<NaiveOffsets> m_naive;  // With ConsumerDelivery::Naive only.
  bool m_replaying = false;             // replay() reports nothing.
};

}  // namespace staylab
