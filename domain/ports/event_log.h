#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/event_envelope.h"

namespace staylab {

// Where an event sits in the log.
struct LogPosition {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;  // 0-based, dense within a partition.
  bool operator==(const LogPosition&) const = default;
};

struct LogRecord {
  LogPosition position;
  EventEnvelope event;
  bool operator==(const LogRecord&) const = default;
};

// The durable, append-only event log. Topics and their partition counts are
// fixed when the log is opened. An event goes to the topic named by its
// aggregate_type, in the partition chosen by partitionFor(aggregate_id), so
// one aggregate's events keep their order. Offsets within a partition are
// dense and start at 0.
//
// Errors: InvalidInput for an unknown topic or partition, or an event whose
// envelope is incomplete; StoreFailure when the engine fails. A failed append
// appends nothing.
// Thread safety: implementations are safe to call from any thread; appends are
// serialised.
class EventLog {
 public:
  virtual ~EventLog() = default;

  // Returns topic -> number of partitions.
  virtual std::map<std::string, int> topics() const = 0;
  // Appends `events` atomically (all or none) and durably, in order; returns
  // their positions in the same order. An adapter on an engine without
  // transactions across partitions (NATS JetStream) appends idempotently
  // instead: a failed append may leave a prefix of each partition's events
  // stored, and appending the same events again stores only the rest, at
  // the offsets they would have had. Callers retry with the same events (the
  // relay retries its outbox batch), so both give each event exactly once.
  [[nodiscard]] virtual Result<std::vector<LogPosition>> append(
      const std::vector<EventEnvelope>& events) = 0;
  // Returns up to `limit` records of one partition starting at `from_offset`.
  [[nodiscard]] virtual Result<std::vector<LogRecord>> read(std::string_view topic, int partition,
                                                            int64_t from_offset, size_t limit) = 0;
  // Returns the offset the next append to the partition will get.
  [[nodiscard]] virtual Result<int64_t> endOffset(std::string_view topic, int partition) = 0;
};

// Returns the partition of `aggregate_id` among `partitions`: FNV-1a 64-bit of
// the id, modulo the count. Stable across runs, builds and machines.
int partitionFor(std::string_view aggregate_id, int partitions);

}  // namespace staylab
