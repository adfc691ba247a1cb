#pragma once

// The asynchronous parts of the platform (relay, projections, fraud
// detection) as pollers: every poll interval each reads its lag and, when
// behind, holds a worker for a step's service time (a fixed cost plus a cost
// per event) and then runs one real step. Their lag in events and in time
// feeds the metrics and the run's convergence time.
//
// Thread safety: the engine's thread only.

#include "simulator/engine/engine_state.h"
#include "simulator/engine/system.h"

namespace staylab::sim {

class Pollers {
 public:
  Pollers(RunState& state, SystemUnderTest* system) : m_state(state), m_system(system) {}

  // Spawns the process of every poller.
  void start();
  // Reads a poller's lag (untimed) into its gauges; a crashed part is read
  // too: its lag keeps growing while the log does.
  void observeLag(Poller& poller);
  // Records the convergence time once the load and every fault are over and
  // no consumer is behind.
  void checkConvergence();

 private:
  Process poll(Poller* poller);

  RunState& m_state;
  SystemUnderTest* m_system;
};

}  // namespace staylab::sim
