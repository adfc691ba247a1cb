#pragma once

// The life of one user request (DESIGN.md section 3): it arrives at the
// entry of its route, goes through the resilience layers the patterns give
// (pattern.h), and walks its hops. At each hop it crosses the link from the
// previous component (latency, loss, partition), waits for a worker of the
// component (bounded FIFO queue; full means "rejected") and holds it for the
// hop's service time; the caller keeps its worker while the callee serves (a
// synchronous call). At the end of the deepest hop's service time, its
// commit point, the real operation runs against the real stores through the
// fault decorators.
//
// A request the platform accepts for later (load leveling) answers at once;
// its client then polls the entry for the outcome (awaitOutcome), and the
// time to outcome is recorded apart from the answer's latency.
//
// The stages of a request, each wrapping the next:
//   the request-scope layers (registry order: rate limit, timeout),
//   the entry hop,
//   the call-scope layers, once per call downstream (retry, breaker, bulkhead),
//   the downstream hops.
//
// Thread safety: the engine's thread only.

#include <algorithm>
#include <cstddef>

#include "simulator/engine/engine_state.h"
#include "simulator/engine/system.h"
#include "simulator/kernel/task.h"

namespace staylab::sim {

class RequestPipeline {
 public:
  // `outcome_poll`: how often a client polls the status of a request the
  // platform accepted for later (asynchronous request-reply).
  RequestPipeline(RunState& state, SystemUnderTest* system, ServiceTimeMode mode,
                  std::uint64_t max_requests_in_flight, Nanos outcome_poll)
      : m_state(state),
        m_system(system),
        m_mode(mode),
        m_max_requests_in_flight(max_requests_in_flight),
        m_outcome_poll(std::max<Nanos>(outcome_poll, 1)) {}

  // A request's process, from its intended start to its answer; resumes
  // `completion`'s waiter, when it has one, at the end.
  Process request(const RoutePlan* route, Nanos intended, int property, CompletionSlot* completion);

 private:
  struct Flight;

  static Task<> runStage(void* pipeline, PipelineRequest& request, std::size_t stage);
  Task<> stage(Flight& flight, std::size_t index);
  Task<> entry(Flight& flight, Next next);
  Task<> downstream(Flight& flight);
  // Walks hop `index` of the route: the link to it, then serve(); a call
  // (past the chain) records its own answer.
  Task<> hop(Flight& flight, std::size_t index);
  // Waits for a worker of the hop's component, holds it for the service
  // time and runs the real operation's phase at its commit point; a call
  // gives its worker back at once.
  Task<> serve(Flight& flight, std::size_t index);
  // Runs phase `phase` of the real operation.
  Task<> commit(Flight& flight, int phase, bool measured);
  // Returns the instance of `station` that serves the next request: round
  // robin over the alive ones.
  static InstanceTicket assignInstance(Station& station);
  // Returns false when the instance serving hop `index` died since.
  bool alive(const Flight& flight, std::size_t index) const;
  // Crosses a link; sets the error, or the latency to wait.
  std::optional<RequestError> crossLink(Link& link, Nanos& delay);
  void recordHops(const Flight& flight);
  // An accepted request: the client polls its status at the entry every
  // m_outcome_poll until the outcome is known, then records the time to
  // outcome from its intended start as `<entry operation>-outcome`.
  Task<> awaitOutcome(Flight& flight);

  RunState& m_state;
  SystemUnderTest* m_system;
  ServiceTimeMode m_mode;
  std::uint64_t m_max_requests_in_flight;
  Nanos m_outcome_poll;
};

}  // namespace staylab::sim
