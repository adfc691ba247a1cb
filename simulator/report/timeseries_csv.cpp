// timeseries.csv: one row per interval per key (report_writer.h).

#include <algorithm>

#include <fmt/format.h>

#include "simulator/report/report_format.h"
#include "simulator/report/report_writer.h"

namespace staylab::sim {

using report::fixed;
using report::milliseconds;
using report::seconds;

std::string timeseriesCsv(const MetricsSnapshot& metrics) {
  // A column per measure the patterns counted in the run, after the fixed ones.
  std::vector<std::string> measures;
  for (const OperationTotals& totals : metrics.operations) {
    for (const auto& [name, count] : totals.measures) {
      if (std::find(measures.begin(), measures.end(), name) == measures.end())
        measures.push_back(name);
    }
  }
  std::sort(measures.begin(), measures.end());
  std::string csv =
      "interval_start_s,interval_end_s,component,operation,completions,errors,refused,"
      "throughput_per_s,"
      "error_rate,p50_ms,p99_ms,max_ms,queue_depth,queue_depth_max,utilisation,circuit,"
      "lag_events,lag_s";
  for (const std::string& name : measures)
    csv += "," + name;
  csv += "\n";
  const TimeSeries& series = metrics.series;
  const auto optionalMs = [](const std::optional<Nanos>& value) {
    return value ? milliseconds(*value) : std::string();
  };
  const auto optionalFixed = [](const std::optional<double>& value, int decimals) {
    return value ? fixed(*value, decimals) : std::string();
  };
  for (std::size_t index = 0; index < series.size(); ++index) {
    const IntervalSample& interval = series[index];
    const std::string start = seconds(interval.start);
    const std::string end = seconds(interval.end);
    for (const SeriesPoint& point : interval.points) {
      const MetricKey& key = series.keys()[point.key];
      // Names are [a-z0-9_-] and "*": nothing to quote.
      csv += fmt::format(
          "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", start, end, key.component,
          key.operation, point.completions, point.errors, point.refused, fixed(point.throughput, 3),
          optionalFixed(point.error_rate, 6), optionalMs(point.p50), optionalMs(point.p99),
          optionalMs(point.max), optionalFixed(point.queue_depth, 3),
          optionalFixed(point.queue_depth_max, 3), optionalFixed(point.utilisation, 6),
          point.circuit ? std::string(toString(*point.circuit)) : std::string(),
          point.lag_events ? fmt::format("{}", *point.lag_events) : std::string(),
          point.lag_time ? seconds(*point.lag_time) : std::string());
      for (const std::string& name : measures) {
        auto counted = point.measures.find(name);
        csv += fmt::format(",{}", counted == point.measures.end() ? 0 : counted->second);
      }
      csv += "\n";
    }
  }
  return csv;
}

}  // namespace staylab::sim
