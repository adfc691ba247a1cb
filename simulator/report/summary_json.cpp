// summary.json: the verdict, the expectations, the invariants, per-key
// totals, component gauges and fault windows (report_writer.h).

#include "simulator/report/summary_json.h"

#include <fmt/format.h>

#include "simulator/report/report_format.h"

namespace staylab::sim {
namespace {

using report::jsonText;

nlohmann::json latencyJson(const LatencySummary& latency) {
  return {{"count", latency.count}, {"min_ns", latency.min},
          {"p50_ns", latency.p50},  {"p90_ns", latency.p90},
          {"p99_ns", latency.p99},  {"p999_ns", latency.p999},
          {"max_ns", latency.max},  {"mean_ns", std::llround(latency.mean)}};
}

// A value an expectation read, in the JSON type of its kind: whole numbers
// and nanoseconds as integers, ratios and rates as floats, null when not
// available.
nlohmann::json readingJson(const std::optional<double>& value, QuantityKind kind) {
  if (!value)
    return nullptr;
  switch (kind) {
    case QuantityKind::Number:
    case QuantityKind::Duration:
      return std::llround(*value);
    case QuantityKind::Ratio:
    case QuantityKind::Rate:
      return *value;
  }
  return nullptr;
}

}  // namespace

nlohmann::json expectationJson(const ExpectationResult& result) {
  const Expectation& expectation = result.expectation;
  nlohmann::json entry = {{"expectation", toString(expectation)},
                          {"passed", result.passed},
                          {"actual_text", result.actual_text},
                          {"text", result.text}};
  if (!expectation.against) {
    entry["actual"] = readingJson(result.actual, expectation.threshold.kind);
    return entry;
  }
  // Against another metric: both values, in the unit of their kind.
  const QuantityKind kind = comparedKind(expectation.metric);
  entry["actual"] = readingJson(result.actual, kind);
  entry["against"] = readingJson(result.against, kind);
  entry["against_text"] = result.against_text;
  return entry;
}

nlohmann::json scenarioJson(const RunDescription& run) {
  return {{"name", run.scenario},
          {"description", run.description},
          {"seed", run.seed},
          {"duration_ns", run.duration},
          {"mode", run.mode}};
}

nlohmann::json expectationsJson(const std::vector<ExpectationResult>& results) {
  nlohmann::json expectations = nlohmann::json::array();
  for (const ExpectationResult& result : results)
    expectations.push_back(expectationJson(result));
  return expectations;
}

nlohmann::json runSummaryJson(const RunReport& report) {
  const MetricsSnapshot& metrics = report.metrics;
  nlohmann::json summary = nlohmann::json::object();
  const InvariantResults& invariants = report.invariants;
  summary["invariants"] = {
      {"double_bookings", invariants.double_bookings},
      {"lost_acknowledged", invariants.lost_acknowledged},
      {"undelivered_events", invariants.undelivered_events},
      {"read_model_mismatches", invariants.read_model_mismatches},
      {"convergence_time_ns", invariants.convergence_time_ns
                                  ? nlohmann::json(*invariants.convergence_time_ns)
                                  : nlohmann::json(nullptr)}};
  // The patterns' measures of the run, only when the platform counted some:
  // other runs keep their bytes.
  for (const auto& [name, count] : invariants.measures)
    summary["invariants"][name] = count;

  const double elapsed = toSeconds(metrics.now);
  nlohmann::json operations = nlohmann::json::object();
  for (const OperationTotals& totals : metrics.operations) {
    nlohmann::json errors_by_kind = nlohmann::json::object();
    for (const auto& [kind, count] : totals.errors_by_kind)
      errors_by_kind[std::string(toString(kind))] = count;
    operations[totals.key.toString()] = {
        {"count", totals.count},
        {"errors", totals.errors},
        {"errors_by_kind", std::move(errors_by_kind)},
        {"error_rate", totals.errorRate()},
        {"throughput_per_s", elapsed > 0 ? static_cast<double>(totals.count) / elapsed : 0.0},
        {"latency", latencyJson(totals.latency)}};
    if (!totals.measures.empty()) {
      nlohmann::json measures = nlohmann::json::object();
      for (const auto& [name, count] : totals.measures)
        measures[name] = count;
      operations[totals.key.toString()]["measures"] = std::move(measures);
    }
  }
  summary["operations"] = std::move(operations);

  nlohmann::json components = nlohmann::json::object();
  for (const ComponentGauges& gauges : metrics.components) {
    nlohmann::json component = nlohmann::json::object();
    if (gauges.queue) {
      component["queue"] = {{"current", gauges.queue->current},
                            {"max", gauges.queue->max},
                            {"mean", gauges.queue->mean}};
    }
    if (gauges.workers) {
      component["workers"] = {{"busy", gauges.workers->busy},
                              {"capacity", gauges.workers->capacity},
                              {"utilisation", gauges.workers->utilisation}};
    }
    if (gauges.circuit) {
      component["circuit"] = {{"state", toString(gauges.circuit->state)},
                              {"opens", gauges.circuit->opens}};
    }
    if (gauges.lag) {
      component["lag"] = {{"events", gauges.lag->events},
                          {"time_ns", gauges.lag->time},
                          {"max_events", gauges.lag->max_events},
                          {"max_time_ns", gauges.lag->max_time}};
    }
    components[gauges.component] = std::move(component);
  }
  summary["components"] = std::move(components);

  nlohmann::json faults = nlohmann::json::array();
  for (const FaultWindow& fault : metrics.faults) {
    faults.push_back({{"kind", fault.kind},
                      {"target", fault.target},
                      {"start_ns", fault.start},
                      {"end_ns", fault.end}});
  }
  summary["faults"] = std::move(faults);
  if (!metrics.switches.empty()) {
    // Only runs that switched a pattern have the key: others keep their bytes.
    nlohmann::json switches = nlohmann::json::array();
    for (const PatternSwitch& change : metrics.switches) {
      nlohmann::json entry = {{"at_ns", change.at}, {"pattern", change.pattern}, {"on", change.on}};
      if (!change.settings.empty())
        entry["settings"] = change.settings;  // Only switches that moved settings have it.
      switches.push_back(std::move(entry));
    }
    summary["switches"] = std::move(switches);
  }

  nlohmann::json waits = nlohmann::json::object();
  for (const WaitStatistics& wait : report.waits) {
    nlohmann::json entry = {{"count", wait.count}, {"mean_s", wait.mean_seconds}};
    if (wait.interval) {
      entry["steady_state_mean_s"] = wait.interval->mean;
      entry["ci95_low_s"] = wait.interval->lower();
      entry["ci95_high_s"] = wait.interval->upper();
      entry["batches"] = wait.interval->batches;
    }
    waits[wait.component] = std::move(entry);
  }
  summary["queue_waits"] = std::move(waits);
  nlohmann::json effects = nlohmann::json::object();
  for (const auto& [name, count] : report.fault_effects)
    effects[name] = count;
  summary["fault_effects"] = std::move(effects);
  summary["time_series"] = {{"sample_interval_ns", metrics.sample_interval},
                            {"intervals", metrics.series.size()},
                            {"end_ns", metrics.now}};
  return summary;
}

std::string summaryJson(const RunReport& report) {
  nlohmann::json summary = runSummaryJson(report);
  summary["schema"] = kSummarySchema;
  summary["scenario"] = scenarioJson(report.run);
  summary["passed"] = report.passed();
  summary["expectations"] = expectationsJson(report.expectations);
  return jsonText(summary);
}

}  // namespace staylab::sim
