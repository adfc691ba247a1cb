#include "simulator/metrics/evaluation.h"

#include <fmt/format.h>

#include "simulator/patterns/registry.h"

namespace staylab::sim {

namespace {

// What a metric read: a value, or why there is none.
struct Reading {
  std::optional<double> value;
  std::string missing;  // The reason, when value is empty.
};

Reading valueOf(double value) {
  return Reading{value, {}};
}

Reading missing(std::string reason) {
  return Reading{std::nullopt, std::move(reason)};
}

std::string subjectOf(const MetricRef& metric) {
  const std::string subject =
      metric.operation.empty() ? metric.component : metric.component + "." + metric.operation;
  return metric.time_to_outcome ? "time_to_outcome(" + subject + ")" : subject;
}

Reading readLatency(const MetricRef& metric, const MetricsSnapshot& metrics) {
  const OperationTotals* totals = nullptr;
  if (metric.time_to_outcome) {
    // A request accepted for later records its outcome apart
    // (`<operation>-outcome`); one answered with its outcome has none, and
    // its latency is its time to outcome.
    totals = metrics.findOperation(metric.component, metric.operation + "-outcome");
  }
  if (totals == nullptr) {
    totals = metrics.findOperation(metric.component,
                                   metric.operation.empty() ? kAllOperations : metric.operation);
  }
  if (totals == nullptr || totals->latency.count == 0)
    return missing(fmt::format("no completed requests for {}", subjectOf(metric)));
  const LatencySummary& latency = totals->latency;
  switch (metric.name) {
    case MetricName::P50:
      return valueOf(static_cast<double>(latency.p50));
    case MetricName::P90:
      return valueOf(static_cast<double>(latency.p90));
    case MetricName::P99:
      return valueOf(static_cast<double>(latency.p99));
    case MetricName::P999:
      return valueOf(static_cast<double>(latency.p999));
    case MetricName::Max:
      return valueOf(static_cast<double>(latency.max));
    case MetricName::Mean:
      return valueOf(latency.mean);
    default:
      return missing("not a latency");
  }
}

// A pattern's measure (pattern.h MeasureSpec): counted for the run by the
// platform, or per operation by the engine (its total, a subject's count, or
// a subject's share of completions).
Reading readMeasure(const MetricRef& metric, const MetricsSnapshot& metrics,
                    const InvariantResults& invariants) {
  const auto found = findMeasure(metric.measure);
  if (!found)
    return missing(fmt::format("no pattern measures '{}'", metric.measure));
  const std::string_view name = found->measure->name;
  if (found->measure->scope == MeasureScope::Run) {
    auto counted = invariants.measures.find(name);
    if (counted == invariants.measures.end())
      return missing(fmt::format("the platform did not measure {}", name));
    return valueOf(static_cast<double>(counted->second));
  }
  const bool whole_run = metric.component.empty();
  const OperationTotals* totals =
      whole_run ? metrics.findOperation(kAllOperations, kAllOperations)
                : metrics.findOperation(metric.component, metric.operation.empty()
                                                              ? kAllOperations
                                                              : std::string_view(metric.operation));
  auto counted = totals == nullptr ? MeasureCounts::const_iterator() : totals->measures.find(name);
  const double count = totals == nullptr || counted == totals->measures.end()
                           ? 0.0
                           : static_cast<double>(counted->second);
  if (!found->ratio)
    return valueOf(count);
  if (totals == nullptr || totals->count == 0)
    return missing(fmt::format("no completed requests for {}", subjectOf(metric)));
  return valueOf(count / static_cast<double>(totals->count));
}

// Reads `metric` as a value of `kind` (which says whether max_lag is a lag in
// time or in events).
Reading read(const MetricRef& metric, QuantityKind kind, const MetricsSnapshot& metrics,
             const InvariantResults& invariants) {
  const std::string_view operation =
      metric.operation.empty() ? kAllOperations : std::string_view(metric.operation);
  switch (metric.name) {
    case MetricName::DoubleBookings:
      return valueOf(static_cast<double>(invariants.double_bookings));
    case MetricName::LostAcknowledged:
      return valueOf(static_cast<double>(invariants.lost_acknowledged));
    case MetricName::UndeliveredEvents:
      return valueOf(static_cast<double>(invariants.undelivered_events));
    case MetricName::ReadModelMismatches:
      return valueOf(static_cast<double>(invariants.read_model_mismatches));
    case MetricName::ConvergenceTime:
      if (!invariants.convergence_time_ns)
        return missing("the read models never converged during the run");
      return valueOf(static_cast<double>(*invariants.convergence_time_ns));
    case MetricName::P50:
    case MetricName::P90:
    case MetricName::P99:
    case MetricName::P999:
    case MetricName::Max:
    case MetricName::Mean:
      return readLatency(metric, metrics);
    case MetricName::ErrorRate: {
      const OperationTotals* totals = metrics.findOperation(metric.component, operation);
      if (totals == nullptr || totals->count == 0)
        return missing(fmt::format("no completed requests for {}", subjectOf(metric)));
      return valueOf(totals->errorRate());
    }
    case MetricName::Count: {
      const OperationTotals* totals = metrics.findOperation(metric.component, operation);
      return valueOf(totals == nullptr ? 0.0 : static_cast<double>(totals->count));
    }
    case MetricName::Throughput: {
      const OperationTotals* totals = metrics.findOperation(metric.component, operation);
      if (metrics.now <= 0 || totals == nullptr)
        return valueOf(0.0);
      return valueOf(static_cast<double>(totals->count) / toSeconds(metrics.now));
    }
    case MetricName::MaxLag: {
      const ComponentGauges* gauges = metrics.findComponent(metric.component);
      if (gauges == nullptr || !gauges->lag)
        return missing(fmt::format("no consumer lag recorded for {}", metric.component));
      if (kind == QuantityKind::Duration)
        return valueOf(static_cast<double>(gauges->lag->max_time));
      return valueOf(static_cast<double>(gauges->lag->max_events));
    }
    case MetricName::Utilisation: {
      const ComponentGauges* gauges = metrics.findComponent(metric.component);
      if (gauges == nullptr || !gauges->workers)
        return missing(fmt::format("no worker utilisation recorded for {}", metric.component));
      return valueOf(gauges->workers->utilisation);
    }
    case MetricName::Measure:
      return readMeasure(metric, metrics, invariants);
  }
  return missing("unknown metric");
}

std::string formatReading(double value, QuantityKind kind) {
  switch (kind) {
    case QuantityKind::Number:
      return fmt::format("{:.0f}", value);
    case QuantityKind::Duration:
      return formatLatency(static_cast<Nanos>(value));
    case QuantityKind::Ratio:
      return formatPercent(value);
    case QuantityKind::Rate:
      return fmt::format("{:.4g}/s", value);
  }
  return fmt::format("{}", value);
}

// Reads one side of an expectation from the run it names; `b` is null when
// run A is evaluated alone.
Reading readSide(const MetricRef& metric, RunId run, QuantityKind kind, const RunMeasurements& a,
                 const RunMeasurements* b) {
  if (run == RunId::B && b == nullptr)
    return missing("run B exists only in a comparison (compare:)");
  const RunMeasurements& measured = run == RunId::A ? a : *b;
  Reading reading = read(metric, kind, measured.metrics, measured.invariants);
  if (!reading.value && b != nullptr)
    reading.missing += fmt::format(" in run {}", toString(run));
  return reading;
}

ExpectationResult evaluateOver(const Expectation& expectation, const RunMeasurements& a,
                               const RunMeasurements* b) {
  ExpectationResult result;
  result.expectation = expectation;
  const std::string canonical = toString(expectation);
  const QuantityKind kind =
      expectation.against ? comparedKind(expectation.metric) : expectation.threshold.kind;
  // In a comparison each value is named by its run; a run alone says "actual".
  const auto label = [b](RunId run) {
    return b != nullptr ? std::string(toString(run)) : std::string("actual");
  };

  const Reading left = readSide(expectation.metric, expectation.runOrA(), kind, a, b);
  if (!left.value) {
    result.actual_text = "n/a";
    if (expectation.against)
      result.against_text = "n/a";
    result.text = fmt::format("{}: {}", canonical, left.missing);
    return result;
  }
  result.actual = left.value;
  result.actual_text = formatReading(*left.value, kind);
  if (!expectation.against) {
    const Quantity& threshold = expectation.threshold;
    const double limit = threshold.kind == QuantityKind::Duration
                             ? static_cast<double>(threshold.duration.count())
                             : threshold.number;
    result.passed = compare(*left.value * expectation.scale, expectation.comparison, limit);
    result.text =
        fmt::format("{}: {} {}", canonical, label(expectation.runOrA()), result.actual_text);
    return result;
  }

  const MetricOperand& against = *expectation.against;
  const Reading right = readSide(against.metric, against.runOrA(), kind, a, b);
  if (!right.value) {
    result.against_text = "n/a";
    result.text = fmt::format("{}: {}", canonical, right.missing);
    return result;
  }
  result.against = right.value;
  result.against_text = formatReading(*right.value, kind);
  result.passed = compare(*left.value * expectation.scale, expectation.comparison,
                          *right.value * against.scale);
  if (b != nullptr) {
    result.text = fmt::format("{}: {} {}, {} {}", canonical, label(expectation.runOrA()),
                              result.actual_text, label(against.runOrA()), result.against_text);
  } else {
    result.text =
        fmt::format("{}: actual {} and {}", canonical, result.actual_text, result.against_text);
  }
  return result;
}

}  // namespace

std::string formatLatency(Nanos duration) {
  const double value = static_cast<double>(duration);
  if (duration < 0)
    return "-" + formatLatency(-duration);
  if (duration < kMicrosecond)
    return fmt::format("{}ns", duration);
  if (duration < kMillisecond)
    return fmt::format("{:.4g}us", value / kMicrosecond);
  if (duration < kSecond)
    return fmt::format("{:.4g}ms", value / kMillisecond);
  if (duration < 1000 * kSecond)
    return fmt::format("{:.4g}s", value / kSecond);
  return fmt::format("{:.0f}s", value / kSecond);
}

std::string formatPercent(double ratio) {
  if (ratio == 0)
    return "0%";
  return fmt::format("{:.3g}%", ratio * 100);
}

ExpectationResult evaluate(const Expectation& expectation, const MetricsSnapshot& metrics,
                           const InvariantResults& invariants) {
  return evaluateOver(expectation, RunMeasurements{metrics, invariants}, nullptr);
}

std::vector<ExpectationResult> evaluateAll(const std::vector<Expectation>& expectations,
                                           const MetricsSnapshot& metrics,
                                           const InvariantResults& invariants) {
  std::vector<ExpectationResult> results;
  results.reserve(expectations.size());
  for (const Expectation& expectation : expectations)
    results.push_back(evaluate(expectation, metrics, invariants));
  return results;
}

ExpectationResult evaluate(const Expectation& expectation, const RunMeasurements& a,
                           const RunMeasurements& b) {
  return evaluateOver(expectation, a, &b);
}

std::vector<ExpectationResult> evaluateAll(const std::vector<Expectation>& expectations,
                                           const RunMeasurements& a, const RunMeasurements& b) {
  std::vector<ExpectationResult> results;
  results.reserve(expectations.size());
  for (const Expectation& expectation : expectations)
    results.push_back(evaluate(expectation, a, b));
  return results;
}

}  // namespace staylab::sim
