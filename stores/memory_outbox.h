#pragma once

#include <algorithm>
#include <vector>

#include "domain/common/event_envelope.h"

namespace staylab {

// The outbox of an in-memory twin: a vector with increasing sequence numbers.
// Not thread-safe; the owning twin holds its own lock around it.
class MemoryOutbox {
 public:
  void append(const std::vector<EventEnvelope>& events) {
    for (const auto& event : events) {
      m_entries.push_back(OutboxEntry{++m_last_sequence, event});
    }
  }
  std::vector<OutboxEntry> peek(size_t limit) const {
    size_t count = std::min(limit, m_entries.size());
    return {m_entries.begin(), m_entries.begin() + static_cast<std::ptrdiff_t>(count)};
  }
  void remove(int64_t up_to_sequence) {
    std::erase_if(m_entries,
                  [&](const OutboxEntry& entry) { return entry.sequence <= up_to_sequence; });
  }
  size_t size() const { return m_entries.size(); }

 private:
  std::vector<OutboxEntry> m_entries;
  int64_t m_last_sequence = 0;
};

}  // namespace staylab
