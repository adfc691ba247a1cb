#pragma once

// An EventPublisher for tests of a dual write: keeps what it is given, or
// refuses everything while told to fail.

#include <cstddef>
#include <vector>

#include "domain/ports/event_publisher.h"

namespace staylab::testing {

class RecordingPublisher final : public EventPublisher {
 public:
  enum class Outcome { Accept, Fail };

  // Decides what the following publish() calls do. Default: Accept.
  void setOutcome(Outcome outcome) { m_outcome = outcome; }

  // Keeps `events`, or counts them as lost and fails with StoreFailure.
  Result<void> publish(const std::vector<EventEnvelope>& events) override {
    ++m_calls;
    if (m_outcome == Outcome::Fail) {
      m_lost += events.size();
      return storeFailure("log.down", "the event log is down");
    }
    m_published.insert(m_published.end(), events.begin(), events.end());
    return {};
  }

  const std::vector<EventEnvelope>& published() const { return m_published; }
  size_t lost() const { return m_lost; }
  size_t calls() const { return m_calls; }

 private:
  Outcome m_outcome = Outcome::Accept;
  std::vector<EventEnvelope> m_published;
  size_t m_lost = 0;
  size_t m_calls = 0;
};

}  // namespace staylab::testing
