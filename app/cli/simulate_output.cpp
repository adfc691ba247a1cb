#include "app/cli/simulate_output.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "app/cli/output.h"

namespace staylab::app {
namespace {

std::string progressText(const sim::EngineStatus& status, double events_per_second,
                         double eta_seconds) {
  const double fraction =
      status.end > 0 ? static_cast<double>(status.now) / static_cast<double>(status.end) : 1.0;
  return fmt::format("\r  virtual {} / {} ({:3.0f}%)  {:.0f} events/s  ETA {:.0f}s   ",
                     sim::formatLatency(status.now), sim::formatLatency(status.end),
                     fraction * 100.0, events_per_second, std::max(eta_seconds, 0.0));
}

}  // namespace

RunTiming::Figures RunTiming::figures() const {
  Figures figures;
  figures.wall_seconds = std::chrono::duration<double>(
                             m_stopped.value_or(std::chrono::steady_clock::now()) - m_started)
                             .count();
  figures.platform_seconds = static_cast<double>(m_platform.nanos) / 1e9;
  figures.engine_seconds = figures.wall_seconds - figures.platform_seconds;
  figures.engine_share =
      figures.wall_seconds > 0 ? figures.engine_seconds / figures.wall_seconds : 0.0;
  return figures;
}

Result<void> RunTiming::write(const std::filesystem::path& directory) const {
  const Figures figures = this->figures();
  nlohmann::json timing = {{"wall_seconds", figures.wall_seconds},
                           {"platform_seconds", figures.platform_seconds},
                           {"platform_calls", m_platform.calls},
                           {"engine_seconds", figures.engine_seconds},
                           {"engine_share", figures.engine_share}};
  const std::filesystem::path file = directory / "timing.json";
  std::ofstream stream(file, std::ios::trunc);
  stream << timing.dump(2) << '\n';
  stream.close();
  if (!stream) {
    return storeFailure("simulate.report_io", "cannot write {}", file.string());
  }
  return {};
}

void RunTiming::print(std::ostream& out) const {
  const Figures figures = this->figures();
  out << fmt::format(
      "wall time {:.2f} s: the platform's code {:.2f} s ({:.1f} %), the engine {:.2f} s ({:.1f} "
      "%)\n",
      figures.wall_seconds, figures.platform_seconds, 100.0 * (1.0 - figures.engine_share),
      figures.engine_seconds, 100.0 * figures.engine_share);
}

int fail(const GlobalOptions& global, std::ostream& err, const Error& error, int code) {
  if (global.json) {
    err << dumpJson(errorJson(error)) << '\n';
  } else {
    err << "staylab-cli: " << toString(error.kind) << ": " << error.describe() << '\n';
  }
  return code;
}

int exitFor(const Error& error) {
  return error.kind == ErrorKind::InvalidInput || error.kind == ErrorKind::NotFound
             ? kExitBadInput
             : kExitStoreFailure;
}

ProgressLine::ProgressLine(bool enabled, std::ostream& err)
    : m_enabled(enabled),
      m_err(err),
      m_started(std::chrono::steady_clock::now()),
      m_last_print(m_started) {}

void ProgressLine::update(const sim::EngineStatus& status, std::string_view label) {
  const auto now = std::chrono::steady_clock::now();
  if (!m_enabled || now - m_last_print <= std::chrono::milliseconds(250))
    return;
  m_last_print = now;
  const double elapsed = std::chrono::duration<double>(now - m_started).count();
  const double rate = elapsed > 0 ? static_cast<double>(status.events) / elapsed : 0;
  const double done =
      status.end > 0 ? static_cast<double>(status.now) / static_cast<double>(status.end) : 1.0;
  const double eta = done > 0 ? elapsed * (1 - done) / done : 0;
  std::string line = progressText(status, rate, eta);
  if (!label.empty())
    line.insert(1, label);
  m_err << line << std::flush;
}

void ProgressLine::clear() {
  if (m_enabled)
    m_err << "\r" << std::string(78, ' ') << "\r" << std::flush;
}

void printScenarioLine(std::ostream& out, const sim::RunDescription& run) {
  out << fmt::format("scenario {}  seed {}  virtual {}  ({})\n", run.scenario, run.seed,
                     sim::formatLatency(run.duration), run.mode);
}

void printRunTables(std::ostream& out, const sim::RunReport& report,
                    const sim::Topology& topology) {
  // What the clients saw: the operations of the entry components (the first
  // hop of each route), then the asynchronous parts' steps.
  std::vector<std::string> entries;
  for (const sim::Route& route : topology.routes) {
    if (!route.hops.empty() &&
        std::find(entries.begin(), entries.end(), route.hops.front().component) == entries.end())
      entries.push_back(route.hops.front().component);
  }
  std::vector<std::vector<std::string>> rows;
  for (const sim::OperationTotals& totals : report.metrics.operations) {
    if (totals.key.isTotal() || totals.key.isComponent())
      continue;
    const sim::ComponentSpec* component = topology.findComponent(totals.key.component);
    const bool entry =
        std::find(entries.begin(), entries.end(), totals.key.component) != entries.end();
    const bool poller = component != nullptr && sim::polls(component->kind);
    if (!entry && !poller)
      continue;
    std::string kinds;
    for (const auto& [kind, count] : totals.errors_by_kind)
      kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", sim::toString(kind), count);
    rows.push_back({totals.key.toString(), std::to_string(totals.count),
                    sim::formatPercent(totals.errorRate()), sim::formatLatency(totals.latency.p50),
                    sim::formatLatency(totals.latency.p99), sim::formatLatency(totals.latency.max),
                    kinds});
  }
  printTable(out, {"OPERATION", "COUNT", "ERRORS", "P50", "P99", "MAX", "ERRORS BY KIND"}, rows);
  const sim::InvariantResults& invariants = report.invariants;
  out << fmt::format(
      "invariants: double_bookings {}  lost_acknowledged {}  undelivered_events {}  "
      "read_model_mismatches {}  convergence_time {}\n",
      invariants.double_bookings, invariants.lost_acknowledged, invariants.undelivered_events,
      invariants.read_model_mismatches,
      invariants.convergence_time_ns ? sim::formatLatency(*invariants.convergence_time_ns)
                                     : std::string("never"));
  // What the patterns measured: the run's own counts, then per operation.
  std::string measures;
  for (const auto& [name, count] : invariants.measures)
    measures += fmt::format("  {} {}", name, count);
  for (const sim::OperationTotals& totals : report.metrics.operations) {
    if (totals.key.isTotal() || totals.key.isComponent())
      continue;
    for (const auto& [name, count] : totals.measures)
      measures += fmt::format("  {}({}) {}", name, totals.key.toString(), count);
  }
  if (!measures.empty())
    out << "measured:" << measures << '\n';
  for (const sim::WaitStatistics& wait : report.waits) {
    // Only where requests really queued (a tenth of a millisecond or more).
    if (!wait.interval || wait.mean_seconds < 1e-4)
      continue;
    out << fmt::format(
        "queue wait at {}: mean {:.4f} s, 95% CI [{:.4f}, {:.4f}] over {} requests\n",
        wait.component, wait.interval->mean,
        std::max(wait.interval->lower(), 0.0),  // A wait is never negative.
        wait.interval->upper(), wait.count);
  }
  if (!report.fault_effects.empty()) {
    std::string effects;
    for (const auto& [name, count] : report.fault_effects)
      effects += fmt::format("{}{} {}", effects.empty() ? "" : "  ", name, count);
    out << "fault effects: " << effects << '\n';
  }
}

void printVerdict(std::ostream& out, const std::vector<sim::ExpectationResult>& expectations,
                  bool passed, const std::filesystem::path& directory) {
  if (expectations.empty())
    out << "no expectations\n";
  for (const sim::ExpectationResult& result : expectations)
    out << (result.passed ? "  PASS  " : "  FAIL  ") << result.text << '\n';
  out << (passed ? "PASSED" : "FAILED") << "  report: " << directory.string() << '\n';
}

void printFailures(std::ostream& err, const std::vector<sim::ExpectationResult>& expectations) {
  for (const sim::ExpectationResult& result : expectations) {
    if (!result.passed)
      err << "staylab-cli: expectation failed: " << result.text << '\n';
  }
}

}  // namespace staylab::app
