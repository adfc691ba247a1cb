// A scenario's comparison over a model-only topology: run A then run B with
// the same options, the expectations over both, each run what it would be
// alone, and run B's misfits reported inside compare:.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "simulator/engine/comparison_run.h"
#include "simulator/report/comparison_report.h"
#include "tests/simulator/engine_support.h"

namespace staylab::sim {
namespace {

using testing::kTwoTier;
using testing::kWithoutRetry;
using testing::optionsFor;
using testing::parseOrFail;
using testing::retryCaseStudy;
using testing::runToEnd;
using testing::ScenarioDir;

// A run B of retryCaseStudy named without-retry, with `overrides`.
std::string withoutRetry(std::string_view overrides) {
  return "compare:\n  name: without-retry\n" + std::string(overrides);
}

constexpr std::string_view kRetryExpectations =
    R"(  - A.error_rate(front.get) < B.error_rate(front.get)
  - B.error_rate(front.get) > 3 * A.error_rate(front.get)
  - error_rate(front.get) < 20%)";

class ComparisonRunTest : public ::testing::Test {
 protected:
  void SetUp() override { m_dir.write("two-tier.yaml", kTwoTier); }

  Result<std::unique_ptr<ComparisonRun>> create(const Scenario& scenario) {
    return ComparisonRun::create(scenario, optionsFor(m_dir.path()));
  }
  ComparisonReport run(const Scenario& scenario, EngineOptions options) {
    auto comparison = ComparisonRun::create(scenario, std::move(options));
    EXPECT_TRUE(comparison.has_value()) << (comparison ? "" : comparison.error().describe());
    if (!comparison)
      return ComparisonReport{};
    auto report = (*comparison)->run();
    EXPECT_TRUE(report.has_value()) << (report ? "" : report.error().describe());
    return report.value_or(ComparisonReport{});
  }
  ComparisonReport run(const Scenario& scenario) { return run(scenario, optionsFor(m_dir.path())); }
  Error createError(const std::string& text) {
    auto comparison = create(parseOrFail(text));
    EXPECT_FALSE(comparison.has_value()) << text;
    return comparison ? Error{} : comparison.error();
  }

  ScenarioDir m_dir;
};

TEST_F(ComparisonRunTest, RetryHoldsErrorsBelowTheRunWithoutIt) {
  const ComparisonReport report =
      run(parseOrFail(retryCaseStudy(kWithoutRetry, kRetryExpectations)));
  ASSERT_EQ(report.expectations.size(), 3u);
  for (const ExpectationResult& result : report.expectations)
    EXPECT_TRUE(result.passed) << result.text;
  // Three attempts fail together with probability 0.5^3; one with 0.5.
  EXPECT_NEAR(report.a.metrics.findOperation("front", "get")->errorRate(), 0.125, 0.03);
  EXPECT_NEAR(report.b.metrics.findOperation("front", "get")->errorRate(), 0.5, 0.03);
  EXPECT_EQ(report.changes, std::vector<std::string>{"patterns.retry"});
  EXPECT_EQ(report.entry_operations, std::vector<std::string>{"front.get"});
  EXPECT_TRUE(report.passed());
}

TEST_F(ComparisonRunTest, SameScenarioAndSeedGiveByteIdenticalSummaries) {
  const Scenario scenario = parseOrFail(retryCaseStudy(kWithoutRetry, kRetryExpectations));
  const ComparisonReport first = run(scenario);
  const ComparisonReport second = run(scenario);
  EXPECT_EQ(comparisonSummaryJson(first), comparisonSummaryJson(second));
  EXPECT_EQ(comparisonReportHtml(first), comparisonReportHtml(second));
  EngineOptions reseeded = optionsFor(m_dir.path());
  reseeded.seed = 99;
  EXPECT_NE(comparisonSummaryJson(run(scenario, reseeded)), comparisonSummaryJson(first));
}

// Returns a run's summary without what a comparison keeps apart.
nlohmann::json runBody(const RunReport& report) {
  nlohmann::json body = nlohmann::json::parse(summaryJson(report));
  for (const char* key : {"schema", "scenario", "expectations", "passed"})
    body.erase(key);
  return body;
}

TEST_F(ComparisonRunTest, EachRunIsWhatItsScenarioGivesAlone) {
  const Scenario scenario = parseOrFail(retryCaseStudy(kWithoutRetry, kRetryExpectations));
  const nlohmann::json summary = nlohmann::json::parse(comparisonSummaryJson(run(scenario)));
  EXPECT_EQ(summary["runs"]["a"], runBody(runToEnd(scenario, optionsFor(m_dir.path()))));
  EXPECT_EQ(summary["runs"]["b"], runBody(runToEnd(scenarioB(scenario), optionsFor(m_dir.path()))));
}

TEST_F(ComparisonRunTest, UntilAndSeedApplyToBothRuns) {
  EngineOptions options = optionsFor(m_dir.path());
  options.until = 5 * kSecond;
  options.seed = 11;
  const ComparisonReport report =
      run(parseOrFail(retryCaseStudy(kWithoutRetry, kRetryExpectations)), options);
  EXPECT_EQ(report.run.seed, 11u);
  EXPECT_EQ(report.a.metrics.now, 5 * kSecond);
  EXPECT_EQ(report.b.metrics.now, 5 * kSecond);
  EXPECT_EQ(report.a.run.seed, report.b.run.seed);
}

TEST_F(ComparisonRunTest, AFailingExpectationNamesItsRuns) {
  const ComparisonReport report = run(parseOrFail(
      retryCaseStudy(kWithoutRetry, "  - B.error_rate(front.get) < A.error_rate(front.get)")));
  ASSERT_EQ(report.expectations.size(), 1u);
  EXPECT_FALSE(report.passed());
  EXPECT_TRUE(report.expectations[0].text.starts_with(
      "B.error_rate(front.get) < A.error_rate(front.get): B "))
      << report.expectations[0].text;
  EXPECT_NE(report.expectations[0].text.find(", A "), std::string::npos);
}

TEST_F(ComparisonRunTest, AFaultOfRunBThatDoesNotFitIsPlacedInsideCompare) {
  const Error error = createError(retryCaseStudy(withoutRetry(R"(  faults:
    - { at: 1s, for: 1s, kind: store_outage, target: stroe })"),
                                                 kRetryExpectations));
  EXPECT_EQ(error.field, "compare.faults[0].target");
  EXPECT_NE(error.message.find("did you mean 'store'?"), std::string::npos) << error.message;
}

TEST_F(ComparisonRunTest, ALoadOfRunBWithoutARouteIsPlacedInsideCompare) {
  const Error error = createError(retryCaseStudy(withoutRetry(R"(  load:
    - { phase: p, for: 10s, arrivals: { kind: constant, rate: 10/s },
        mix: { search: 50, view: 0, book: 50, cancel: 0, edit: 0 } })"),
                                                 kRetryExpectations));
  EXPECT_EQ(error.field, "compare.load.mix");
  EXPECT_NE(error.message.find("mixes 'book'"), std::string::npos) << error.message;
}

TEST_F(ComparisonRunTest, APlatformPatternOfRunBWithoutThePlatformIsPlacedInsideCompare) {
  const Error error =
      createError(retryCaseStudy(withoutRetry("  patterns: { cqrs: false }"), kRetryExpectations));
  EXPECT_EQ(error.field, "compare.patterns.cqrs");
}

TEST_F(ComparisonRunTest, AMetricRunBDoesNotMeasureNamesItsExpectationAndRun) {
  const Error error = createError(retryCaseStudy(
      kWithoutRetry,
      "  - A.count(front.get) > 0\n  - B.count(front.nothing) > A.count(front.get)"));
  EXPECT_EQ(error.field, "expect[1]");
  EXPECT_TRUE(error.message.starts_with("run B: 'front' has no operation 'nothing'"))
      << error.message;
}

TEST_F(ComparisonRunTest, ValidatingChecksRunBWithoutRunningEither) {
  EngineOptions options = optionsFor(m_dir.path());
  options.validate_only = true;
  const Scenario good = parseOrFail(retryCaseStudy(kWithoutRetry, kRetryExpectations));
  EXPECT_TRUE(ComparisonRun::create(good, options).has_value());
  const Scenario bad = parseOrFail(retryCaseStudy(withoutRetry(R"(  faults:
    - { at: 1s, for: 1s, kind: store_outage, target: nowhere })"),
                                                  kRetryExpectations));
  auto refused = ComparisonRun::create(bad, options);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "compare.faults[0].target");
}

TEST_F(ComparisonRunTest, AScenarioWithoutCompareHasNoRunB) {
  const std::string text = retryCaseStudy(kWithoutRetry, "  - error_rate(front.get) < 1");
  Scenario scenario = parseOrFail(text);
  scenario.compare.reset();
  auto refused = create(scenario);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "compare");
}

TEST_F(ComparisonRunTest, AnEngineGivenTheWholeScenarioRunsRunA) {
  const Scenario scenario = parseOrFail(retryCaseStudy(
      kWithoutRetry, "  - error_rate(front.get) < 20%\n  - B.error_rate(front.get) > 40%"));
  const RunReport alone = runToEnd(scenario, optionsFor(m_dir.path()));
  ASSERT_EQ(alone.expectations.size(), 2u);
  EXPECT_TRUE(alone.expectations[0].passed) << alone.expectations[0].text;
  EXPECT_FALSE(alone.expectations[1].passed);
  EXPECT_NE(alone.expectations[1].text.find("run B exists only in a comparison"),
            std::string::npos);
}

}  // namespace
}  // namespace staylab::sim
