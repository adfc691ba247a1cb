#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

// Expectations: the `expect:` lines of a scenario, such as
// `p99(gateway.book) < 300ms`, parsed into a small typed tree.
//
// Grammar (spaces allowed between tokens):
//   expectation := metric comparison value
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
//   name        := [a-z0-9][a-z0-9_-]*          (at most 64 characters)
//   comparison  := "<" | "<=" | "==" | "!=" | ">=" | ">"
//   value       := number | number "%" | duration | number "/" unit
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

  bool operator==(const MetricRef&) const = default;
};

// The value compared with: `number` holds Number, Ratio and Rate values,
// `duration` holds Duration values.
struct Quantity {
  QuantityKind kind = QuantityKind::Number;
  double number = 0;
  std::chrono::nanoseconds duration{0};

  bool operator==(const Quantity&) const = default;
};

struct Expectation {
  MetricRef metric;
  Comparison comparison = Comparison::Equal;
  Quantity threshold;

  bool operator==(const Expectation&) const = default;
};

// Where and why an expectation could not be parsed: `offset` is the byte
// offset into the text given to parseExpectation.
struct ExpectationSyntaxError {
  std::size_t offset = 0;
  std::string reason;
};

// Parses one expectation. Unknown metrics and functions, a value of the wrong
// kind for its metric, ratios outside 0..1, negative values and trailing
// text are errors.
[[nodiscard]] std::expected<Expectation, ExpectationSyntaxError> parseExpectation(
    std::string_view text);

// Returns the canonical text of an expectation, which parseExpectation reads
// back to an equal value: "p99(gateway.book) < 300ms".
std::string toString(const Expectation& expectation);
// Returns the metric's spelling; "" for MetricName::Measure, which is spelled
// by its measure.
std::string_view toString(MetricName name);
std::string_view toString(Comparison comparison);

// Returns true when `actual comparison threshold` holds.
bool compare(double actual, Comparison comparison, double threshold);

}  // namespace staylab::sim
