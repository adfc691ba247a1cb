#pragma once

// Helpers shared by the engine's test suites: run a scenario written inline,
// and read what the time series says inside and outside a window.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <unistd.h>

#include <fmt/format.h>

#include "simulator/engine/engine.h"
#include "simulator/report/report_writer.h"
#include "simulator/scenario/scenario_parser.h"

namespace staylab::sim::testing {

// A front station calling a model-only store, both plain queueing stations.
inline constexpr std::string_view kTwoTier = R"(schema: 1
name: two-tier
description: A front station calling a store, no platform code.
components:
  - {name: clients, kind: client}
  - name: front
    kind: gateway
    instances: 2
    workers: 8
    queue: 100
    service_times: [{operation: get, distribution: constant, value: 1ms}]
  - name: store
    kind: store
    instances: 1
    workers: 4
    queue: 1000
    service_times: [{operation: read, distribution: constant, value: 5ms}]
links:
  - {from: clients, to: front, latency: 1ms}
  - {from: front, to: store, latency: 1ms}
routes:
  search: [front.get, store.read]
)";

// A scenario over kTwoTier (written as ./two-tier.yaml): run A retries
// under a store that fails half its calls; `compare` (a whole compare:
// block, or nothing) and the items of `expect` follow.
inline std::string retryCaseStudy(std::string_view compare, std::string_view expect) {
  return fmt::format(R"(schema: 1
name: retry-case-study
description: What retrying buys under a flaky store.
seed: 3
duration: 20s
topology: {{ file: ./two-tier.yaml }}
patterns:
  retry: {{ enabled: true, attempts: 3, backoff: 10ms }}
load:
  - phase: steady
    for: 20s
    arrivals: {{ kind: poisson, rate: 100/s }}
    mix: {{ search: 100, view: 0, book: 0, cancel: 0, edit: 0 }}
faults:
  - {{ at: 0s, for: 20s, kind: store_error_rate, target: store, probability: 0.5 }}
{}
expect:
{}
)",
                     compare, expect);
}

// The run B of retryCaseStudy that does not retry.
inline constexpr std::string_view kWithoutRetry =
    "compare:\n  name: without-retry\n  patterns: { retry: false }";

inline std::filesystem::path assetsDir() {
  return std::filesystem::path(STAYLAB_SOURCE_DIR) / "assets";
}

// Errors and completions of one key, split by whether the interval lies
// inside [start, end) of virtual time. Intervals that straddle the window,
// and those within `settle` after its end (requests caught in flight or in
// a queue when it closed), count for neither side.
struct WindowCounts {
  std::uint64_t inside_completions = 0;
  std::uint64_t inside_errors = 0;
  std::uint64_t outside_completions = 0;
  std::uint64_t outside_errors = 0;
  Nanos inside_p99_max = 0;
  Nanos outside_p99_max = 0;
};

inline WindowCounts countWindow(const MetricsSnapshot& metrics, std::string_view component,
                                std::string_view operation, Nanos start, Nanos end,
                                Nanos settle = kSecond) {
  WindowCounts counts;
  const auto key = metrics.series.findKey(component, operation);
  if (!key)
    return counts;
  for (std::size_t index = 0; index < metrics.series.size(); ++index) {
    const IntervalSample& interval = metrics.series[index];
    const SeriesPoint* point = interval.find(*key);
    if (point == nullptr)
      continue;
    const bool inside = interval.start >= start && interval.end <= end;
    const bool straddles = !inside && interval.start < end + settle && interval.end > start;
    if (straddles)
      continue;  // Partly in the window: counts for neither side.
    const Nanos p99 = point->p99.value_or(0);
    if (inside) {
      counts.inside_completions += point->completions;
      counts.inside_errors += point->errors;
      counts.inside_p99_max = std::max(counts.inside_p99_max, p99);
    } else {
      counts.outside_completions += point->completions;
      counts.outside_errors += point->errors;
      counts.outside_p99_max = std::max(counts.outside_p99_max, p99);
    }
  }
  return counts;
}

inline std::uint64_t errorsOfKind(const MetricsSnapshot& metrics, std::string_view component,
                                  std::string_view operation, RequestError kind) {
  const OperationTotals* totals = metrics.findOperation(component, operation);
  if (totals == nullptr)
    return 0;
  auto found = totals->errors_by_kind.find(kind);
  return found == totals->errors_by_kind.end() ? 0 : found->second;
}

// A scratch directory for inline scenarios and topologies.
class ScenarioDir {
 public:
  ScenarioDir() {
    m_path =
        std::filesystem::temp_directory_path() /
        ("staylab-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(s_counter++));
    std::filesystem::create_directories(m_path);
  }
  ~ScenarioDir() {
    std::error_code ignored;
    std::filesystem::remove_all(m_path, ignored);
  }
  ScenarioDir(const ScenarioDir&) = delete;
  ScenarioDir& operator=(const ScenarioDir&) = delete;

  std::filesystem::path write(const std::string& name, std::string_view text) const {
    const auto file = m_path / name;
    std::ofstream(file) << text;
    return file;
  }
  const std::filesystem::path& path() const { return m_path; }

 private:
  static inline int s_counter = 0;
  std::filesystem::path m_path;
};

inline EngineOptions optionsFor(const std::filesystem::path& scenario_dir) {
  EngineOptions options;
  options.scenario_dir = scenario_dir;
  options.topologies_dir = assetsDir() / "topologies";
  options.known_topics = {"booking", "fraud", "property"};
  return options;
}

inline Scenario parseOrFail(std::string_view text) {
  auto scenario = parseScenarioText(text, "inline.yaml");
  EXPECT_TRUE(scenario.has_value()) << (scenario ? "" : scenario.error().describe());
  return scenario.value_or(Scenario{});
}

// Runs a scenario to its end and returns the report.
inline RunReport runToEnd(const Scenario& scenario, EngineOptions options) {
  auto engine = Engine::create(scenario, std::move(options));
  EXPECT_TRUE(engine.has_value()) << (engine ? "" : engine.error().describe());
  if (!engine)
    return RunReport{};
  (*engine)->run();
  auto report = (*engine)->finish();
  EXPECT_TRUE(report.has_value()) << (report ? "" : report.error().describe());
  return report.value_or(RunReport{});
}

}  // namespace staylab::sim::testing
