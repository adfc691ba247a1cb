#include "simulator/kernel/resource.h"

#include <algorithm>
#include <cassert>

namespace staylab::sim {

double ResourceStats::utilisation() const {
  if (elapsed <= 0 || capacity_integral <= 0)
    return 0.0;
  return busy_integral / capacity_integral;
}

double ResourceStats::meanQueueLength() const {
  if (elapsed <= 0)
    return 0.0;
  return queue_integral / static_cast<double>(elapsed);
}

AcquireAwaiter::~AcquireAwaiter() {
  // Reached while queued only when the frame is destroyed with its Simulation.
  if (m_queued && m_resource != nullptr) {
    m_resource->integrate();
    m_resource->unlink(*this);
    m_resource->m_simulation->cancelTimer(m_timer);
  }
}

void AcquireAwaiter::await_suspend(std::coroutine_handle<> handle) {
  m_handle = handle;
  m_resource->integrate();
  m_resource->enqueue(*this);
  if (m_timeout != kNoTimeout) {
    Simulation& simulation = *m_resource->m_simulation;
    m_timer = simulation.startTimer(simulation.now() + m_timeout, &AcquireAwaiter::onTimeout, this);
  }
}

void AcquireAwaiter::onTimeout(void* context) {
  auto& waiter = *static_cast<AcquireAwaiter*>(context);
  assert(waiter.m_queued);
  Resource& resource = *waiter.m_resource;
  resource.integrate();
  resource.unlink(waiter);
  ++resource.m_timed_out;
  waiter.m_granted = false;
  // Already at the timeout's time inside the event loop: resume directly.
  waiter.m_handle.resume();
}

Resource::Resource(Simulation& simulation, int capacity, std::size_t queue_limit)
    : m_simulation(&simulation),
      m_capacity(capacity),
      m_queue_limit(queue_limit),
      m_stats_start(simulation.now()),
      m_last_change(simulation.now()) {
  assert(capacity >= 1 && "a resource needs at least one server");
}

Resource::~Resource() {
  // Waiters left behind keep their frames suspended; detach them so their
  // destructors do not touch this object, and drop their timeouts.
  for (AcquireAwaiter* waiter = m_queue_head; waiter != nullptr;) {
    AcquireAwaiter* next = waiter->m_next;
    m_simulation->cancelTimer(waiter->m_timer);
    waiter->m_queued = false;
    waiter->m_resource = nullptr;
    waiter->m_previous = nullptr;
    waiter->m_next = nullptr;
    waiter = next;
  }
}

void Resource::enqueue(AcquireAwaiter& waiter) noexcept {
  waiter.m_previous = m_queue_tail;
  waiter.m_next = nullptr;
  if (m_queue_tail != nullptr) {
    m_queue_tail->m_next = &waiter;
  } else {
    m_queue_head = &waiter;
  }
  m_queue_tail = &waiter;
  waiter.m_queued = true;
  ++m_queue_length;
  m_max_queue_length = std::max(m_max_queue_length, m_queue_length);
}

void Resource::unlink(AcquireAwaiter& waiter) noexcept {
  if (waiter.m_previous != nullptr) {
    waiter.m_previous->m_next = waiter.m_next;
  } else {
    m_queue_head = waiter.m_next;
  }
  if (waiter.m_next != nullptr) {
    waiter.m_next->m_previous = waiter.m_previous;
  } else {
    m_queue_tail = waiter.m_previous;
  }
  waiter.m_previous = nullptr;
  waiter.m_next = nullptr;
  waiter.m_queued = false;
  --m_queue_length;
}

void Resource::release() {
  assert(m_busy > 0 && "release without a granted acquire");
  integrate();
  ++m_released;
  AcquireAwaiter* waiter = m_queue_head;
  if (waiter == nullptr || m_busy > m_capacity) {
    --m_busy;
    return;
  }
  // The server passes to the head of the queue: busy stays the same.
  unlink(*waiter);
  waiter->m_granted = true;
  ++m_granted_after_wait;
  if (waiter->m_timeout != AcquireAwaiter::kNoTimeout)
    m_simulation->cancelTimer(waiter->m_timer);
  m_simulation->resumeAt(m_simulation->now(), waiter->m_handle);
}

void Resource::setCapacity(int capacity) {
  assert(capacity >= 0 && "negative capacity");
  integrate();
  m_capacity = capacity;
  while (m_busy < m_capacity && m_queue_head != nullptr) {
    AcquireAwaiter* waiter = m_queue_head;
    unlink(*waiter);
    waiter->m_granted = true;
    ++m_busy;
    ++m_granted_after_wait;
    if (waiter->m_timeout != AcquireAwaiter::kNoTimeout)
      m_simulation->cancelTimer(waiter->m_timer);
    m_simulation->resumeAt(m_simulation->now(), waiter->m_handle);
  }
}

ResourceStats Resource::stats() const {
  const Nanos now = m_simulation->now();
  const auto span = static_cast<double>(now - m_last_change);
  ResourceStats stats;
  stats.capacity = m_capacity;
  stats.busy = m_busy;
  stats.queue_length = m_queue_length;
  stats.max_queue_length = m_max_queue_length;
  stats.granted_at_once = m_granted_at_once;
  stats.granted_after_wait = m_granted_after_wait;
  stats.rejected = m_rejected;
  stats.timed_out = m_timed_out;
  stats.released = m_released;
  stats.elapsed = now - m_stats_start;
  stats.busy_integral = m_busy_integral + m_busy * span;
  stats.queue_integral = m_queue_integral + static_cast<double>(m_queue_length) * span;
  stats.capacity_integral = m_capacity_integral + m_capacity * span;
  return stats;
}

void Resource::resetStats() {
  const Nanos now = m_simulation->now();
  m_stats_start = now;
  m_last_change = now;
  m_busy_integral = 0.0;
  m_queue_integral = 0.0;
  m_capacity_integral = 0.0;
  m_max_queue_length = m_queue_length;
  m_granted_at_once = 0;
  m_granted_after_wait = 0;
  m_rejected = 0;
  m_timed_out = 0;
  m_released = 0;
}

}  // namespace staylab::sim
