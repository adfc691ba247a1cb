// Expectations evaluated over a comparison's two runs: each metric read
// from the run it names, scaled, compared with the other side, and the
// result's text naming each value's run.

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "simulator/metrics/evaluation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/scenario/expectation.h"

namespace staylab::sim {
namespace {

constexpr Nanos kMs = kMillisecond;

// Returns a run of gateway.search: `requests` completions taking
// `latency`, `errors` of them failed, and `stale` stale reads.
MetricsSnapshot searchRun(int requests, Nanos latency, int errors, std::uint64_t stale) {
  MetricsRegistry registry(MetricsOptions{kSecond});
  const OperationId search = registry.operation("gateway", "search");
  for (int request = 0; request < requests; ++request) {
    const Nanos end = (request + 1) * kMs + latency;
    if (request < errors)
      registry.recordError(search, end - latency, end, RequestError::StoreError);
    else
      registry.recordSuccess(search, end - latency, end);
  }
  if (stale > 0)
    registry.addMeasure(search, 10 * kMs, "stale_reads", stale);
  registry.operation("gateway", "view");  // Never used.
  registry.finish(10 * kSecond);
  return registry.snapshot();
}

class CompareEvaluateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A: 9 ms, 1 error in 100, 12 stale reads; B: 45 ms, 10 errors, none.
    m_a = searchRun(100, 9 * kMs, 1, 12);
    m_b = searchRun(100, 45 * kMs, 10, 0);
    m_a_invariants.lost_acknowledged = 0;
    m_b_invariants.lost_acknowledged = 2;
  }

  ExpectationResult check(std::string_view text) const {
    const auto expectation = parseExpectation(text, ExpectationRuns::AAndB);
    EXPECT_TRUE(expectation.has_value()) << text << ": " << expectation.error().reason;
    return evaluate(*expectation, RunMeasurements{m_a, m_a_invariants},
                    RunMeasurements{m_b, m_b_invariants});
  }
  bool holds(std::string_view text) const { return check(text).passed; }

  MetricsSnapshot m_a;
  MetricsSnapshot m_b;
  InvariantResults m_a_invariants;
  InvariantResults m_b_invariants;
};

TEST_F(CompareEvaluateTest, ReadsEachMetricFromTheRunItNames) {
  EXPECT_TRUE(holds("A.stale_reads > 0"));
  EXPECT_TRUE(holds("B.stale_reads == 0"));
  EXPECT_TRUE(holds("stale_reads == 12"));  // Unqualified: run A.
  EXPECT_TRUE(holds("B.lost_acknowledged == 2"));
  EXPECT_TRUE(holds("A.lost_acknowledged == 0"));
  EXPECT_TRUE(holds("B.p99(gateway.search) > A.p99(gateway.search)"));
  EXPECT_FALSE(holds("B.p99(gateway.search) < A.p99(gateway.search)"));
  EXPECT_TRUE(holds("A.error_rate(gateway.search) < B.error_rate(gateway.search)"));
}

TEST_F(CompareEvaluateTest, ScalesEitherSideBeforeComparing) {
  EXPECT_TRUE(holds("B.p99(gateway.search) > 3 * A.p99(gateway.search)"));   // 45 > 27
  EXPECT_FALSE(holds("B.p99(gateway.search) > 6 * A.p99(gateway.search)"));  // 45 > 54
  EXPECT_TRUE(holds("2 * A.p99(gateway.search) < B.p99(gateway.search)"));   // 18 < 45
  EXPECT_TRUE(holds("0.5 * B.count(gateway.search) < count(gateway.search)"));
  EXPECT_TRUE(holds("B.error_rate(gateway.search) == 10 * A.error_rate(gateway.search)"));
}

TEST_F(CompareEvaluateTest, TextNamesTheRunOfEachValue) {
  const ExpectationResult scaled = check("B.p99(gateway.search) > 3 * A.p99(gateway.search)");
  EXPECT_TRUE(scaled.passed);
  EXPECT_EQ(scaled.text, "B.p99(gateway.search) > 3 * A.p99(gateway.search): B 45ms, A 9ms");
  EXPECT_EQ(scaled.actual, 45.0 * kMs);
  EXPECT_EQ(scaled.against, 9.0 * kMs);
  EXPECT_EQ(scaled.actual_text, "45ms");
  EXPECT_EQ(scaled.against_text, "9ms");

  const ExpectationResult failed = check("B.stale_reads > 0");
  EXPECT_FALSE(failed.passed);
  EXPECT_EQ(failed.text, "B.stale_reads > 0: B 0");
  EXPECT_EQ(check("stale_reads > 0").text, "stale_reads > 0: A 12");
}

TEST_F(CompareEvaluateTest, AMetricARunDidNotMeasureFailsNamingTheRun) {
  const ExpectationResult result = check("B.p99(gateway.view) < A.p99(gateway.search)");
  EXPECT_FALSE(result.passed);
  EXPECT_FALSE(result.actual.has_value());
  EXPECT_EQ(result.text,
            "B.p99(gateway.view) < A.p99(gateway.search): no completed requests for "
            "gateway.view in run B");
  const ExpectationResult right = check("B.p99(gateway.search) > A.p99(gateway.view)");
  EXPECT_FALSE(right.passed);
  EXPECT_TRUE(right.actual.has_value());
  EXPECT_FALSE(right.against.has_value());
  EXPECT_EQ(right.against_text, "n/a");
}

TEST_F(CompareEvaluateTest, ARunAloneIsRunAAndHasNoRunB) {
  const auto a_only = parseExpectation("A.stale_reads > 0");
  const ExpectationResult alone = evaluate(*a_only, m_a, m_a_invariants);
  EXPECT_TRUE(alone.passed);
  EXPECT_EQ(alone.text, "A.stale_reads > 0: actual 12");

  const auto naming_b = parseExpectation("B.stale_reads == 0", ExpectationRuns::AAndB);
  const ExpectationResult without_b = evaluate(*naming_b, m_a, m_a_invariants);
  EXPECT_FALSE(without_b.passed);
  EXPECT_EQ(without_b.text, "B.stale_reads == 0: run B exists only in a comparison (compare:)");

  const auto two_metrics = parseExpectation("p99(gateway.search) < 2 * p99(gateway.search)");
  const ExpectationResult one_run = evaluate(*two_metrics, m_a, m_a_invariants);
  EXPECT_TRUE(one_run.passed);
  EXPECT_EQ(one_run.text, "p99(gateway.search) < 2 * p99(gateway.search): actual 9ms and 9ms");
}

// --- Time to outcome ----------------------------------------------------------------

// A: bookings accepted in 2 ms, their outcomes known after 3 s; B: bookings
// answered with their outcome after 400 ms.
TEST(TimeToOutcomeTest, ReadsTheOutcomeOfAcceptedRequestsAndTheAnswerOfTheOthers) {
  MetricsRegistry leveled(MetricsOptions{kSecond});
  const OperationId accepted = leveled.operation("gateway", "book");
  const OperationId outcome = leveled.operation("gateway", "book-outcome");
  MetricsRegistry direct(MetricsOptions{kSecond});
  const OperationId answered = direct.operation("gateway", "book");
  for (int request = 0; request < 50; ++request) {
    const Nanos start = request * kMs;
    leveled.recordSuccess(accepted, start, start + 2 * kMs);
    leveled.recordSuccess(outcome, start, start + 3 * kSecond);
    direct.recordSuccess(answered, start, start + 400 * kMs);
  }
  leveled.finish(10 * kSecond);
  direct.finish(10 * kSecond);
  const MetricsSnapshot a = leveled.snapshot();
  const MetricsSnapshot b = direct.snapshot();
  const InvariantResults none;
  const auto check = [&](std::string_view text) {
    const auto expectation = parseExpectation(text, ExpectationRuns::AAndB);
    EXPECT_TRUE(expectation.has_value()) << text << ": " << expectation.error().reason;
    return evaluate(*expectation, RunMeasurements{a, none}, RunMeasurements{b, none});
  };
  EXPECT_TRUE(check("A.p99(gateway.book) < 10ms").passed);
  EXPECT_TRUE(check("A.p50(time_to_outcome(gateway.book)) > 2s").passed);
  EXPECT_TRUE(check("B.p99(time_to_outcome(gateway.book)) < 500ms").passed);
  const ExpectationResult longer =
      check("A.p99(time_to_outcome(gateway.book)) > 5 * B.p99(time_to_outcome(gateway.book))");
  EXPECT_TRUE(longer.passed) << longer.text;
  EXPECT_NE(longer.text.find("time_to_outcome(gateway.book)"), std::string::npos) << longer.text;
}

TEST(TimeToOutcomeTest, ParsesOnlyAroundALatencyOfAnOperationAndReadsBackEqual) {
  const auto parsed = parseExpectation("p99( time_to_outcome (gateway.book) ) < 2s");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().reason;
  EXPECT_TRUE(parsed->metric.time_to_outcome);
  EXPECT_EQ(parsed->metric.operation, "book");
  EXPECT_EQ(toString(*parsed), "p99(time_to_outcome(gateway.book)) < 2s");
  EXPECT_EQ(parseExpectation(toString(*parsed)).value(), *parsed);
  EXPECT_FALSE(parseExpectation("p99(time_to_outcome(gateway)) < 2s").has_value());
  EXPECT_FALSE(parseExpectation("count(time_to_outcome(gateway.book)) > 2").has_value());
  EXPECT_FALSE(parseExpectation("p99(time_to_outcome(gateway.book) < 2s").has_value());
  // A component may still be named like it.
  const auto component = parseExpectation("p99(time_to_outcome-svc.get) < 2s");
  ASSERT_TRUE(component.has_value()) << component.error().reason;
  EXPECT_FALSE(component->metric.time_to_outcome);
}

}  // namespace
}  // namespace staylab::sim
