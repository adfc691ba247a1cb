#pragma once

#include <functional>
#include <string>
#include <vector>

#include "domain/ports/event_log.h"
#include "domain/ports/outbox.h"

namespace staylab {

// Moves committed events from the contexts' outboxes to the event log.
//
// Each step peeks a bounded batch from each outbox, appends it to the log in
// one atomic append, and only then removes it from the outbox. A crash
// between the two leaves the batch in the outbox, so it is appended again on
// restart: delivery is at least once, and consumers recognise the duplicate
// by its event id. Nothing uncommitted can be published, since outboxes only
// ever hold committed rows.
//
// The outboxes are independent: one that cannot be read (its store is down)
// or whose batch cannot be removed does not hold back the others, so a
// booking-store outage does not stop listing changes reaching search.
// Thread safety: not thread-safe; one relay per set of outboxes, driven by one thread.
class OutboxRelay {
 public:
  struct Source {
    std::string name;  // "listing", "booking": for reports.
    OutboxSource* outbox;
  };

  OutboxRelay(std::vector<Source> sources, EventLog& log)
      : m_sources(std::move(sources)), m_log(log) {}

  // Moves up to `max_events` events from each outbox; returns how many moved.
  // When an outbox fails, the others are still moved and the step returns
  // the first failure, naming the outbox; movedTotal() counts what moved.
  [[nodiscard]] Result<size_t> step(size_t max_events);
  // Returns how many events this relay has appended to the log so far.
  size_t movedTotal() const { return m_moved_total; }
  // Returns how many events wait in all outboxes.
  [[nodiscard]] Result<size_t> pending();

  // Test hook: called after a batch is appended and before it leaves the
  // outbox, the window in which a crash makes a duplicate.
  void testSetAfterAppend(std::function<void()> hook) { m_test_after_append = std::move(hook); }

 private:
  std::vector<Source> m_sources;
  EventLog& m_log;
  size_t m_moved_total = 0;
  std::function<void()> m_test_after_append;
};

}  // namespace staylab
