#pragma once

#include <atomic>
#include <cstdint>

namespace staylab {

// The source of "now" for the domain. Thread safety: implementations are safe
// to call from any thread.
class Clock {
 public:
  virtual ~Clock() = default;
  // Returns nanoseconds since 1970-01-01T00:00:00Z.
  virtual int64_t nowNanos() const = 0;
};

// A clock that only moves when told to: for tests and the simulator.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_nanos = 0) : m_now(start_nanos) {}
  int64_t nowNanos() const override { return m_now.load(std::memory_order_relaxed); }
  void set(int64_t nanos) { m_now.store(nanos, std::memory_order_relaxed); }
  void advance(int64_t nanos) { m_now.fetch_add(nanos, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> m_now;
};

}  // namespace staylab
