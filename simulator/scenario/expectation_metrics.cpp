#include "simulator/scenario/expectation_metrics.h"

#include <array>

#include "simulator/patterns/registry.h"

namespace staylab::sim {
namespace {

constexpr std::array<MetricInfo, 17> kMetrics = {{
    {MetricName::DoubleBookings, "double_bookings", false, false, MetricShape::Counter},
    {MetricName::LostAcknowledged, "lost_acknowledged", false, false, MetricShape::Counter},
    {MetricName::UndeliveredEvents, "undelivered_events", false, false, MetricShape::Counter},
    {MetricName::ReadModelMismatches, "read_model_mismatches", false, false, MetricShape::Counter},
    {MetricName::ConvergenceTime, "convergence_time", false, false, MetricShape::Latency},
    {MetricName::P50, "p50", true, false, MetricShape::Latency},
    {MetricName::P90, "p90", true, false, MetricShape::Latency},
    {MetricName::P99, "p99", true, false, MetricShape::Latency},
    {MetricName::P999, "p999", true, false, MetricShape::Latency},
    {MetricName::Max, "max", true, false, MetricShape::Latency},
    {MetricName::Mean, "mean", true, false, MetricShape::Latency},
    {MetricName::ErrorRate, "error_rate", true, false, MetricShape::Ratio},
    {MetricName::Count, "count", true, false, MetricShape::Counter},
    {MetricName::Throughput, "throughput", true, false, MetricShape::Rate},
    {MetricName::MaxLag, "max_lag", true, true, MetricShape::Lag},
    {MetricName::Utilisation, "utilisation", true, true, MetricShape::Ratio},
    {MetricName::Measure, "", false, false, MetricShape::Counter},
}};

constexpr std::array<std::string_view, 5> kGlobalSpellings = {
    "double_bookings", "lost_acknowledged", "undelivered_events", "read_model_mismatches",
    "convergence_time"};
constexpr std::array<std::string_view, 11> kFunctionSpellings = {
    "p50",        "p90",   "p99",        "p999",    "max",        "mean",
    "error_rate", "count", "throughput", "max_lag", "utilisation"};

}  // namespace

const MetricInfo* findMetric(std::string_view spelling) {
  for (const MetricInfo& info : kMetrics) {
    if (!info.spelling.empty() && info.spelling == spelling)
      return &info;
  }
  return nullptr;
}

const MetricInfo& infoOf(MetricName name) {
  return kMetrics[static_cast<std::size_t>(name)];
}

std::optional<MeasureInfo> measureInfo(std::string_view spelling) {
  const auto found = findMeasure(spelling);
  if (!found)
    return std::nullopt;
  MeasureInfo info;
  if (found->ratio) {
    info.shape = MetricShape::Ratio;
    info.subject_allowed = info.subject_required = true;
  } else {
    info.subject_allowed = found->measure->scope == MeasureScope::Operation;
  }
  return info;
}

MetricShape shapeOf(const MetricRef& metric) {
  if (metric.name != MetricName::Measure)
    return infoOf(metric.name).shape;
  const auto measure = measureInfo(metric.measure);
  return measure ? measure->shape : MetricShape::Counter;
}

std::vector<std::string_view> allSpellings() {
  std::vector<std::string_view> names;
  for (const MetricInfo& info : kMetrics) {
    if (!info.spelling.empty())
      names.push_back(info.spelling);
  }
  for (std::string_view measure : measureNames())
    names.push_back(measure);
  return names;
}

std::vector<std::string_view> functionSpellings() {
  std::vector<std::string_view> functions(kFunctionSpellings.begin(), kFunctionSpellings.end());
  for (std::string_view measure : measureNames()) {
    if (measureInfo(measure)->subject_allowed)
      functions.push_back(measure);
  }
  return functions;
}

std::vector<std::string_view> globalSpellings() {
  std::vector<std::string_view> globals(kGlobalSpellings.begin(), kGlobalSpellings.end());
  for (std::string_view measure : measureNames()) {
    if (!measureInfo(measure)->subject_required)
      globals.push_back(measure);
  }
  return globals;
}

QuantityKind comparedKind(const MetricRef& metric) {
  switch (shapeOf(metric)) {
    case MetricShape::Counter:
      return QuantityKind::Number;
    case MetricShape::Latency:
    case MetricShape::Lag:
      return QuantityKind::Duration;
    case MetricShape::Ratio:
      return QuantityKind::Ratio;
    case MetricShape::Rate:
      return QuantityKind::Rate;
  }
  return QuantityKind::Number;
}

}  // namespace staylab::sim
