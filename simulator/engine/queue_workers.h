#pragma once

// The workers of queue-based load leveling (PlatformBuild::load_leveling):
// each takes the next queued booking request and walks it through the
// synchronous booking route past the gateway (booking-service.book, then
// booking-db.write), holding each station's worker for its service time as
// a request would, and places it at the route's commit point (the part
// `booking-queue`). A worker takes one command at a time, so the queue
// drains at the booking store's pace and the store never queues more than
// one request per worker. Its lag in commands is the booking service's lag
// gauge.
//
// Thread safety: the engine's thread only.

#include "simulator/engine/engine_state.h"
#include "simulator/engine/system.h"

namespace staylab::sim {

class QueueWorkers {
 public:
  // `route` is the synchronous route of the queued operation; its hops
  // after the entry are walked by each of `workers` workers.
  QueueWorkers(RunState& state, SystemUnderTest& system, const RoutePlan& route, int workers)
      : m_state(state), m_system(system), m_route(route), m_workers(workers) {}

  // Spawns the workers' processes.
  void start();

  // The part the workers drain, as SystemUnderTest::step() knows it.
  static constexpr std::string_view kPart = "booking-queue";
  // How long an idle worker waits before it looks at the queue again.
  static constexpr Nanos kIdleWait = 10 * kMillisecond;

 private:
  Process work();
  // Reads the queue's depth (untimed) into the booking service's lag gauge;
  // returns the commands waiting, or -1 while it cannot be read.
  std::int64_t observe();

  RunState& m_state;
  SystemUnderTest& m_system;
  const RoutePlan& m_route;
  int m_workers;
  std::int64_t m_claimed = 0;  // Commands the workers are walking now.
  std::int64_t m_last_end = -1;
  std::deque<std::pair<std::int64_t, Nanos>> m_appeared;  // (end count, first seen)
};

}  // namespace staylab::sim
