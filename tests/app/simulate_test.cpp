// The simulator driving the real platform: every shipped scenario holds its
// expectations, a seed gives byte-identical summaries, each fault kind shows
// in the metrics, calibrate writes a usable topology, and staylab-cli
// simulate answers with the exit codes testers script against.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "app/sim/calibrate.h"
#include "app/sim/simulated_platform.h"
#include "events/history_projection.h"
#include "events/search_projection.h"
#include "simulator/engine/comparison_run.h"
#include "simulator/engine/engine.h"
#include "simulator/kernel/random_streams.h"
#include "simulator/report/comparison_report.h"
#include "simulator/report/report_writer.h"
#include "tests/app/simulate_cli.h"
#include "tests/simulator/engine_support.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using sim::kMillisecond;
using sim::kSecond;
using sim::Nanos;
using sim::RequestError;
using sim::testing::countWindow;
using sim::testing::errorsOfKind;
using sim::testing::WindowCounts;
using testing::readFile;
using testing::SimulateCliTest;

sim::EngineOptions realOptions(const std::filesystem::path& scenario_dir) {
  sim::EngineOptions options = sim::testing::optionsFor(scenario_dir);
  options.make_system = simulatedPlatformFactory({}, false);
  return options;
}

std::filesystem::path scenarioFile(std::string_view name) {
  return sim::testing::assetsDir() / "scenarios" / fmt::format("{}.yaml", name);
}

sim::Scenario shipped(std::string_view name) {
  auto scenario = sim::parseScenarioFile(scenarioFile(name));
  EXPECT_TRUE(scenario.has_value()) << (scenario ? "" : scenario.error().describe());
  return scenario.value_or(sim::Scenario{});
}

// A short scenario on the default topology with the given mix and faults.
// The load stops 5 s before the end, so the consumers can catch up.
sim::Scenario withFaults(std::string_view mix, std::string_view faults, int rate = 40) {
  return sim::testing::parseOrFail(fmt::format(R"(schema: 1
name: fault-test
description: One fault kind on the real platform.
seed: 2
duration: 45s
data: {{ properties: 40, seed: 3 }}
load:
  - phase: steady
    for: 40s
    arrivals: {{ kind: poisson, rate: {0}/s }}
    mix: {{ {1} }}
faults:
{2}
)",
                                               rate, mix, faults));
}

sim::RunReport runReal(const sim::Scenario& scenario) {
  return sim::testing::runToEnd(scenario, realOptions(sim::testing::assetsDir() / "scenarios"));
}

// --- Shipped scenarios -------------------------------------------------------

class ShippedScenarioTest : public ::testing::TestWithParam<std::string> {};

// The FNV-1a digest of each shipped scenario's summary.json for its own seed.
// Pinned before the engine's request pipeline, pattern registry and fault
// timeline were split into their own files, which left every run byte for
// byte as it was; since, the platform measures stale reads, what the read
// models miss of the write stores and events applied twice, which only added
// those keys. A refactor must leave every run as it is; a change that means
// to alter one (a new metric, a fixed bug) updates the digest in the same
// commit and says why.
const std::map<std::string, std::string, std::less<>> kSummaryDigests = {
    {"steady-state", "44764785c51d2a66"},
    {"booking-store-outage", "f25d37f5adbcd234"},
    {"search-projection-crash", "080c576597349789"},
    {"duplicate-reordered-delivery", "e9b8c6d150deac1a"},
    {"hot-listing-contention", "c78544e3a4013002"},
    {"slow-store-circuit-breaker", "40e49980a760b931"},
    {"mmc-station", "f36d5cf44ad2c732"},
    {"cqrs-read-write-split", "9a32fa12683af4ea"},
    {"outbox-vs-dual-write", "b95a4fd1d5e42c6a"},
    {"idempotent-consumer", "033fec7fb961414b"},
    {"rate-limit-overload", "a3f9a47ec5fcd32c"},
    {"bulkhead-isolation", "e413ea9a15302a52"},
    {"retry-transient-errors", "a9f4b4db265905ac"},
    {"timeout-slow-dependency", "98b8a03db2bce74d"},
    {"saga-compensation", "4dec5ae2cb44950d"},
    {"dead-letter-topic", "50f9179db910c799"},
    {"competing-consumers", "8150bafd35a08b19"},
    {"rebuild-by-replay", "2d94dda270c4ab7d"},
    {"cache-aside", "74e2c94ab1a3f796"},
    {"load-leveling-burst", "3e3501b541505415"},
    {"strangler-fig-migration", "3f661b851ed91806"},
    {"strangler-fig-split-brain", "d9202a3031b2badf"},
    {"cdc-partitioning", "ebb50ff1266b342f"},
    {"cdc-firehose", "2cbe4173f5b0a4b6"},
    {"cdc-retry-error-topics", "261bdace61f4d76f"},
    {"sync-back-echo", "2b29d09a11ef3f01"},
};

// Runs a shipped scenario, A then B for a case study, and returns its
// expectations' results and the digest of its summary.json.
std::pair<std::vector<sim::ExpectationResult>, std::string> runShipped(std::string_view name) {
  const sim::Scenario scenario = shipped(name);
  if (!scenario.compare) {
    const sim::RunReport report = runReal(scenario);
    return {report.expectations, fmt::format("{:016x}", sim::fnv1a64(sim::summaryJson(report)))};
  }
  auto comparison =
      sim::ComparisonRun::create(scenario, realOptions(sim::testing::assetsDir() / "scenarios"));
  EXPECT_TRUE(comparison.has_value()) << (comparison ? "" : comparison.error().describe());
  if (!comparison)
    return {};
  auto report = (*comparison)->run();
  EXPECT_TRUE(report.has_value()) << (report ? "" : report.error().describe());
  if (!report)
    return {};
  return {report->expectations,
          fmt::format("{:016x}", sim::fnv1a64(sim::comparisonSummaryJson(*report)))};
}

TEST_P(ShippedScenarioTest, HoldsEveryExpectationWithItsCommittedSummary) {
  const auto [expectations, digest] = runShipped(GetParam());
  ASSERT_FALSE(expectations.empty());
  for (const sim::ExpectationResult& result : expectations)
    EXPECT_TRUE(result.passed) << result.text;
  const auto pinned = kSummaryDigests.find(GetParam());
  ASSERT_NE(pinned, kSummaryDigests.end()) << GetParam() << " has no pinned digest";
  EXPECT_EQ(digest, pinned->second)
      << GetParam() << ": summary.json is no longer the committed one";
}

// Every file of assets/scenarios, so a scenario shipped without a pinned
// digest fails here.
std::vector<std::string> shippedScenarioNames() {
  std::vector<std::string> names;
  for (const auto& entry :
       std::filesystem::directory_iterator(sim::testing::assetsDir() / "scenarios")) {
    if (entry.path().extension() == ".yaml")
      names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ShippedScenarioListTest, EveryShippedScenarioHasAPinnedDigestAndEveryDigestAFile) {
  const std::vector<std::string> names = shippedScenarioNames();
  std::vector<std::string> pinned;
  for (const auto& [name, digest] : kSummaryDigests)
    pinned.push_back(name);
  EXPECT_EQ(names, pinned);
}

INSTANTIATE_TEST_SUITE_P(Assets, ShippedScenarioTest, ::testing::ValuesIn(shippedScenarioNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-')
                               c = '_';
                           }
                           return name;
                         });

TEST(SimulateDeterminismTest, SameScenarioAndSeedGiveByteIdenticalSummaryOnTheRealPlatform) {
  sim::Scenario scenario = shipped("booking-store-outage");
  sim::EngineOptions options = realOptions(sim::testing::assetsDir() / "scenarios");
  options.until = 100 * kSecond;
  const sim::RunReport first = sim::testing::runToEnd(scenario, options);
  const sim::RunReport second = sim::testing::runToEnd(scenario, options);
  ASSERT_GT(first.metrics.findOperation("gateway", "book")->count, 100u);
  EXPECT_EQ(sim::summaryJson(first), sim::summaryJson(second));
  options.seed = 99;
  EXPECT_NE(sim::summaryJson(sim::testing::runToEnd(scenario, options)), sim::summaryJson(first));
}

// --- One test per fault kind, on the real platform ----------------------------

constexpr std::string_view kReadMix = "search: 0, view: 90, book: 0, cancel: 0, edit: 10";
constexpr std::string_view kBookingMix = "search: 40, view: 10, book: 40, cancel: 8, edit: 2";

TEST(RealFaultTest, StoreOutageFailsCallsInItsWindowOnly) {
  const sim::RunReport report = runReal(
      withFaults(kReadMix, "  - { at: 10s, for: 10s, kind: store_outage, target: listing-db }"));
  const WindowCounts view =
      countWindow(report.metrics, "gateway", "view", 10 * kSecond, 20 * kSecond);
  EXPECT_GT(view.inside_completions, 200u);
  EXPECT_GE(view.inside_errors, view.inside_completions * 99 / 100);
  EXPECT_EQ(view.outside_errors, 0u);
  EXPECT_EQ(errorsOfKind(report.metrics, "gateway", "view", RequestError::StoreOutage),
            report.metrics.findOperation("gateway", "view")->errors);
  EXPECT_EQ(report.invariants.lost_acknowledged, 0u);
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
}

TEST(RealFaultTest, StoreLatencySlowsTheCallsThroughThatStore) {
  // 10/s of 90 % views at +300 ms keep 2.7 of listing-db's 4 workers busy:
  // slower, not overloaded.
  const sim::RunReport report = runReal(withFaults(
      kReadMix,
      "  - { at: 10s, for: 10s, kind: store_latency, target: listing-db, latency: 300ms }", 10));
  const WindowCounts view =
      countWindow(report.metrics, "gateway", "view", 10 * kSecond, 20 * kSecond, 2 * kSecond);
  EXPECT_GE(view.inside_p99_max, 300 * kMillisecond);
  EXPECT_LT(view.outside_p99_max, 250 * kMillisecond);
  EXPECT_EQ(view.inside_errors + view.outside_errors, 0u);
}

TEST(RealFaultTest, StoreLatencyIsNotBilledToCallsThatNeverReachThatStore) {
  // The relay's and the consumers' lag is read through the same decorated
  // stores; those reads are observations, and their latency must not land
  // on the next request, whatever it is.
  // Few bookings: the store (one writer) stays under its capacity of 5/s.
  const sim::RunReport report =
      runReal(withFaults("search: 90, view: 5, book: 4, cancel: 1, edit: 0",
                         "  - { at: 10s, for: 20s, kind: store_latency, target: booking-db, "
                         "latency: 200ms }"));
  const WindowCounts search =
      countWindow(report.metrics, "gateway", "search", 10 * kSecond, 30 * kSecond);
  EXPECT_GT(search.inside_completions, 200u);
  EXPECT_LT(search.inside_p99_max, 100 * kMillisecond);
  const WindowCounts book =
      countWindow(report.metrics, "gateway", "book", 10 * kSecond, 30 * kSecond);
  EXPECT_GT(book.inside_p99_max, 200 * kMillisecond);  // The bookings do pay it.
}

TEST(RealFaultTest, StoreErrorRateFailsThatShareOfCalls) {
  const sim::RunReport report = runReal(withFaults(
      kReadMix,
      "  - { at: 0s, for: 40s, kind: store_error_rate, target: listing-db, probability: 0.2 }"));
  const sim::OperationTotals* view = report.metrics.findOperation("gateway", "view");
  EXPECT_NEAR(view->errorRate(), 0.2, 0.04);
  EXPECT_EQ(errorsOfKind(report.metrics, "gateway", "view", RequestError::StoreError),
            view->errors);
}

TEST(RealFaultTest, LinkPartitionLatencyAndLossActOnTheirLink) {
  const sim::RunReport report = runReal(withFaults(
      kReadMix, R"(  - { at: 5s, for: 5s, kind: link_partition, from: gateway, to: listing-service }
  - { at: 15s, for: 5s, kind: link_latency, from: gateway, to: listing-service, latency: 150ms }
  - { at: 25s, for: 10s, kind: link_loss, from: gateway, to: listing-service, probability: 0.5 })"));
  const WindowCounts partition =
      countWindow(report.metrics, "gateway", "view", 5 * kSecond, 10 * kSecond);
  EXPECT_GE(partition.inside_errors, partition.inside_completions * 99 / 100);
  EXPECT_GT(errorsOfKind(report.metrics, "gateway", "view", RequestError::LinkPartition), 100u);
  const WindowCounts slow =
      countWindow(report.metrics, "gateway", "view", 15 * kSecond, 20 * kSecond);
  EXPECT_GE(slow.inside_p99_max, 150 * kMillisecond);
  const WindowCounts lossy =
      countWindow(report.metrics, "gateway", "view", 25 * kSecond, 35 * kSecond);
  EXPECT_NEAR(
      static_cast<double>(lossy.inside_errors) / static_cast<double>(lossy.inside_completions), 0.5,
      0.1);
}

TEST(RealFaultTest, KillingEveryGatewayInstanceRefusesRequestsUntilTheRestart) {
  const sim::RunReport report = runReal(withFaults(
      kReadMix,
      "  - { at: 10s, kind: instance_kill, target: gateway, instances: 2, restart_after: 5s }"));
  const WindowCounts view =
      countWindow(report.metrics, "gateway", "view", 10 * kSecond, 15 * kSecond);
  EXPECT_GE(view.inside_errors, view.inside_completions * 99 / 100);
  EXPECT_EQ(view.outside_errors, 0u);
  EXPECT_GT(errorsOfKind(report.metrics, "gateway", "view", RequestError::UnavailableInstance),
            100u);
}

TEST(RealFaultTest, ConsumerCrashRaisesLagWhichReturnsToZeroWithNoEventAppliedTwice) {
  const sim::RunReport report = runReal(withFaults(
      kBookingMix,
      "  - { at: 10s, kind: consumer_crash, target: history-projection, restart_after: 10s }"));
  const sim::ComponentGauges* history = report.metrics.findComponent("history-projection");
  ASSERT_TRUE(history != nullptr && history->lag.has_value());
  EXPECT_GE(history->lag->max_time, 9 * kSecond);  // Rose while it was down...
  EXPECT_GT(history->lag->max_events, 50);
  EXPECT_EQ(history->lag->events, 0);  // ...and came back to zero.
  // Equal to a rebuild from the log: no event was applied twice or skipped.
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
  ASSERT_TRUE(report.invariants.convergence_time_ns.has_value());
  EXPECT_LT(*report.invariants.convergence_time_ns, 5 * kSecond);
}

TEST(RealFaultTest, DuplicateDeliveryIsAbsorbedByTheIdempotentConsumers) {
  const sim::Scenario scenario = withFaults(
      kBookingMix,
      "  - { at: 5s, for: 30s, kind: delivery_duplicate, target: booking, probability: 0.5 }");
  auto engine = sim::Engine::create(scenario, realOptions(sim::testing::assetsDir()));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  (*engine)->run();
  const std::uint64_t duplicates = (*engine)->faults().duplicatesDelivered("booking");
  auto report = (*engine)->finish();
  ASSERT_TRUE(report.has_value());
  EXPECT_GT(duplicates, 100u);
  EXPECT_EQ(report->invariants.read_model_mismatches, 0u);
  EXPECT_EQ(report->invariants.lost_acknowledged, 0u);
}

TEST(RealFaultTest, DeliveryDelayShowsAsLagInTime) {
  const sim::RunReport report = runReal(withFaults(
      kBookingMix, "  - { at: 5s, for: 20s, kind: delivery_delay, target: booking, delay: 3s }"));
  const sim::ComponentGauges* history = report.metrics.findComponent("history-projection");
  ASSERT_TRUE(history != nullptr && history->lag.has_value());
  EXPECT_GE(history->lag->max_time, 3 * kSecond);
  EXPECT_EQ(history->lag->events, 0);
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
}

TEST(RealFaultTest, ReorderedDeliveryShufflesWithoutLosingEvents) {
  const sim::Scenario scenario = withFaults(
      kBookingMix, "  - { at: 5s, for: 30s, kind: delivery_reorder, target: booking, window: 4 }");
  auto engine = sim::Engine::create(scenario, realOptions(sim::testing::assetsDir()));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  (*engine)->run();
  const std::uint64_t reordered = (*engine)->faults().reordered("booking");
  auto report = (*engine)->finish();
  ASSERT_TRUE(report.has_value());
  EXPECT_GT(reordered, 20u);
  EXPECT_EQ(report->invariants.undelivered_events, 0u);
  EXPECT_EQ(report->invariants.lost_acknowledged, 0u);
  const sim::ComponentGauges* search = report->metrics.findComponent("search-projection");
  ASSERT_TRUE(search != nullptr && search->lag.has_value());
  EXPECT_EQ(search->lag->events, 0);
}

// Returns how many of `records` are on `topic`.
std::size_t poisonOn(const Result<std::vector<PoisonRecord>>& records, std::string_view topic) {
  EXPECT_TRUE(records.has_value()) << records.error().describe();
  if (!records)
    return 0;
  return static_cast<std::size_t>(std::count_if(
      records->begin(), records->end(),
      [topic](const PoisonRecord& record) { return record.position.topic == topic; }));
}

TEST(RealFaultTest, PoisonEventsAreAppendedSkippedAndDoNotWedgeTheConsumers) {
  const sim::Scenario scenario =
      withFaults(kBookingMix, R"(  - { at: 10s, kind: poison_event, target: booking, count: 5 }
  - { at: 12s, kind: poison_event, target: property, count: 3 })");
  auto engine = sim::Engine::create(scenario, realOptions(sim::testing::assetsDir() / "scenarios"));
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  (*engine)->run();
  auto finished = (*engine)->finish();
  ASSERT_TRUE(finished.has_value()) << finished.error().describe();
  const sim::RunReport& report = *finished;

  // Every poison event the faults asked for reached the log...
  EXPECT_EQ(report.fault_effects.at("booking.poison_appended"), 5u);
  EXPECT_EQ(report.fault_effects.at("property.poison_appended"), 3u);
  EXPECT_FALSE(report.fault_effects.contains("booking.poison_failed"));
  // ...and each consumer of its topic skipped it and recorded it as poison.
  auto* system = dynamic_cast<SimulatedPlatform*>((*engine)->system());
  ASSERT_NE(system, nullptr);
  auto& search = dynamic_cast<SearchProjection&>(system->platform().searchProjection());
  auto& history = dynamic_cast<HistoryProjection&>(system->platform().historyProjection());
  const auto search_poison = search.poisonRecords();
  EXPECT_EQ(poisonOn(search_poison, "booking"), 5u);
  EXPECT_EQ(poisonOn(search_poison, "property"), 3u);
  EXPECT_EQ(poisonOn(history.poisonRecords(), "booking"), 5u);

  for (const char* consumer : {"search-projection", "history-projection", "fraud-detection"}) {
    const sim::ComponentGauges* gauges = report.metrics.findComponent(consumer);
    ASSERT_TRUE(gauges != nullptr && gauges->lag.has_value()) << consumer;
    EXPECT_EQ(gauges->lag->events, 0) << consumer;
  }
  ASSERT_EQ(report.metrics.faults.size(), 2u);
  EXPECT_EQ(report.metrics.faults[0].start, report.metrics.faults[0].end);  // One-off.
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
  EXPECT_EQ(errorsOfKind(report.metrics, "search-projection", "step", RequestError::StoreOutage),
            0u);
}

TEST(RealFaultTest, PoisonThatTheLogRefusesIsCountedNotDiscarded) {
  // The event log is down when the poison comes: nothing is appended, and
  // the report says so instead of counting it as done.
  const sim::RunReport report = runReal(
      withFaults(kBookingMix, R"(  - { at: 10s, for: 5s, kind: store_outage, target: event-log }
  - { at: 12s, kind: poison_event, target: booking, count: 4 })"));
  EXPECT_EQ(report.fault_effects.at("booking.poison_failed"), 4u);
  EXPECT_FALSE(report.fault_effects.contains("booking.poison_appended"));
}

TEST(RealFaultTest, EventLogOutageStallsTheRelayUntilItReturns) {
  const sim::RunReport report = runReal(
      withFaults(kBookingMix, "  - { at: 10s, for: 10s, kind: store_outage, target: event-log }"));
  EXPECT_GT(errorsOfKind(report.metrics, "relay", "step", RequestError::StoreOutage), 10u);
  const sim::ComponentGauges* relay = report.metrics.findComponent("relay");
  ASSERT_TRUE(relay != nullptr && relay->lag.has_value());
  EXPECT_GE(relay->lag->max_time, 9 * kSecond);
  EXPECT_EQ(relay->lag->events, 0);
  EXPECT_EQ(report.invariants.undelivered_events, 0u);
  EXPECT_EQ(report.invariants.lost_acknowledged, 0u);
}

TEST(RealFaultTest, BookingStoreOutageFailsTheRelayButListingChangesStillReachSearch) {
  const sim::RunReport report = runReal(
      withFaults(kBookingMix, "  - { at: 10s, for: 10s, kind: store_outage, target: booking-db }"));
  // The relay cannot read the booking outbox: its steps fail, visibly...
  const WindowCounts relay =
      countWindow(report.metrics, "relay", "step", 10 * kSecond, 20 * kSecond);
  EXPECT_GT(relay.inside_errors, 10u);
  EXPECT_EQ(relay.outside_errors, 0u);
  EXPECT_EQ(errorsOfKind(report.metrics, "relay", "step", RequestError::StoreOutage),
            report.metrics.findOperation("relay", "step")->errors);
  // ...while the listing outbox still goes out: search applies the edits
  // made during the outage, before it ends.
  const WindowCounts search =
      countWindow(report.metrics, "search-projection", "step", 11 * kSecond, 20 * kSecond);
  EXPECT_GT(search.inside_completions, 5u);
  EXPECT_EQ(report.invariants.undelivered_events, 0u);
  EXPECT_EQ(report.invariants.lost_acknowledged, 0u);
  EXPECT_EQ(report.invariants.read_model_mismatches, 0u);
}

// --- calibrate ----------------------------------------------------------------

TEST(CalibrateTest, MeasuresTheRealOperationsAndWritesATopologyScenariosCanRun) {
  testing::TempDir dir;
  CalibrationOptions options;
  options.properties = 30;
  options.samples = 25;
  options.topologies_dir = sim::testing::assetsDir() / "topologies";
  auto calibration = calibrate(options);
  ASSERT_TRUE(calibration.has_value()) << calibration.error().describe();
  std::set<std::string> measured;
  for (const CalibratedOperation& op : calibration->operations) {
    EXPECT_GT(op.samples, 0);
    EXPECT_GT(op.median, 0);
    EXPECT_GT(op.p99, op.median);
    measured.insert(op.component + "." + op.operation);
  }
  for (const char* expected : {"booking-db.write", "listing-db.read", "listing-db.write",
                               "search-index.query", "relay.step", "search-projection.step"}) {
    EXPECT_TRUE(measured.contains(expected)) << expected;
  }
  const auto file = dir.path() / "calibrated.yaml";
  ASSERT_TRUE(writeCalibration(*calibration, file).has_value());
  auto topology = sim::parseTopologyFile(file);
  ASSERT_TRUE(topology.has_value()) << topology.error().describe();
  EXPECT_EQ(topology->name, "calibrated");

  const sim::Scenario scenario = sim::testing::parseOrFail(R"(schema: 1
name: on-calibrated
description: Runs on the measured service times.
duration: 5s
data: { properties: 20 }
topology: { file: ./calibrated.yaml }
load:
  - { phase: p, for: 5s, arrivals: { kind: constant, rate: 20/s } }
)");
  const sim::RunReport report = sim::testing::runToEnd(scenario, realOptions(dir.path()));
  EXPECT_GT(report.metrics.findOperation("gateway", "*")->count, 90u);
}

// --- staylab-cli --------------------------------------------------------------

constexpr std::string_view kQuick = R"(schema: 1
name: quick
description: A few seconds of an M/M/c station.
duration: 200s
topology: { file: mmc }
load:
  - { phase: p, for: 200s, arrivals: { kind: poisson, rate: 9/s },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
expect:
  - utilisation(station) < 0.99
)";

TEST_F(SimulateCliTest, PassingScenarioExitsZeroAndWritesTheThreeReportFiles) {
  const std::string scenario = write("quick.yaml", std::string(kQuick));
  const auto report_dir = m_dir.path() / "report";
  const auto result = cli({"simulate", scenario, "--report", report_dir.string()});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(result.out.find("PASSED"), std::string::npos);
  for (const char* file : {"summary.json", "timeseries.csv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(report_dir / file)) << file;
  const auto json = cli({"--json", "simulate", scenario, "--report", report_dir.string()});
  EXPECT_EQ(json.exit_code, 0);
  std::ifstream stream(report_dir / "summary.json");
  std::stringstream written;
  written << stream.rdbuf();
  EXPECT_EQ(json.out, written.str());  // --json prints exactly summary.json.
}

TEST_F(SimulateCliTest, FailedExpectationExitsOneAndNamesIt) {
  std::string text(kQuick);
  text += "  - p99(station.serve) < 1ms\n";
  const auto result =
      cli({"simulate", write("failing.yaml", text), "--report", (m_dir.path() / "r").string()});
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  EXPECT_NE(result.err.find("expectation failed: p99(station.serve) < 1ms"), std::string::npos)
      << result.err;
}

TEST_F(SimulateCliTest, ScenarioThatDoesNotParseOrFitExitsTwoWithItsPosition) {
  const auto broken =
      cli({"simulate", write("broken.yaml", "schema: 1\nname: x\ndurration: 5s\n")});
  EXPECT_EQ(broken.exit_code, 2) << broken.describe();
  EXPECT_NE(broken.err.find("broken.yaml:3:1"), std::string::npos) << broken.err;
  EXPECT_NE(broken.err.find("did you mean 'duration'"), std::string::npos) << broken.err;

  std::string text(kQuick);
  text += "faults:\n  - { at: 1s, for: 1s, kind: store_outage, target: statoin }\n";
  const auto unfit = cli({"simulate", write("unfit.yaml", text)});
  EXPECT_EQ(unfit.exit_code, 2) << unfit.describe();
  EXPECT_NE(unfit.err.find("faults[0].target"), std::string::npos) << unfit.err;
  EXPECT_NE(unfit.err.find("did you mean 'station'"), std::string::npos) << unfit.err;

  const auto until = cli({"simulate", write("ok.yaml", std::string(kQuick)), "--until", "5"});
  EXPECT_EQ(until.exit_code, 2);
  EXPECT_NE(until.err.find("--until"), std::string::npos) << until.err;
  const auto missing = cli({"simulate", (m_dir.path() / "nowhere.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_F(SimulateCliTest, ScenariosListShowsTheShippedOnesAndValidateChecksFiles) {
  const auto list = cli({"scenarios", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.describe();
  for (const char* name : {"steady-state", "booking-store-outage", "search-projection-crash",
                           "duplicate-reordered-delivery", "hot-listing-contention",
                           "slow-store-circuit-breaker", "mmc-station"})
    EXPECT_NE(list.out.find(name), std::string::npos) << name;

  const auto valid = cli({"scenarios", "validate", scenarioFile("steady-state").string(),
                          scenarioFile("mmc-station").string()});
  EXPECT_EQ(valid.exit_code, 0) << valid.describe();
  const std::string bad = write("bad.yaml", "schema: 2\n");
  const auto invalid = cli({"scenarios", "validate", scenarioFile("steady-state").string(), bad});
  EXPECT_EQ(invalid.exit_code, 2);
  EXPECT_NE(invalid.err.find("bad.yaml:1:"), std::string::npos) << invalid.err;
  EXPECT_EQ(invalid.err.find(bad + ": " + bad), std::string::npos) << invalid.err;  // Once.
}

// The real platform (SQLite, RocksDB, Xapian) in two separate processes:
// nothing of one process's state (addresses, hash seeds, temporary paths)
// may leak into the summary.
TEST_F(SimulateCliTest, TwoProcessesGiveByteIdenticalSummaries) {
  const std::string scenario = scenarioFile("booking-store-outage").string();
  std::vector<std::string> summaries;
  for (const char* name : {"first", "second"}) {
    const auto report_dir = m_dir.path() / name;
    const auto result =
        cli({"simulate", scenario, "--until", "65s", "--quiet", "--report", report_dir.string()});
    ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.describe();
    summaries.push_back(readFile(report_dir / "summary.json"));
  }
  // A run with bookings, and an outage that failed some of them.
  ASSERT_NE(summaries[0].find("\"gateway.book\""), std::string::npos);
  ASSERT_NE(summaries[0].find("\"booking-db.failed_calls\""), std::string::npos);
  EXPECT_EQ(summaries[0], summaries[1]);
}

TEST_F(SimulateCliTest, SeedFlagTakesEverySeedTheFileTakes) {
  const std::string largest = "18446744073709551615";
  const std::string file = write("seeded.yaml", std::string(kQuick) + "seed: " + largest + "\n");
  const auto report_dir = m_dir.path() / "seeded";
  const auto result =
      cli({"simulate", file, "--seed", largest, "--until", "2s", "--report", report_dir.string()});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_NE(readFile(report_dir / "summary.json").find("\"seed\": " + largest), std::string::npos);

  for (const char* bad : {"18446744073709551616", "-1", "x"}) {
    const auto refused = cli({"simulate", file, "--seed", bad});
    EXPECT_EQ(refused.exit_code, 2) << bad << ": " << refused.describe();
    EXPECT_NE(refused.err.find("--seed"), std::string::npos) << refused.err;
  }
}

TEST_F(SimulateCliTest, IntervalBelowTheFloorOrMakingTooManyPointsExitsTwo) {
  const std::string scenario = scenarioFile("steady-state").string();
  for (const char* interval : {"1ns", "1us"}) {
    const auto result = cli({"simulate", scenario, "--until", "2s", "--interval", interval});
    EXPECT_EQ(result.exit_code, 2) << interval << ": " << result.describe();
    EXPECT_NE(result.err.find("--interval: the interval is"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("the limit is 1ms"), std::string::npos) << result.err;
  }
  // The whole 2-minute run at 1 ms would be 120,000 points.
  const auto many = cli({"simulate", scenario, "--interval", "1ms"});
  EXPECT_EQ(many.exit_code, 2) << many.describe();
  EXPECT_NE(many.err.find("the limit is 10000 points"), std::string::npos) << many.err;
}

// What validate refuses, simulate refuses with the same file:line:column.
TEST_F(SimulateCliTest, ValidateAndSimulateRefuseTheSameLimitsAtTheSamePosition) {
  const std::string steady = readFile(scenarioFile("steady-state"));
  struct Case {
    std::string from;
    std::string to;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"rate: 40/s", "rate: 1e-10/s", ":17:38: 'rate' is 1e-10/s, below the limit of 1e-06/s"},
      {"properties: 100,", "properties: 1000000,",
       ":13:21: 'properties' must be between 1 and 100000"},
      {"arrivals: { kind: poisson, rate: 40/s }",
       "arrivals: { kind: closed, users: 1000000, think: 0s }",
       ":17:38: 'users' must be between 1 and 10000"},
  };
  for (const Case& change : cases) {
    std::string text = steady;
    ASSERT_NE(text.find(change.from), std::string::npos) << change.from;
    text.replace(text.find(change.from), change.from.size(), change.to);
    const std::string file = write("limit.yaml", text);
    const auto validated = cli({"scenarios", "validate", file});
    EXPECT_EQ(validated.exit_code, 2) << validated.describe();
    EXPECT_NE(validated.err.find(file + change.reason), std::string::npos) << validated.err;
    const auto simulated = cli({"simulate", file, "--report", (m_dir.path() / "r").string()});
    EXPECT_EQ(simulated.exit_code, 2) << simulated.describe();
    EXPECT_NE(simulated.err.find(file + change.reason), std::string::npos) << simulated.err;
  }
}

TEST_F(SimulateCliTest, CalibrateOutIntoAMissingFolderExitsTwoNamingOutBeforeMeasuring) {
  const auto missing = m_dir.path() / "no-such-folder" / "calibrated.yaml";
  const auto result = cli({"calibrate", "--out", missing.string()});
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_NE(result.err.find("--out"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("does not exist"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(missing.parent_path()));

  const auto folder = cli({"calibrate", "--out", m_dir.path().string()});
  EXPECT_EQ(folder.exit_code, 2) << folder.describe();
  EXPECT_NE(folder.err.find("--out"), std::string::npos) << folder.err;
  EXPECT_NE(folder.err.find("is a folder"), std::string::npos) << folder.err;
}

}  // namespace
}  // namespace staylab::app
