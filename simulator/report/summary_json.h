#pragma once

// The parts of summary.json (report_writer.h), for the report of one run and
// of a comparison (comparison_report.h). Internal to simulator/report.

#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/report/report_writer.h"

namespace staylab::sim {

inline constexpr int kSummarySchema = 1;

// {"name", "description", "seed", "duration_ns", "mode"}.
nlohmann::json scenarioJson(const RunDescription& run);
// One entry per expectation: its canonical text, verdict, value(s) and text.
nlohmann::json expectationJson(const ExpectationResult& result);
nlohmann::json expectationsJson(const std::vector<ExpectationResult>& results);
// What one run measured: the summary without "schema", "scenario",
// "expectations" and "passed".
nlohmann::json runSummaryJson(const RunReport& report);

}  // namespace staylab::sim
