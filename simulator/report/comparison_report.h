#pragma once

// The report of a comparison (simulator/engine/comparison.h): a scenario's
// run A and run B, and its expectations evaluated over both. Three files in
// one directory, as for one run (report_writer.h):
//   summary.json      {"schema", "scenario", "compare": {"name", "changes"},
//                     "runs": {"a": <run body>, "b": <run body>},
//                     "expectations", "passed"}; a run body is a run's
//                     summary without "schema", "scenario", "expectations"
//                     and "passed". Deterministic, as for one run.
//   timeseries.csv    run A's, as for one run; timeseries-b.csv beside it
//                     is run B's, in the same columns.
//   report.html       the scenario, the verdict, the expectations with both
//                     runs' values, a table of A, B and B/A per key metric,
//                     and the charts with run B drawn grey and dashed over A.
// Files are replaced atomically, as for one run.
//
// Thread safety: the functions share no state.

#include <filesystem>
#include <string>
#include <vector>

#include "domain/common/error.h"
#include "simulator/report/report_writer.h"
#include "simulator/scenario/scenario.h"

namespace staylab::sim {

struct ComparisonReport {
  RunDescription run;                // The scenario, seed, duration and mode of both runs.
  std::string name;                  // compare's name: "without-retry".
  std::vector<std::string> changes;  // What B changes (comparisonChanges()).
  RunReport a;                       // Without expectations: they read both runs.
  RunReport b;
  std::vector<ExpectationResult> expectations;  // In the scenario's order.
  // The operations the clients call ("gateway.book"), for the page's table
  // of A and B; empty: every operation either run measured.
  std::vector<std::string> entry_operations;

  // Returns true when every expectation passed.
  bool passed() const;
};

// Returns the report of `scenario`'s comparison from its runs' reports: the
// expectations evaluated over both, each run's own cleared.
ComparisonReport makeComparisonReport(const Scenario& scenario, RunReport a, RunReport b);

// Returns the text of each file.
std::string comparisonSummaryJson(const ComparisonReport& report);
std::string comparisonReportHtml(const ComparisonReport& report);

// Writes summary.json, timeseries.csv, timeseries-b.csv and report.html into
// `directory`, creating it if needed. Errors as writeReport's.
[[nodiscard]] Result<void> writeComparisonReport(const std::filesystem::path& directory,
                                                 const ComparisonReport& report);

}  // namespace staylab::sim
