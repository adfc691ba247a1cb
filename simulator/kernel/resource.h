#pragma once

// A station with `capacity` identical servers and a bounded FIFO queue: a
// service's worker pool, a store's connection slots, SQLite's one writer.
//
//   const bool granted = co_await workers.acquire();  // not inside the `if`:
//   if (!granted) co_return;                          // see simulation.h (GCC 12.2)
//   co_await sim.delay(service_time);
//   workers.release();
//
// Thread safety: none (see simulation.h).
// Lifetime: a Resource may be destroyed before or after its Simulation; a
// process still queued when either goes away is forgotten safely.

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "simulator/kernel/simulation.h"

namespace staylab::sim {

class Resource;

// Time-weighted statistics of a Resource since construction or the last
// resetStats(). Integrals are in (servers or waiters) x ns.
struct ResourceStats {
  int capacity = 0;
  int busy = 0;
  std::size_t queue_length = 0;
  std::size_t max_queue_length = 0;
  std::uint64_t granted_at_once = 0;     // Acquires granted without waiting.
  std::uint64_t granted_after_wait = 0;  // Acquires granted after queueing.
  std::uint64_t rejected = 0;            // Acquires refused because the queue was full.
  std::uint64_t timed_out = 0;           // Acquires whose timeout expired in the queue.
  std::uint64_t released = 0;
  Nanos elapsed = 0;  // Virtual time covered by the integrals.
  double busy_integral = 0.0;
  double queue_integral = 0.0;
  double capacity_integral = 0.0;  // Servers x ns: capacity changes over time.

  // Returns the mean fraction of servers busy (0 when no time has elapsed).
  double utilisation() const;
  // Returns the time-average number of waiters (0 when no time has elapsed).
  double meanQueueLength() const;
};

// The awaitable returned by Resource::acquire(); yields true when a server was
// granted, false when the request was rejected (queue full) or timed out.
// Lives in the awaiting coroutine's frame while it is queued.
class AcquireAwaiter {
 public:
  AcquireAwaiter(const AcquireAwaiter&) = delete;
  AcquireAwaiter& operator=(const AcquireAwaiter&) = delete;
  ~AcquireAwaiter();

  bool await_ready() noexcept;
  void await_suspend(std::coroutine_handle<> handle);
  [[nodiscard]] bool await_resume() const noexcept { return m_granted; }

 private:
  friend class Resource;
  static constexpr Nanos kNoTimeout = -1;

  AcquireAwaiter(Resource* resource, Nanos timeout) : m_resource(resource), m_timeout(timeout) {}
  static void onTimeout(void* context);

  Resource* m_resource;
  Nanos m_timeout;
  std::coroutine_handle<> m_handle;
  AcquireAwaiter* m_previous = nullptr;
  AcquireAwaiter* m_next = nullptr;
  TimerHandle m_timer;
  bool m_queued = false;
  bool m_granted = false;
};

class Resource {
 public:
  static constexpr std::size_t kUnboundedQueue = std::numeric_limits<std::size_t>::max();

  // `capacity` servers (>= 1) and at most `queue_limit` waiters; 0 means a
  // request that cannot be served at once is rejected.
  // Default queue_limit: unbounded.
  Resource(Simulation& simulation, int capacity, std::size_t queue_limit = kUnboundedQueue);
  ~Resource();
  Resource(const Resource&) = delete;
  Resource& operator=(const Resource&) = delete;

  // Returns an awaitable for one server. Granted at once when a server is
  // free (without suspending), rejected at once when the queue is full,
  // otherwise queued FIFO until a release() hands over a server.
  AcquireAwaiter acquire() noexcept { return AcquireAwaiter(this, AcquireAwaiter::kNoTimeout); }
  // Like acquire(), but gives up after `timeout` ns in the queue (the waiter
  // leaves the queue and the result is false). A timeout <= 0 never waits.
  AcquireAwaiter acquireFor(Nanos timeout) noexcept {
    return AcquireAwaiter(this, timeout > 0 ? timeout : 0);
  }

  // Frees a server. If someone is waiting, the server passes straight to the
  // head of the queue, which resumes at now() after the events already
  // scheduled for now(). Must match a granted acquire.
  void release();

  // Changes the number of servers (>= 0) from now on: an instance killed or
  // restarted. Lowering it takes no server from a holder; those above the new
  // capacity are simply not handed on when released. Raising it grants
  // servers to the head of the queue at once. Utilisation integrates against
  // the capacity current at each moment.
  void setCapacity(int capacity);

  int capacity() const noexcept { return m_capacity; }
  int busy() const noexcept { return m_busy; }
  std::size_t queueLength() const noexcept { return m_queue_length; }
  std::size_t queueLimit() const noexcept { return m_queue_limit; }

  // Returns the statistics integrated up to now().
  ResourceStats stats() const;
  // Restarts the integrals and counters at now() (after a warm-up); current
  // busy servers and queue length are kept.
  void resetStats();

 private:
  friend class AcquireAwaiter;

  // Adds the areas since the last change, before busy or queue length change.
  void integrate() noexcept {
    const Nanos now = m_simulation->now();
    const auto span = static_cast<double>(now - m_last_change);
    m_busy_integral += m_busy * span;
    m_capacity_integral += m_capacity * span;
    m_queue_integral += static_cast<double>(m_queue_length) * span;
    m_last_change = now;
  }
  void enqueue(AcquireAwaiter& waiter) noexcept;
  void unlink(AcquireAwaiter& waiter) noexcept;

  Simulation* m_simulation;
  int m_capacity;
  std::size_t m_queue_limit;
  int m_busy = 0;
  std::size_t m_queue_length = 0;
  AcquireAwaiter* m_queue_head = nullptr;
  AcquireAwaiter* m_queue_tail = nullptr;

  Nanos m_stats_start = 0;
  Nanos m_last_change = 0;
  double m_busy_integral = 0.0;
  double m_queue_integral = 0.0;
  double m_capacity_integral = 0.0;
  std::size_t m_max_queue_length = 0;
  std::uint64_t m_granted_at_once = 0;
  std::uint64_t m_granted_after_wait = 0;
  std::uint64_t m_rejected = 0;
  std::uint64_t m_timed_out = 0;
  std::uint64_t m_released = 0;
};

inline bool AcquireAwaiter::await_ready() noexcept {
  Resource& resource = *m_resource;
  if (resource.m_busy < resource.m_capacity && resource.m_queue_head == nullptr) {
    resource.integrate();
    ++resource.m_busy;
    ++resource.m_granted_at_once;
    m_granted = true;
    return true;
  }
  if (m_timeout == 0) {
    ++resource.m_timed_out;
    return true;
  }
  if (resource.m_queue_length >= resource.m_queue_limit) {
    ++resource.m_rejected;
    return true;
  }
  return false;
}

}  // namespace staylab::sim
