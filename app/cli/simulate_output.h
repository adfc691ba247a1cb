#pragma once

// What the simulator's commands (simulate_commands.cpp, simulate_compare.cpp)
// print: one-line errors, the progress line, and a run's tables and
// verdict for people. Internal to app/cli.

#include <chrono>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/cli/cli_commands.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/timed_system.h"
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

// Where a run's wall time went: inside the real platform's calls (its
// systems made by timedSystemFactory over `platform`) or in the engine
// around them. Wall time differs from run to run, so it is reported beside
// summary.json (timing.json), never in it.
class RunTiming {
 public:
  RunTiming() : m_started(std::chrono::steady_clock::now()) {}
  // What the systems of this run add their time to.
  sim::SystemTime& platform() { return m_platform; }
  // Ends the run's wall time, so that what write() and print() report is
  // one figure. Until then both report the run so far.
  void stop() { m_stopped = std::chrono::steady_clock::now(); }
  // Writes timing.json into `directory` (wall_seconds, platform_seconds,
  // platform_calls, engine_seconds, engine_share).
  [[nodiscard]] Result<void> write(const std::filesystem::path& directory) const;
  // "wall time 27.10 s: the platform's code 20.31 s (74.9 %), the engine 6.79 s (25.1 %)".
  void print(std::ostream& out) const;

 private:
  struct Figures {
    double wall_seconds = 0;
    double platform_seconds = 0;
    double engine_seconds = 0;  // wall_seconds - platform_seconds.
    double engine_share = 0;    // engine_seconds / wall_seconds; 0 for no wall time.
  };
  // The figures of the run so far, or up to stop().
  Figures figures() const;

  std::chrono::steady_clock::time_point m_started;
  std::optional<std::chrono::steady_clock::time_point> m_stopped;
  sim::SystemTime m_platform;
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
