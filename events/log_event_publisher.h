#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "domain/ports/event_log.h"
#include "domain/ports/event_publisher.h"

namespace staylab {

// The EventPublisher of a dual write: appends straight to an event log (the
// platform's, decorated, so a simulated outage of the log fails it) and
// counts what it could not append. An append is all or nothing, so a failed
// publish loses every event it was given; nothing retries them.
// Thread safety: safe from any thread when the log is.
class LogEventPublisher final : public EventPublisher {
 public:
  // Keeps a reference to `log`, which must outlive the publisher.
  explicit LogEventPublisher(EventLog& log) : m_log(log) {}

  // Appends `events`; on failure counts them as lost and returns the log's error.
  [[nodiscard]] Result<void> publish(const std::vector<EventEnvelope>& events) override {
    auto appended = m_log.append(events);
    if (!appended) {
      m_lost.fetch_add(events.size(), std::memory_order_relaxed);
      return std::unexpected(std::move(appended).error());
    }
    return {};
  }

  // Returns how many events publish() failed to append since construction.
  size_t lostEvents() const { return m_lost.load(std::memory_order_relaxed); }

 private:
  EventLog& m_log;
  std::atomic<size_t> m_lost{0};
};

}  // namespace staylab
