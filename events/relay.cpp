#include "events/relay.h"

#include <optional>

#include "support/crash_point.h"

namespace staylab {

Result<size_t> OutboxRelay::step(size_t max_events) {
  size_t moved = 0;
  std::optional<Error> failure;
  auto fail = [&](const Source& source, Error error) {
    if (!failure) {
      error.message = fmt::format("relay from the {} outbox: {}", source.name, error.message);
      failure = std::move(error);
    }
  };
  for (auto& source : m_sources) {
    auto entries = source.outbox->peekOutbox(max_events);
    if (!entries) {
      fail(source, entries.error());
      continue;
    }
    if (entries->empty()) {
      continue;
    }
    const int64_t last_sequence = entries->back().sequence;
    const size_t count = entries->size();
    std::vector<EventEnvelope> events;
    events.reserve(count);
    for (auto& entry : *entries) {
      events.push_back(std::move(entry.event));
    }
    if (auto appended = m_log.append(events); !appended) {
      fail(source, appended.error());
      continue;
    }
    m_moved_total += count;
    moved += count;
    if (m_test_after_append) {
      m_test_after_append();
    }
    support::crashPoint("relay.after_append");
    // Left in the outbox, the batch is appended again by a later step: a
    // duplicate the consumers recognise, never a loss.
    if (auto removed = source.outbox->removeOutbox(last_sequence); !removed) {
      fail(source, removed.error());
    }
  }
  if (failure) {
    return std::unexpected(std::move(*failure));
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
