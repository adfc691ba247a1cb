#include <atomic>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simulator/metrics/evaluation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/scenario/expectation.h"

namespace staylab::sim {
namespace {

constexpr Nanos kMs = kMillisecond;

// Returns the point of (component, operation) in interval `index`.
const SeriesPoint& pointAt(const MetricsSnapshot& snapshot, std::size_t index,
                           std::string_view component, std::string_view operation) {
  const auto key = snapshot.series.findKey(component, operation);
  EXPECT_TRUE(key.has_value()) << component << "." << operation;
  const SeriesPoint* point = snapshot.series[index].find(key.value_or(0));
  EXPECT_NE(point, nullptr);
  static const SeriesPoint kNone;
  return point == nullptr ? kNone : *point;
}

TEST(MetricsRegistryTest, CountsErrorsByKindAndPercentilesPerKey) {
  MetricsRegistry registry;
  const OperationId book = registry.operation("gateway", "book");
  for (int request = 1; request <= 100; ++request)
    registry.recordSuccess(book, 0, request * kMs);  // 1 ms .. 100 ms
  registry.recordError(book, 0, 200 * kMs, RequestError::Timeout);
  registry.recordError(book, 0, 300 * kMs, RequestError::Timeout);
  registry.recordError("gateway", "book", 0, 400 * kMs, RequestError::StoreOutage);
  registry.recordSuccess("gateway", "search", 0, 5 * kMs);
  registry.finish(kSecond);

  const MetricsSnapshot snapshot = registry.snapshot();
  const OperationTotals* totals = snapshot.findOperation("gateway", "book");
  ASSERT_NE(totals, nullptr);
  EXPECT_EQ(totals->count, 103u);
  EXPECT_EQ(totals->errors, 3u);
  EXPECT_EQ(totals->errors_by_kind.at(RequestError::Timeout), 2u);
  EXPECT_EQ(totals->errors_by_kind.at(RequestError::StoreOutage), 1u);
  EXPECT_NEAR(totals->errorRate(), 3.0 / 103.0, 1e-12);
  EXPECT_NEAR(static_cast<double>(totals->latency.p50), 52 * kMs, 0.01 * 52 * kMs);
  EXPECT_NEAR(static_cast<double>(totals->latency.p99), 300 * kMs, 0.01 * 300 * kMs);
  EXPECT_EQ(totals->latency.min, 1 * kMs);
  EXPECT_EQ(totals->latency.max, 400 * kMs);

  const OperationTotals* search = snapshot.findOperation("gateway", "search");
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(search->count, 1u);
  EXPECT_EQ(search->errors, 0u);
  EXPECT_TRUE(search->errors_by_kind.empty());

  const OperationTotals* gateway = snapshot.findOperation("gateway", "*");
  ASSERT_NE(gateway, nullptr);
  EXPECT_EQ(gateway->count, 104u);
  EXPECT_EQ(gateway->errors, 3u);
  EXPECT_EQ(gateway->latency.min, 1 * kMs);
  const OperationTotals* total = snapshot.findOperation("*", "*");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->count, 104u);
  EXPECT_EQ(total->errors_by_kind.at(RequestError::Timeout), 2u);
  EXPECT_EQ(snapshot.findOperation("gateway", "cancel"), nullptr);

  // Aggregates sort first: "*" is below every letter.
  ASSERT_EQ(snapshot.operations.size(), 4u);
  EXPECT_EQ(snapshot.operations[0].key.toString(), "*");
  EXPECT_EQ(snapshot.operations[1].key.toString(), "gateway.*");
  EXPECT_EQ(snapshot.operations[2].key.toString(), "gateway.book");
  EXPECT_EQ(snapshot.operations[3].key.toString(), "gateway.search");
}

TEST(MetricsRegistryTest, IntervalsCountTheDomainsRefusalsApartFromFailures) {
  MetricsRegistry registry(MetricsOptions{kSecond});
  const OperationId book = registry.operation("api", "book");
  const OperationId view = registry.operation("api", "view");
  registry.recordError(book, 0, 10 * kMs, RequestError::Conflict);
  registry.recordError(book, 0, 20 * kMs, RequestError::StoreOutage);
  registry.recordError(view, 0, 30 * kMs, RequestError::NotFound);
  registry.recordSuccess(view, 0, 40 * kMs);
  registry.recordError(book, 1100 * kMs, 1200 * kMs, RequestError::Timeout);
  registry.finish(2 * kSecond);

  const MetricsSnapshot snapshot = registry.snapshot();
  ASSERT_EQ(snapshot.series.size(), 2u);
  const auto point = [&](std::size_t interval, const char* component, const char* operation) {
    const auto key = snapshot.series.findKey(component, operation);
    return key ? snapshot.series[interval].find(*key) : nullptr;
  };
  ASSERT_NE(point(0, "api", "book"), nullptr);
  EXPECT_EQ(point(0, "api", "book")->errors, 2u);
  EXPECT_EQ(point(0, "api", "book")->refused, 1u);
  EXPECT_EQ(point(0, "api", "view")->refused, 1u);
  EXPECT_EQ(point(0, "api", "*")->errors, 3u);
  EXPECT_EQ(point(0, "api", "*")->refused, 2u);
  EXPECT_EQ(point(0, "*", "*")->refused, 2u);
  EXPECT_EQ(point(1, "api", "book")->errors, 1u);
  EXPECT_EQ(point(1, "api", "book")->refused, 0u);  // A new interval starts from zero.
  EXPECT_TRUE(isRefusal(RequestError::Invalid));
  EXPECT_FALSE(isRefusal(RequestError::RateLimited));
}

TEST(MetricsRegistryTest, MeasuresAddUpPerKeyComponentAndRunAndPerInterval) {
  MetricsRegistry registry(MetricsOptions{kSecond});
  const OperationId search = registry.operation("gateway", "search");
  const OperationId view = registry.operation("gateway", "view");
  registry.recordSuccess(search, 0, 10 * kMs);
  registry.addMeasure(search, 10 * kMs, "stale_reads", 1);
  registry.addMeasure(search, 20 * kMs, "stale_reads", 2);
  registry.addMeasure(view, 30 * kMs, "stale_reads", 4);
  registry.addMeasure(search, 1500 * kMs, "stale_reads", 8);
  registry.addMeasure(search, 1600 * kMs, "other", 0);  // Nothing counted, nothing shown.
  registry.finish(2 * kSecond);
  const MetricsSnapshot snapshot = registry.snapshot();
  EXPECT_EQ(snapshot.findOperation("gateway", "search")->measures,
            (MeasureCounts{{"stale_reads", 11}}));
  EXPECT_EQ(snapshot.findOperation("gateway", "*")->measures, (MeasureCounts{{"stale_reads", 15}}));
  EXPECT_EQ(snapshot.findOperation("*", "*")->measures, (MeasureCounts{{"stale_reads", 15}}));
  const auto key = snapshot.series.findKey("gateway", "search");
  ASSERT_TRUE(key.has_value());
  ASSERT_EQ(snapshot.series.size(), 2u);
  EXPECT_EQ(snapshot.series[0].find(*key)->measures, (MeasureCounts{{"stale_reads", 3}}));
  EXPECT_EQ(snapshot.series[1].find(*key)->measures, (MeasureCounts{{"stale_reads", 8}}));
  const auto view_key = snapshot.series.findKey("gateway", "view");
  EXPECT_TRUE(snapshot.series[1].find(*view_key)->measures.empty());
}

TEST(MetricsRegistryTest, LatencyCountsFromIntendedStartSoQueueingIsNotHidden) {
  MetricsRegistry registry;
  // Intended at t=0, picked up by a worker at 5 s, served in 100 ms.
  const Nanos intended = 0;
  const Nanos completion = 5 * kSecond + 100 * kMs;
  registry.recordSuccess("api", "book", intended, completion);
  registry.finish(6 * kSecond);

  const MetricsSnapshot snapshot = registry.snapshot();
  const OperationTotals* totals = snapshot.findOperation("api", "book");
  ASSERT_NE(totals, nullptr);
  EXPECT_EQ(totals->latency.max, 5100 * kMs);
  EXPECT_EQ(totals->latency.min, 5100 * kMs);
  EXPECT_NEAR(static_cast<double>(totals->latency.p50), 5100 * kMs, 0.004 * 5100 * kMs);
}

// A hand-made timeline with interval 1 s, finished at 2.5 s:
//   api.book:   0.1 -> 0.2 ok, 0.3 -> 0.5 error "timeout", 1.0 -> 1.5 ok
//   api.search: 1.4 -> 1.5 ok
//   api queue: 4 waiting over [0.5, 1.5); workers 2 of 4 busy from 0
//   api circuit: open over [1.2, 1.4)
//   consumer lag: 3 events from 0.5 (oldest produced at 0.2), caught up at 1.5
TEST(MetricsRegistryTest, IntervalSeriesFollowsAHandMadeTimeline) {
  MetricsRegistry registry(MetricsOptions{kSecond});
  const OperationId book = registry.operation("api", "book");
  const OperationId search = registry.operation("api", "search");
  const ComponentId api = registry.component("api");
  const ComponentId consumer = registry.component("consumer");

  registry.setBusyWorkers(api, 0, 2, 4);
  registry.recordSuccess(book, 100 * kMs, 200 * kMs);
  registry.recordError(book, 300 * kMs, 500 * kMs, RequestError::Timeout);
  registry.setQueueDepth(api, 500 * kMs, 4);
  registry.setConsumerLag(consumer, 500 * kMs, 3, 200 * kMs);
  registry.setCircuitState(api, 1200 * kMs, CircuitState::Open);
  registry.setCircuitState(api, 1400 * kMs, CircuitState::Closed);
  registry.recordSuccess(book, 1000 * kMs, 1500 * kMs);
  registry.recordSuccess(search, 1400 * kMs, 1500 * kMs);
  registry.setQueueDepth(api, 1500 * kMs, 0);
  registry.setConsumerLag(consumer, 1500 * kMs, 0, 0);
  registry.finish(2500 * kMs);

  const MetricsSnapshot snapshot = registry.snapshot();
  EXPECT_TRUE(snapshot.finished);
  EXPECT_EQ(snapshot.now, 2500 * kMs);
  ASSERT_EQ(snapshot.series.size(), 3u);
  EXPECT_EQ(snapshot.series[0].start, 0);
  EXPECT_EQ(snapshot.series[0].end, kSecond);
  EXPECT_EQ(snapshot.series[2].start, 2 * kSecond);
  EXPECT_EQ(snapshot.series[2].end, 2500 * kMs);

  // Points come in key order, one per key.
  std::vector<std::string> order;
  for (const SeriesPoint& point : snapshot.series[0].points)
    order.push_back(snapshot.series.keys()[point.key].toString());
  EXPECT_EQ(order,
            (std::vector<std::string>{"*", "api.*", "api.book", "api.search", "consumer.*"}));

  const SeriesPoint& book0 = pointAt(snapshot, 0, "api", "book");
  EXPECT_EQ(book0.completions, 2u);
  EXPECT_EQ(book0.errors, 1u);
  EXPECT_DOUBLE_EQ(book0.throughput, 2.0);
  EXPECT_DOUBLE_EQ(book0.error_rate.value(), 0.5);
  EXPECT_EQ(book0.max.value(), 200 * kMs);
  EXPECT_NEAR(static_cast<double>(book0.p50.value()), 100 * kMs, 0.004 * 100 * kMs);
  EXPECT_FALSE(book0.queue_depth.has_value());  // Gauges live on the component row.

  const SeriesPoint& book1 = pointAt(snapshot, 1, "api", "book");
  EXPECT_EQ(book1.completions, 1u);
  EXPECT_DOUBLE_EQ(book1.error_rate.value(), 0.0);
  EXPECT_EQ(book1.max.value(), 500 * kMs);
  const SeriesPoint& search0 = pointAt(snapshot, 0, "api", "search");
  EXPECT_EQ(search0.completions, 0u);
  EXPECT_DOUBLE_EQ(search0.throughput, 0.0);
  EXPECT_FALSE(search0.error_rate.has_value());
  EXPECT_FALSE(search0.p99.has_value());

  const SeriesPoint& api0 = pointAt(snapshot, 0, "api", "*");
  EXPECT_EQ(api0.completions, 2u);
  EXPECT_DOUBLE_EQ(api0.queue_depth.value(), 2.0);  // 4 over half the interval.
  EXPECT_DOUBLE_EQ(api0.queue_depth_max.value(), 4.0);
  EXPECT_DOUBLE_EQ(api0.utilisation.value(), 0.5);
  EXPECT_FALSE(api0.circuit.has_value());  // Not set before 1.2 s.
  const SeriesPoint& api1 = pointAt(snapshot, 1, "api", "*");
  EXPECT_EQ(api1.completions, 2u);
  EXPECT_DOUBLE_EQ(api1.throughput, 2.0);
  EXPECT_DOUBLE_EQ(api1.queue_depth.value(), 2.0);
  EXPECT_EQ(api1.circuit.value(), CircuitState::Open);  // Most open during the interval.
  const SeriesPoint& api2 = pointAt(snapshot, 2, "api", "*");
  EXPECT_DOUBLE_EQ(api2.queue_depth.value(), 0.0);
  EXPECT_DOUBLE_EQ(api2.queue_depth_max.value(), 0.0);
  EXPECT_EQ(api2.circuit.value(), CircuitState::Closed);
  EXPECT_DOUBLE_EQ(api2.throughput, 0.0);

  const SeriesPoint& total1 = pointAt(snapshot, 1, "*", "*");
  EXPECT_EQ(total1.completions, 2u);
  EXPECT_FALSE(total1.queue_depth.has_value());

  // Lag in time grows with the clock while the consumer is stuck.
  const SeriesPoint& lag0 = pointAt(snapshot, 0, "consumer", "*");
  EXPECT_EQ(lag0.lag_events.value(), 3);
  EXPECT_EQ(lag0.lag_time.value(), 800 * kMs);  // At 1 s, the oldest is 0.8 s old.
  EXPECT_FALSE(lag0.utilisation.has_value());
  const SeriesPoint& lag1 = pointAt(snapshot, 1, "consumer", "*");
  EXPECT_EQ(lag1.lag_events.value(), 3);
  EXPECT_EQ(lag1.lag_time.value(), 1300 * kMs);  // Just before catching up at 1.5 s.
  const SeriesPoint& lag2 = pointAt(snapshot, 2, "consumer", "*");
  EXPECT_EQ(lag2.lag_events.value(), 0);
  EXPECT_EQ(lag2.lag_time.value(), 0);

  const ComponentGauges* api_gauges = snapshot.findComponent("api");
  ASSERT_NE(api_gauges, nullptr);
  EXPECT_DOUBLE_EQ(api_gauges->queue->max, 4.0);
  EXPECT_DOUBLE_EQ(api_gauges->queue->mean, 4.0 / 2.5);
  EXPECT_DOUBLE_EQ(api_gauges->workers->utilisation, 0.5);
  EXPECT_EQ(api_gauges->circuit->opens, 1u);
  EXPECT_EQ(api_gauges->circuit->state, CircuitState::Closed);
  EXPECT_FALSE(api_gauges->lag.has_value());
  const ComponentGauges* consumer_gauges = snapshot.findComponent("consumer");
  ASSERT_NE(consumer_gauges, nullptr);
  EXPECT_EQ(consumer_gauges->lag->max_events, 3);
  EXPECT_EQ(consumer_gauges->lag->max_time, 1300 * kMs);
  EXPECT_EQ(consumer_gauges->lag->events, 0);
}

TEST(MetricsRegistryTest, PublishesOnlyClosedIntervalsAndSampleIsIdempotent) {
  MetricsRegistry registry(MetricsOptions{100 * kMs});
  registry.recordSuccess("api", "view", 0, 50 * kMs);
  EXPECT_EQ(registry.snapshot().series.size(), 0u);
  EXPECT_EQ(registry.snapshot().findOperation("api", "view"), nullptr);  // Not published yet.

  registry.sample(250 * kMs);
  registry.sample(250 * kMs);
  registry.sample(120 * kMs);  // Earlier: nothing to close.
  const MetricsSnapshot snapshot = registry.snapshot();
  EXPECT_EQ(snapshot.now, 200 * kMs);
  ASSERT_EQ(snapshot.series.size(), 2u);  // The empty one counts too.
  EXPECT_EQ(snapshot.findOperation("api", "view")->count, 1u);
  EXPECT_EQ(pointAt(snapshot, 1, "api", "view").completions, 0u);

  // A record past several boundaries closes them first.
  registry.recordSuccess("api", "view", 600 * kMs, 650 * kMs);
  EXPECT_EQ(registry.snapshot().series.size(), 6u);
  EXPECT_EQ(registry.snapshot().findOperation("api", "view")->count, 1u);
}

TEST(MetricsRegistryTest, KeysAddedLaterJoinTheSeriesFromTheirFirstInterval) {
  MetricsRegistry registry;
  registry.recordSuccess("a", "x", 0, 10 * kMs);
  registry.recordSuccess("b", "y", 1500 * kMs, 1600 * kMs);
  registry.finish(2 * kSecond);
  const MetricsSnapshot snapshot = registry.snapshot();
  ASSERT_EQ(snapshot.series.size(), 2u);
  const auto b = snapshot.series.findKey("b", "y");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(snapshot.series[0].find(*b), nullptr);
  ASSERT_NE(snapshot.series[1].find(*b), nullptr);
  EXPECT_EQ(snapshot.series[0].points.size(), 3u);  // *, a.*, a.x
  EXPECT_EQ(snapshot.series[1].points.size(), 5u);
}

TEST(MetricsRegistryTest, KeepsFaultWindowsSorted) {
  MetricsRegistry registry;
  registry.addFaultWindow(FaultWindow{40 * kSecond, 60 * kSecond, "store_outage", "booking-db"});
  registry.addFaultWindow(FaultWindow{10 * kSecond, 10 * kSecond, "poison_event", "bookings"});
  registry.addFaultWindow(FaultWindow{30 * kSecond, 20 * kSecond, "link_partition", "a->b"});
  registry.finish(90 * kSecond);
  const MetricsSnapshot snapshot = registry.snapshot();
  ASSERT_EQ(snapshot.faults.size(), 3u);
  EXPECT_EQ(snapshot.faults[0].kind, "poison_event");
  EXPECT_EQ(snapshot.faults[1].kind, "link_partition");
  EXPECT_EQ(snapshot.faults[1].end, 30 * kSecond);  // An end before the start is clamped.
  EXPECT_EQ(snapshot.faults[2].target, "booking-db");
}

TEST(MetricsRegistryTest, IgnoresRecordsAfterFinish) {
  MetricsRegistry registry;
  registry.recordSuccess("a", "x", 0, kMs);
  registry.finish(kSecond);
  registry.recordSuccess("a", "x", 0, 2 * kSecond);
  registry.sample(5 * kSecond);
  const MetricsSnapshot snapshot = registry.snapshot();
  EXPECT_EQ(snapshot.series.size(), 1u);
  EXPECT_EQ(snapshot.findOperation("a", "x")->count, 1u);
}

// A reader thread polls snapshots while this thread records, as the GUI does
// while the engine runs. Build with -DSTAYLAB_SANITIZE=thread to let TSan
// check the hand-over.
TEST(MetricsRegistryTest, SnapshotsStayConsistentWhileAnotherThreadReads) {
  MetricsRegistry registry(MetricsOptions{10 * kMs});
  const OperationId book = registry.operation("api", "book");
  const OperationId search = registry.operation("api", "search");
  const ComponentId api = registry.component("api");

  std::atomic<bool> done{false};
  std::atomic<int> snapshots_read{0};
  std::atomic<int> inconsistencies{0};
  std::thread reader([&] {
    Nanos last_now = 0;
    while (!done.load(std::memory_order_acquire)) {
      const MetricsSnapshot snapshot = registry.snapshot();
      std::uint64_t series_total = 0;
      for (std::size_t index = 0; index < snapshot.series.size(); ++index) {
        const IntervalSample& interval = snapshot.series[index];
        if (const SeriesPoint* point = interval.find(0))  // Key 0 is the total.
          series_total += point->completions;
      }
      // Keys registered after the last publication are not in it yet: they count 0.
      const auto countOf = [&snapshot](std::string_view component, std::string_view operation) {
        const OperationTotals* totals = snapshot.findOperation(component, operation);
        return totals == nullptr ? std::uint64_t{0} : totals->count;
      };
      const std::uint64_t total = countOf("*", "*");
      const bool consistent = total == series_total &&
                              total == countOf("api", "book") + countOf("api", "search") &&
                              snapshot.now >= last_now &&
                              static_cast<Nanos>(snapshot.series.size()) * 10 * kMs == snapshot.now;
      if (!consistent)
        inconsistencies.fetch_add(1);
      last_now = snapshot.now;
      snapshots_read.fetch_add(1);
    }
  });

  constexpr int kRequests = 60'000;
  for (int request = 0; request < kRequests; ++request) {
    const Nanos now = static_cast<Nanos>(request) * 50'000;  // 20 per interval.
    if (request % 7 == 0)
      registry.recordError(search, now - kMs, now, RequestError::Timeout);
    else
      registry.recordSuccess(request % 2 == 0 ? book : search, now - 2 * kMs, now);
    registry.setQueueDepth(api, now, request % 11);
    // Keep reading while recording, whatever the machine's speed.
    if (request % 6'000 == 0) {
      while (snapshots_read.load() < request / 6'000)
        std::this_thread::yield();
    }
  }
  const Nanos end = static_cast<Nanos>(kRequests) * 50'000;
  registry.finish(end);
  done.store(true, std::memory_order_release);
  reader.join();

  EXPECT_EQ(inconsistencies.load(), 0);
  EXPECT_GT(snapshots_read.load(), 0);
  const MetricsSnapshot final_snapshot = registry.snapshot();
  EXPECT_EQ(final_snapshot.findOperation("*", "*")->count, static_cast<std::uint64_t>(kRequests));
  EXPECT_EQ(final_snapshot.series.size(), static_cast<std::size_t>(end / (10 * kMs)));
}

// --- Expectations ------------------------------------------------------------

class EvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MetricsRegistry registry;
    const ComponentId api = registry.component("api");
    const ComponentId projection = registry.component("projection");
    registry.setBusyWorkers(api, 0, 1, 4);
    // 10 s: api.book completes 100 requests, 1..100 ms, 5 of them errors;
    // the projection is 40 events behind from 2 s to 4 s (oldest from 1 s).
    for (int request = 1; request <= 100; ++request) {
      const Nanos completion = request * 90 * kMs;
      if (completion == 2070 * kMs)
        registry.setConsumerLag(projection, 2 * kSecond, 40, kSecond);
      if (completion == 4050 * kMs)
        registry.setConsumerLag(projection, 4 * kSecond, 0, 0);  // 3 s behind just before.
      if (request % 20 == 0)
        registry.recordError("api", "book", completion - request * kMs, completion,
                             RequestError::Timeout);
      else
        registry.recordSuccess("api", "book", completion - request * kMs, completion);
    }
    registry.operation("api", "cancel");  // Never used.
    registry.finish(10 * kSecond);
    m_metrics = registry.snapshot();
    m_invariants.double_bookings = 0;
    m_invariants.lost_acknowledged = 2;
    m_invariants.undelivered_events = 0;
    m_invariants.read_model_mismatches = 1;
    m_invariants.convergence_time_ns = 1500 * kMs;
  }

  ExpectationResult check(std::string_view text) const {
    const auto expectation = parseExpectation(text);
    EXPECT_TRUE(expectation.has_value()) << text;
    return evaluate(*expectation, m_metrics, m_invariants);
  }
  bool holds(std::string_view text) const { return check(text).passed; }

  MetricsSnapshot m_metrics;
  InvariantResults m_invariants;
};

TEST_F(EvaluateTest, ComparesWithEachOperator) {
  EXPECT_TRUE(holds("count(api.book) == 100"));
  EXPECT_FALSE(holds("count(api.book) == 99"));
  EXPECT_TRUE(holds("count(api.book) != 99"));
  EXPECT_FALSE(holds("count(api.book) != 100"));
  EXPECT_TRUE(holds("count(api.book) < 101"));
  EXPECT_FALSE(holds("count(api.book) < 100"));
  EXPECT_TRUE(holds("count(api.book) <= 100"));
  EXPECT_FALSE(holds("count(api.book) <= 99"));
  EXPECT_TRUE(holds("count(api.book) > 99"));
  EXPECT_FALSE(holds("count(api.book) > 100"));
  EXPECT_TRUE(holds("count(api.book) >= 100"));
  EXPECT_FALSE(holds("count(api.book) >= 101"));
}

TEST_F(EvaluateTest, ReadsLatencyFunctionsInNanoseconds) {
  const ExpectationResult p50 = check("p50(api.book) < 60ms");
  EXPECT_TRUE(p50.passed);
  EXPECT_NEAR(*p50.actual, 50 * kMs, 0.004 * 50 * kMs);
  EXPECT_TRUE(holds("p50(api.book) > 45ms"));
  EXPECT_TRUE(holds("p90(api.book) > 85ms"));
  EXPECT_TRUE(holds("p90(api.book) < 95ms"));
  EXPECT_TRUE(holds("p99(api.book) > 95ms"));
  EXPECT_TRUE(holds("p999(api.book) >= 99ms"));
  const ExpectationResult max = check("max(api.book) == 100ms");
  EXPECT_TRUE(max.passed);
  EXPECT_EQ(max.actual_text, "100ms");
  EXPECT_EQ(max.text, "max(api.book) == 100ms: actual 100ms");
  const ExpectationResult mean = check("mean(api.book) <= 50.5ms");
  EXPECT_TRUE(mean.passed);
  EXPECT_DOUBLE_EQ(*mean.actual, 50.5 * kMs);
  EXPECT_FALSE(holds("mean(api.book) < 50.5ms"));
  // A component reads the aggregate of its operations.
  EXPECT_TRUE(holds("max(api) == 100ms"));
}

TEST_F(EvaluateTest, ReadsRatesRatiosLagAndUtilisation) {
  const ExpectationResult errors = check("error_rate(api.book) == 5%");
  EXPECT_TRUE(errors.passed);
  EXPECT_EQ(errors.actual_text, "5%");
  EXPECT_TRUE(holds("error_rate(api) < 0.06"));
  const ExpectationResult throughput = check("throughput(api.book) == 10/s");
  EXPECT_TRUE(throughput.passed);
  EXPECT_EQ(throughput.actual_text, "10/s");
  EXPECT_TRUE(holds("utilisation(api) == 25%"));
  EXPECT_TRUE(holds("max_lag(projection) == 3s"));
  EXPECT_TRUE(holds("max_lag(projection) == 40"));
  EXPECT_FALSE(holds("max_lag(projection) < 40"));
  EXPECT_TRUE(holds("count(api.cancel) == 0"));
  EXPECT_TRUE(holds("throughput(api.cancel) == 0/s"));
}

TEST_F(EvaluateTest, ReadsTheInvariants) {
  EXPECT_TRUE(holds("double_bookings == 0"));
  EXPECT_FALSE(holds("lost_acknowledged == 0"));
  EXPECT_TRUE(holds("undelivered_events == 0"));
  const ExpectationResult mismatches = check("read_model_mismatches == 0");
  EXPECT_FALSE(mismatches.passed);
  EXPECT_EQ(mismatches.actual_text, "1");
  EXPECT_TRUE(holds("convergence_time < 2s"));
  EXPECT_FALSE(holds("convergence_time < 1s"));
  m_invariants.convergence_time_ns.reset();
  const ExpectationResult never = check("convergence_time < 1h");
  EXPECT_FALSE(never.passed);
  EXPECT_FALSE(never.actual.has_value());
  EXPECT_EQ(never.actual_text, "n/a");
}

TEST_F(EvaluateTest, ReadsThePatternsMeasuresPerOperationAndForTheRun) {
  MetricsRegistry registry(MetricsOptions{kSecond});
  const OperationId search = registry.operation("gateway", "search");
  for (int request = 0; request < 40; ++request)
    registry.recordSuccess(search, 0, 10 * kMs);
  registry.addMeasure(search, 10 * kMs, "stale_reads", 10);
  registry.operation("gateway", "view");
  registry.finish(kSecond);
  m_metrics = registry.snapshot();
  EXPECT_TRUE(holds("stale_reads == 10"));
  EXPECT_TRUE(holds("stale_reads(gateway.search) == 10"));
  EXPECT_TRUE(holds("stale_reads(gateway) == 10"));
  EXPECT_TRUE(holds("stale_reads(gateway.view) == 0"));
  const ExpectationResult ratio = check("stale_read_ratio(gateway.search) == 25%");
  EXPECT_TRUE(ratio.passed) << ratio.text;
  EXPECT_EQ(ratio.actual_text, "25%");
  EXPECT_FALSE(check("stale_read_ratio(gateway.view) < 1%").actual.has_value());
  // A measure of the whole run is the platform's count; without it, n/a.
  EXPECT_FALSE(check("duplicates_applied == 0").actual.has_value());
  m_invariants.measures["duplicates_applied"] = 3;
  EXPECT_TRUE(holds("duplicates_applied == 3"));
}

TEST_F(EvaluateTest, FailsWhenTheMetricIsNotAvailable) {
  // Nothing completed: a latency bound must not pass by default.
  for (const std::string_view text :
       {"p99(api.cancel) < 1s", "error_rate(api.cancel) < 1%", "p50(nobody.nothing) < 1s",
        "max_lag(api) < 1s", "utilisation(projection) < 90%"}) {
    const ExpectationResult result = check(text);
    EXPECT_FALSE(result.passed) << text;
    EXPECT_FALSE(result.actual.has_value()) << text;
    EXPECT_NE(result.text.find(':'), std::string::npos) << result.text;
  }
  EXPECT_EQ(check("p99(api.cancel) < 1s").text,
            "p99(api.cancel) < 1s: no completed requests for api.cancel");
}

TEST(FormatTest, FormatsLatenciesAndPercentagesForPeople) {
  EXPECT_EQ(formatLatency(850), "850ns");
  EXPECT_EQ(formatLatency(12'500), "12.5us");
  EXPECT_EQ(formatLatency(212'400'000), "212.4ms");
  EXPECT_EQ(formatLatency(5'100'000'000), "5.1s");
  EXPECT_EQ(formatLatency(3600 * kSecond), "3600s");
  EXPECT_EQ(formatPercent(0.0125), "1.25%");
  EXPECT_EQ(formatPercent(0), "0%");
  EXPECT_EQ(formatPercent(1), "100%");
}

}  // namespace
}  // namespace staylab::sim
