#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Expectations: the `expect:` lines of a scenario, such as
// `p99(gateway.book) < 300ms`, parsed into a small typed tree.
//
// Grammar (spaces allowed between tokens):
//   expectation := side comparison ( value | side )
//   side        := [ scale "*" ] [ run "." ] metric
//   run         := "A" | "B"     (A: the scenario as written; B: its compare:)
//   scale       := a positive number, at most 1e6: 3, 0.5, 1e3
//   metric      := global | function "(" subject ")"
//   global      := double_bookings | lost_acknowledged | undelivered_events
//                | read_model_mismatches | convergence_time | measure
//   function    := p50 | p90 | p99 | p999 | max | mean | error_rate | count
//                | throughput | max_lag | utilisation | measure | ratio
//   measure     := what a registered pattern measures (registry.h), such as
//                  stale_reads: a run's total without a subject; one
//                  measured per operation also takes a subject
//   ratio       := an operation measure's share of the subject's
//                  completions, such as stale_read_ratio(gateway.search)
//   subject     := name [ "." name ]           (component or component.operation)
//                | "time_to_outcome(" name "." name ")"   (latencies only: the time from
//                  a request's intended start to its outcome, which a request
//                  accepted for later (load leveling) learns by polling; for a
//                  request answered with its outcome, its latency)
//   name        := [a-z0-9][a-z0-9_-]*          (at most 64 characters)
//   comparison  := "<" | "<=" | "==" | "!=" | ">=" | ">"
//   value       := number | number "%" | duration | number "/" unit
//
// A metric without a run reads run A, so `p99(x) < 1s` means the same in a
// scenario with or without `compare:`. Run B exists only in a scenario with
// `compare:`; the scenario parser refuses a `B.` elsewhere.
//
// Each metric takes one kind of value:
//   latencies (p50..mean), convergence_time        a duration: 300ms, 1.5s
//   error_rate, utilisation                        a ratio: 0.05 or 5%
//   count, the global counters, the measures       a whole number
//   the measures' ratios                           a ratio
//   throughput                                     a rate: 100/s
//   max_lag                                        a duration (lag in time) or
//                                                  a whole number (lag in events)
// max_lag and utilisation take a component only, not an operation.
//
// Two metrics compared with each other (`B.p99(x) > 3 * A.p99(x)`) must be of
// the same kind; max_lag is then its lag in time. Each side may be scaled by
// a positive number; a side compared with a value is never scaled (scale the
// value instead).
namespace staylab::sim {

enum class MetricName {
  DoubleBookings,
  LostAcknowledged,
  UndeliveredEvents,
  ReadModelMismatches,
  ConvergenceTime,
  P50,
  P90,
  P99,
  P999,
  Max,
  Mean,
  ErrorRate,
  Count,
  Throughput,
  MaxLag,
  Utilisation,
  Measure,  // A pattern's measure or its ratio, named by MetricRef::measure.
};

enum class Comparison { Less, LessOrEqual, Equal, NotEqual, GreaterOrEqual, Greater };

enum class QuantityKind {
  Number,    // A whole number of things (bookings, events, requests).
  Duration,  // Virtual time.
  Ratio,     // 0..1 (a percentage is stored divided by 100).
  Rate,      // Per second.
};

// The metric an expectation reads. component and operation are empty for the
// global metrics; operation is empty when the function reads a whole component.
struct MetricRef {
  MetricName name = MetricName::DoubleBookings;
  std::string component;
  std::string operation;
  std::string measure;  // For MetricName::Measure: "stale_reads", "stale_read_ratio".
  // For a latency (p50..mean) of an operation: the time to its outcome
  // rather than to its answer, written p99(time_to_outcome(gateway.book)).
  bool time_to_outcome = false;

  bool operator==(const MetricRef&) const = default;
};

// The runs of a scenario with `compare:`: A, the scenario as written, and B,
// the scenario with compare's overrides (scenario.h ComparisonSpec).
enum class RunId { A, B };
// Returns "A" or "B".
std::string_view toString(RunId run);

// A metric of one run, scaled: the right-hand side of a comparison of two
// metrics, `3 * A.p99(gateway.search)`.
struct MetricOperand {
  std::optional<RunId> run;  // As written; empty reads run A.
  double scale = 1;          // Positive; 1 when the text gives none.
  MetricRef metric;

  RunId runOrA() const { return run.value_or(RunId::A); }
  bool operator==(const MetricOperand&) const = default;
};

// The value compared with: `number` holds Number, Ratio and Rate values,
// `duration` holds Duration values.
struct Quantity {
  QuantityKind kind = QuantityKind::Number;
  double number = 0;
  std::chrono::nanoseconds duration{0};

  bool operator==(const Quantity&) const = default;
};

// `metric comparison threshold`, or `metric comparison against` when the
// right-hand side is a metric too. The left-hand side's run and scale are
// `run` and `scale`; `scale` stays 1 with a threshold.
struct Expectation {
  MetricRef metric;
  Comparison comparison = Comparison::Equal;
  Quantity threshold;        // Zero and unused when `against` is set.
  std::optional<RunId> run;  // As written; empty reads run A.
  double scale = 1;
  std::optional<MetricOperand> against;

  RunId runOrA() const { return run.value_or(RunId::A); }
  // Returns true when a side of it reads run `run`.
  bool reads(RunId run) const;
  // The metrics it reads from run `run`, left-hand side first.
  std::vector<const MetricRef*> metricsOf(RunId run) const;
  bool operator==(const Expectation&) const = default;
};

// Which runs an expectation may name: a scenario without `compare:` has run
// A only.
enum class ExpectationRuns { AOnly, AAndB };

// Where and why an expectation could not be parsed: `offset` is the byte
// offset into the text given to parseExpectation.
struct ExpectationSyntaxError {
  std::size_t offset = 0;
  std::string reason;
};

// Parses one expectation. Unknown metrics and functions, a value of the wrong
// kind for its metric, ratios outside 0..1, negative values, trailing text,
// a run other than A and B (or B with ExpectationRuns::AOnly), two metrics
// of different kinds, and a scale that is not a positive number up to 1e6
// are errors.
[[nodiscard]] std::expected<Expectation, ExpectationSyntaxError> parseExpectation(
    std::string_view text, ExpectationRuns runs = ExpectationRuns::AOnly);

// Returns the canonical text of an expectation, which parseExpectation reads
// back to an equal value: "p99(gateway.book) < 300ms",
// "B.p99(gateway.search) > 3 * A.p99(gateway.search)".
std::string toString(const Expectation& expectation);
// Returns the metric's spelling; "" for MetricName::Measure, which is spelled
// by its measure.
std::string_view toString(MetricName name);
std::string_view toString(Comparison comparison);
// Returns the canonical text of one side: "3 * A.p99(gateway.search)".
std::string toString(const MetricOperand& operand);

// Returns the kind of value `metric` reads when it is compared with another
// metric: max_lag reads its lag in time.
QuantityKind comparedKind(const MetricRef& metric);

// Returns true when `actual comparison threshold` holds.
bool compare(double actual, Comparison comparison, double threshold);

}  // namespace staylab::sim
