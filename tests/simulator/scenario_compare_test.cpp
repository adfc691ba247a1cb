// A scenario's `compare:` block (run B) and expectations that name runs:
// the model the parser reads, the YAML it writes back, run B built from A,
// and the grammar of runs, scales and comparisons of two metrics. The
// malformed files are in scenario_parser_test.cpp's table.

#include <chrono>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "simulator/patterns/registry.h"
#include "simulator/scenario/expectation.h"
#include "simulator/scenario/scenario.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"

namespace staylab::sim {
namespace {

using namespace std::chrono_literals;

// Run A retries under an error rate; run B retries more, without the
// faults, under another load.
constexpr std::string_view kCompared = R"(schema: 1
name: retry-case-study
description: What retrying buys under a flaky store, and what it costs.
seed: 7
duration: 1m
patterns:
  retry: { enabled: true, attempts: 3, backoff: 20ms }
  timeout: { enabled: true, after: 200ms }
load:
  - { phase: steady, for: 1m, arrivals: { kind: poisson, rate: 50/s } }
faults:
  - { at: 10s, for: 20s, kind: store_error_rate, target: store, probability: 0.3 }
switches:
  - { at: 40s, pattern: timeout, on: false }
compare:
  name: more-retries
  patterns: { retry: { attempts: 5 }, bulkhead: true }
  switches: []
  faults:
    - { at: 5s, for: 10s, kind: store_outage, target: store }
  load:
    - { phase: heavy, for: 30s, arrivals: { kind: constant, rate: 80/s },
        mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
expect:
  - A.error_rate(front.get) < B.error_rate(front.get)
  - B.p99(front.get) > 3 * A.p99(front.get)
  - 2 * B.count(front.get) < A.count(front.get)
  - error_rate(front.get) < 5%
  - B.stale_reads == 0
)";

// The least a run A says; the tests below add to it.
constexpr std::string_view kRunA = R"(schema: 1
name: t
description: d
duration: 10s
load:
  - { phase: steady, for: 10s, arrivals: { kind: constant, rate: 10/s } }
)";

Scenario parseOk(std::string_view text) {
  auto scenario = parseScenarioText(text, "compare.yaml");
  EXPECT_TRUE(scenario.has_value()) << (scenario ? "" : scenario.error().describe());
  return scenario.value_or(Scenario{});
}

// Parses kRunA followed by `rest`.
Scenario parseRunAWith(std::string_view rest) {
  return parseOk(std::string(kRunA) + std::string(rest));
}

std::string settingsOf(const PatternSettings& patterns, std::string_view pattern) {
  const auto index = patternIndex(pattern);
  EXPECT_TRUE(index.has_value()) << pattern;
  return index ? patternRegistry()[*index]->write(patterns.at(*index)) : std::string();
}

TEST(ScenarioCompareTest, ReadsRunBAsOverridesOfRunA) {
  const Scenario scenario = parseOk(kCompared);
  ASSERT_TRUE(scenario.compare.has_value());
  const ComparisonSpec& compare = *scenario.compare;
  EXPECT_EQ(compare.name, "more-retries");
  // A pattern it names is read over A's settings: attempts change, the
  // backoff stays A's; a pattern it does not name is A's.
  EXPECT_EQ(settingsOf(compare.patterns, "retry"),
            "attempts: 5, backoff: 20ms, max_backoff: 1s, jitter: 0.2");
  EXPECT_TRUE(compare.patterns.enabled("retry"));
  EXPECT_TRUE(compare.patterns.enabled("bulkhead"));
  EXPECT_FALSE(scenario.patterns.enabled("bulkhead"));
  EXPECT_EQ(settingsOf(compare.patterns, "timeout"), settingsOf(scenario.patterns, "timeout"));
  // The lists it gives replace A's whole.
  ASSERT_TRUE(compare.switches.has_value());
  EXPECT_TRUE(compare.switches->empty());
  ASSERT_TRUE(compare.faults.has_value());
  ASSERT_EQ(compare.faults->size(), 1u);
  EXPECT_EQ(compare.faults->front().kind, FaultKind::StoreOutage);
  ASSERT_TRUE(compare.load.has_value());
  ASSERT_EQ(compare.load->size(), 1u);
  EXPECT_EQ(compare.load->front().name, "heavy");
}

TEST(ScenarioCompareTest, ListsItDoesNotGiveAreRunAs) {
  const Scenario scenario = parseRunAWith(R"(faults:
  - { at: 1s, for: 2s, kind: store_outage, target: store }
compare:
  name: with-retry
  patterns: { retry: true }
)");
  ASSERT_TRUE(scenario.compare.has_value());
  EXPECT_FALSE(scenario.compare->faults.has_value());
  EXPECT_FALSE(scenario.compare->load.has_value());
  EXPECT_FALSE(scenario.compare->switches.has_value());
  const Scenario b = scenarioB(scenario);
  EXPECT_EQ(b.faults, scenario.faults);
  EXPECT_EQ(b.load, scenario.load);
  EXPECT_TRUE(b.patterns.enabled("retry"));
  EXPECT_EQ(comparisonChanges(scenario), std::vector<std::string>{"patterns.retry"});
}

TEST(ScenarioCompareTest, RunBIsRunAWithTheOverridesAndNoExpectations) {
  const Scenario scenario = parseOk(kCompared);
  const Scenario b = scenarioB(scenario);
  EXPECT_EQ(b.name, scenario.name);
  EXPECT_EQ(b.seed, scenario.seed);
  EXPECT_EQ(b.data, scenario.data);
  EXPECT_EQ(b.topology, scenario.topology);
  EXPECT_EQ(b.duration, scenario.duration);
  EXPECT_EQ(b.patterns, scenario.compare->patterns);
  EXPECT_TRUE(b.switches.empty());
  EXPECT_EQ(b.faults, *scenario.compare->faults);
  EXPECT_EQ(b.load, *scenario.compare->load);
  EXPECT_FALSE(b.compare.has_value());
  EXPECT_TRUE(b.expectations.empty());
  EXPECT_EQ(comparisonChanges(scenario),
            (std::vector<std::string>{"patterns.retry", "patterns.bulkhead", "switches", "faults",
                                      "load"}));
}

TEST(ScenarioCompareTest, CanonicalYamlOfAComparisonReadsBackToTheSameScenario) {
  const Scenario scenario = parseOk(kCompared);
  const std::string canonical = toYaml(scenario);
  EXPECT_NE(canonical.find("compare:\n  name: \"more-retries\"\n  patterns:\n"), std::string::npos)
      << canonical;
  const Scenario again = parseOk(canonical);
  EXPECT_EQ(again, scenario) << canonical;
  EXPECT_EQ(toYaml(again), canonical);
}

TEST(ScenarioCompareTest, CanonicalYamlOmitsThePatternsRunBKeepsFromRunA) {
  const Scenario scenario = parseRunAWith(R"(patterns: { retry: true }
compare:
  name: no-faults
  patterns: { retry: true }
  faults:
    - { at: 1s, for: 2s, kind: store_outage, target: store }
)");
  const std::string canonical = toYaml(scenario);
  EXPECT_EQ(canonical.find("  patterns:"), std::string::npos) << canonical;
  EXPECT_EQ(parseOk(canonical), scenario);
}

TEST(ScenarioCompareTest, ScenariosWithoutCompareWriteAsBefore) {
  const Scenario scenario = parseOk(kRunA);
  EXPECT_FALSE(scenario.compare.has_value());
  EXPECT_EQ(toYaml(scenario).find("compare"), std::string::npos);
}

// --- Expectations naming runs -------------------------------------------------

std::expected<Expectation, ExpectationSyntaxError> parseCompared(std::string_view text) {
  return parseExpectation(text, ExpectationRuns::AAndB);
}

TEST(ExpectationRunsTest, ReadsRunsScalesAndASecondMetric) {
  const auto expectation = parseCompared("B.p99(gateway.search) > 3 * A.p99( gateway.search )");
  ASSERT_TRUE(expectation.has_value()) << expectation.error().reason;
  EXPECT_EQ(expectation->run, RunId::B);
  EXPECT_EQ(expectation->scale, 1.0);
  EXPECT_EQ(expectation->metric.name, MetricName::P99);
  EXPECT_EQ(expectation->comparison, Comparison::Greater);
  ASSERT_TRUE(expectation->against.has_value());
  EXPECT_EQ(expectation->against->run, RunId::A);
  EXPECT_EQ(expectation->against->scale, 3.0);
  EXPECT_EQ(expectation->against->metric.component, "gateway");
  EXPECT_EQ(expectation->against->metric.operation, "search");
  EXPECT_TRUE(expectation->reads(RunId::A));
  EXPECT_TRUE(expectation->reads(RunId::B));
  ASSERT_EQ(expectation->metricsOf(RunId::B).size(), 1u);
  EXPECT_EQ(expectation->metricsOf(RunId::B)[0], &expectation->metric);
}

TEST(ExpectationRunsTest, CanonicalTextReadsBackEqual) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"A.stale_reads > 0", "A.stale_reads > 0"},
      {"B.stale_reads==0", "B.stale_reads == 0"},
      {"stale_reads > 0", "stale_reads > 0"},
      {"B.p99(gateway.search) > 3*A.p99(gateway.search)",
       "B.p99(gateway.search) > 3 * A.p99(gateway.search)"},
      {"B.p99(x) > A.p99(x)", "B.p99(x) > A.p99(x)"},
      {"2 * B.error_rate(front.get) < A.error_rate(front.get)",
       "2 * B.error_rate(front.get) < A.error_rate(front.get)"},
      {"0.5 * B.count(x) <= 1.5 * count(x)", "0.5 * B.count(x) <= 1.5 * count(x)"},
      {"1 * B.count(x) == A.count(x)", "B.count(x) == A.count(x)"},
      {"B.max_lag(projection) < A.p99(gateway)", "B.max_lag(projection) < A.p99(gateway)"},
      {"p99(gateway.book) < 2 * p99(gateway.search)",
       "p99(gateway.book) < 2 * p99(gateway.search)"},
      {"B.throughput(gateway) >= A.throughput(gateway)",
       "B.throughput(gateway) >= A.throughput(gateway)"},
      {"B.stale_read_ratio(gateway.search) < A.error_rate(gateway.search)",
       "B.stale_read_ratio(gateway.search) < A.error_rate(gateway.search)"},
  };
  for (const auto& [text, canonical] : cases) {
    SCOPED_TRACE(text);
    const auto expectation = parseCompared(text);
    ASSERT_TRUE(expectation.has_value()) << expectation.error().reason;
    EXPECT_EQ(toString(*expectation), canonical);
    EXPECT_EQ(parseCompared(toString(*expectation)).value(), *expectation);
  }
}

TEST(ExpectationRunsTest, UnqualifiedMetricsAreRunAAndReadAsBeforeWithoutCompare) {
  const auto plain = parseExpectation("p99(gateway.book) < 300ms");
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->run.has_value());
  EXPECT_EQ(plain->runOrA(), RunId::A);
  EXPECT_FALSE(plain->against.has_value());
  EXPECT_FALSE(plain->reads(RunId::B));
  // Naming run A is allowed anywhere; two metrics of run A too.
  EXPECT_TRUE(parseExpectation("A.double_bookings == 0").has_value());
  EXPECT_TRUE(parseExpectation("p99(gateway.book) < 2 * p99(gateway.search)").has_value());
}

struct InvalidRunExpectation {
  std::string_view text;
  ExpectationRuns runs;
  std::size_t offset;
  std::string_view reason;
};

TEST(ExpectationRunsTest, RejectsBadRunsScalesAndKindsWithTheirOffset) {
  constexpr auto kOne = ExpectationRuns::AOnly;
  constexpr auto kTwo = ExpectationRuns::AAndB;
  const InvalidRunExpectation cases[] = {
      {"B.stale_reads == 0", kOne, 0, "no compare: block"},
      {"A.p99(x) < 2 * B.p99(x)", kOne, 15, "no compare: block"},
      {"C.stale_reads == 0", kTwo, 0, "unknown run 'C'"},
      {"A.p99(x) < b.p99(x)", kTwo, 11, "unknown run 'b' (write 'B.')"},
      {"B.p99(x) > A.count(x)", kTwo, 11, "is a duration but A.count(x) is a count"},
      {"B.error_rate(x) > A.throughput(x)", kTwo, 18, "is a ratio but A.throughput(x) is a rate"},
      {"B.p99(x) > 0 * A.p99(x)", kTwo, 11, "the scale is 0"},
      {"B.p99(x) > -2 * A.p99(x)", kTwo, 11, "the scale '-2' is negative"},
      {"B.p99(x) > many * A.p99(x)", kTwo, 11, "the scale 'many' is not a number"},
      {"2e7 * B.p99(x) > A.p99(x)", kTwo, 0, "above the limit of 1000000"},
      {"* B.p99(x) > A.p99(x)", kTwo, 0, "expected a scale before '*'"},
      {"2 * B.p99(x) < 300ms", kTwo, 0, "a scale compares two metrics"},
      {"B.p99(x) > A.p99(x) and more", kTwo, 20, "unexpected 'and more' after the metric"},
      {"B.stale_readz > A.stale_reads", kTwo, 2, "did you mean 'stale_reads'?"},
      {"B.stale_reads > A.stale_raeds", kTwo, 18, "did you mean 'stale_reads'?"},
      {"B.p99(x) > A.p99", kTwo, 13, "'p99' needs a component"},
  };
  for (const InvalidRunExpectation& invalid : cases) {
    SCOPED_TRACE(invalid.text);
    const auto expectation = parseExpectation(invalid.text, invalid.runs);
    ASSERT_FALSE(expectation.has_value());
    EXPECT_EQ(expectation.error().offset, invalid.offset) << expectation.error().reason;
    EXPECT_NE(expectation.error().reason.find(invalid.reason), std::string::npos)
        << expectation.error().reason;
  }
}

TEST(ExpectationRunsTest, MaxLagComparedWithAMetricIsItsLagInTime) {
  EXPECT_EQ(comparedKind(parseExpectation("max_lag(p) < 1s")->metric), QuantityKind::Duration);
  EXPECT_EQ(comparedKind(parseExpectation("count(x) < 1")->metric), QuantityKind::Number);
  EXPECT_EQ(comparedKind(parseExpectation("stale_read_ratio(x.y) < 1%")->metric),
            QuantityKind::Ratio);
  EXPECT_EQ(comparedKind(parseExpectation("throughput(x) < 1/s")->metric), QuantityKind::Rate);
  EXPECT_FALSE(parseExpectation("B.max_lag(p) > A.count(x)", ExpectationRuns::AAndB).has_value());
}

}  // namespace
}  // namespace staylab::sim
