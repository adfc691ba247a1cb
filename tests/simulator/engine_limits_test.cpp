// The engine at the edges of what virtual time and memory can hold: rates
// whose gaps overflow int64 nanoseconds, sample intervals that would make
// millions of points, injected faults past the scenario limits.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "simulator/engine/engine.h"
#include "simulator/scenario/scenario_limits.h"
#include "simulator/scenario/scenario_parser.h"
#include "tests/simulator/engine_support.h"

namespace staylab::sim {
namespace {

using testing::optionsFor;
using testing::parseOrFail;
using testing::ScenarioDir;

Scenario mmc(std::string_view duration) {
  return parseOrFail(fmt::format(R"(schema: 1
name: limits
description: An M/M/c station at the limits.
duration: {0}
topology: {{ file: mmc }}
load:
  - {{ phase: p, for: {0}, arrivals: {{ kind: poisson, rate: 9/s }},
      mix: {{ search: 100, view: 0, book: 0, cancel: 0, edit: 0 }} }}
)",
                                 duration));
}

class EngineLimitsTest : public ::testing::Test {
 protected:
  EngineOptions options() const { return optionsFor(m_dir.path()); }
  ScenarioDir m_dir;
};

// A scenario built in code skips the parser's floor on rates: the engine
// itself must not overflow. At 1e-10/s the first gap is 1e19 ns, past
// int64; converted, it used to wrap to a time in the past, so arrivals came
// at time 0 without end.
TEST_F(EngineLimitsTest, ARateWhoseGapOverflowsNanosecondsBringsNoArrivalAndEnds) {
  for (const ArrivalKind kind : {ArrivalKind::Constant, ArrivalKind::Poisson}) {
    Scenario scenario = mmc("10s");
    scenario.load[0].arrivals.kind = kind;
    scenario.load[0].arrivals.rate = 1e-10;
    auto engine = Engine::create(scenario, options());
    ASSERT_TRUE(engine.has_value()) << engine.error().describe();
    // Bounded, so that a regression fails instead of running forever.
    for (int event = 0; event < 100'000 && (*engine)->step(); ++event) {
    }
    EXPECT_TRUE((*engine)->atEnd()) << toString(kind);
    EXPECT_EQ((*engine)->status().requests, 0u) << toString(kind);
  }
}

TEST_F(EngineLimitsTest, ASampleIntervalBelowTheFloorIsRefused) {
  EngineOptions too_fine = options();
  too_fine.sample_interval = 1;
  auto engine = Engine::create(mmc("2s"), too_fine);
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(engine.error().code, "scenario.limit");
  EXPECT_EQ(engine.error().field, "sample_interval");
  EXPECT_NE(engine.error().message.find("the limit is 1ms or longer"), std::string::npos)
      << engine.error().message;
}

TEST_F(EngineLimitsTest, AtMostTenThousandSeriesPointsOverTheRunAsCut) {
  EngineOptions options = this->options();
  options.sample_interval = kMillisecond;
  // 20 s at 1 ms: 20,000 points.
  auto refused = Engine::create(mmc("20s"), options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "sample_interval");
  EXPECT_NE(refused.error().message.find("20000 points"), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("give 2ms or longer"), std::string::npos)
      << refused.error().message;
  options.sample_interval = 2 * kMillisecond;
  EXPECT_TRUE(Engine::create(mmc("20s"), options).has_value());
  // --until cuts the run, and the points with it.
  options.sample_interval = kMillisecond;
  options.until = 10 * kSecond;
  EXPECT_TRUE(Engine::create(mmc("20s"), options).has_value());
}

TEST_F(EngineLimitsTest, SampleIntervalCheckCountsAPartialLastInterval) {
  EXPECT_TRUE(checkSampleInterval(kMillisecond, kMaxSeriesPoints * kMillisecond, "f").has_value());
  const auto over = checkSampleInterval(kMillisecond, kMaxSeriesPoints * kMillisecond + 1, "f");
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().field, "f");
}

TEST_F(EngineLimitsTest, AnOverrideThatMakesAQueueTooLongIsRefusedByName) {
  // mmc's station queues 1,000,000 requests on its one instance: the most
  // one component may hold. A second instance would double it.
  Scenario scenario = mmc("10s");
  scenario.topology.overrides.push_back(ComponentOverride{"station", 2, {}, {}, {}});
  auto refused = Engine::create(scenario, options());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "scenario.limit");
  EXPECT_EQ(refused.error().field, "topology.overrides[0].instances");
  EXPECT_NE(refused.error().message.find("2000000 waiting requests; the limit is 1000000"),
            std::string::npos)
      << refused.error().message;
  scenario.topology.overrides[0].queue = 500'000;
  EXPECT_TRUE(Engine::create(scenario, options()).has_value());
}

// A slow entry link holds every request crossing it: rate x latency of them.
constexpr std::string_view kSlowEntry = R"(schema: 1
name: slow-entry
description: A front station behind a 10 s link from the clients.
components:
  - {name: clients, kind: client}
  - name: front
    kind: gateway
    workers: 1000
    service_times: [{operation: get, distribution: constant, value: 1ms}]
links:
  - {from: clients, to: front, latency: 10s}
routes:
  search: [front.get]
)";

TEST_F(EngineLimitsTest, ArrivalsPastTheRequestsInFlightLimitAreRefusedAsOverloaded) {
  m_dir.write("slow-entry.yaml", kSlowEntry);
  const Scenario scenario = parseOrFail(R"(schema: 1
name: in-flight
description: 100 arrivals a second into a 10 s link.
duration: 30s
topology: { file: ./slow-entry.yaml }
load:
  - { phase: p, for: 20s, arrivals: { kind: constant, rate: 100/s },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
)");
  // Unlimited in practice: about 1,000 in flight at the peak, all answered.
  const RunReport free = testing::runToEnd(scenario, options());
  EXPECT_EQ(testing::errorsOfKind(free.metrics, "front", "get", RequestError::Overloaded), 0u);
  EXPECT_EQ(free.metrics.findOperation("front", "get")->count, 1999u);

  EngineOptions limited = options();
  limited.max_requests_in_flight = 300;
  const RunReport report = testing::runToEnd(scenario, limited);
  const std::uint64_t refused =
      testing::errorsOfKind(report.metrics, "front", "get", RequestError::Overloaded);
  EXPECT_GT(refused, 1000u);
  EXPECT_EQ(report.metrics.findOperation("front", "get")->count, 1999u);  // Each one answered.
  EXPECT_EQ(report.metrics.findOperation("front", "get")->errors, refused);
}

TEST_F(EngineLimitsTest, AnInjectedPoisonFaultIsHeldToTheScenarioLimit) {
  auto engine = Engine::create(mmc("10s"), options());
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  FaultSpec poison;
  poison.kind = FaultKind::PoisonEvent;
  poison.target = "booking";
  poison.count = kMaxPoisonEvents + 1;
  const auto refused = (*engine)->injectFault(poison);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "fault.count");
  EXPECT_NE(refused.error().message.find("the limit is 10000"), std::string::npos)
      << refused.error().message;
}

}  // namespace
}  // namespace staylab::sim
