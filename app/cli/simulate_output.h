#pragma once

// What the simulator's commands (simulate_commands.cpp, simulate_compare.cpp)
// print: one-line errors, the progress line, and a run's tables and
// verdict for people. Internal to app/cli.

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli/cli_commands.h"
#include "simulator/engine/engine.h"
#include "simulator/metrics/evaluation.h"
#include "simulator/report/report_writer.h"
#include "simulator/topology/topology.h"

namespace staylab::app {

// Writes a one-line error the way the rest of the CLI does; returns `code`.
int fail(const GlobalOptions& global, std::ostream& err, const Error& error, int code);
// The exit code of an error: bad input (2) or a store failure.
int exitFor(const Error& error);

// A progress line on a terminal, redrawn at most four times a second.
class ProgressLine {
 public:
  // Draws nothing unless `enabled`.
  ProgressLine(bool enabled, std::ostream& err);
  // Redraws the line for a run at `status`, prefixed with `label` ("run B ").
  void update(const sim::EngineStatus& status, std::string_view label = {});
  // Erases the line.
  void clear();

 private:
  bool m_enabled;
  std::ostream& m_err;
  std::chrono::steady_clock::time_point m_started;
  std::chrono::steady_clock::time_point m_last_print;
};

// "scenario <name>  seed <seed>  virtual <duration>  (<mode>)".
void printScenarioLine(std::ostream& out, const sim::RunDescription& run);
// What the clients saw (the entry operations, then the asynchronous parts'
// steps), the invariants, the patterns' measures, queue waits and what the
// faults did.
void printRunTables(std::ostream& out, const sim::RunReport& report, const sim::Topology& topology);
// One line per expectation, then the verdict and where the report is.
void printVerdict(std::ostream& out, const std::vector<sim::ExpectationResult>& expectations,
                  bool passed, const std::filesystem::path& directory);
// Names each failed expectation on stderr.
void printFailures(std::ostream& err, const std::vector<sim::ExpectationResult>& expectations);

}  // namespace staylab::app
