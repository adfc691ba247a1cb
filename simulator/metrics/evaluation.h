#pragma once

// Evaluation of a scenario's `expect:` lines (simulator/scenario/expectation.h)
// against the metrics of a run and the platform's invariant checks.
//
// What each metric reads (subject "c.op" is an operation, "c" a component's
// aggregate of its operations, MetricKey (c, "*")):
//   p50 p90 p99 p999 max mean   latency from the intended start, nanoseconds;
//                               not available without a completed request
//   error_rate                  errors / completions; not available without one
//   count                       completions (successes and errors); 0 when the
//                               key never recorded anything
//   throughput                  completions / MetricsSnapshot::now in seconds
//   utilisation                 busy worker-time / worker-time over the run
//   max_lag                     largest consumer lag in time (duration
//                               threshold) or in events (number threshold)
//   the globals                 InvariantResults
// A metric that is not available fails its expectation, whatever the
// comparison: `p99(x) < 300ms` must not pass because nothing completed.
//
// An expectation may compare two metrics, of one run or of a comparison's
// runs A and B (`B.p99(x) > 3 * A.p99(x)`): each side's value, times its
// scale, is compared with the other's. A run evaluated alone is run A; a
// metric of run B is then not available.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "simulator/kernel/simulation.h"
#include "simulator/metrics/metrics.h"
#include "simulator/scenario/expectation.h"

namespace staylab::sim {

// The platform's invariants (DESIGN.md section 2) as checked after a run.
struct InvariantResults {
  std::uint64_t double_bookings = 0;        // Nights booked twice.
  std::uint64_t lost_acknowledged = 0;      // Accepted commands whose effect is missing.
  std::uint64_t undelivered_events = 0;     // Committed changes whose event is not in the log.
  std::uint64_t read_model_mismatches = 0;  // Read-model entries that differ from a rebuild.
  // Virtual time from the end of the load until every read model equalled a
  // rebuild from the log; empty when they never converged during the run.
  std::optional<Nanos> convergence_time_ns = Nanos{0};
  // The patterns' measures of the whole run (MeasureScope::Run) the
  // platform counted, by name; a measure the platform does not count is
  // absent.
  MeasureCounts measures;
};

// What one run measured, as expectations read it.
struct RunMeasurements {
  const MetricsSnapshot& metrics;
  const InvariantResults& invariants;
};

struct ExpectationResult {
  Expectation expectation;
  bool passed = false;
  // The value the left-hand side read (unscaled), in the threshold's unit,
  // or in the unit of its kind (comparedKind) against another metric: a
  // whole number, nanoseconds, a ratio 0..1 or a rate per second. Empty
  // when it is not available.
  std::optional<double> actual;
  std::string actual_text;  // "212.4ms", "1.25%", "103.5/s", "3"; "n/a" when not available.
  // Against another metric: the value that one read (unscaled), as `actual`.
  std::optional<double> against;
  std::string against_text;
  // A sentence for people: "p99(gateway.book) < 300ms: actual 212.4ms"; in a
  // comparison each value named by its run, "B.p99(gateway.search) > 3 *
  // A.p99(gateway.search): B 45ms, A 9ms"; when a value is not available,
  // why (and in which run).
  std::string text;
};

// Returns whether `expectation` holds for the run, as run A.
ExpectationResult evaluate(const Expectation& expectation, const MetricsSnapshot& metrics,
                           const InvariantResults& invariants);
std::vector<ExpectationResult> evaluateAll(const std::vector<Expectation>& expectations,
                                           const MetricsSnapshot& metrics,
                                           const InvariantResults& invariants);

// Returns whether `expectation` holds over a comparison's runs, each metric
// read from the run it names (A when it names none).
ExpectationResult evaluate(const Expectation& expectation, const RunMeasurements& a,
                           const RunMeasurements& b);
std::vector<ExpectationResult> evaluateAll(const std::vector<Expectation>& expectations,
                                           const RunMeasurements& a, const RunMeasurements& b);

// Returns a duration for people, 4 significant digits in a fitting unit:
// "850ns", "12.5us", "212.4ms", "5.1s".
std::string formatLatency(Nanos duration);
// Returns a ratio as a percentage: "1.25%", "0%".
std::string formatPercent(double ratio);

}  // namespace staylab::sim
