#pragma once

// An awaitable sub-coroutine of a simulated process: a step of a process
// written as a function of its own, so that a process can be composed of
// layers that each wrap the rest (`co_await next()`), as the request
// pipeline's patterns do.
//
//   Task<bool> acquireBoth(Resource& a, Resource& b) {
//     const bool first = co_await a.acquire();   // see simulation.h (GCC 12.2)
//     ...
//     co_return both;
//   }
//   Process request(...) {
//     Task<bool> both = acquireBoth(db, log);
//     const bool granted = co_await both;
//   }
//
// A Task starts when it is awaited (lazy start) and runs on the awaiting
// process's stack of frames: it suspends and resumes through the kernel like
// the process itself, and when it returns, the awaiting coroutine resumes at
// once (symmetric transfer), without an event of its own. So splitting a
// process into tasks changes neither its virtual times nor the order of the
// kernel's events.
//
// Lifetime: the Task object owns its frame. Await it once, as a named local,
// and keep it until it has returned; destroying a Task that is suspended (its
// process destroyed with the Simulation) destroys its frame and its locals.
// Exceptions do not cross the kernel: one escaping a task calls
// std::terminate.

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>

#include "simulator/kernel/simulation.h"

namespace staylab::sim {

namespace detail {

// What every Task promise shares: the frame allocator of processes, lazy
// start, and resuming the awaiting coroutine on return.
struct TaskPromiseBase {
  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> handle) const noexcept {
      return handle.promise().continuation;
    }
    void await_resume() const noexcept {}
  };

  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() const noexcept { std::terminate(); }
  static void* operator new(std::size_t size) { return allocateFrame(size); }
  static void operator delete(void* frame, std::size_t size) noexcept {
    deallocateFrame(frame, size);
  }

  std::coroutine_handle<> continuation = std::noop_coroutine();
};

template <typename T>
struct TaskPromise : TaskPromiseBase {
  template <typename Value>
  void return_value(Value&& value) {
    result.emplace(std::forward<Value>(value));
  }
  T take() { return std::move(*result); }

  std::optional<T> result;
};

template <>
struct TaskPromise<void> : TaskPromiseBase {
  void return_void() const noexcept {}
  void take() const noexcept {}
};

}  // namespace detail

template <typename T = void>
class Task {
 public:
  struct promise_type : detail::TaskPromise<T> {
    Task get_return_object() noexcept {
      return Task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
  };

  Task(Task&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (m_handle)
        m_handle.destroy();
      m_handle = std::exchange(other.m_handle, nullptr);
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (m_handle)
      m_handle.destroy();
  }

  bool await_ready() const noexcept { return false; }
  // Starts the task; the awaiting coroutine resumes when it returns.
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    m_handle.promise().continuation = awaiting;
    return m_handle;
  }
  T await_resume() { return m_handle.promise().take(); }

 private:
  explicit Task(std::coroutine_handle<promise_type> handle) : m_handle(handle) {}

  std::coroutine_handle<promise_type> m_handle;
};

}  // namespace staylab::sim
