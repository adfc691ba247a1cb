#pragma once

// Delivery faults of the event log, as a decorator consumers read through.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ports/event_log.h"
#include "simulator/faults/fault_board.h"
#include "simulator/kernel/simulation.h"

namespace staylab::sim {

// An EventLog that wraps another by reference and applies the delivery faults of the
// FaultBoard to what read() returns, per topic. append(), topics() and endOffset() forward
// unchanged, and so does read() for a topic without delivery faults.
//
// read(topic, partition, from, limit) reads from the wrapped log, then, in this order:
// - delay: a record becomes visible once (occurred_at_nanos - epoch_nanos) + delay >=
//   board.now(), with delay +- uniform jitter drawn once per record (from the record's topic,
//   partition and offset, so re-reading a record gives it the same delay). The first record not
//   yet visible and every record after it in the partition are withheld: the read returns the
//   visible prefix, so nothing is lost or overtaken, it arrives late. `epoch_nanos` is what the
//   platform's Clock read at virtual time 0, so virtual time = occurred_at_nanos - epoch_nanos.
// - duplicate: each record, with the topic's probability, is delivered twice in a row (same
//   position and content), counted by FaultBoard::countDuplicate. The result never exceeds
//   `limit` records: records pushed past it are left for the next read.
// - reorder: the records are shuffled in consecutive chunks of `window` records (Fisher-Yates),
//   so no record moves outside its chunk; FaultBoard::countReordered counts those whose offset
//   changed place.
// Duplicates and reordering draw from FaultBoard::generator(topic), so the result is
// deterministic for a given seed and sequence of calls.
//
// Consumers see at-least-once delivery with every offset eventually delivered; a consumer that
// stores "last record's offset + 1" may re-read records after a reorder, never skip one.
//
// Thread safety: none (the board is single-threaded). `inner` and `board` must outlive this.
class DeliveryFaultLog final : public EventLog {
 public:
  DeliveryFaultLog(EventLog& inner, FaultBoard& board, Nanos epoch_nanos);

  EventLog& inner() { return m_inner; }
  Nanos epochNanos() const { return m_epoch_nanos; }
  // Moves virtual time 0 (the platform's clock is known only after seeding).
  void setEpochNanos(Nanos epoch_nanos) { m_epoch_nanos = epoch_nanos; }

  std::map<std::string, int> topics() const override;
  [[nodiscard]] Result<std::vector<LogPosition>> append(
      const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<std::vector<LogRecord>> read(std::string_view topic, int partition,
                                                    int64_t from_offset, size_t limit) override;
  [[nodiscard]] Result<int64_t> endOffset(std::string_view topic, int partition) override;

 private:
  // Drops the first record not yet visible under a delay fault and all after it.
  void applyDelay(std::string_view topic, int partition, std::vector<LogRecord>& records);
  // Returns `records` with duplicates inserted, at most `limit` long.
  std::vector<LogRecord> applyDuplicates(std::string_view topic, std::vector<LogRecord> records,
                                         size_t limit);
  void applyReorder(std::string_view topic, std::vector<LogRecord>& records);

  EventLog& m_inner;
  FaultBoard& m_board;
  Nanos m_epoch_nanos;
};

}  // namespace staylab::sim
