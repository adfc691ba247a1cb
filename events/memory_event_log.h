#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "domain/ports/event_log.h"

namespace staylab {

// The in-memory twin of the event log, for tests of the layers above the port.
class MemoryEventLog final : public EventLog {
 public:
  // `topics`: topic -> number of partitions (each 1..256).
  explicit MemoryEventLog(std::map<std::string, int> topics);

  std::map<std::string, int> topics() const override { return m_topics; }
  Result<std::vector<LogPosition>> append(const std::vector<EventEnvelope>& events) override;
  Result<std::vector<LogRecord>> read(std::string_view topic, int partition, int64_t from_offset,
                                      size_t limit) override;
  Result<int64_t> endOffset(std::string_view topic, int partition) override;

 private:
  Result<const std::vector<EventEnvelope>*> partitionOf(std::string_view topic, int partition);

  const std::map<std::string, int> m_topics;
  mutable std::mutex m_mutex;
  std::map<std::pair<std::string, int>, std::vector<EventEnvelope>>
      m_partitions;  // GUARDED_BY(m_mutex)
};

// Checks what every log adapter requires of an appended envelope.
Result<void> validateForLog(const EventEnvelope& event, const std::map<std::string, int>& topics);
// Checks as validateForLog does and returns the envelope's JSON text
// (EventEnvelope::toJson), which the check has already read back: adapters
// that store the text use this to serialise each event once.
Result<std::string> serialiseForLog(const EventEnvelope& event,
                                    const std::map<std::string, int>& topics);

}  // namespace staylab
