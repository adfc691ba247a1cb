#include "simulator/report/report_charts.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "simulator/report/report_format.h"

namespace staylab::sim {
namespace {

using report::humanFaultKind;

constexpr std::string_view kTotalColour = "#2b2b2b";
// Okabe & Ito's palette, without the yellow that vanishes on white.
constexpr std::string_view kSeriesColours[] = {"#0072B2", "#E69F00", "#009E73",
                                               "#CC79A7", "#56B4E9", "#D55E00"};
constexpr std::string_view kFaultColours[] = {"#E15759", "#8E6C8A", "#F28E2B",
                                              "#4E79A7", "#9C755F", "#59A14F"};
constexpr std::size_t kMaxSeries = 5;
// Run B over run A: grey and dashed, as the desktop app draws its comparison
// run (ui/charts_panel.cpp).
constexpr std::string_view kOverlayColour = "#212121";

// A value of one key over the intervals.
using PointValue = std::optional<double> (*)(const SeriesPoint&);

std::vector<ChartPoint> seriesOf(const TimeSeries& series, std::uint32_t key, PointValue value) {
  std::vector<ChartPoint> points;
  points.reserve(series.size());
  for (std::size_t index = 0; index < series.size(); ++index) {
    const IntervalSample& interval = series[index];
    ChartPoint point;
    point.start = toSeconds(interval.start);
    point.end = toSeconds(interval.end);
    if (const SeriesPoint* found = interval.find(key))
      point.value = value(*found);
    points.push_back(point);
  }
  return points;
}

// Which keys the request charts show, with their colours: the operations with
// the most completions, and the run's total when there is more than one.
struct ShownKey {
  std::uint32_t key = 0;
  std::string label;
  std::string colour;
  bool total = false;
  // The key itself, to find it in an overlaid run's series.
  std::string component;
  std::string operation;
};

std::vector<ShownKey> requestKeys(const MetricsSnapshot& metrics, std::size_t limit) {
  std::vector<const OperationTotals*> operations;
  for (const OperationTotals& totals : metrics.operations) {
    if (!totals.key.isTotal() && !totals.key.isComponent() && totals.count > 0)
      operations.push_back(&totals);
  }
  std::stable_sort(operations.begin(), operations.end(),
                   [](const OperationTotals* left, const OperationTotals* right) {
                     return left->count > right->count;
                   });
  std::vector<ShownKey> shown;
  if (operations.size() > 1) {
    if (const auto total = metrics.series.findKey(kAllComponents, kAllOperations))
      shown.push_back(ShownKey{*total, "all requests", std::string(kTotalColour), true,
                               std::string(kAllComponents), std::string(kAllOperations)});
  }
  for (std::size_t index = 0; index < operations.size() && index < limit; ++index) {
    const MetricKey& key = operations[index]->key;
    if (const auto found = metrics.series.findKey(key.component, key.operation))
      shown.push_back(ShownKey{*found, key.toString(), std::string(kSeriesColours[index]), false,
                               key.component, key.operation});
  }
  return shown;
}

// Which components a gauge chart shows: those with `has` true, the largest `peak` first.
template <typename Has, typename Peak>
std::vector<ShownKey> gaugeKeys(const MetricsSnapshot& metrics, Has has, Peak peak) {
  std::vector<const ComponentGauges*> components;
  for (const ComponentGauges& gauges : metrics.components) {
    if (has(gauges))
      components.push_back(&gauges);
  }
  std::stable_sort(components.begin(), components.end(),
                   [&](const ComponentGauges* left, const ComponentGauges* right) {
                     return peak(*left) > peak(*right);
                   });
  std::vector<ShownKey> shown;
  for (std::size_t index = 0; index < components.size() && index <= kMaxSeries; ++index) {
    if (const auto found = metrics.series.findKey(components[index]->component, kAllOperations))
      shown.push_back(ShownKey{*found, components[index]->component,
                               std::string(kSeriesColours[index]), false,
                               components[index]->component, std::string(kAllOperations)});
  }
  return shown;
}

struct Shading {
  std::vector<ChartShade> shades;
  std::vector<LegendEntry> legend;
};

// The fault windows of run A, and those of run B that A does not have.
Shading shadingOf(const MetricsSnapshot& metrics, const ChartOverlay* overlay) {
  Shading shading;
  std::vector<std::string> kinds;
  std::set<std::pair<std::string, std::string>> listed;
  std::vector<FaultWindow> windows = metrics.faults;
  const std::size_t run_a_windows = windows.size();
  if (overlay != nullptr) {
    for (const FaultWindow& fault : overlay->metrics.faults) {
      const bool in_a = std::any_of(
          metrics.faults.begin(), metrics.faults.end(), [&fault](const FaultWindow& other) {
            return other.kind == fault.kind && other.target == fault.target &&
                   other.start == fault.start && other.end == fault.end;
          });
      if (!in_a)
        windows.push_back(fault);
    }
  }
  for (std::size_t index = 0; index < windows.size(); ++index) {
    const FaultWindow& fault = windows[index];
    const std::string_view run = index < run_a_windows ? "" : "B only: ";
    auto kind = std::find(kinds.begin(), kinds.end(), fault.kind);
    if (kind == kinds.end())
      kind = kinds.insert(kinds.end(), fault.kind);
    const auto colour = std::string(
        kFaultColours[static_cast<std::size_t>(kind - kinds.begin()) % std::size(kFaultColours)]);
    shading.shades.push_back(ChartShade{toSeconds(fault.start), toSeconds(fault.end), colour});
    if (listed.emplace(std::string(run) + fault.kind, fault.target).second) {
      shading.legend.push_back(LegendEntry{
          fmt::format("{}{}: {}", run, humanFaultKind(fault.kind), fault.target), colour,
          fault.end > fault.start ? LegendSwatch::Area : LegendSwatch::DashedLine});
    }
  }
  return shading;
}

ChartSpec baseChart(std::string id, std::string title, std::string y_label,
                    const MetricsSnapshot& metrics, const Shading& shading,
                    std::string empty_message) {
  ChartSpec spec;
  spec.id = std::move(id);
  spec.title = std::move(title);
  spec.y_label = std::move(y_label);
  spec.x_end = toSeconds(metrics.now);
  spec.shades = shading.shades;
  spec.extra_legend = shading.legend;
  spec.empty_message = std::move(empty_message);
  return spec;
}

// `count` as a percentage of the interval's completions; none without any.
std::optional<double> percentOfCalls(std::uint64_t count, const SeriesPoint& point) {
  if (point.completions == 0)
    return std::nullopt;
  return static_cast<double>(count) / static_cast<double>(point.completions) * 100;
}

ChartSeries keyLine(const TimeSeries& series, const ShownKey& key, PointValue value) {
  ChartSeries line;
  line.label = key.label;
  line.colour = key.colour;
  line.width = key.total ? 2.4 : 1.8;
  line.points = seriesOf(series, key.key, value);
  return line;
}

// The series a chart draws from: run A's, and run B's over them when set.
struct ChartRuns {
  const TimeSeries& a;
  const ChartOverlay* b = nullptr;
};

// Adds run B's line of `key`, when B is drawn and has that key.
void addOverlayLine(ChartSpec& spec, const ChartRuns& runs, const ShownKey& key, PointValue value) {
  if (runs.b == nullptr)
    return;
  const TimeSeries& series = runs.b->metrics.series;
  const auto found = series.findKey(key.component, key.operation);
  if (!found)
    return;
  ChartSeries line;
  line.label = fmt::format("B: {}", key.label);
  line.colour = kOverlayColour;
  line.width = 1.3;
  line.style = LineStyle::Dashed;
  line.in_legend = false;
  line.points = seriesOf(series, *found, value);
  spec.series.push_back(std::move(line));
}

void addLines(ChartSpec& spec, const ChartRuns& runs, const std::vector<ShownKey>& keys,
              PointValue value) {
  for (const ShownKey& key : keys)
    spec.series.push_back(keyLine(runs.a, key, value));
  for (const ShownKey& key : keys)
    addOverlayLine(spec, runs, key, value);
}

// Two measures per key in the key's colour: `solid` (in the legend, by key)
// and `dashed`; the legend names what each line style shows.
void addPairedLines(ChartSpec& spec, const ChartRuns& runs, const std::vector<ShownKey>& keys,
                    std::string solid_name, PointValue solid, std::string dashed_name,
                    PointValue dashed) {
  for (const ShownKey& key : keys) {
    spec.series.push_back(keyLine(runs.a, key, solid));
    ChartSeries line = keyLine(runs.a, key, dashed);
    line.style = LineStyle::Dashed;
    line.width = 1.4;
    line.in_legend = false;
    spec.series.push_back(std::move(line));
  }
  for (const ShownKey& key : keys) {
    addOverlayLine(spec, runs, key, solid);
    addOverlayLine(spec, runs, key, dashed);
  }
  spec.extra_legend.insert(spec.extra_legend.begin(),
                           {LegendEntry{std::move(solid_name), "#666", LegendSwatch::Line},
                            LegendEntry{std::move(dashed_name), "#666", LegendSwatch::DashedLine}});
}

}  // namespace

std::vector<ChartSpec> runCharts(const MetricsSnapshot& metrics, const ChartOverlay* overlay) {
  const Shading shading = shadingOf(metrics, overlay);
  const ChartRuns series{metrics.series, overlay};
  const std::vector<ShownKey> requests = requestKeys(metrics, kMaxSeries);
  std::vector<ChartSpec> result;

  ChartSpec throughput = baseChart("throughput", "Throughput", "completions/s", metrics, shading,
                                   "No request completed in this run");
  addLines(throughput, series, requests,
           [](const SeriesPoint& point) -> std::optional<double> { return point.throughput; });
  result.push_back(std::move(throughput));

  ChartSpec latency =
      baseChart("latency", "Latency p50 / p99 (from intended start)", "latency (ms)", metrics,
                shading, "No request completed in this run");
  latency.y_scale = AxisScale::Log;
  const std::vector<ShownKey> shown(
      requests.begin(),
      requests.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(requests.size(), 4)));
  addPairedLines(
      latency, series, shown, "p99",
      [](const SeriesPoint& point) {
        return point.p99 ? std::optional<double>(static_cast<double>(*point.p99) / kMillisecond)
                         : std::nullopt;
      },
      "p50",
      [](const SeriesPoint& point) {
        return point.p50 ? std::optional<double>(static_cast<double>(*point.p50) / kMillisecond)
                         : std::nullopt;
      });
  result.push_back(std::move(latency));

  // Failures apart from the domain's refusals (a conflict, a missing
  // listing): a working system refuses too.
  ChartSpec errors =
      baseChart("errors", "Errors: failed and refused by the domain", "errors (% of completions)",
                metrics, shading, "No request completed in this run");
  errors.y_cap = 100;
  addPairedLines(
      errors, series, requests, "failed",
      [](const SeriesPoint& point) { return percentOfCalls(point.errors - point.refused, point); },
      "refused", [](const SeriesPoint& point) { return percentOfCalls(point.refused, point); });
  result.push_back(std::move(errors));

  ChartSpec utilisation = baseChart("utilisation", "Utilisation", "busy workers (%)", metrics,
                                    shading, "No worker pool reported in this run");
  utilisation.y_max = 100;
  addLines(utilisation, series,
           gaugeKeys(
               metrics, [](const ComponentGauges& gauges) { return gauges.workers.has_value(); },
               [](const ComponentGauges& gauges) { return gauges.workers->utilisation; }),
           [](const SeriesPoint& point) {
             return point.utilisation ? std::optional<double>(*point.utilisation * 100)
                                      : std::nullopt;
           });
  result.push_back(std::move(utilisation));

  ChartSpec queue = baseChart("queue", "Queue depth (time-weighted mean)", "requests waiting",
                              metrics, shading, "No queue reported in this run");
  addLines(queue, series,
           gaugeKeys(
               metrics, [](const ComponentGauges& gauges) { return gauges.queue.has_value(); },
               [](const ComponentGauges& gauges) { return gauges.queue->max; }),
           [](const SeriesPoint& point) { return point.queue_depth; });
  result.push_back(std::move(queue));

  // The state names on the axis say it all: no axis title.
  ChartSpec circuit = baseChart("circuit", "Circuit breaker state (most open per interval)", "",
                                metrics, shading, "No circuit breaker in this run");
  circuit.y_categories = {AxisCategory{0, "closed"}, AxisCategory{1, "half-open"},
                          AxisCategory{2, "open"}};
  addLines(
      circuit, series,
      gaugeKeys(
          metrics, [](const ComponentGauges& gauges) { return gauges.circuit.has_value(); },
          [](const ComponentGauges& gauges) { return static_cast<double>(gauges.circuit->opens); }),
      [](const SeriesPoint& point) {
        return point.circuit ? std::optional<double>(static_cast<int>(*point.circuit))
                             : std::nullopt;
      });
  for (ChartSeries& line : circuit.series)
    line.shape = LineShape::Steps;
  result.push_back(std::move(circuit));

  const auto lag_keys = gaugeKeys(
      metrics, [](const ComponentGauges& gauges) { return gauges.lag.has_value(); },
      [](const ComponentGauges& gauges) { return static_cast<double>(gauges.lag->max_events); });
  ChartSpec lag_events =
      baseChart("lag-events", "Consumer lag in events (max per interval)", "events behind", metrics,
                shading, "No consumer lag reported in this run");
  addLines(lag_events, series, lag_keys, [](const SeriesPoint& point) {
    return point.lag_events ? std::optional<double>(static_cast<double>(*point.lag_events))
                            : std::nullopt;
  });
  result.push_back(std::move(lag_events));

  ChartSpec lag_time = baseChart("lag-time", "Consumer lag in time (max per interval)",
                                 "age of oldest unconsumed event (s)", metrics, shading,
                                 "No consumer lag reported in this run");
  addLines(lag_time, series, lag_keys, [](const SeriesPoint& point) {
    return point.lag_time ? std::optional<double>(toSeconds(*point.lag_time)) : std::nullopt;
  });
  result.push_back(std::move(lag_time));
  if (overlay != nullptr) {
    for (ChartSpec& spec : result) {
      spec.x_end = std::max(spec.x_end, toSeconds(overlay->metrics.now));
      spec.extra_legend.push_back(LegendEntry{fmt::format("B: {}", overlay->label),
                                              std::string(kOverlayColour),
                                              LegendSwatch::DashedLine});
    }
  }
  return result;
}

}  // namespace staylab::sim
