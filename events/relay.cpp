#include "events/relay.h"

namespace staylab {

Result<size_t> OutboxRelay::step(size_t max_events) {
  size_t moved = 0;
  for (auto& source : m_sources) {
    auto entries = STAYLAB_TRY(source.outbox->peekOutbox(max_events));
    if (entries.empty()) {
      continue;
    }
    const int64_t last_sequence = entries.back().sequence;
    std::vector<EventEnvelope> events;
    events.reserve(entries.size());
    for (auto& entry : entries) {
      events.push_back(std::move(entry.event));
    }
    auto appended = m_log.append(events);
    if (!appended) {
      Error error = appended.error();
      error.message = fmt::format("relay from the {} outbox: {}", source.name, error.message);
      return std::unexpected(std::move(error));
    }
    if (m_test_after_append) {
      m_test_after_append();
    }
    STAYLAB_TRY(source.outbox->removeOutbox(last_sequence));
    moved += entries.size();
  }
  return moved;
}

Result<size_t> OutboxRelay::pending() {
  size_t total = 0;
  for (auto& source : m_sources) {
    total += STAYLAB_TRY(source.outbox->outboxSize());
  }
  return total;
}

}  // namespace staylab
