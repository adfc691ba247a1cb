#pragma once

// The dual write's second write, held back so that the simulator can run it
// at its own virtual time: while deferring, what the services publish is
// kept instead of appended, and the engine later appends it (the next call
// of the route, to the event log) or drops it (the service's instance died
// between the two writes, or the call failed). Outside execute() it
// publishes at once, as the platform's own publisher does.
//
// Thread safety: the engine's thread only.

#include <cstddef>
#include <vector>

#include "domain/ports/event_publisher.h"

namespace staylab::app {

class DeferredPublisher final : public EventPublisher {
 public:
  // Keeps a reference to `inner`, the platform's publisher, which must
  // outlive this one.
  explicit DeferredPublisher(EventPublisher& inner) : m_inner(inner) {}

  // Keeps the events while deferring; publishes them through `inner` otherwise.
  [[nodiscard]] Result<void> publish(const std::vector<EventEnvelope>& events) override;

  // Starts keeping what is published.
  void defer() { m_deferring = true; }
  // Stops keeping, and returns what was kept since defer().
  std::vector<EventEnvelope> takeDeferred();
  // Publishes kept events now, through `inner` (which counts them lost when
  // the log refuses them).
  [[nodiscard]] Result<void> publishNow(const std::vector<EventEnvelope>& events) {
    return m_inner.publish(events);
  }
  // Counts kept events that will never be published.
  void drop(const std::vector<EventEnvelope>& events) { m_dropped += events.size(); }
  // Returns how many events were dropped since construction.
  std::size_t dropped() const { return m_dropped; }

 private:
  EventPublisher& m_inner;
  bool m_deferring = false;
  std::vector<EventEnvelope> m_kept;
  std::size_t m_dropped = 0;
};

}  // namespace staylab::app
