#pragma once

// The load of a run (DESIGN.md section 3): its phases back to back from time
// 0, each with open-loop arrivals (constant, Poisson; ramp, step and burst by
// thinning) or a closed population with think time, a request mix and Zipf
// popularity over the listings. Each arrival starts a request process of the
// pipeline.
//
// Thread safety: the engine's thread only.

#include <cstddef>
#include <cstdint>

#include "simulator/engine/engine_state.h"
#include "simulator/engine/request_pipeline.h"

namespace staylab::sim {

class LoadGenerator {
 public:
  LoadGenerator(RunState& state, const Scenario& scenario, RequestPipeline& pipeline)
      : m_state(state), m_scenario(scenario), m_pipeline(pipeline) {}

  // Spawns every phase's arrivals or users; returns when the load ends.
  Nanos start();

 private:
  Process openArrivals(std::size_t phase_index, Nanos phase_start);
  Process closedUser(std::size_t phase_index, Nanos phase_start, std::uint64_t user);
  void arrive(std::size_t phase_index, Nanos intended, CompletionSlot* completion);
  UserOperation chooseOperation(const LoadPhase& phase);
  int chooseProperty(std::size_t phase_index);

  RunState& m_state;
  const Scenario& m_scenario;
  RequestPipeline& m_pipeline;
};

}  // namespace staylab::sim
