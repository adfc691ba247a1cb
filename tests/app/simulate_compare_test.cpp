// staylab-cli simulate and scenarios validate over a scenario with
// compare: both runs' tables and reports, the exit codes 0, 1 and 2 with the
// failing expectation or misfit named by its run, the flags applied to both
// runs, and the same bytes from two processes.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/app/simulate_cli.h"
#include "tests/simulator/engine_support.h"

namespace staylab::app {
namespace {

using sim::testing::kWithoutRetry;
using sim::testing::retryCaseStudy;
using testing::readFile;
using testing::SimulateCliTest;

constexpr std::string_view kHolds = R"(  - A.error_rate(front.get) < B.error_rate(front.get)
  - B.error_rate(front.get) > 3 * A.error_rate(front.get))";

// The real platform: views through a flaky listing store, without retry
// (A) and with it (B).
constexpr std::string_view kOnThePlatform = R"(schema: 1
name: retry-on-the-platform
description: Retrying views through a flaky listing store.
seed: 4
duration: 20s
data: { properties: 40, seed: 2 }
load:
  - phase: steady
    for: 18s
    arrivals: { kind: poisson, rate: 30/s }
    mix: { search: 30, view: 60, book: 5, cancel: 0, edit: 5 }
faults:
  - { at: 0s, for: 18s, kind: store_error_rate, target: listing-db, probability: 0.3 }
compare:
  name: with-retry
  patterns: { retry: { attempts: 3, backoff: 10ms } }
expect:
  - B.error_rate(gateway.view) < A.error_rate(gateway.view)
  - B.double_bookings == 0
)";

TEST_F(SimulateCliTest, ComparisonThatHoldsExitsZeroPrintingAndWritingBothRuns) {
  write("two-tier.yaml", std::string(sim::testing::kTwoTier));
  const std::string scenario = write("case.yaml", retryCaseStudy(kWithoutRetry, kHolds));
  const auto report_dir = m_dir.path() / "report";
  const auto result = cli({"simulate", scenario, "--report", report_dir.string()});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  const std::size_t a = result.out.find("\nrun A\n");
  const std::size_t b = result.out.find("\nrun B: without-retry\n");
  ASSERT_NE(a, std::string::npos) << result.out;
  ASSERT_NE(b, std::string::npos) << result.out;
  EXPECT_LT(a, b);
  EXPECT_NE(result.out.find("front.get", b), std::string::npos);  // B's own table.
  EXPECT_NE(result.out.find("  PASS  B.error_rate(front.get) > 3 * A.error_rate(front.get): B "),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("PASSED  report: "), std::string::npos);
  for (const char* file : {"summary.json", "timeseries.csv", "timeseries-b.csv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(report_dir / file)) << file;

  const auto json = cli({"--json", "simulate", scenario, "--report", report_dir.string()});
  EXPECT_EQ(json.exit_code, 0) << json.describe();
  EXPECT_EQ(json.out, readFile(report_dir / "summary.json"));  // --json prints summary.json.
  const nlohmann::json summary = nlohmann::json::parse(json.out);
  EXPECT_EQ(summary["compare"]["name"], "without-retry");
  EXPECT_TRUE(summary["runs"]["a"].contains("operations"));
  EXPECT_TRUE(summary["runs"]["b"].contains("operations"));
  EXPECT_EQ(summary["passed"], true);
  const std::string html = readFile(report_dir / "report.html");
  EXPECT_NE(html.find("stroke-dasharray=\"6 4\""), std::string::npos);
  EXPECT_NE(html.find("<h2>Run A and run B</h2>"), std::string::npos);
}

TEST_F(SimulateCliTest, ComparisonWithAFailedExpectationExitsOneNamingItsRuns) {
  write("two-tier.yaml", std::string(sim::testing::kTwoTier));
  const std::string scenario =
      write("failing.yaml", retryCaseStudy(kWithoutRetry,
                                           "  - B.error_rate(front.get) < A.error_rate(front.get)\n"
                                           "  - A.stale_reads > 0"));
  const auto result = cli({"simulate", scenario, "--report", (m_dir.path() / "r").string()});
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  EXPECT_NE(result.err.find("expectation failed: B.error_rate(front.get) < "
                            "A.error_rate(front.get): B "),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("expectation failed: A.stale_reads > 0: A 0"), std::string::npos)
      << result.err;
  EXPECT_NE(result.out.find("FAILED  report: "), std::string::npos);
}

struct Misfit {
  std::string_view name;
  std::string compare;
  std::string expect;
  std::string where;   // The field, or file:line:column.
  std::string reason;  // Part of the message.
};

TEST_F(SimulateCliTest, ComparisonThatDoesNotParseOrFitExitsTwoNamingWhere) {
  write("two-tier.yaml", std::string(sim::testing::kTwoTier));
  const std::string holds(kHolds);
  const Misfit misfits[] = {
      {"run B named without compare", "", "  - B.count(front.get) > 0", "misfit.yaml:18:5",
       "no compare: block"},
      {"unknown run", std::string(kWithoutRetry), "  - A.count(front.get) < C.count(front.get)",
       "misfit.yaml:20:26", "unknown run 'C'"},
      {"B's fault on an unknown target",
       "compare:\n  name: b\n  faults:\n    - { at: 1s, for: 1s, kind: store_outage, target: "
       "stroe }",
       holds, "compare.faults[0].target", "did you mean 'store'?"},
      {"B's load mixes an operation without a route",
       "compare:\n  name: b\n  load:\n    - { phase: p, for: 5s, arrivals: { kind: constant, "
       "rate: 10/s }, mix: { search: 50, book: 50 } }",
       holds, "compare.load.mix", "mixes 'book'"},
      {"B's platform pattern without the platform",
       "compare:\n  name: b\n  patterns: { cqrs: false }", holds, "compare.patterns.cqrs",
       "runs no platform"},
      {"a subject run B does not measure", std::string(kWithoutRetry),
       "  - B.p99(front.nothing) > A.p99(front.get)", "expect[0]",
       "run B: 'front' has no operation 'nothing'"},
  };
  for (const Misfit& misfit : misfits) {
    SCOPED_TRACE(misfit.name);
    const std::string file = write("misfit.yaml", retryCaseStudy(misfit.compare, misfit.expect));
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"simulate", file, "--report", (m_dir.path() / "r").string()},
          std::vector<std::string>{"scenarios", "validate", file}}) {
      const auto result = cli(command);
      EXPECT_EQ(result.exit_code, 2) << command[0] << ": " << result.describe();
      const std::size_t where = result.err.find(misfit.where + ": ");
      EXPECT_NE(where, std::string::npos) << command[0] << ": " << result.err;
      EXPECT_NE(result.err.find(misfit.reason, where), std::string::npos)
          << command[0] << ": " << result.err;
    }
  }
  const auto valid =
      cli({"scenarios", "validate", write("valid.yaml", retryCaseStudy(kWithoutRetry, holds))});
  EXPECT_EQ(valid.exit_code, 0) << valid.describe();
}

TEST_F(SimulateCliTest, ComparisonTakesUntilSeedAndIntervalForBothRuns) {
  write("two-tier.yaml", std::string(sim::testing::kTwoTier));
  const std::string scenario = write("case.yaml", retryCaseStudy(kWithoutRetry, kHolds));
  const auto result = cli({"--json", "simulate", scenario, "--until", "5s", "--seed", "9",
                           "--interval", "500ms", "--report", (m_dir.path() / "r").string()});
  ASSERT_EQ(result.exit_code, 0) << result.describe();
  const nlohmann::json summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["scenario"]["seed"], 9);
  for (const char* run : {"a", "b"}) {
    const nlohmann::json& series = summary["runs"][run]["time_series"];
    EXPECT_EQ(series["end_ns"], 5 * sim::kSecond) << run;
    EXPECT_EQ(series["sample_interval_ns"], 500 * sim::kMillisecond) << run;
  }
}

TEST_F(SimulateCliTest, ComparisonInTwoProcessesGivesTheSameBytesAndKeepsEachRunsData) {
  const std::string scenario = write("platform.yaml", std::string(kOnThePlatform));
  std::vector<std::string> summaries;
  for (const char* name : {"first", "second"}) {
    const auto report_dir = m_dir.path() / name;
    const auto data_dir = m_dir.path() / (std::string(name) + "-data");
    const auto result = cli({"simulate", scenario, "--quiet", "--report", report_dir.string(),
                             "--keep-data", data_dir.string()});
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    summaries.push_back(readFile(report_dir / "summary.json") +
                        readFile(report_dir / "timeseries-b.csv") +
                        readFile(report_dir / "report.html"));
    for (const char* run : {"a", "b"}) {
      EXPECT_TRUE(std::filesystem::is_directory(data_dir / run)) << run;
      EXPECT_FALSE(std::filesystem::is_empty(data_dir / run)) << run;
    }
  }
  ASSERT_NE(summaries[0].find("\"gateway.view\""), std::string::npos);
  EXPECT_EQ(summaries[0], summaries[1]);
}

}  // namespace
}  // namespace staylab::app
