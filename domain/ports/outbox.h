#pragma once

#include <vector>

#include "domain/common/event_envelope.h"

namespace staylab {

// The read side of a context's transactional outbox, for the relay that moves
// committed events to the event log. Events appear here only once the state
// change that wrote them has committed, in commit order.
class OutboxSource {
 public:
  virtual ~OutboxSource() = default;
  // Returns up to `limit` of the oldest outbox entries, by increasing sequence.
  [[nodiscard]] virtual Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) = 0;
  // Removes every entry with sequence <= `up_to_sequence`.
  [[nodiscard]] virtual Result<void> removeOutbox(int64_t up_to_sequence) = 0;
  // Returns how many entries the outbox holds.
  [[nodiscard]] virtual Result<size_t> outboxSize() = 0;
};

}  // namespace staylab
