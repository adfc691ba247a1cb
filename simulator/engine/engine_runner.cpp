#include "simulator/engine/engine_runner.h"

#include <algorithm>
#include <chrono>

namespace staylab::sim {
namespace {

using WallClock = std::chrono::steady_clock;

// How much virtual time one unpaced slice covers: short enough that pause
// and injected faults take effect quickly at max speed.
constexpr Nanos kMaxSpeedSlice = 50 * kMillisecond;
// How often a paced run wakes up on the wall clock.
constexpr auto kPacingTick = std::chrono::milliseconds(10);

}  // namespace

EngineRunner::EngineRunner(Engine& engine) : m_engine(engine) {
  if (m_engine.atEnd())
    m_state = RunnerState::Finished;
  m_thread = std::thread([this] { loop(); });
}

EngineRunner::~EngineRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
    ++m_generation;
  }
  m_wake.notify_all();
  m_thread.join();
}

void EngineRunner::play() {
  {
    std::lock_guard lock(m_mutex);
    if (m_state == RunnerState::Finished)
      return;
    m_state = RunnerState::Running;
    m_target = -1;
    ++m_generation;
  }
  m_wake.notify_all();
}

void EngineRunner::pause() {
  std::lock_guard lock(m_mutex);
  if (m_state == RunnerState::Running)
    m_state = RunnerState::Paused;
  m_target = -1;
  ++m_generation;
}

void EngineRunner::step(Nanos virtual_time) {
  runTo(m_engine.status().now + std::max<Nanos>(virtual_time, 1));
}

void EngineRunner::runTo(Nanos time) {
  {
    std::lock_guard lock(m_mutex);
    if (m_state == RunnerState::Finished)
      return;
    m_state = RunnerState::Running;
    m_target = time;
    ++m_generation;
  }
  m_wake.notify_all();
}

void EngineRunner::setSpeed(double factor) {
  {
    std::lock_guard lock(m_mutex);
    m_speed = std::max(factor, 0.0);
    ++m_generation;
  }
  m_wake.notify_all();
}

double EngineRunner::speed() const {
  std::lock_guard lock(m_mutex);
  return m_speed;
}

void EngineRunner::post(std::function<void()> task) {
  {
    std::lock_guard lock(m_mutex);
    m_tasks.push_back(std::move(task));
  }
  m_wake.notify_all();
}

RunnerState EngineRunner::state() const {
  std::lock_guard lock(m_mutex);
  return m_state;
}

void EngineRunner::waitUntilIdle() {
  std::unique_lock lock(m_mutex);
  m_idle.wait(lock,
              [this] { return m_state != RunnerState::Running && !m_busy && m_tasks.empty(); });
}

void EngineRunner::loop() {
  std::unique_lock lock(m_mutex);
  // The pacing anchor: virtual time `anchor_virtual` was reached at wall time
  // `anchor_wall`; reset whenever a command changes what the loop does.
  std::uint64_t anchored_generation = ~std::uint64_t{0};
  Nanos anchor_virtual = 0;
  WallClock::time_point anchor_wall;
  while (true) {
    m_wake.wait(lock,
                [this] { return m_stop || m_state == RunnerState::Running || !m_tasks.empty(); });
    if (m_stop)
      return;
    if (!m_tasks.empty()) {
      std::function<void()> task = std::move(m_tasks.front());
      m_tasks.pop_front();
      m_busy = true;
      lock.unlock();
      task();
      lock.lock();
      m_busy = false;
      m_idle.notify_all();
      continue;
    }
    const Nanos target = m_target;
    const double speed = m_speed;
    if (anchored_generation != m_generation) {
      anchored_generation = m_generation;
      anchor_virtual = m_engine.now();
      anchor_wall = WallClock::now();
    }
    m_busy = true;
    lock.unlock();

    Nanos until = 0;
    if (target >= 0 || speed <= 0) {
      until = m_engine.now() + kMaxSpeedSlice;
      if (target >= 0)
        until = std::min(until, target);
    } else {
      const auto wall =
          std::chrono::duration_cast<std::chrono::nanoseconds>(WallClock::now() - anchor_wall);
      until = anchor_virtual + static_cast<Nanos>(static_cast<double>(wall.count()) * speed);
    }
    if (until > m_engine.now())
      m_engine.runUntil(until);
    const bool at_end = m_engine.atEnd();
    const bool reached = target >= 0 && m_engine.now() >= target;
    const bool paced = target < 0 && speed > 0;

    lock.lock();
    m_busy = false;
    if (at_end) {
      m_state = RunnerState::Finished;
    } else if (reached && m_target == target && m_state == RunnerState::Running) {
      m_state = RunnerState::Paused;
      m_target = -1;
    }
    if (m_state != RunnerState::Running) {
      m_idle.notify_all();
      continue;
    }
    if (paced) {
      // Wait for the wall clock to move on, unless a command comes first.
      const std::uint64_t generation = m_generation;
      m_wake.wait_for(lock, kPacingTick, [this, generation] {
        return m_stop || m_generation != generation || !m_tasks.empty();
      });
    }
  }
}

}  // namespace staylab::sim
