#pragma once

// The metrics an expectation may name (expectation.h): their spellings,
// whether they take a subject, and the kind of value each reads. Internal
// to simulator/scenario.
//
// Thread safety: the tables are immutable; the measures come from the
// pattern registry, which is too.

#include <optional>
#include <string_view>
#include <vector>

#include "simulator/scenario/expectation.h"

namespace staylab::sim {

// What a metric reads and compares against.
enum class MetricShape {
  Counter,  // A whole number: double_bookings, count(x).
  Latency,  // A duration: p99(x), convergence_time.
  Ratio,    // 0..1: error_rate(x), utilisation(x).
  Rate,     // Per second: throughput(x).
  Lag,      // A duration or a whole number of events: max_lag(x).
};

struct MetricInfo {
  MetricName name;
  std::string_view spelling;  // Empty for MetricName::Measure.
  bool takes_subject;
  bool component_only;
  MetricShape shape;
};

// The shape of a measure that registered patterns declare, as an
// expectation names it.
struct MeasureInfo {
  MetricShape shape = MetricShape::Counter;
  bool subject_allowed = false;
  bool subject_required = false;
};

// Returns the metric spelled `spelling`, or null (a measure is not one).
const MetricInfo* findMetric(std::string_view spelling);
// Returns the metric `name`; for MetricName::Measure, a counter without a
// subject (measureInfo says more).
const MetricInfo& infoOf(MetricName name);
// Returns what a registered pattern measures under `spelling`; nothing for
// a name no pattern measures.
std::optional<MeasureInfo> measureInfo(std::string_view spelling);
// Returns the shape of the metric `metric` names.
MetricShape shapeOf(const MetricRef& metric);

// Every name an expectation may start with, for suggestions.
std::vector<std::string_view> allSpellings();
// The metrics that take a subject, and those that need none, for messages.
std::vector<std::string_view> functionSpellings();
std::vector<std::string_view> globalSpellings();

}  // namespace staylab::sim
