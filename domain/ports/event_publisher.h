#pragma once

#include <cassert>
#include <vector>

#include "domain/common/event_envelope.h"
#include "domain/common/platform_patterns.h"

namespace staylab {

// Publishes events straight to the event log, outside any store transaction:
// the second write of a dual write (EventPublication::DualWrite). Nothing
// ties it to the state change committed before it: when it fails, or never
// happens (the process dies in between), the change stays committed and its
// events are lost.
//
// Errors: whatever the log answers (StoreFailure when it is down); an
// implementation says what a failure means for the events.
// Thread safety: implementations are safe to call from any thread.
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  // Publishes `events`, in order.
  [[nodiscard]] virtual Result<void> publish(const std::vector<EventEnvelope>& events) = 0;
};

// How a context's service gets the events of a state change to the log:
// - EventPublication::Outbox (the default): they commit in the store's
//   outbox, in the same transaction as the change; the relay moves them.
// - EventPublication::DualWrite: the change commits alone; then the events
//   go to `publisher` and the service answers its caller whatever the
//   publisher says, as services written this way do. A failed publish loses
//   the events; the publisher is where they are counted.
// A value type; the publisher is not owned and must outlive every copy.
class EventPublishing {
 public:
  // The transactional outbox.
  EventPublishing() = default;
  // The dual write through `publisher`.
  static EventPublishing dualWrite(EventPublisher& publisher) {
    return EventPublishing(EventPublication::DualWrite, &publisher);
  }

  EventPublication mode() const { return m_mode; }
  // Returns whether the events of a change commit in the store's outbox.
  bool throughOutbox() const { return m_mode == EventPublication::Outbox; }
  // Returns the events to commit in the outbox with the change: all of
  // `events` with the outbox, none with a dual write.
  std::vector<EventEnvelope> forOutbox(const std::vector<EventEnvelope>& events) const {
    return throughOutbox() ? events : std::vector<EventEnvelope>();
  }
  // Publishes `events` of a change that has just committed, with a dual
  // write; does nothing with the outbox (the relay will). Its failure is
  // deliberately not the caller's: the change stands either way.
  void afterCommit(const std::vector<EventEnvelope>& events) const {
    if (!throughOutbox() && !events.empty()) {
      (void)m_publisher->publish(events);
    }
  }

 private:
  EventPublishing(EventPublication mode, EventPublisher* publisher)
      : m_mode(mode), m_publisher(publisher) {
    assert((mode == EventPublication::Outbox || publisher != nullptr) &&
           "a dual write needs a publisher");
  }

  EventPublication m_mode = EventPublication::Outbox;
  EventPublisher* m_publisher = nullptr;
};

}  // namespace staylab
