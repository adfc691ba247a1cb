#include "simulator/engine/comparison_run.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace staylab::sim {
namespace {

// Returns an error of run B as the file places it: inside `compare:`.
Error inRunB(Error error) {
  error.field = error.field.empty() ? "compare" : "compare." + error.field;
  return error;
}

// The operations the clients call: the first hop of each route.
std::vector<std::string> entryOperations(const Topology& topology) {
  std::vector<std::string> entries;
  for (const Route& route : topology.routes) {
    if (route.hops.empty())
      continue;
    const std::string key =
        fmt::format("{}.{}", route.hops.front().component, route.hops.front().operation);
    if (std::find(entries.begin(), entries.end(), key) == entries.end())
      entries.push_back(key);
  }
  return entries;
}

}  // namespace

ComparisonRun::~ComparisonRun() = default;

Result<std::unique_ptr<ComparisonRun>> ComparisonRun::create(const Scenario& scenario,
                                                             EngineOptions options,
                                                             SystemFactory make_system_b) {
  if (!scenario.compare) {
    return invalidInput("compare", "scenario '{}' has no compare: block, so it has no run B",
                        scenario.name);
  }
  std::unique_ptr<ComparisonRun> comparison(new ComparisonRun(scenario));
  EngineOptions options_b = options;
  if (make_system_b)
    options_b.make_system = std::move(make_system_b);
  comparison->m_a = STAYLAB_TRY(Engine::create(scenario, std::move(options)));
  auto b = Engine::create(scenarioB(scenario), std::move(options_b));
  if (!b)
    return std::unexpected(inRunB(std::move(b).error()));
  comparison->m_b = std::move(*b);
  // Run A's engine checked the metrics of run A; B's are checked against B.
  for (std::size_t index = 0; index < scenario.expectations.size(); ++index) {
    for (const MetricRef* metric : scenario.expectations[index].metricsOf(RunId::B)) {
      auto checked = comparison->m_b->checkMetricSubject(*metric, fmt::format("expect[{}]", index));
      if (!checked) {
        Error error = std::move(checked).error();
        error.message = "run B: " + error.message;
        return std::unexpected(std::move(error));
      }
    }
  }
  return comparison;
}

Result<ComparisonReport> ComparisonRun::run(const Progress& progress) {
  std::array<RunReport, 2> reports;
  for (const RunId id : {RunId::A, RunId::B}) {
    Engine& run = engine(id);
    const Nanos slice = std::max<Nanos>(run.end() / 1000, kMillisecond);
    while (!run.atEnd()) {
      run.runUntil(run.now() + slice);
      if (progress)
        progress(id, run.status());
    }
    reports[id == RunId::A ? 0 : 1] = STAYLAB_TRY(run.finish());
  }
  ComparisonReport report =
      makeComparisonReport(m_scenario, std::move(reports[0]), std::move(reports[1]));
  report.entry_operations = entryOperations(m_a->topology());
  return report;
}

}  // namespace staylab::sim
