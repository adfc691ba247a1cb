#pragma once

// The report of a run (DESIGN.md section 3, "Reports"), three files in one
// directory:
//   summary.json     the verdict, expectations, invariants, per-key totals,
//                    component gauges and fault windows. Deterministic: keys
//                    sorted, numbers in fixed formats (latencies in whole
//                    nanoseconds, ratios and rates with 6 decimals), no
//                    wall-clock time, no path. The same run gives the same bytes.
//   timeseries.csv   a header, then one row per interval per key, intervals
//                    in time order and keys in MetricKey order ("*" first).
//                    Empty cells where a column does not apply.
//   report.html      one self-contained page (inline CSS and SVG, no script,
//                    font or network access): the scenario, the verdict, the
//                    expectations and invariants, tables of the totals, and
//                    charts over virtual time with the fault windows shaded.
// Each file is written to a temporary name in the directory and renamed over
// the final one, so a reader never sees a half-written file.
//
// Thread safety: the functions share no state.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/error.h"
#include "simulator/kernel/simulation.h"
#include "simulator/metrics/evaluation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/scenario/scenario.h"
#include "simulator/stats/batch_means.h"

namespace staylab::sim {

// What the report says about the run itself.
struct RunDescription {
  std::string scenario;     // The scenario's name.
  std::string description;  // What it teaches.
  std::uint64_t seed = 1;
  Nanos duration = 0;          // Virtual time simulated.
  std::string mode = "model";  // "model" or "measured" service times.

  static RunDescription of(const Scenario& scenario);
};

// Queue waits at one component: time from reaching it to getting a worker.
struct WaitStatistics {
  std::string component;
  std::uint64_t count = 0;
  double mean_seconds = 0;
  // Batch-means 95% interval of the steady-state mean wait (warm-up
  // dropped); empty when the run was too short for it.
  std::optional<ConfidenceInterval> interval;
};

struct RunReport {
  RunDescription run;
  MetricsSnapshot metrics;  // Normally the final one (MetricsRegistry::finish).
  InvariantResults invariants;
  std::vector<ExpectationResult> expectations;  // In the scenario's order.
  std::vector<WaitStatistics> waits;            // By component name.
  // What the injected faults did, counted where they acted, e.g.
  // "booking-db.failed_calls", "booking.duplicates_delivered",
  // "booking.reordered", "booking.withheld". Sorted by name; only non-zero.
  std::map<std::string, std::uint64_t> fault_effects;

  // Returns true when every expectation passed.
  bool passed() const;
};

// Returns the text of each file.
std::string summaryJson(const RunReport& report);
std::string timeseriesCsv(const MetricsSnapshot& metrics);
std::string reportHtml(const RunReport& report);

// Writes summary.json, timeseries.csv and report.html into `directory`,
// creating it if needed. Fails with StoreFailure ("report.write") when a file
// cannot be written; files written before the failure stay.
[[nodiscard]] Result<void> writeReport(const std::filesystem::path& directory,
                                       const RunReport& report);

}  // namespace staylab::sim
