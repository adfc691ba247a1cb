// The engine over model-only topologies: load shapes, faults on stations and
// links, resilience patterns, validation, determinism and the runner the
// desktop app drives. The real platform's side is in tests/app.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "simulator/engine/engine.h"
#include "simulator/engine/engine_runner.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"
#include "tests/simulator/engine_support.h"

namespace staylab::sim {
namespace {

using testing::countWindow;
using testing::errorsOfKind;
using testing::kTwoTier;
using testing::optionsFor;
using testing::parseOrFail;
using testing::runToEnd;
using testing::ScenarioDir;
using testing::WindowCounts;

std::string twoTierScenario(std::string_view extra, std::string_view load = "poisson, rate: 100/s",
                            std::string_view duration = "30s") {
  return fmt::format(R"(schema: 1
name: two-tier-test
description: A test over the two-tier topology.
seed: 3
duration: {}
topology: {{ file: ./two-tier.yaml }}
load:
  - phase: steady
    for: {}
    arrivals: {{ kind: {} }}
    mix: {{ search: 100, view: 0, book: 0, cancel: 0, edit: 0 }}
{})",
                     duration, duration, load, extra);
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { m_dir.write("two-tier.yaml", kTwoTier); }

  RunReport run(const std::string& text) {
    return runToEnd(parseOrFail(text), optionsFor(m_dir.path()));
  }
  Result<std::unique_ptr<Engine>> create(const std::string& text) {
    return Engine::create(parseOrFail(text), optionsFor(m_dir.path()));
  }

  ScenarioDir m_dir;
};

std::string mmcScenario(std::string_view seconds, std::uint64_t seed = 1) {
  return fmt::format(R"(schema: 1
name: mmc-short
description: M/M/c for a short while.
seed: {}
duration: {}
topology: {{ file: mmc }}
load:
  - {{ phase: p, for: {}, arrivals: {{ kind: poisson, rate: 9/s }},
      mix: {{ search: 100, view: 0, book: 0, cancel: 0, edit: 0 }} }}
)",
                     seed, seconds, seconds);
}

// Runs that exercise every resilience pattern under faults, pinned by the
// FNV-1a digest of their summary.json as the engine gave them before its
// request pipeline and pattern registry were split into their own files. A
// refactor must leave them byte for byte; a change meant to alter them
// updates the digest in the same commit and says why.
struct PinnedRun {
  std::string_view name;
  std::string_view extra;
  std::string_view load;
  std::vector<RequestError> kinds_seen;  // Error kinds the patterns must have produced.
  std::string_view digest;
};

const PinnedRun kPinnedRuns[] = {
    {"retry-timeout",
     R"(patterns:
  retry: { enabled: true, attempts: 3, backoff: 10ms, max_backoff: 40ms, jitter: 0.3 }
  timeout: { enabled: true, after: 60ms }
faults:
  - { at: 2s, for: 10s, kind: store_error_rate, target: store, probability: 0.4 }
  - { at: 15s, for: 5s, kind: store_latency, target: store, latency: 30ms, jitter: 20ms }
)",
     "poisson, rate: 300/s",
     {RequestError::Timeout, RequestError::StoreError},
     "be28fb90089b85da"},
    {"breaker-bulkhead",
     R"(patterns:
  circuit_breaker: { enabled: true, failure_ratio: 0.3, window: 2s, min_requests: 10, open_for: 2s }
  bulkhead: { enabled: true, max_concurrent: 3 }
faults:
  - { at: 5s, for: 8s, kind: store_outage, target: store }
  - { at: 18s, for: 4s, kind: link_latency, from: front, to: store, latency: 20ms }
)",
     "poisson, rate: 400/s",
     {RequestError::CircuitOpen, RequestError::BulkheadFull},
     "de166da41e97a503"},
    {"rate-limit-kill",
     R"(patterns:
  rate_limit: { enabled: true, rate: 150/s, burst: 20 }
faults:
  - { at: 5s, kind: instance_kill, target: front, instances: 1, restart_after: 5s }
  - { at: 12s, for: 3s, kind: link_loss, from: clients, to: front, probability: 0.2 }
)",
     "burst, base: 50/s, rate: 500/s, every: 5s, for: 1s",
     {RequestError::RateLimited, RequestError::LinkLoss},
     "9bc60b793c16bea7"},
    {"all-switched",
     R"(patterns:
  retry: { enabled: false, attempts: 4, backoff: 5ms }
  timeout: { enabled: true, after: 40ms }
  circuit_breaker: { enabled: false, failure_ratio: 0.5, window: 1s, min_requests: 5, open_for: 1s }
  bulkhead: { enabled: false, max_concurrent: 2 }
  rate_limit: { enabled: false, rate: 200/s, burst: 10 }
faults:
  - { at: 3s, for: 20s, kind: store_error_rate, target: store, probability: 0.3 }
switches:
  - { at: 4s, pattern: retry, on: true }
  - { at: 6s, pattern: circuit_breaker, on: true }
  - { at: 9s, pattern: bulkhead, on: true }
  - { at: 12s, pattern: rate_limit, on: true }
  - { at: 16s, pattern: timeout, on: false }
  - { at: 20s, pattern: retry, on: false }
  - { at: 24s, pattern: circuit_breaker, on: false }
)",
     "poisson, rate: 250/s",
     {RequestError::CircuitOpen, RequestError::BulkheadFull, RequestError::RateLimited,
      RequestError::Timeout},
     "9a059989f763eb45"},
};

TEST_F(EngineTest, ResiliencePatternRunsKeepTheirCommittedSummaries) {
  for (const PinnedRun& pinned : kPinnedRuns) {
    const RunReport report = run(twoTierScenario(pinned.extra, pinned.load));
    for (const RequestError kind : pinned.kinds_seen) {
      EXPECT_GT(errorsOfKind(report.metrics, "front", "get", kind), 0u)
          << pinned.name << ": " << toString(kind);
    }
    EXPECT_EQ(fmt::format("{:016x}", fnv1a64(summaryJson(report))), pinned.digest)
        << pinned.name << ": summary.json is no longer the committed one";
  }
}

TEST_F(EngineTest, SameSeedGivesByteIdenticalSummary) {
  const RunReport first = run(mmcScenario("3000s"));
  const RunReport second = run(mmcScenario("3000s"));
  EXPECT_GT(first.metrics.findOperation("station", "serve")->count, 20000u);
  EXPECT_EQ(summaryJson(first), summaryJson(second));
  EXPECT_EQ(timeseriesCsv(first.metrics), timeseriesCsv(second.metrics));
}

TEST_F(EngineTest, AnotherSeedGivesAnotherRun) {
  EXPECT_NE(summaryJson(run(mmcScenario("3000s", 1))), summaryJson(run(mmcScenario("3000s", 2))));
}

TEST_F(EngineTest, ConstantArrivalsComeEvenlySpaced) {
  const RunReport report = run(twoTierScenario("", "constant, rate: 10/s", "10s"));
  const OperationTotals* front = report.metrics.findOperation("front", "get");
  ASSERT_NE(front, nullptr);
  // Arrivals at 0.1 s, 0.2 s, ... 9.9 s (10 s is the phase's end): 99.
  EXPECT_EQ(front->count, 99u);
  // Nothing queues: 1 ms + 1 ms front, 1 ms link, 5 ms store = 8 ms each.
  EXPECT_EQ(front->latency.max, 8 * kMillisecond);
  EXPECT_EQ(front->latency.min, 8 * kMillisecond);
}

TEST_F(EngineTest, RampStepAndBurstFollowTheirRates) {
  const std::string text = R"(schema: 1
name: shapes
description: Three load shapes in a row.
seed: 5
duration: 300s
topology: { file: ./two-tier.yaml }
load:
  - { phase: ramp, for: 100s, arrivals: { kind: ramp, from: 0/s, to: 100/s },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
  - { phase: step, for: 100s, arrivals: { kind: step, from: 10/s, to: 40/s, steps: 4 },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
  - { phase: burst, for: 100s, arrivals: { kind: burst, rate: 200/s, base: 10/s, every: 20s, for: 2s },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
)";
  auto engine = create(text);
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  auto count_until = [&](Nanos time) {
    (*engine)->runUntil(time);
    return (*engine)->snapshot()->findOperation("front", "get")->count;
  };
  // Ramp 0 -> 100/s over 100 s: 5,000 expected. Step 10, 20, 30, 40 for 25 s
  // each: 2,500. Burst: 5 bursts of 2 s at 200/s plus 90 s at 10/s: 2,900.
  const auto ramp = static_cast<double>(count_until(100 * kSecond + 100 * kMillisecond));
  const auto step = static_cast<double>(count_until(200 * kSecond + 100 * kMillisecond)) - ramp;
  const auto burst = static_cast<double>(count_until(300 * kSecond)) - ramp - step;
  EXPECT_NEAR(ramp, 5000, 5000 * 0.06);
  EXPECT_NEAR(step, 2500, 2500 * 0.08);
  EXPECT_NEAR(burst, 2900, 2900 * 0.08);
}

TEST_F(EngineTest, ClosedPopulationFollowsLittlesLaw) {
  // 50 users, each thinking 1 s on average, then waiting ~8 ms for an
  // answer: throughput = N / (Z + R) = 50 / 1.008 = 49.6/s.
  const RunReport report = run(twoTierScenario("", "closed, users: 50, think: 1s", "200s"));
  const OperationTotals* front = report.metrics.findOperation("front", "get");
  ASSERT_NE(front, nullptr);
  const double throughput = static_cast<double>(front->count) / 200.0;
  EXPECT_NEAR(throughput, 50.0 / 1.008, 50.0 / 1.008 * 0.03);
}

TEST_F(EngineTest, StoreOutageFailsRequestsInsideItsWindowOnly) {
  const RunReport report = run(twoTierScenario(R"(faults:
  - { at: 10s, for: 5s, kind: store_outage, target: store }
)"));
  const WindowCounts counts =
      countWindow(report.metrics, "front", "get", 10 * kSecond, 15 * kSecond);
  EXPECT_GT(counts.inside_completions, 300u);
  // Requests that passed before the window opened may still complete in it.
  EXPECT_GE(counts.inside_errors, counts.inside_completions * 99 / 100);
  EXPECT_EQ(counts.outside_errors, 0u);
  EXPECT_GT(counts.outside_completions, 2000u);
  EXPECT_EQ(errorsOfKind(report.metrics, "front", "get", RequestError::StoreOutage),
            report.metrics.findOperation("front", "get")->errors);
  ASSERT_EQ(report.metrics.faults.size(), 1u);
  EXPECT_EQ(report.metrics.faults[0].start, 10 * kSecond);
  EXPECT_EQ(report.metrics.faults[0].end, 15 * kSecond);
}

TEST_F(EngineTest, StoreLatencySlowsRequestsInsideItsWindowOnly) {
  const RunReport report = run(twoTierScenario(R"(faults:
  - { at: 10s, for: 5s, kind: store_latency, target: store, latency: 20ms }
)"));
  // 4 store workers at 25 ms each still serve 160/s: slower, not overloaded.
  const WindowCounts counts =
      countWindow(report.metrics, "front", "get", 10 * kSecond, 15 * kSecond);
  EXPECT_GE(counts.inside_p99_max, 28 * kMillisecond);
  EXPECT_LT(counts.outside_p99_max, 20 * kMillisecond);
  EXPECT_EQ(counts.inside_errors + counts.outside_errors, 0u);
}

TEST_F(EngineTest, StoreErrorRateFailsThatShareOfCalls) {
  const RunReport report = run(twoTierScenario(R"(faults:
  - { at: 0s, for: 30s, kind: store_error_rate, target: store, probability: 0.25 }
)"));
  const OperationTotals* front = report.metrics.findOperation("front", "get");
  EXPECT_NEAR(front->errorRate(), 0.25, 0.03);
  EXPECT_EQ(errorsOfKind(report.metrics, "front", "get", RequestError::StoreError), front->errors);
}

TEST_F(EngineTest, LinkPartitionDropsEverythingAcrossItInsideItsWindow) {
  const RunReport report = run(twoTierScenario(R"(faults:
  - { at: 5s, for: 10s, kind: link_partition, from: front, to: store }
)"));
  const WindowCounts counts =
      countWindow(report.metrics, "front", "get", 5 * kSecond, 15 * kSecond);
  // Requests that passed before the window opened may still complete in it.
  EXPECT_GE(counts.inside_errors, counts.inside_completions * 99 / 100);
  EXPECT_EQ(counts.outside_errors, 0u);
  EXPECT_GT(errorsOfKind(report.metrics, "front", "get", RequestError::LinkPartition), 800u);
  // The store never saw those requests.
  const WindowCounts store =
      countWindow(report.metrics, "store", "read", 5 * kSecond, 15 * kSecond);
  EXPECT_LE(store.inside_completions, 2u);  // Only those already across when it opened.
}

TEST_F(EngineTest, LinkLatencyAndLossShowInLatencyAndErrors) {
  const RunReport slow = run(twoTierScenario(R"(faults:
  - { at: 5s, for: 10s, kind: link_latency, from: clients, to: front, latency: 100ms, jitter: 10ms }
)"));
  const WindowCounts counts = countWindow(slow.metrics, "front", "get", 5 * kSecond, 15 * kSecond);
  EXPECT_GE(counts.inside_p99_max, 100 * kMillisecond);
  EXPECT_LT(counts.outside_p99_max, 50 * kMillisecond);

  const RunReport lossy = run(twoTierScenario(R"(faults:
  - { at: 0s, for: 30s, kind: link_loss, from: front, to: store, probability: 0.1 }
)"));
  const OperationTotals* front = lossy.metrics.findOperation("front", "get");
  EXPECT_NEAR(front->errorRate(), 0.1, 0.02);
  EXPECT_EQ(errorsOfKind(lossy.metrics, "front", "get", RequestError::LinkLoss), front->errors);
}

TEST_F(EngineTest, InstanceKillTakesCapacityAwayUntilTheRestart) {
  const RunReport report = run(twoTierScenario(R"(faults:
  - { at: 5s, kind: instance_kill, target: store, instances: 1, restart_after: 10s }
)"));
  const WindowCounts counts =
      countWindow(report.metrics, "front", "get", 5 * kSecond, 15 * kSecond);
  // Requests that passed before the window opened may still complete in it.
  EXPECT_GE(counts.inside_errors, counts.inside_completions * 99 / 100);
  EXPECT_EQ(counts.outside_errors, 0u);
  EXPECT_GT(errorsOfKind(report.metrics, "front", "get", RequestError::UnavailableInstance), 800u);
  const ComponentGauges* store = report.metrics.findComponent("store");
  ASSERT_TRUE(store != nullptr && store->workers.has_value());
  EXPECT_EQ(store->workers->capacity, 4);  // Back after the restart.
}

TEST_F(EngineTest, KillingOneOfTwoInstancesHalvesCapacityAndQueuesRequests) {
  // 150/s x 8 ms... the front holds its worker while the store serves: with
  // one instance of 8 workers left, the front's queue grows under a burst.
  const RunReport report = run(twoTierScenario(R"(faults:
  - { at: 5s, kind: instance_kill, target: front, instances: 1 }
)",
                                               "poisson, rate: 1500/s", "10s"));
  const ComponentGauges* front = report.metrics.findComponent("front");
  ASSERT_TRUE(front != nullptr && front->workers.has_value());
  EXPECT_EQ(front->workers->capacity, 8);
  EXPECT_GT(front->queue->max, 10);
}

TEST_F(EngineTest, RetryRecoversMostTransientErrors) {
  const std::string faults = R"(faults:
  - { at: 0s, for: 30s, kind: store_error_rate, target: store, probability: 0.5 }
)";
  const RunReport plain = run(twoTierScenario(faults));
  const RunReport retried = run(twoTierScenario(
      std::string("patterns: { retry: { enabled: true, attempts: 3, backoff: 10ms } }\n") +
      faults));
  EXPECT_NEAR(plain.metrics.findOperation("front", "get")->errorRate(), 0.5, 0.03);
  // Three attempts fail together with probability 0.5^3.
  EXPECT_NEAR(retried.metrics.findOperation("front", "get")->errorRate(), 0.125, 0.03);
}

TEST_F(EngineTest, RetrySwitchedOnDuringTheRunActsFromThatMomentAndIsRecorded) {
  auto engine =
      create(twoTierScenario(R"(patterns: { retry: { enabled: false, attempts: 3, backoff: 10ms } }
faults:
  - { at: 0s, for: 30s, kind: store_error_rate, target: store, probability: 0.5 }
)"));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  Engine& run = **engine;
  run.runUntil(10 * kSecond);
  ASSERT_TRUE(run.switchPattern("retry", true).has_value());
  ASSERT_TRUE(run.switchPattern("retry", true).has_value());  // Already on by then: no record.
  run.runUntil(20 * kSecond);
  EXPECT_TRUE(run.patterns().enabled("retry"));
  ASSERT_TRUE(run.switchPattern("retry", false).has_value());
  run.run();
  auto report = run.finish();
  ASSERT_TRUE(report.has_value()) << report.error().describe();
  const MetricsSnapshot& metrics = report->metrics;

  const std::vector<PatternSwitch> expected = {{10 * kSecond, "retry", true},
                                               {20 * kSecond, "retry", false}};
  EXPECT_EQ(metrics.switches, expected);
  EXPECT_FALSE(run.patterns().enabled("retry"));
  EXPECT_FALSE(run.scenario().patterns.enabled("retry"));  // The scenario stays as written.

  const auto rate = [&](Nanos from, Nanos to) {
    const WindowCounts counts = countWindow(metrics, "front", "get", from, to, 0);
    return static_cast<double>(counts.inside_errors) /
           static_cast<double>(std::max<std::uint64_t>(counts.inside_completions, 1));
  };
  EXPECT_NEAR(rate(1 * kSecond, 10 * kSecond), 0.5, 0.05);
  EXPECT_NEAR(rate(11 * kSecond, 20 * kSecond), 0.125, 0.05);  // 0.5^3: three attempts.
  EXPECT_NEAR(rate(21 * kSecond, 30 * kSecond), 0.5, 0.05);
  const std::string summary = summaryJson(*report);
  EXPECT_NE(summary.find("\"switches\""), std::string::npos);
  EXPECT_NE(reportHtml(*report).find("Patterns switched during the run"), std::string::npos);
}

TEST_F(EngineTest, SwitchesOnTheTimelineRunAsTheSameSwitchesMadeLive) {
  const std::string faults = R"(patterns: { retry: { enabled: false, attempts: 3, backoff: 10ms } }
faults:
  - { at: 0s, for: 30s, kind: store_error_rate, target: store, probability: 0.5 }
)";
  const RunReport scripted = run(twoTierScenario(faults + R"(switches:
  - { at: 10s, pattern: retry, on: true }
  - { at: 20s, pattern: retry, on: false }
)"));

  auto engine = create(twoTierScenario(faults));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  Engine& live = **engine;
  live.runUntil(10 * kSecond);
  ASSERT_TRUE(live.switchPattern("retry", true).has_value());
  live.runUntil(20 * kSecond);
  ASSERT_TRUE(live.switchPattern("retry", false).has_value());
  live.run();
  auto report = live.finish();
  ASSERT_TRUE(report.has_value()) << report.error().describe();

  const std::vector<PatternSwitch> expected = {{10 * kSecond, "retry", true},
                                               {20 * kSecond, "retry", false}};
  EXPECT_EQ(scripted.metrics.switches, expected);
  EXPECT_EQ(report->metrics.switches, expected);
  // The same run, interval by interval.
  EXPECT_EQ(timeseriesCsv(scripted.metrics), timeseriesCsv(report->metrics));
}

TEST_F(EngineTest, AsRunPutsWhatWasDoneLiveOnTheScenariosTimeline) {
  auto engine = create(twoTierScenario(R"(switches:
  - { at: 20s, pattern: retry, on: true }
)",
                                       "poisson, rate: 100/s", "40s"));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  Engine& run = **engine;
  run.runUntil(10 * kSecond);
  FaultSpec outage;
  outage.kind = FaultKind::StoreOutage;
  outage.target = "store";
  outage.length = std::chrono::seconds(5);
  ASSERT_TRUE(run.injectFault(outage).has_value());
  ASSERT_TRUE(run.switchPattern("timeout", true).has_value());
  ASSERT_TRUE(run.switchPattern("retry", true).has_value());
  ASSERT_TRUE(run.switchPattern("retry", false).has_value());  // Same instant: the last wins.
  run.runUntil(12 * kSecond);

  const Scenario as_run = run.asRun();
  ASSERT_EQ(as_run.faults.size(), 1u);
  EXPECT_EQ(as_run.faults[0].at, std::chrono::seconds(10));
  EXPECT_EQ(as_run.faults[0].target, "store");
  const std::vector<PatternSwitchSpec> switches = {{std::chrono::seconds(10), "timeout", true},
                                                   {std::chrono::seconds(10), "retry", false},
                                                   {std::chrono::seconds(20), "retry", true}};
  EXPECT_EQ(as_run.switches, switches);
  EXPECT_TRUE(run.scenario().faults.empty());  // The scenario itself stays as written.
  // It reads back as written.
  auto again = parseScenarioText(toYaml(as_run), "as-run.yaml");
  ASSERT_TRUE(again.has_value()) << again.error().describe();
  EXPECT_EQ(*again, as_run);
}

TEST_F(EngineTest, SwitchingAPatternTheEngineCannotSwitchIsRefusedByName) {
  auto engine = create(twoTierScenario(""));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  // outbox is a pattern, but not one that switches during a run.
  for (const char* name : {"saga", "outbox", "retries", ""}) {
    auto refused = (*engine)->switchPattern(name, true);
    ASSERT_FALSE(refused.has_value()) << name;
    EXPECT_EQ(refused.error().field, "pattern");
    EXPECT_NE(refused.error().message.find("circuit_breaker"), std::string::npos);
  }
  (*engine)->run();
  auto report = (*engine)->finish();
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->metrics.switches.empty());
  EXPECT_EQ(summaryJson(*report).find("\"switches\""), std::string::npos);
}

TEST_F(EngineTest, CircuitBreakerSwitchedOffClosesEveryBreaker) {
  auto engine = create(twoTierScenario(R"(patterns:
  circuit_breaker: { enabled: true, failure_ratio: 0.5, window: 2s, min_requests: 10, open_for: 30s }
faults:
  - { at: 5s, for: 25s, kind: store_outage, target: store }
)"));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  Engine& run = **engine;
  run.runUntil(10 * kSecond);
  ASSERT_TRUE(run.switchPattern("circuit_breaker", false).has_value());
  run.runUntil(12 * kSecond);
  run.run();
  auto report = run.finish();
  ASSERT_TRUE(report.has_value());
  const ComponentGauges* store = report->metrics.findComponent("store");
  ASSERT_TRUE(store != nullptr && store->circuit.has_value());
  EXPECT_GE(store->circuit->opens, 1u);                    // Opened in the outage...
  EXPECT_EQ(store->circuit->state, CircuitState::Closed);  // ...closed by the switch.
  // From then on the calls reach the store (and fail there) instead of failing fast.
  EXPECT_GT(errorsOfKind(report->metrics, "front", "get", RequestError::StoreOutage), 500u);
}

TEST_F(EngineTest, CircuitBreakerOpensDuringAnOutageAndFailsFast) {
  const RunReport report = run(twoTierScenario(R"(patterns:
  circuit_breaker: { enabled: true, failure_ratio: 0.5, window: 2s, min_requests: 10, open_for: 1s }
faults:
  - { at: 10s, for: 5s, kind: store_outage, target: store }
)"));
  const ComponentGauges* store = report.metrics.findComponent("store");
  ASSERT_TRUE(store != nullptr && store->circuit.has_value());
  EXPECT_GE(store->circuit->opens, 1u);
  EXPECT_EQ(store->circuit->state, CircuitState::Closed);  // Closed again after the outage.
  EXPECT_GT(errorsOfKind(report.metrics, "front", "get", RequestError::CircuitOpen), 100u);
}

TEST_F(EngineTest, TimeoutTurnsSlowAnswersIntoErrors) {
  const RunReport report =
      run(twoTierScenario(R"(patterns: { timeout: { enabled: true, after: 50ms } }
faults:
  - { at: 10s, for: 5s, kind: store_latency, target: store, latency: 200ms }
)"));
  const WindowCounts counts =
      countWindow(report.metrics, "front", "get", 10 * kSecond, 15 * kSecond);
  // Requests that passed before the window opened may still complete in it.
  EXPECT_GE(counts.inside_errors, counts.inside_completions * 99 / 100);
  EXPECT_EQ(counts.outside_errors, 0u);
  EXPECT_GT(errorsOfKind(report.metrics, "front", "get", RequestError::Timeout), 300u);
}

TEST_F(EngineTest, BulkheadAndRateLimitRefuseTheExcess) {
  const RunReport bulkhead =
      run(twoTierScenario(R"(patterns: { bulkhead: { enabled: true, max_concurrent: 2 } }
)",
                          "poisson, rate: 1000/s", "5s"));
  EXPECT_GT(errorsOfKind(bulkhead.metrics, "front", "get", RequestError::BulkheadFull), 100u);

  const RunReport limited =
      run(twoTierScenario(R"(patterns: { rate_limit: { enabled: true, rate: 50/s, burst: 10 } }
)",
                          "constant, rate: 100/s", "20s"));
  const OperationTotals* front = limited.metrics.findOperation("front", "get");
  EXPECT_NEAR(front->errorRate(), 0.5, 0.03);
  EXPECT_EQ(errorsOfKind(limited.metrics, "front", "get", RequestError::RateLimited),
            front->errors);
}

TEST_F(EngineTest, QueueWaitsCarryABatchMeansInterval) {
  const RunReport report = run(mmcScenario("20000s"));
  ASSERT_EQ(report.waits.size(), 1u);
  EXPECT_EQ(report.waits[0].component, "station");
  ASSERT_TRUE(report.waits[0].interval.has_value());
  EXPECT_GT(report.waits[0].interval->half_width, 0);
  EXPECT_NE(summaryJson(report).find("\"ci95_low_s\""), std::string::npos);
}

TEST_F(EngineTest, AFaultOnAnUnknownTargetIsRefusedWithASuggestion) {
  auto engine = create(twoTierScenario(R"(faults:
  - { at: 1s, for: 1s, kind: store_outage, target: stor }
)"));
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().code, "scenario.value");
  EXPECT_EQ(engine.error().field, "faults[0].target");
  EXPECT_NE(engine.error().message.find("did you mean 'store'"), std::string::npos)
      << engine.error().message;
}

TEST_F(EngineTest, FaultsThatDoNotFitTheTopologyAreRefused) {
  struct Case {
    std::string fault;
    std::string field;
  };
  const Case cases[] = {
      {"{ at: 1s, for: 1s, kind: store_outage, target: front }", "faults[0].target"},
      {"{ at: 1s, for: 1s, kind: link_partition, from: store, to: front }", "faults[0].from"},
      {"{ at: 1s, kind: instance_kill, target: store, instances: 2 }", "faults[0].instances"},
      {"{ at: 1s, kind: consumer_crash, target: store }", "faults[0].target"},
      {"{ at: 1s, for: 1s, kind: delivery_duplicate, target: bookings, probability: 0.5 }",
       "faults[0].target"},
  };
  for (const Case& c : cases) {
    auto engine = create(twoTierScenario("faults:\n  - " + c.fault + "\n"));
    ASSERT_FALSE(engine.has_value()) << c.fault;
    EXPECT_EQ(engine.error().field, c.field) << c.fault;
    EXPECT_FALSE(engine.error().message.empty());
  }
}

TEST_F(EngineTest, ExpectationsOnUnknownSubjectsAreRefused) {
  auto engine = create(twoTierScenario("expect:\n  - p99(frnt.get) < 1s\n"));
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().field, "expect[0]");
  EXPECT_NE(engine.error().message.find("did you mean 'front'"), std::string::npos);

  auto operation = create(twoTierScenario("expect:\n  - p99(front.put) < 1s\n"));
  ASSERT_FALSE(operation.has_value());
  EXPECT_NE(operation.error().message.find("'get'"), std::string::npos);
}

TEST_F(EngineTest, APlatformPatternOnATopologyWithoutThePlatformIsRefused) {
  auto dual_write = create(twoTierScenario("patterns: { outbox: false }\n"));
  ASSERT_FALSE(dual_write.has_value());
  EXPECT_EQ(dual_write.error().field, "patterns.outbox");
  EXPECT_NE(dual_write.error().message.find("runs no platform"), std::string::npos)
      << dual_write.error().message;
  auto switched = create(twoTierScenario("switches:\n  - { at: 5s, pattern: cqrs, on: false }\n"));
  ASSERT_FALSE(switched.has_value());
  EXPECT_EQ(switched.error().field, "switches[0].pattern");
}

TEST_F(EngineTest, AnOperationWithoutARouteIsRefused) {
  const std::string text = R"(schema: 1
name: no-route
description: Books on a topology that only searches.
duration: 10s
topology: { file: ./two-tier.yaml }
load:
  - { phase: p, for: 10s, arrivals: { kind: constant, rate: 1/s } }
)";
  auto engine = create(text);
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().field, "load.mix");
}

TEST_F(EngineTest, FailedExpectationsAreReportedWithTheirValue) {
  const RunReport report = run(twoTierScenario(R"(expect:
  - p99(front.get) < 1ms
  - error_rate(front) == 0
)"));
  ASSERT_EQ(report.expectations.size(), 2u);
  EXPECT_FALSE(report.expectations[0].passed);
  EXPECT_NE(report.expectations[0].text.find("actual 8.0"), std::string::npos)
      << report.expectations[0].text;
  EXPECT_TRUE(report.expectations[1].passed);
  EXPECT_FALSE(report.passed());
}

TEST_F(EngineTest, UntilCutsTheRunShort) {
  EngineOptions options = optionsFor(m_dir.path());
  options.until = 5 * kSecond;
  const RunReport report = runToEnd(parseOrFail(twoTierScenario("")), options);
  EXPECT_EQ(report.metrics.now, 5 * kSecond);
  EXPECT_EQ(report.run.duration, 5 * kSecond);
}

TEST_F(EngineTest, RunnerPlaysPausesStepsAndRunsToATime) {
  auto engine = create(twoTierScenario("", "poisson, rate: 100/s", "60s"));
  ASSERT_TRUE(engine.has_value());
  EngineRunner runner(**engine);
  EXPECT_EQ(runner.state(), RunnerState::Paused);
  runner.runTo(10 * kSecond);
  runner.waitUntilIdle();
  EXPECT_EQ(runner.state(), RunnerState::Paused);
  EXPECT_EQ((*engine)->status().now, 10 * kSecond);

  runner.step(250 * kMillisecond);
  runner.waitUntilIdle();
  EXPECT_EQ((*engine)->status().now, 10 * kSecond + 250 * kMillisecond);

  runner.setSpeed(0);  // As fast as possible.
  runner.play();
  runner.waitUntilIdle();
  EXPECT_EQ(runner.state(), RunnerState::Finished);
  EXPECT_EQ((*engine)->status().now, 60 * kSecond);
}

TEST_F(EngineTest, SnapshotsReadFromAnotherThreadStayConsistentWhileRunning) {
  auto engine = create(twoTierScenario("", "poisson, rate: 500/s", "200s"));
  ASSERT_TRUE(engine.has_value());
  EngineRunner runner(**engine);
  runner.setSpeed(0);
  runner.play();
  std::uint64_t last = 0;
  int reads = 0;
  while (runner.state() == RunnerState::Running) {
    auto snapshot = (*engine)->snapshot();
    if (snapshot) {
      const OperationTotals* total = snapshot->findOperation("front", "get");
      std::uint64_t series_sum = 0;
      const auto key = snapshot->series.findKey("front", "get");
      for (std::size_t index = 0; key && index < snapshot->series.size(); ++index) {
        if (const SeriesPoint* point = snapshot->series[index].find(*key))
          series_sum += point->completions;
      }
      if (total != nullptr) {
        EXPECT_EQ(total->count, series_sum);  // Totals equal the sum of the series.
        EXPECT_GE(total->count, last);
        last = total->count;
      }
      ++reads;
    }
    std::this_thread::yield();
  }
  runner.waitUntilIdle();
  EXPECT_GT(reads, 10);
  EXPECT_GT(last, 0u);
}

TEST_F(EngineTest, AnInjectedFaultStartsAtTheCurrentVirtualTime) {
  auto engine = create(twoTierScenario("", "poisson, rate: 100/s", "40s"));
  ASSERT_TRUE(engine.has_value());
  EngineRunner runner(**engine);
  runner.runTo(10 * kSecond);
  runner.waitUntilIdle();
  FaultSpec fault;
  fault.kind = FaultKind::StoreOutage;
  fault.target = "store";
  fault.length = std::chrono::seconds(5);
  ASSERT_TRUE((*engine)->injectFault(fault).has_value());
  FaultSpec wrong = fault;
  wrong.target = "nowhere";
  EXPECT_FALSE((*engine)->injectFault(wrong).has_value());
  runner.runTo(40 * kSecond);
  runner.waitUntilIdle();
  auto snapshot = (*engine)->snapshot();
  ASSERT_EQ(snapshot->faults.size(), 1u);
  EXPECT_EQ(snapshot->faults[0].start, 10 * kSecond);
  EXPECT_EQ(snapshot->faults[0].end, 15 * kSecond);
  const WindowCounts counts = countWindow(*snapshot, "front", "get", 10 * kSecond, 15 * kSecond);
  // Requests that passed before the window opened may still complete in it.
  EXPECT_GE(counts.inside_errors, counts.inside_completions * 99 / 100);
  EXPECT_EQ(counts.outside_errors, 0u);
}

TEST_F(EngineTest, SwitchesFromAnotherThreadRaceTheRunnerAndAllLand) {
  auto engine = create(twoTierScenario("", "poisson, rate: 100/s", "600s"));
  ASSERT_TRUE(engine.has_value());
  EngineRunner runner(**engine);
  runner.setSpeed(0);
  runner.play();
  // Flip retry on and off while the engine runs flat out, reading
  // snapshots meanwhile, as the app does.
  int flips = 0;
  std::size_t seen = 0;
  while (flips < 40 && runner.state() == RunnerState::Running) {
    ASSERT_TRUE((*engine)->switchPattern("retry", flips % 2 == 0).has_value());
    ++flips;
    if (auto snapshot = (*engine)->snapshot())
      seen = std::max(seen, snapshot->switches.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  runner.pause();
  runner.waitUntilIdle();
  (*engine)->runUntil((*engine)->now() + kSecond);  // Applies what is still queued.
  (*engine)->run();
  auto report = (*engine)->finish();
  ASSERT_TRUE(report.has_value());
  const std::vector<PatternSwitch>& switches = report->metrics.switches;
  ASSERT_FALSE(switches.empty());
  // Alternating, in time order, each one a change: on, off, on...
  for (std::size_t index = 0; index < switches.size(); ++index) {
    EXPECT_EQ(switches[index].on, index % 2 == 0) << index;
    if (index > 0) {
      EXPECT_GE(switches[index].at, switches[index - 1].at);
    }
  }
  EXPECT_LE(seen, switches.size());
}

TEST_F(EngineTest, TasksPostedToTheRunnerRunOnItsThread) {
  auto engine = create(twoTierScenario(""));
  ASSERT_TRUE(engine.has_value());
  EngineRunner runner(**engine);
  std::atomic<bool> ran{false};
  std::thread::id task_thread;
  runner.post([&] {
    task_thread = std::this_thread::get_id();
    ran = true;
  });
  runner.waitUntilIdle();
  EXPECT_TRUE(ran);
  EXPECT_NE(task_thread, std::this_thread::get_id());
}

}  // namespace
}  // namespace staylab::sim
