// The strangler fig's façade in the engine: while the pattern is on, each
// request asks the system where it goes (SystemUnderTest::route), a request
// sent to legacy takes the topology's legacy route and runs through
// executeOn(Legacy); a switch on the timeline moves a route mid-run. Over a
// small fake system that keeps the façade it is built and reconfigured with.

#include <array>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "simulator/engine/engine.h"
#include "simulator/report/report_writer.h"
#include "tests/simulator/engine_support.h"

namespace staylab::sim {
namespace {

using testing::optionsFor;
using testing::parseOrFail;
using testing::runToEnd;
using testing::ScenarioDir;

// A gateway in front of the new booking store, and a legacy monolith over
// its own database for the requests the façade sends there.
constexpr std::string_view kTopology = R"(schema: 1
name: facade
description: A gateway that sends bookings to the new store or to the legacy monolith.
components:
  - {name: clients, kind: client}
  - name: gateway
    kind: gateway
    binds: gateway
    workers: 8
    service_times: [{operation: book, distribution: constant, value: 1ms}]
  - name: booking-db
    kind: store
    binds: booking-db
    workers: 4
    service_times: [{operation: write, distribution: constant, value: 2ms}]
  - name: legacy
    kind: service
    binds: legacy
    workers: 4
    service_times: [{operation: book, distribution: constant, value: 1ms}]
  - name: legacy-db
    kind: store
    binds: legacy-db
    workers: 1
    service_times: [{operation: write, distribution: constant, value: 3ms}]
links:
  - {from: clients, to: gateway, latency: 1ms}
  - {from: gateway, to: booking-db, latency: 1ms}
  - {from: gateway, to: legacy, latency: 1ms}
  - {from: legacy, to: legacy-db, latency: 1ms}
routes:
  book: [gateway.book, booking-db.write]
routes_with:
  strangler_fig:
    legacy_book: [gateway.book, legacy.book, legacy-db.write]
)";

// What the fake saw, kept by the test across the engine's life.
struct Calls {
  std::uint64_t routed = 0;
  std::uint64_t execute = 0;
  std::array<std::uint64_t, 2> on{};  // executeOn, by Backend.
  std::uint64_t reconfigured = 0;
};

class FacadeSystem final : public SystemUnderTest {
 public:
  FacadeSystem(const PlatformBuild& build, Calls& calls) : m_build(build), m_calls(calls) {}

  Result<void> seed(const SeedData&) override { return {}; }
  int propertyCount() const override { return 50; }
  Result<void> reconfigure(const PlatformBuild& build) override {
    m_build = build;
    ++m_calls.reconfigured;
    return {};
  }
  void setTime(Nanos) override {}
  int phases(UserOperation, const PlatformBuild&) const override { return 1; }
  Backend route(UserOperation operation, int property_rank, Generator& random) override {
    ++m_calls.routed;
    return m_build.facade.decide(static_cast<RoutedOperation>(operation),
                                 std::to_string(property_rank), random.uniform());
  }
  OperationOutcome executeOn(Backend backend, UserOperation, int, Generator&) override {
    ++m_calls.on[static_cast<std::size_t>(backend)];
    return {};
  }
  OperationOutcome execute(UserOperation, int, Generator&) override {
    ++m_calls.execute;
    return {};
  }
  OperationOutcome resume(std::uint64_t) override { return {}; }
  void abandon(std::uint64_t) override {}
  Result<std::size_t> step(std::string_view, std::size_t) override { return 0; }
  Result<PartLag> lag(std::string_view) override { return PartLag{}; }
  Result<void> crash(std::string_view) override { return {}; }
  Result<void> restart(std::string_view) override { return {}; }
  Result<void> appendPoison(std::string_view, int) override { return {}; }
  std::vector<std::string> topics() const override { return {}; }
  Result<InvariantResults> checkInvariants(const std::vector<std::string>&) override {
    return InvariantResults{};
  }

 private:
  PlatformBuild m_build;
  Calls& m_calls;
};

std::string scenario(std::string_view patterns, std::string_view switches) {
  return fmt::format(R"(schema: 1
name: facade-run
description: Bookings through the façade.
seed: 5
duration: 20s
topology: {{ file: ./facade.yaml }}
{}
load:
  - phase: steady
    for: 20s
    arrivals: {{ kind: constant, rate: 20/s }}
    mix: {{ search: 0, view: 0, book: 100, cancel: 0, edit: 0 }}
{}
)",
                     patterns, switches);
}

double toMillis(Nanos time) {
  return static_cast<double>(time) / 1e6;
}

class EngineFacadeTest : public ::testing::Test {
 protected:
  EngineOptions options() {
    dir.write("facade.yaml", kTopology);
    EngineOptions options = optionsFor(dir.path());
    options.make_system =
        [this](FaultBoard&,
               const PlatformBuild& build) -> Result<std::unique_ptr<SystemUnderTest>> {
      return std::make_unique<FacadeSystem>(build, calls);
    };
    return options;
  }

  std::uint64_t completions(const RunReport& report, std::string_view component) {
    const OperationTotals* totals = report.metrics.findOperation(component, "write");
    return totals == nullptr ? 0 : totals->count;
  }

  // The bookings the clients made, every one answered without error.
  std::uint64_t bookings(const RunReport& report) {
    const OperationTotals* totals = report.metrics.findOperation("gateway", "book");
    EXPECT_NE(totals, nullptr);
    if (totals == nullptr)
      return 0;
    EXPECT_EQ(totals->errors, 0u);
    EXPECT_GT(totals->count, 390u);  // About 20/s for 20 s.
    return totals->count;
  }

  ScenarioDir dir;
  Calls calls;
};

TEST_F(EngineFacadeTest, ARequestRoutedToLegacyCrossesTheLegacyComponents) {
  const RunReport report = runToEnd(
      parseOrFail(scenario("patterns: { strangler_fig: { routes: { book: legacy } } }", "")),
      options());
  const std::uint64_t requests = bookings(report);
  EXPECT_EQ(calls.routed, requests);
  EXPECT_EQ(calls.on[static_cast<std::size_t>(Backend::Legacy)], requests);
  EXPECT_EQ(calls.on[static_cast<std::size_t>(Backend::New)], 0u);
  EXPECT_EQ(calls.execute, 0u);
  EXPECT_EQ(completions(report, "legacy-db"), requests);
  EXPECT_EQ(completions(report, "booking-db"), 0u);
}

TEST_F(EngineFacadeTest, ARequestRoutedToNewTakesItsUsualRoute) {
  const RunReport report =
      runToEnd(parseOrFail(scenario("patterns: { strangler_fig: { routes: { book: new } } }", "")),
               options());
  const std::uint64_t requests = bookings(report);
  EXPECT_EQ(calls.on[static_cast<std::size_t>(Backend::New)], requests);
  EXPECT_EQ(calls.on[static_cast<std::size_t>(Backend::Legacy)], 0u);
  EXPECT_EQ(completions(report, "booking-db"), requests);
  EXPECT_EQ(completions(report, "legacy-db"), 0u);
}

TEST_F(EngineFacadeTest, ACohortOfPropertiesSplitsTheTrafficBetweenTheTwoSides) {
  const RunReport report =
      runToEnd(parseOrFail(scenario(
                   "patterns: { strangler_fig: { routes: { book: {properties: 50%} } } }", "")),
               options());
  const auto legacy = completions(report, "legacy-db");
  const auto fresh = completions(report, "booking-db");
  EXPECT_EQ(legacy + fresh, bookings(report));
  EXPECT_GT(legacy, 0u);
  EXPECT_GT(fresh, 0u);
  EXPECT_EQ(legacy, calls.on[static_cast<std::size_t>(Backend::Legacy)]);
}

TEST_F(EngineFacadeTest, WithThePatternOffNoRequestAsksTheFacade) {
  const RunReport report = runToEnd(parseOrFail(scenario("", "")), options());
  EXPECT_EQ(calls.routed, 0u);
  EXPECT_EQ(calls.execute, bookings(report));
  EXPECT_EQ(calls.on[0] + calls.on[1], 0u);
  EXPECT_EQ(report.metrics.findOperation("legacy-db", "write"), nullptr);  // No keys of its own.
}

TEST_F(EngineFacadeTest, ARouteSwitchMidRunMovesTheTrafficAndARollbackMovesItBack) {
  const RunReport report = runToEnd(
      parseOrFail(scenario("patterns: { strangler_fig: { routes: { book: legacy } } }",
                           "switches:\n"
                           "  - {at: 5s, pattern: strangler_fig, routes: {book: new}}\n"
                           "  - {at: 15s, pattern: strangler_fig, routes: {book: legacy}}\n")),
      options());
  EXPECT_EQ(calls.reconfigured, 2u);
  const auto& metrics = report.metrics;
  const Nanos second = kSecond;
  const auto legacy_early = testing::countWindow(metrics, "legacy-db", "write", 0, 5 * second);
  const auto new_middle =
      testing::countWindow(metrics, "booking-db", "write", 5 * second, 15 * second);
  const auto legacy_middle =
      testing::countWindow(metrics, "legacy-db", "write", 6 * second, 15 * second);
  EXPECT_GT(legacy_early.inside_completions, 0u);
  EXPECT_GT(new_middle.inside_completions, 0u);
  EXPECT_EQ(legacy_middle.inside_completions, 0u);
  EXPECT_EQ(new_middle.outside_completions, 0u);  // Before 5s and after 15s: legacy only.
  EXPECT_EQ(completions(report, "legacy-db") + completions(report, "booking-db"), bookings(report));
  ASSERT_EQ(report.metrics.switches.size(), 2u);
  EXPECT_EQ(report.metrics.switches[0].settings, "routes: {book: new}");
  EXPECT_NE(summaryJson(report).find(R"("settings": "routes: {book: legacy}")"), std::string::npos);
}

TEST_F(EngineFacadeTest, ARunThatCanRouteToLegacyNeedsALegacyRouteForEachMixedOperation) {
  EngineOptions with = options();
  std::string topology(kTopology);
  topology.replace(topology.find("    legacy_book"), std::string("    legacy_book").size(),
                   "    book");
  dir.write("facade.yaml", topology);  // The legacy route given as a new one.
  auto refused =
      Engine::create(parseOrFail(scenario("",
                                          "switches:\n"
                                          "  - {at: 5s, pattern: strangler_fig, on: true}\n")),
                     with);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "topology.routes_with.strangler_fig.legacy_book")
      << refused.error().describe();
  EXPECT_NE(refused.error().message.find("gives no route for it there"), std::string::npos);

  // Nor can the app switch it on live.
  auto engine = Engine::create(parseOrFail(scenario("", "")), with);
  ASSERT_TRUE(engine.has_value()) << engine.error().describe();
  auto live = (*engine)->switchPattern("strangler_fig", true);
  ASSERT_FALSE(live.has_value());
  EXPECT_EQ(live.error().field, "topology.routes_with.strangler_fig.legacy_book");
  EXPECT_TRUE((*engine)->switchPattern("strangler_fig", false).has_value());
}

// The shipped migration topology, with the fake system behind every part
// (the CDC parts are polled and answer that they have nothing to do).
std::string migrationScenario(std::string_view search_backend) {
  return fmt::format(R"(schema: 1
name: migration-routes
description: Searches on one side, views on legacy, bookings by cohort.
seed: 9
duration: 30s
topology: {{ file: migration }}
patterns:
  strangler_fig: {{ enabled: true, routes: {{search: {}, view: legacy, book: {{properties: 30%}}}} }}
load:
  - phase: steady
    for: 30s
    arrivals: {{ kind: poisson, rate: 40/s }}
    mix: {{ search: 60, view: 20, book: 20, cancel: 0, edit: 0 }}
)",
                     search_backend);
}

TEST_F(EngineFacadeTest, TheMigrationTopologyServesLegacyRequestsOnTheLegacyDatabase) {
  const RunReport legacy_search = runToEnd(parseOrFail(migrationScenario("legacy")), options());
  const OperationTotals* like = legacy_search.metrics.findOperation("legacy-db", "query");
  ASSERT_NE(like, nullptr);
  EXPECT_EQ(legacy_search.metrics.findOperation("search-index", "query")->count, 0u);
  EXPECT_GT(legacy_search.metrics.findOperation("legacy-db", "read")->count, 0u);  // Views.
  EXPECT_GT(legacy_search.metrics.findOperation("legacy-db", "write")->count, 0u);
  EXPECT_GT(legacy_search.metrics.findOperation("booking-db", "write")->count, 0u);
  EXPECT_EQ(legacy_search.metrics.findOperation("listing-db", "read")->count, 0u);
  for (const std::string_view part : {"cdc-connector", "cdc-processor", "cdc-retry", "sync-back"})
    EXPECT_NE(legacy_search.metrics.findOperation(part, "step"), nullptr) << part;

  calls = Calls{};
  const RunReport new_search = runToEnd(parseOrFail(migrationScenario("new")), options());
  const OperationTotals* index = new_search.metrics.findOperation("search-index", "query");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(new_search.metrics.findOperation("legacy-db", "query")->count, 0u);
  // Search by LIKE on legacy, against the index on the new side.
  const LatencySummary& on_legacy =
      legacy_search.metrics.findOperation("gateway", "search")->latency;
  const LatencySummary& on_new = new_search.metrics.findOperation("gateway", "search")->latency;
  EXPECT_GT(on_legacy.p50, on_new.p50);
  EXPECT_GT(on_legacy.p99, on_new.p99);
  std::cout << "gateway.search p50/p99 legacy (LIKE): " << toMillis(on_legacy.p50) << "/"
            << toMillis(on_legacy.p99) << " ms; new (index): " << toMillis(on_new.p50) << "/"
            << toMillis(on_new.p99) << " ms\n";
}

}  // namespace
}  // namespace staylab::sim
