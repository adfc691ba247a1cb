// The consumer patterns on the real platform in simulated runs: the
// dead-letter topic (poison moved to <topic>.dlq on the real log, or a
// partition blocked behind it), competing consumers (instances sharing a
// projection's partitions) and rebuild by replay (in place or blue-green).

#include <gtest/gtest.h>

#include <filesystem>

#include <fmt/format.h>

#include "app/sim/simulated_platform.h"
#include "simulator/engine/engine.h"
#include "simulator/scenario/scenario_parser.h"
#include "tests/simulator/engine_support.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

constexpr std::string_view kMix = "search: 40, view: 10, book: 40, cancel: 8, edit: 2";

// Runs a scenario of `duration` with 30 s of load on the real platform,
// keeping its data under `keep` when given.
sim::RunReport runReal(std::string_view extra, const std::filesystem::path& keep = {},
                       std::string_view duration = "40s") {
  const sim::Scenario scenario = sim::testing::parseOrFail(fmt::format(R"(schema: 1
name: consumers-test
description: A consumer pattern on the real code.
seed: 3
duration: {1}
data: {{ properties: 30, seed: 2 }}
load:
  - phase: steady
    for: 30s
    arrivals: {{ kind: poisson, rate: 40/s }}
    mix: {{ {0} }}
{2}
)",
                                                                       kMix, duration, extra));
  sim::EngineOptions options = sim::testing::optionsFor(sim::testing::assetsDir() / "scenarios");
  options.make_system = simulatedPlatformFactory(keep, !keep.empty());
  return sim::testing::runToEnd(scenario, options);
}

std::int64_t maxLagEvents(const sim::RunReport& report, std::string_view component) {
  const sim::ComponentGauges* gauges = report.metrics.findComponent(component);
  return gauges != nullptr && gauges->lag ? gauges->lag->max_events : -1;
}

// One poison event at 5 s: "poison-1", which lands in booking partition 3.
constexpr std::string_view kPoison =
    "faults:\n  - { at: 5s, kind: poison_event, target: booking, count: 1 }\n";

// --- Dead-letter topic -------------------------------------------------------------

TEST(DeadLetterPatternTest, PoisonIsMovedToTheDeadLetterTopicOfTheRealLog) {
  const testing::TempDir dir;
  const sim::RunReport report = runReal(kPoison, dir.path());
  EXPECT_EQ(report.invariants.measures.at("dead_letters"), 1u);
  EXPECT_EQ(report.invariants.measures.at("blocked_partitions"), 0u);
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
  ASSERT_TRUE(report.invariants.convergence_time_ns.has_value());

  // staylab-cli reads it from the run's data: one letter per projection,
  // each with the error that kept it out.
  std::filesystem::path data;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    data = entry.path();
  ASSERT_FALSE(data.empty());
  const auto letters = testing::cliAnswer(data, {"events", "tail", "--topic", "booking.dlq"});
  ASSERT_EQ(letters.size(), 2u) << letters.dump();
  for (const auto& letter : letters) {
    EXPECT_EQ(letter["topic"], "booking.dlq");
    EXPECT_EQ(letter["event"]["type"], "DeadLettered");
    EXPECT_EQ(letter["event"]["payload"]["attempts"], 3);
    EXPECT_FALSE(letter["event"]["payload"]["error"].get<std::string>().empty());
  }
}

TEST(DeadLetterPatternTest, WithoutItPoisonBlocksItsPartitionAndOnlyThatOneLags) {
  const sim::RunReport report =
      runReal("patterns: { dead_letter: false }\n" + std::string(kPoison));
  EXPECT_EQ(report.invariants.measures.at("dead_letters"), 0u);
  // Partition 3 of booking, blocked in both projections.
  EXPECT_EQ(report.invariants.measures.at("blocked_partitions"), 2u);
  EXPECT_GT(maxLagEvents(report, "search-projection/booking/3"), 100);
  for (const char* other : {"search-projection/booking/0", "search-projection/booking/1",
                            "search-projection/booking/2", "search-projection/property/0"})
    EXPECT_LT(maxLagEvents(report, other), 50) << other;
  EXPECT_GT(maxLagEvents(report, "history-projection/booking/3"), 100);
  // A blocked read model never catches up, so it differs from a rebuild.
  EXPECT_FALSE(report.invariants.convergence_time_ns.has_value());
  EXPECT_GT(report.invariants.read_model_mismatches, 0u);
}

// --- Competing consumers -------------------------------------------------------------

constexpr std::string_view kSlowSearchProjection = R"(topology:
  file: default
  overrides:
    - component: search-projection
      service_time: { operation: event, distribution: lognormal, median: 4ms, p99: 12ms }
)";

TEST(CompetingConsumersPatternTest, FourInstancesCatchUpFasterThanOneAfterACrash) {
  const std::string crash = std::string(kSlowSearchProjection) +
                            "faults:\n  - { at: 10s, kind: consumer_crash, target: "
                            "search-projection, restart_after: 20s }\n";
  const sim::RunReport one = runReal(crash);
  const sim::RunReport four = runReal(
      "patterns: { competing_consumers: { consumer: search-projection, instances: 4 } }\n" + crash);
  ASSERT_TRUE(one.invariants.convergence_time_ns.has_value());
  ASSERT_TRUE(four.invariants.convergence_time_ns.has_value());
  EXPECT_GT(*one.invariants.convergence_time_ns, 2 * *four.invariants.convergence_time_ns);
  EXPECT_EQ(four.invariants.read_model_mismatches, 0u);
  EXPECT_EQ(four.invariants.measures.at("duplicates_applied"), 0u);
}

TEST(CompetingConsumersPatternTest, AKilledInstancesPartitionsAreDealtToTheOthers) {
  const sim::RunReport report = runReal(
      std::string(kSlowSearchProjection) +
      "patterns: { competing_consumers: { consumer: search-projection, instances: 4 } }\n"
      "faults:\n  - { at: 5s, kind: instance_kill, target: search-projection, instances: 3, "
      "restart_after: 20s }\n");
  // For 20 s one instance reads all eight partitions and keeps up: had the
  // dead instances kept theirs, six partitions would fall hundreds behind.
  EXPECT_LT(maxLagEvents(report, "search-projection"), 100);
  ASSERT_TRUE(report.invariants.convergence_time_ns.has_value());
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
  EXPECT_EQ(report.invariants.measures.at("duplicates_applied"), 0u);
}

TEST(CompetingConsumersPatternTest, FraudDetectionCannotCompete) {
  const auto scenario = sim::parseScenarioText(R"(schema: 1
name: fraud-competing
description: Fraud detection keeps one instance.
duration: 10s
patterns: { competing_consumers: { consumer: fraud-detection, instances: 2 } }
load:
  - { phase: p, for: 5s, arrivals: { kind: poisson, rate: 10/s } }
)",
                                               "inline.yaml");
  ASSERT_FALSE(scenario.has_value());
  EXPECT_NE(scenario.error().field.find("inline.yaml:5:"), std::string::npos)
      << scenario.error().describe();
  EXPECT_NE(scenario.error().message.find("one instance"), std::string::npos)
      << scenario.error().describe();
}

// --- Rebuild by replay -----------------------------------------------------------------

constexpr std::string_view kRebuild =
    "faults:\n  - { at: 10s, kind: rebuild, target: search-projection }\n";

TEST(RebuildByReplayPatternTest, InPlaceSearchesReadAPartialIndexUntilItCaughtUp) {
  const sim::RunReport report = runReal("patterns: { rebuild_by_replay: false }\n" +
                                        std::string(kSlowSearchProjection) + std::string(kRebuild));
  const sim::OperationTotals* search = report.metrics.findOperation("gateway", "search");
  ASSERT_NE(search, nullptr);
  EXPECT_GT(search->measures.at("partial_answers"), 10u);
  EXPECT_GT(report.invariants.measures.at("rebuild_ms"), 0u);
  EXPECT_GT(report.invariants.measures.at("rebuild_events"), 100u);
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
}

TEST(RebuildByReplayPatternTest, BlueGreenSearchesTheLiveIndexThenSwitches) {
  const sim::RunReport report = runReal(std::string(kSlowSearchProjection) + std::string(kRebuild));
  const sim::OperationTotals* search = report.metrics.findOperation("gateway", "search");
  ASSERT_NE(search, nullptr);
  EXPECT_FALSE(search->measures.contains("partial_answers"));
  EXPECT_GT(report.invariants.measures.at("rebuild_ms"), 0u);
  // After the switch the projection goes on in the new index, equal to a rebuild.
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
  EXPECT_EQ(report.fault_effects.at("search-projection.rebuild_started"), 1u);
}

}  // namespace
}  // namespace staylab::app
