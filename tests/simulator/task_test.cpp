// Awaitable sub-coroutines (simulator/kernel/task.h): a process split into
// tasks runs at the same virtual times and in the same event order as the
// same process written inline, tasks nest and repeat, and a task suspended
// when the simulation goes away is destroyed with it.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "simulator/kernel/resource.h"
#include "simulator/kernel/simulation.h"
#include "simulator/kernel/task.h"

namespace staylab::sim {
namespace {

// Counts the frames alive: +1 while a probe lives in one.
struct LiveProbe {
  explicit LiveProbe(int& live) : m_live(live) { ++m_live; }
  ~LiveProbe() { --m_live; }
  LiveProbe(const LiveProbe&) = delete;
  LiveProbe& operator=(const LiveProbe&) = delete;
  int& m_live;
};

using Trace = std::vector<std::string>;

void note(Trace& trace, const Simulation& sim, const std::string& what) {
  trace.push_back(what + "@" + std::to_string(sim.now()));
}

// One "call": waits for a server, holds it for `service` and returns the
// time it was granted.
Task<Nanos> call(Simulation& sim, Resource& server, Nanos service, Trace& trace, std::string name) {
  const bool granted = co_await server.acquire();
  note(trace, sim, name + (granted ? " granted" : " refused"));
  const Nanos at = sim.now();
  co_await sim.delay(service);
  server.release();
  co_return at;
}

Process splitIntoTasks(Simulation& sim, Resource& server, Trace& trace, std::string name) {
  co_await sim.delay(5);
  Task<Nanos> first = call(sim, server, 10, trace, name + " first");
  const Nanos first_at = co_await first;
  Task<Nanos> second = call(sim, server, 20, trace, name + " second");
  const Nanos second_at = co_await second;
  note(trace, sim, name + " done " + std::to_string(first_at) + "," + std::to_string(second_at));
}

Process writtenInline(Simulation& sim, Resource& server, Trace& trace, std::string name) {
  co_await sim.delay(5);
  const bool first_granted = co_await server.acquire();
  note(trace, sim, name + " first" + (first_granted ? " granted" : " refused"));
  const Nanos first_at = sim.now();
  co_await sim.delay(10);
  server.release();
  const bool second_granted = co_await server.acquire();
  note(trace, sim, name + " second" + (second_granted ? " granted" : " refused"));
  const Nanos second_at = sim.now();
  co_await sim.delay(20);
  server.release();
  note(trace, sim, name + " done " + std::to_string(first_at) + "," + std::to_string(second_at));
}

TEST(TaskTest, AProcessSplitIntoTasksRunsExactlyAsTheSameProcessInline) {
  auto run = [](bool split) {
    Simulation sim;
    Resource server(sim, 1);
    Trace trace;
    for (const char* name : {"a", "b", "c"}) {
      sim.spawn(split ? splitIntoTasks(sim, server, trace, name)
                      : writtenInline(sim, server, trace, name));
    }
    sim.run();
    trace.push_back("events " + std::to_string(sim.eventsProcessed()) + " scheduled " +
                    std::to_string(sim.eventsScheduled()));
    return trace;
  };
  const Trace inline_trace = run(false);
  EXPECT_EQ(run(true), inline_trace);
  ASSERT_EQ(inline_trace.size(), 10u);
  EXPECT_EQ(inline_trace[8], "c done 25,75@95");
}

Task<int> depth(Simulation& sim, int levels, Trace& trace) {
  if (levels == 0) {
    co_await sim.delay(7);
    co_return 0;
  }
  Task<int> inner = depth(sim, levels - 1, trace);
  const int below = co_await inner;
  note(trace, sim, "level " + std::to_string(levels));
  co_return below + 1;
}

Process nested(Simulation& sim, Trace& trace, int& result) {
  Task<int> top = depth(sim, 3, trace);
  result = co_await top;
}

TEST(TaskTest, NestedTasksReturnInnermostFirstWithoutEventsOfTheirOwn) {
  Simulation sim;
  Trace trace;
  int result = -1;
  sim.spawn(nested(sim, trace, result));
  sim.run();
  EXPECT_EQ(result, 3);
  EXPECT_EQ(trace, (Trace{"level 1@7", "level 2@7", "level 3@7"}));
  // The spawn and the one delay: returning from a task schedules nothing.
  EXPECT_EQ(sim.eventsProcessed(), 2u);
}

Task<> tick(Simulation& sim, Trace& trace, int index) {
  co_await sim.delay(index);
  note(trace, sim, "tick " + std::to_string(index));
}

Process repeated(Simulation& sim, Trace& trace) {
  for (int index = 1; index <= 4; ++index) {
    Task<> step = tick(sim, trace, index);
    co_await step;
  }
  note(trace, sim, "after");
}

TEST(TaskTest, ATaskPerIterationRunsInSequence) {
  Simulation sim;
  Trace trace;
  sim.spawn(repeated(sim, trace));
  sim.run();
  EXPECT_EQ(trace, (Trace{"tick 1@1", "tick 2@3", "tick 3@6", "tick 4@10", "after@10"}));
}

Task<> probedWait(Simulation& sim, Resource& server, int& live) {
  LiveProbe probe(live);
  const bool granted = co_await server.acquire();
  if (granted) {
    co_await sim.delay(1'000);
    server.release();
  }
}

Process probedCaller(Simulation& sim, Resource& server, int& live) {
  LiveProbe probe(live);
  Task<> wait = probedWait(sim, server, live);
  co_await wait;
}

TEST(TaskTest, DestroyingTheSimulationDestroysTasksSuspendedInsideProcesses) {
  int live = 0;
  auto sim = std::make_unique<Simulation>();
  Resource server(*sim, 1);  // Outlives the simulation.
  for (int index = 0; index < 3; ++index)
    sim->spawn(probedCaller(*sim, server, live));
  sim->runUntil(10);
  EXPECT_EQ(live, 6);  // A process frame and a task frame each.
  EXPECT_EQ(server.queueLength(), 2u);
  sim.reset();
  EXPECT_EQ(live, 0);  // And AddressSanitizer sees no leak.
  EXPECT_EQ(server.queueLength(), 0u);
}

TEST(TaskTest, AnUnawaitedTaskFreesItsFrameWithoutRunning) {
  Simulation sim;
  Trace trace;
  { Task<> never = tick(sim, trace, 1); }
  sim.run();
  EXPECT_TRUE(trace.empty());
}

}  // namespace
}  // namespace staylab::sim
