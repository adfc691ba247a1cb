#pragma once

// The pieces of report.html (report_writer.h) that the page of one run and
// the page of a comparison (comparison_report.h) share. Each appends to
// `html`. Internal to simulator/report.

#include <string>
#include <string_view>
#include <vector>

#include "simulator/report/report_writer.h"
#include "simulator/report/svg_chart.h"

namespace staylab::sim {

// Appends the "Expectations" heading and opens their table, the header
// cells `columns` after "#" and "Expectation"; says that there are none
// instead, and returns false, when `count` is 0.
bool openExpectationsTable(std::string& html, std::size_t count, std::string_view columns);
// Returns a coloured badge: green when `good`, red otherwise.
std::string pill(bool good, std::string_view text);

// The document's head (title, inline style) and the opening of <main>.
void appendPageStart(std::string& html, std::string_view scenario);
// Opens the header card: `kind` ("Scenario"), the scenario's name and
// description, and the facts of the run. The caller closes it.
void appendHeading(std::string& html, std::string_view kind, const RunDescription& run,
                   const MetricsSnapshot& metrics);
// The verdict over `expectations`: passed, failed (how many), or none.
void appendVerdict(std::string& html, const std::vector<ExpectationResult>& expectations);
// "Over virtual time": a note on reading the charts, `note` appended, and
// the charts.
void appendCharts(std::string& html, const std::vector<ChartSpec>& charts, std::string_view note);
// The footer and the end of the document.
void appendPageEnd(std::string& html);

}  // namespace staylab::sim
