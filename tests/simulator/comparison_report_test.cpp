// The report of a comparison: summary.json holding both runs and the
// expectations over them, timeseries-b.csv beside A's, and report.html
// drawing run B grey and dashed over A with a table of A, B and B/A.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "simulator/report/comparison_report.h"
#include "simulator/scenario/scenario_parser.h"
#include "tests/support/temp_dir.h"

namespace staylab::sim {
namespace {

constexpr Nanos kMs = kMillisecond;

constexpr std::string_view kScenario = R"(schema: 1
name: cqrs-case-study
description: What a read model buys <and> costs.
seed: 5
duration: 20s
load:
  - { phase: steady, for: 20s, arrivals: { kind: constant, rate: 10/s } }
faults:
  - { at: 5s, for: 5s, kind: store_outage, target: store }
compare:
  name: without-faults
  faults: []
expect:
  - A.stale_reads > 0
  - B.stale_reads == 0
  - B.p99(gateway.search) > 3 * A.p99(gateway.search)
)";

// A run of gateway.search every 100 ms taking `latency`, with `stale`
// stale reads and, with `outage`, a fault window from 5 s to 10 s.
RunReport searchRun(Nanos latency, std::uint64_t stale, bool outage) {
  MetricsRegistry registry(MetricsOptions{kSecond});
  const OperationId search = registry.operation("gateway", "search");
  if (outage)
    registry.addFaultWindow(FaultWindow{5 * kSecond, 10 * kSecond, "store_outage", "store"});
  for (Nanos start = 0; start < 20 * kSecond; start += 100 * kMs)
    registry.recordSuccess(search, start, start + latency);
  if (stale > 0)
    registry.addMeasure(search, kSecond, "stale_reads", stale);
  registry.finish(20 * kSecond);
  RunReport report;
  report.run.scenario = "cqrs-case-study";
  report.run.description = "What a read model buys <and> costs.";
  report.run.seed = 5;
  report.run.duration = 20 * kSecond;
  report.metrics = registry.snapshot();
  report.invariants.read_model_mismatches = stale > 0 ? 1 : 0;
  return report;
}

class ComparisonReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scenario = parseScenarioText(kScenario, "case.yaml");
    ASSERT_TRUE(scenario.has_value()) << scenario.error().describe();
    m_scenario = *scenario;
    m_report = makeComparisonReport(m_scenario, searchRun(9 * kMs, 12, true),
                                    searchRun(45 * kMs, 0, false));
  }

  Scenario m_scenario;
  ComparisonReport m_report;
};

TEST_F(ComparisonReportTest, EvaluatesTheExpectationsOverBothRuns) {
  ASSERT_EQ(m_report.expectations.size(), 3u);
  EXPECT_EQ(m_report.name, "without-faults");
  EXPECT_EQ(m_report.changes, std::vector<std::string>{"faults"});
  EXPECT_TRUE(m_report.a.expectations.empty());
  EXPECT_TRUE(m_report.b.expectations.empty());
  for (const ExpectationResult& result : m_report.expectations)
    EXPECT_TRUE(result.passed) << result.text;
  EXPECT_EQ(m_report.expectations[1].text, "B.stale_reads == 0: B 0");
  EXPECT_TRUE(m_report.passed());
}

TEST_F(ComparisonReportTest, SummaryHoldsBothRunsTheComparisonAndTheVerdict) {
  const nlohmann::json summary = nlohmann::json::parse(comparisonSummaryJson(m_report));
  EXPECT_EQ(summary["schema"], 1);
  EXPECT_EQ(summary["scenario"]["name"], "cqrs-case-study");
  EXPECT_EQ(summary["compare"]["name"], "without-faults");
  EXPECT_EQ(summary["compare"]["changes"], nlohmann::json::array({"faults"}));
  EXPECT_EQ(summary["passed"], true);
  ASSERT_EQ(summary["expectations"].size(), 3u);
  const nlohmann::json& scaled = summary["expectations"][2];
  EXPECT_EQ(scaled["expectation"], "B.p99(gateway.search) > 3 * A.p99(gateway.search)");
  EXPECT_EQ(scaled["actual"], 45 * kMs);
  EXPECT_EQ(scaled["against"], 9 * kMs);
  EXPECT_EQ(scaled["text"], "B.p99(gateway.search) > 3 * A.p99(gateway.search): B 45ms, A 9ms");
  // Each run's body is its own summary without the header and verdict.
  for (const char* run : {"a", "b"}) {
    const nlohmann::json& body = summary["runs"][run];
    EXPECT_TRUE(body.contains("operations")) << run;
    EXPECT_TRUE(body.contains("invariants")) << run;
    EXPECT_FALSE(body.contains("schema")) << run;
    EXPECT_FALSE(body.contains("expectations")) << run;
    EXPECT_FALSE(body.contains("passed")) << run;
  }
  EXPECT_EQ(summary["runs"]["a"]["faults"].size(), 1u);
  EXPECT_EQ(summary["runs"]["b"]["faults"].size(), 0u);
  nlohmann::json alone = nlohmann::json::parse(summaryJson(m_report.a));
  for (const char* key : {"schema", "scenario", "expectations", "passed"})
    alone.erase(key);
  EXPECT_EQ(summary["runs"]["a"], alone);
}

TEST_F(ComparisonReportTest, SummaryIsTheSameBytesForTheSameRuns) {
  const ComparisonReport again =
      makeComparisonReport(m_scenario, searchRun(9 * kMs, 12, true), searchRun(45 * kMs, 0, false));
  EXPECT_EQ(comparisonSummaryJson(again), comparisonSummaryJson(m_report));
  EXPECT_EQ(comparisonReportHtml(again), comparisonReportHtml(m_report));
}

TEST_F(ComparisonReportTest, PageDrawsRunBGreyAndDashedOverRunA) {
  const std::string html = comparisonReportHtml(m_report);
  EXPECT_NE(html.find("<span class=\"kind\">Comparison</span>cqrs-case-study"), std::string::npos);
  // B's lines: the app's comparison grey, dashed; named in each legend.
  EXPECT_NE(html.find("stroke=\"#212121\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\""),
            std::string::npos);
  EXPECT_NE(html.find("B: without-faults"), std::string::npos);
  EXPECT_NE(html.find("What a read model buys"), std::string::npos);
  EXPECT_EQ(html.find("<and>"), std::string::npos);  // Escaped.
}

TEST_F(ComparisonReportTest, PageTablesAAndBAndTheirRatioPerKeyMetric) {
  const std::string html = comparisonReportHtml(m_report);
  EXPECT_NE(html.find("<h2>Run A and run B</h2>"), std::string::npos);
  EXPECT_NE(html.find("<th class=\"num\">B: without-faults</th><th class=\"num\">B/A</th>"),
            std::string::npos);
  // p99 of gateway.search: 9 ms in A, 45 ms in B, 5 times as long.
  EXPECT_NE(html.find("<code>p99(gateway.search)</code></td><td class=\"num\">9ms</td>"
                      "<td class=\"num\">45ms</td><td class=\"num\">5&times;</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<code>count(gateway.search)</code>"), std::string::npos);
  EXPECT_NE(html.find("<code>error_rate(gateway.search)</code>"), std::string::npos);
  EXPECT_NE(html.find("<code>read_model_mismatches</code></td><td class=\"num\">1</td>"
                      "<td class=\"num\">0</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>stale_reads(gateway.search)</code></td><td class=\"num\">12</td>"
                      "<td class=\"num\">0</td>"),
            std::string::npos);
  // The expectations, with what each read in which run.
  EXPECT_NE(html.find("<td>B 45ms, A 9ms</td>"), std::string::npos);
}

TEST_F(ComparisonReportTest, WritesBothRunsSeriesBesideTheSummaryAndPage) {
  testing::TempDir dir;
  ASSERT_TRUE(writeComparisonReport(dir.path(), m_report).has_value());
  for (const char* file : {"summary.json", "timeseries.csv", "timeseries-b.csv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(dir.path() / file)) << file;
  std::ifstream csv(dir.path() / "timeseries-b.csv");
  std::stringstream text;
  text << csv.rdbuf();
  EXPECT_EQ(text.str(), timeseriesCsv(m_report.b.metrics));
}

}  // namespace
}  // namespace staylab::sim
