#pragma once

// The discrete-event kernel: a virtual clock in integer nanoseconds, an event
// queue with deterministic tie-breaking, and processes written as C++20
// coroutines (`co_await sim.delay(...)`, `co_await worker.acquire()`).
//
// Thread safety: none. A Simulation and everything attached to it (processes,
// resources) belong to one thread.
//
// Ordering: events run in (time, insertion sequence) order, so two events at
// the same virtual time run in the order they were scheduled (FIFO). Nothing
// depends on addresses or wall-clock time, so the same program with the same
// seeds produces the same sequence of events.
//
// Lifetime: a process's coroutine frame is owned by the Simulation from
// spawn() on; it is freed when the process returns, and a process still
// suspended when the Simulation is destroyed is destroyed with it (its locals'
// destructors run). Objects a process refers to (resources, statistics) must
// therefore outlive either the process or the Simulation. Coroutine parameters
// are copied into the frame, but a capturing lambda's captures are not: write
// processes as free functions or member functions, not capturing lambdas.
//
// Compiler pitfall (GCC 12.2, Debian 12's compiler; GCC bug 106188, fixed in
// 12.3): in a coroutine whose body declares no local variable at function
// scope, a co_await inside an if/while condition is miscompiled and the whole
// body is silently skipped. Bind the result to a local instead:
//   const bool granted = co_await workers.acquire();   // not: if (co_await ...)
//   if (!granted) co_return;

#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <optional>
#include <vector>

namespace staylab::sim {

// Virtual time and durations, in nanoseconds.
using Nanos = std::int64_t;

inline constexpr Nanos kNanosecond = 1;
inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;
inline constexpr Nanos kMinute = 60 * kSecond;
inline constexpr Nanos kHour = 60 * kMinute;

// The latest virtual time: "never". A run ends long before (scenario_limits.h).
inline constexpr Nanos kNever = std::numeric_limits<Nanos>::max();

// Returns time + duration for a non-negative duration, saturating at kNever
// instead of overflowing when a heavy-tailed draw is huge.
constexpr Nanos saturatingAdd(Nanos time, Nanos duration) {
  return duration > kNever - time ? kNever : time + duration;
}

// Returns count * duration for non-negative values, saturating at kNever.
constexpr Nanos saturatingMultiply(std::int64_t count, Nanos duration) {
  return count != 0 && duration > kNever / count ? kNever : count * duration;
}

// Returns a duration in seconds as a double (for reports and formulas).
constexpr double toSeconds(Nanos duration) {
  return static_cast<double>(duration) / static_cast<double>(kSecond);
}

class Simulation;

namespace detail {
// Allocates and frees coroutine frames from per-thread free lists of a few
// size classes: a simulation creates and destroys a frame per request, and
// the general-purpose allocator shows up at ~10% of the kernel's time. The
// lists keep at most a few MiB per class and are freed at thread exit. Under
// AddressSanitizer they are bypassed, so use-after-free is still caught.
void* allocateFrame(std::size_t size);
void deallocateFrame(void* frame, std::size_t size) noexcept;
}  // namespace detail

// The return type of a simulated process. A function returning Process is a
// coroutine; calling it creates the frame suspended (lazy start) and nothing
// runs until the Process is handed to Simulation::spawn(), which schedules its
// first step at the current virtual time. A Process that is never spawned
// frees its frame when destroyed.
//
// An exception escaping a process calls std::terminate (as with std::thread):
// exceptions do not cross the kernel.
class Process {
 public:
  struct promise_type {
    Process get_return_object() noexcept {
      return Process(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    // Unlinks the process from its simulation; the frame is then freed.
    std::suspend_never final_suspend() noexcept;
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
    static void* operator new(std::size_t size) { return detail::allocateFrame(size); }
    static void operator delete(void* frame, std::size_t size) noexcept {
      detail::deallocateFrame(frame, size);
    }

    Simulation* simulation = nullptr;
    promise_type* previous = nullptr;
    promise_type* next = nullptr;
  };

  Process(Process&& other) noexcept : m_handle(other.m_handle) { other.m_handle = nullptr; }
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

 private:
  friend class Simulation;
  explicit Process(std::coroutine_handle<promise_type> handle) : m_handle(handle) {}

  std::coroutine_handle<promise_type> m_handle;
};

// Identifies a scheduled timer so that it can be cancelled. A handle stays
// safe to cancel after its timer fired or was cancelled (a no-op then).
struct TimerHandle {
  void* node = nullptr;
  std::uint64_t generation = 0;
};

// The simulation: virtual clock, event queue and the processes' frames.
// Not copyable or movable: processes and resources keep a pointer to it.
class Simulation {
 public:
  // A plain function pointer and context rather than std::function, so that
  // an event is a small POD entry and scheduling allocates nothing.
  using TimerCallback = void (*)(void* context);

  class DelayAwaiter {
   public:
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) const {
      m_simulation->resumeAt(m_time, handle);
    }
    void await_resume() const noexcept {}

   private:
    friend class Simulation;
    DelayAwaiter(Simulation* simulation, Nanos time) : m_simulation(simulation), m_time(time) {}
    Simulation* m_simulation;
    Nanos m_time;
  };

  Simulation();
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Returns the current virtual time. Starts at 0.
  Nanos now() const noexcept { return m_now; }

  // Takes ownership of a process and schedules its first step at now(), after
  // every event already scheduled for now() (lazy start, FIFO).
  void spawn(Process process);

  // Returns an awaitable that resumes the process `duration` ns from now
  // (at kNever, that is not in this run, when that is later).
  // A zero delay yields to the events already scheduled for now().
  DelayAwaiter delay(Nanos duration) noexcept {
    assert(duration >= 0 && "negative delay");
    return DelayAwaiter(this, saturatingAdd(m_now, duration));
  }
  // Returns an awaitable that resumes the process at absolute time `time`
  // (>= now()).
  DelayAwaiter delayUntil(Nanos time) noexcept {
    assert(time >= m_now && "time in the past");
    return DelayAwaiter(this, time);
  }

  // Runs events until none are left or stop() is called.
  void run();
  // Runs every event whose time is <= `time` (inclusive), then sets the clock
  // to `time`. If stop() is called meanwhile, returns at once and the clock
  // stays at the time of the event that called it. `time` must be >= now().
  void runUntil(Nanos time);
  // Runs exactly one event (cancelled timers are skipped silently). Returns
  // false when the queue is empty.
  bool step();
  // Makes the current run() or runUntil() return after the current event.
  void stop() noexcept { m_stop_requested = true; }

  // Schedules `handle` to be resumed at `time` (>= now()). For awaitables
  // written outside the kernel; the frame must stay suspended until then.
  void resumeAt(Nanos time, std::coroutine_handle<> handle) {
    assert(time >= m_now && "time in the past");
    if (time == m_now) {
      m_ready.push_back(ReadyEntry{nextSequence(EventKind::Resume), handle.address()});
    } else {
      push(time, EventKind::Resume, handle.address());
    }
  }

  // Schedules `callback(context)` at `time` (>= now()). The callback must not
  // throw. Returns a handle for cancelTimer().
  TimerHandle startTimer(Nanos time, TimerCallback callback, void* context);
  // Cancels a pending timer; does nothing if it already fired or was cancelled.
  void cancelTimer(TimerHandle timer) noexcept;

  // Returns the time of the next event, or nothing when the queue is empty.
  std::optional<Nanos> nextEventTime() const noexcept {
    if (!hasEvents())
      return std::nullopt;
    return nextTime();
  }

  // Events dispatched so far (process resumptions and timers that fired;
  // cancelled timers are not counted).
  std::uint64_t eventsProcessed() const noexcept { return m_events_processed; }
  // Events scheduled so far, including timers later cancelled.
  std::uint64_t eventsScheduled() const noexcept { return m_sequence; }
  // Entries in the queue, including cancelled timers not yet reached.
  std::size_t eventsPending() const noexcept {
    return m_heap.size() + (m_ready.size() - m_ready_head);
  }
  // Processes spawned and not yet finished.
  std::size_t liveProcesses() const noexcept { return m_live_processes; }

 private:
  friend struct Process::promise_type;

  enum class EventKind : std::uint64_t { Resume = 0, Timer = 1 };

  // One queue entry: 24 bytes, trivially copyable. The insertion sequence is
  // stored shifted left by one with the kind in the low bit, so comparing
  // sequences still compares insertion order.
  struct Event {
    Nanos time;
    std::uint64_t sequence_and_kind;
    void* target;  // A coroutine frame address or a TimerNode.
  };

  struct TimerNode {
    TimerCallback callback = nullptr;
    void* context = nullptr;
    std::uint64_t generation = 0;
    bool cancelled = false;
  };

  // A process resumption due at now() (a start, a zero delay, a resource
  // handed over): queued FIFO beside the heap, which it would otherwise
  // enter and leave at once. Entries keep their sequence so that they
  // interleave correctly with heap entries also due at now().
  struct ReadyEntry {
    std::uint64_t sequence_and_kind;
    void* frame;
  };

  // Compares (time, sequence) as one unsigned 128-bit key: branch-free, and
  // the heap's comparisons on random times are not predictable.
  static bool earlier(const Event& left, const Event& right) noexcept {
    using Key = unsigned __int128;
    const Key left_key =
        (Key{static_cast<std::uint64_t>(left.time)} << 64) | Key{left.sequence_and_kind};
    const Key right_key =
        (Key{static_cast<std::uint64_t>(right.time)} << 64) | Key{right.sequence_and_kind};
    return left_key < right_key;
  }

  std::uint64_t nextSequence(EventKind kind) noexcept {
    return (m_sequence++ << 1) | static_cast<std::uint64_t>(kind);
  }
  void push(Nanos time, EventKind kind, void* target);
  Event popTop() noexcept;
  // Runs the next event (ready queue or heap, whichever is earlier); returns
  // false if it was a cancelled timer. The queues must not both be empty.
  bool dispatchNext();
  bool hasEvents() const noexcept { return m_ready_head < m_ready.size() || !m_heap.empty(); }
  // Returns the time of the next event; hasEvents() must hold.
  Nanos nextTime() const noexcept {
    return m_ready_head < m_ready.size() ? m_now : m_heap.front().time;
  }
  void unlinkProcess(Process::promise_type& promise) noexcept;

  Nanos m_now = 0;
  std::uint64_t m_sequence = 0;
  std::uint64_t m_events_processed = 0;
  bool m_stop_requested = false;
  std::vector<Event> m_heap;        // A 4-ary min-heap ordered by earlier().
  std::vector<ReadyEntry> m_ready;  // FIFO from m_ready_head; all due at m_now.
  std::size_t m_ready_head = 0;
  std::deque<TimerNode> m_timer_nodes;  // Stable addresses; recycled through m_free_timers.
  std::vector<TimerNode*> m_free_timers;
  Process::promise_type* m_first_process = nullptr;
  std::size_t m_live_processes = 0;
};

inline std::suspend_never Process::promise_type::final_suspend() noexcept {
  if (simulation != nullptr)
    simulation->unlinkProcess(*this);
  return {};
}

}  // namespace staylab::sim
