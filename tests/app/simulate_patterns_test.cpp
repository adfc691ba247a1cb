// The platform's own patterns switched off on the real code in simulated
// runs: search by API composition without CQRS, the dual write without the
// outbox, naive consumers without idempotence. Each shows its harm in a
// counted quantity, and with the pattern on the same faults do none.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "app/sim/simulated_platform.h"
#include "simulator/engine/engine.h"
#include "simulator/patterns/registry.h"
#include "tests/simulator/engine_support.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using sim::kSecond;
using sim::RequestError;
using sim::testing::errorsOfKind;

sim::RunReport runReal(std::string_view extra, std::string_view mix, int rate = 40,
                       std::string_view duration = "45s", std::string_view load = "40s") {
  const sim::Scenario scenario =
      sim::testing::parseOrFail(fmt::format(R"(schema: 1
name: pattern-test
description: A platform pattern on the real code.
seed: 4
duration: {3}
data: {{ properties: 30, seed: 2 }}
load:
  - phase: steady
    for: {4}
    arrivals: {{ kind: poisson, rate: {0}/s }}
    mix: {{ {1} }}
{2}
)",
                                            rate, mix, extra, duration, load));
  sim::EngineOptions options = sim::testing::optionsFor(sim::testing::assetsDir() / "scenarios");
  options.make_system = simulatedPlatformFactory({}, false);
  return sim::testing::runToEnd(scenario, options);
}

std::uint64_t measured(const sim::RunReport& report, std::string_view component,
                       std::string_view operation, std::string_view measure) {
  const sim::OperationTotals* totals = report.metrics.findOperation(component, operation);
  if (totals == nullptr)
    return 0;
  auto found = totals->measures.find(measure);
  return found == totals->measures.end() ? 0 : found->second;
}

std::uint64_t count(const sim::RunReport& report, std::string_view component,
                    std::string_view operation) {
  const sim::OperationTotals* totals = report.metrics.findOperation(component, operation);
  return totals == nullptr ? 0 : totals->count;
}

constexpr std::string_view kSearchAndBook = "search: 60, view: 0, book: 40, cancel: 0, edit: 0";

// --- CQRS ------------------------------------------------------------------------

TEST(CqrsPatternTest, ALaggingReadModelOffersTakenNightsAndTheCompositionNever) {
  const std::string crash =
      "faults:\n  - { at: 5s, kind: consumer_crash, target: search-projection, "
      "restart_after: 25s }\n";
  const sim::RunReport read_model = runReal(crash, kSearchAndBook);
  const sim::RunReport composed = runReal("patterns: { cqrs: false }\n" + crash, kSearchAndBook);
  EXPECT_GT(measured(read_model, "gateway", "search", "stale_reads"), 20u);
  EXPECT_EQ(measured(composed, "gateway", "search", "stale_reads"), 0u);
  // The composition read the write stores: the listing documents, then the
  // booking store for availability; never the search index.
  EXPECT_EQ(count(read_model, "listing-db", "query"), 0u);
  EXPECT_EQ(count(composed, "listing-db", "query"), count(composed, "gateway", "search"));
  EXPECT_EQ(count(composed, "booking-db", "availability"), count(composed, "listing-db", "query"));
  EXPECT_EQ(count(composed, "search-index", "query"), 0u);
  EXPECT_EQ(composed.metrics.findOperation("gateway", "search")->errors, 0u);
  EXPECT_EQ(composed.invariants.double_bookings, 0u);
}

TEST(CqrsPatternTest, WithoutCqrsABookingStoreOutageTakesSearchDownToo) {
  const std::string outage =
      "faults:\n  - { at: 10s, for: 10s, kind: store_outage, target: booking-db }\n";
  const sim::RunReport read_model = runReal(outage, kSearchAndBook);
  const sim::RunReport composed = runReal("patterns: { cqrs: false }\n" + outage, kSearchAndBook);
  EXPECT_EQ(errorsOfKind(read_model.metrics, "gateway", "search", RequestError::StoreOutage), 0u);
  EXPECT_GT(errorsOfKind(composed.metrics, "gateway", "search", RequestError::StoreOutage), 100u);
}

TEST(CqrsPatternTest, SwitchedOffDuringTheRunSearchTakesTheCompositionFromThen) {
  const sim::RunReport report =
      runReal("switches:\n  - { at: 20s, pattern: cqrs, on: false }\n", kSearchAndBook);
  ASSERT_EQ(report.metrics.switches.size(), 1u);
  // Searches before 20 s read the index, after it the write stores.
  const auto searches_at = [&](std::string_view component, std::string_view operation,
                               sim::Nanos from, sim::Nanos to) {
    return sim::testing::countWindow(report.metrics, component, operation, from, to, 0)
        .inside_completions;
  };
  EXPECT_GT(searches_at("search-index", "query", 0, 19 * kSecond), 100u);
  EXPECT_EQ(searches_at("listing-db", "query", 0, 19 * kSecond), 0u);
  EXPECT_EQ(searches_at("search-index", "query", 21 * kSecond, 40 * kSecond), 0u);
  EXPECT_GT(searches_at("listing-db", "query", 21 * kSecond, 40 * kSecond), 100u);
}

TEST(CqrsPatternTest, ATopologyWithoutTheCompositionRouteRefusesCqrsOff) {
  sim::testing::ScenarioDir dir;
  // The shipped topology without its routes_without.
  std::ifstream in(sim::testing::assetsDir() / "topologies" / "default.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text = text.substr(0, text.find("\nroutes_without:")) + "\n";
  dir.write("plain.yaml", text);
  const sim::Scenario scenario = sim::testing::parseOrFail(R"(schema: 1
name: no-composition-route
description: CQRS off on a topology that gives no composition route.
duration: 10s
topology: { file: ./plain.yaml }
patterns: { cqrs: false }
load:
  - { phase: p, for: 5s, arrivals: { kind: poisson, rate: 10/s } }
)");
  sim::EngineOptions options = sim::testing::optionsFor(dir.path());
  options.make_system = simulatedPlatformFactory({}, false);
  auto engine = sim::Engine::create(scenario, options);
  ASSERT_FALSE(engine.has_value());
  EXPECT_EQ(engine.error().field, "topology.routes.search");
  EXPECT_NE(engine.error().message.find("routes_without.cqrs"), std::string::npos)
      << engine.error().message;
}

// --- Transactional outbox ----------------------------------------------------------

constexpr std::string_view kWrites = "search: 20, view: 0, book: 60, cancel: 10, edit: 10";

TEST(OutboxPatternTest, AnEventLogOutageLosesTheDualWritesEventsAndNoneThroughTheOutbox) {
  const std::string outage =
      "faults:\n  - { at: 10s, for: 10s, kind: store_outage, target: event-log }\n";
  const sim::RunReport outbox = runReal(outage, kWrites);
  const sim::RunReport dual = runReal("patterns: { outbox: false }\n" + outage, kWrites);
  EXPECT_EQ(outbox.invariants.undelivered_events, 0u);
  EXPECT_EQ(outbox.invariants.measures.at("write_read_divergence"), 0u);
  EXPECT_GT(dual.invariants.undelivered_events, 50u);
  EXPECT_GT(dual.invariants.measures.at("write_read_divergence"), 20u);
  // The naive service swallows the failed append: the bookings succeeded,
  // the appends failed.
  EXPECT_EQ(errorsOfKind(dual.metrics, "gateway", "book", RequestError::StoreOutage), 0u);
  EXPECT_GT(errorsOfKind(dual.metrics, "event-log", "append", RequestError::StoreOutage), 50u);
  // The read models equal a rebuild from the log: the log itself lacks the events.
  EXPECT_EQ(dual.invariants.read_model_mismatches, 0u);
}

TEST(OutboxPatternTest, AServiceKilledBetweenTheTwoWritesLosesTheEventsOfWhatItCommitted) {
  // Every booking-service instance dies six times: what each was doing
  // between its commit and its append is lost with it. A slow booking store
  // keeps every write in that window for a while.
  std::string faults =
      "faults:\n  - { at: 0s, for: 40s, kind: store_latency, target: booking-db, "
      "latency: 10ms }\n";
  for (int kill = 1; kill <= 6; ++kill) {
    faults += fmt::format(
        "  - {{ at: {}s, kind: instance_kill, target: booking-service, instances: 2, "
        "restart_after: 500ms }}\n",
        kill * 5);
  }
  const sim::RunReport outbox = runReal(faults, kWrites, 80);
  const sim::RunReport dual = runReal("patterns: { outbox: false }\n" + faults, kWrites, 80);
  EXPECT_GT(errorsOfKind(outbox.metrics, "gateway", "book", RequestError::InstanceKilled), 0u);
  EXPECT_EQ(outbox.invariants.undelivered_events, 0u);
  EXPECT_EQ(outbox.invariants.measures.at("write_read_divergence"), 0u);
  EXPECT_GT(errorsOfKind(dual.metrics, "gateway", "book", RequestError::InstanceKilled), 0u);
  EXPECT_GT(dual.invariants.undelivered_events, 0u);
  EXPECT_GT(dual.invariants.measures.at("write_read_divergence"), 0u);
}

// --- Idempotent consumer -------------------------------------------------------------

TEST(IdempotentConsumerPatternTest, DuplicatesAndCrashesApplyEventsTwiceOnlyInNaiveConsumers) {
  const std::string faults =
      "faults:\n  - { at: 5s, for: 30s, kind: delivery_duplicate, target: booking, "
      "probability: 0.3 }\n"
      "  - { at: 12s, kind: consumer_crash, target: history-projection, restart_after: 3s }\n"
      "  - { at: 18s, kind: consumer_crash, target: search-projection, restart_after: 3s }\n";
  const sim::RunReport idempotent = runReal(faults, kWrites);
  const sim::RunReport naive =
      runReal("patterns: { idempotent_consumer: false }\n" + faults, kWrites);
  EXPECT_EQ(idempotent.invariants.measures.at("duplicates_applied"), 0u);
  EXPECT_EQ(idempotent.invariants.read_model_mismatches, 0u);
  EXPECT_GT(naive.invariants.measures.at("duplicates_applied"), 20u);
  EXPECT_GT(naive.invariants.read_model_mismatches, 0u);
}

// --- Cache-aside --------------------------------------------------------------------

constexpr std::string_view kViewsAndEdits = "search: 0, view: 85, book: 0, cancel: 0, edit: 15";

TEST(CacheAsidePatternTest, AHitSparesTheListingStoreReadAndOffEveryViewReadsIt) {
  const sim::RunReport cached =
      runReal("patterns: { cache_aside: { enabled: true, ttl: 5s } }\n", kViewsAndEdits, 100);
  const sim::RunReport direct = runReal("", kViewsAndEdits, 100);
  const std::uint64_t views = count(cached, "gateway", "view");
  const std::uint64_t hits = measured(cached, "gateway", "view", "cache_hits");
  ASSERT_GT(views, 2000u);
  // Every view asks the cache; only the misses read the store.
  EXPECT_EQ(count(cached, "listing-service", "cache"), views);
  EXPECT_GT(hits, views / 2);
  EXPECT_EQ(count(cached, "listing-db", "read"), views - hits);
  EXPECT_EQ(count(direct, "listing-db", "read"), count(direct, "gateway", "view"));
  EXPECT_EQ(count(direct, "listing-service", "cache"), 0u);
  EXPECT_EQ(measured(direct, "gateway", "view", "cache_hits"), 0u);
  EXPECT_EQ(cached.metrics.findOperation("gateway", "view")->errors, 0u);
}

TEST(CacheAsidePatternTest, WithoutInvalidationEditedListingsAreShownStaleAndWithItNever) {
  const sim::RunReport invalidated =
      runReal("patterns: { cache_aside: { enabled: true, ttl: 5s, invalidate_on_update: true } }\n",
              kViewsAndEdits, 100);
  const sim::RunReport ttl_only = runReal(
      "patterns: { cache_aside: { enabled: true, ttl: 5s, invalidate_on_update: false } }\n",
      kViewsAndEdits, 100);
  EXPECT_EQ(measured(invalidated, "gateway", "view", "stale_views"), 0u);
  EXPECT_GT(measured(ttl_only, "gateway", "view", "stale_views"), 50u);
  // Invalidation's price: the edits' entries are read again.
  EXPECT_LT(measured(invalidated, "gateway", "view", "cache_hits"),
            measured(ttl_only, "gateway", "view", "cache_hits"));
}

// --- Load leveling -------------------------------------------------------------------

TEST(LoadLevelingPatternTest, TheGatewayQueuesBookingsAndTheClientLearnsTheOutcomeByPolling) {
  const sim::RunReport leveled = runReal(
      "patterns: { load_leveling: { enabled: true, poll_every: 200ms } }\n", kSearchAndBook);
  const std::uint64_t books = count(leveled, "gateway", "book");
  ASSERT_GT(books, 400u);
  // Each booking went onto the queue on the log, not to the booking service.
  EXPECT_EQ(count(leveled, "event-log", "append"), books);
  EXPECT_EQ(leveled.metrics.findOperation("gateway", "book")->errors, 0u);
  // The worker placed every one of them through the booking route, and each
  // client polled until it read its outcome.
  EXPECT_EQ(count(leveled, "booking-db", "write"), books);
  const sim::OperationTotals* outcome = leveled.metrics.findOperation("gateway", "book-outcome");
  ASSERT_NE(outcome, nullptr);
  EXPECT_EQ(outcome->count, books);
  EXPECT_GE(count(leveled, "gateway", "status"), books);
  EXPECT_GT(outcome->latency.p50, leveled.metrics.findOperation("gateway", "book")->latency.p50);
  EXPECT_GE(outcome->latency.min, 200 * sim::kMillisecond);  // The first poll.
  EXPECT_EQ(leveled.invariants.double_bookings, 0u);
  EXPECT_EQ(leveled.invariants.lost_acknowledged, 0u);
  EXPECT_EQ(leveled.invariants.undelivered_events, 0u);
}

TEST(LoadLevelingPatternTest, OffBookingsAreAnsweredWithTheirOutcomeAndNothingIsQueued) {
  const sim::RunReport direct = runReal("", kSearchAndBook);
  EXPECT_EQ(direct.metrics.findOperation("gateway", "book-outcome"), nullptr);
  EXPECT_EQ(direct.metrics.findOperation("gateway", "status"), nullptr);
  EXPECT_EQ(count(direct, "booking-db", "write"), count(direct, "gateway", "book"));
}

// --- The registry, as the CLI lists it ---------------------------------------------------

TEST(PatternsCommandTest, ListsEveryRegisteredPatternInItsOrderWithWhatItMeasures) {
  const testing::TempDir dir;
  const auto listed = testing::cliAnswer(dir / "unused", {"patterns"});
  const auto registry = sim::patternRegistry();
  ASSERT_EQ(listed.size(), registry.size());
  for (std::size_t index = 0; index < registry.size(); ++index) {
    EXPECT_EQ(listed[index]["name"], std::string(registry[index]->name()));
    EXPECT_EQ(listed[index]["live"], registry[index]->live() == sim::LiveSwitch::Yes);
  }
  EXPECT_EQ(listed[0]["measures"], (nlohmann::json{"stale_reads", "stale_read_ratio"}));
  EXPECT_EQ(listed[0]["on_by_default"], true);
  const auto retry = std::find_if(listed.begin(), listed.end(), [](const nlohmann::json& entry) {
    return entry["name"] == "retry";
  });
  ASSERT_NE(retry, listed.end());
  EXPECT_EQ((*retry)["settings"], "attempts: 3, backoff: 50ms, max_backoff: 1s, jitter: 0.2");
}

}  // namespace
}  // namespace staylab::app
