#include "app/sim/deferred_publisher.h"

#include <iterator>
#include <utility>

namespace staylab::app {

Result<void> DeferredPublisher::publish(const std::vector<EventEnvelope>& events) {
  if (!m_deferring)
    return m_inner.publish(events);
  m_kept.insert(m_kept.end(), events.begin(), events.end());
  return {};
}

std::vector<EventEnvelope> DeferredPublisher::takeDeferred() {
  m_deferring = false;
  return std::exchange(m_kept, {});
}

}  // namespace staylab::app
