#pragma once

// Runs an Engine on a thread of its own, for the desktop app: play, pause,
// step, run to a time, paced to the wall clock at a speed factor or as fast
// as possible. The UI thread never waits for the engine: it sends commands
// here, reads Engine::snapshot() and Engine::status() on a timer, and injects
// faults with Engine::injectFault(); all of those are safe from any thread.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "simulator/engine/engine.h"

namespace staylab::sim {

enum class RunnerState { Paused, Running, Finished };

class EngineRunner {
 public:
  // Starts the thread, paused. `engine` must outlive the runner.
  explicit EngineRunner(Engine& engine);
  // Stops the thread (after the slice it is running).
  ~EngineRunner();
  EngineRunner(const EngineRunner&) = delete;
  EngineRunner& operator=(const EngineRunner&) = delete;

  // Runs until paused or at the end.
  void play();
  void pause();
  // Pauses, then advances `virtual_time` (default 100 ms) and stays paused.
  void step(Nanos virtual_time = 100 * kMillisecond);
  // Runs to `time` (virtual) as fast as possible, then pauses.
  void runTo(Nanos time);
  // Virtual seconds per wall second while playing; 0 means as fast as possible.
  void setSpeed(double factor);
  double speed() const;

  // Runs `task` on the engine's thread between two slices (at once when
  // paused): the way to read the platform's stores (explorers) or change
  // the engine without racing it. Tasks run in the order posted; those still
  // queued when the runner is destroyed are dropped.
  void post(std::function<void()> task);

  RunnerState state() const;
  // Blocks until the runner is paused or finished (tests and the CLI).
  void waitUntilIdle();

 private:
  void loop();

  Engine& m_engine;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  std::condition_variable m_idle;
  RunnerState m_state = RunnerState::Paused;  // GUARDED_BY(m_mutex)
  double m_speed = 1.0;                       // GUARDED_BY(m_mutex)
  Nanos m_target = -1;                        // GUARDED_BY(m_mutex); run-to target, -1 none
  bool m_busy = false;                        // GUARDED_BY(m_mutex); a slice or step running
  bool m_stop = false;                        // GUARDED_BY(m_mutex)
  std::uint64_t m_generation = 0;             // GUARDED_BY(m_mutex); bumps on each command
  std::deque<std::function<void()>> m_tasks;  // GUARDED_BY(m_mutex)
  std::thread m_thread;
};

}  // namespace staylab::sim
