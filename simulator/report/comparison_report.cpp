// A comparison's summary.json and timeseries files, and the report itself
// (comparison_report.h); its page is in comparison_html.cpp.

#include "simulator/report/comparison_report.h"

#include <algorithm>

#include "simulator/report/report_format.h"
#include "simulator/report/summary_json.h"

namespace staylab::sim {

bool ComparisonReport::passed() const {
  return std::all_of(expectations.begin(), expectations.end(),
                     [](const ExpectationResult& result) { return result.passed; });
}

ComparisonReport makeComparisonReport(const Scenario& scenario, RunReport a, RunReport b) {
  ComparisonReport report;
  report.run = a.run;
  report.name = scenario.compare ? scenario.compare->name : std::string();
  report.changes = scenario.compare ? comparisonChanges(scenario) : std::vector<std::string>();
  report.expectations = evaluateAll(scenario.expectations, RunMeasurements{a.metrics, a.invariants},
                                    RunMeasurements{b.metrics, b.invariants});
  a.expectations.clear();
  b.expectations.clear();
  report.a = std::move(a);
  report.b = std::move(b);
  return report;
}

std::string comparisonSummaryJson(const ComparisonReport& report) {
  nlohmann::json summary;
  summary["schema"] = kSummarySchema;
  summary["scenario"] = scenarioJson(report.run);
  summary["compare"] = {{"name", report.name}, {"changes", report.changes}};
  summary["runs"] = {{"a", runSummaryJson(report.a)}, {"b", runSummaryJson(report.b)}};
  summary["expectations"] = expectationsJson(report.expectations);
  summary["passed"] = report.passed();
  return report::jsonText(summary);
}

Result<void> writeComparisonReport(const std::filesystem::path& directory,
                                   const ComparisonReport& report) {
  using report::writeAtomically;
  STAYLAB_TRY(report::makeDirectory(directory));
  STAYLAB_TRY(writeAtomically(directory / "summary.json", comparisonSummaryJson(report)));
  STAYLAB_TRY(writeAtomically(directory / "timeseries.csv", timeseriesCsv(report.a.metrics)));
  STAYLAB_TRY(writeAtomically(directory / "timeseries-b.csv", timeseriesCsv(report.b.metrics)));
  STAYLAB_TRY(writeAtomically(directory / "report.html", comparisonReportHtml(report)));
  return {};
}

}  // namespace staylab::sim
