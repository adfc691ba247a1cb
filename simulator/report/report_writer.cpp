#include "simulator/report/report_writer.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "simulator/patterns/registry.h"
#include "simulator/report/svg_chart.h"

namespace staylab::sim {

namespace {

constexpr int kSummarySchema = 1;

// --- Numbers ---------------------------------------------------------------

// Returns value / scale (scale a power of ten) as an exact decimal with no
// trailing zeros: exactDecimal(1500000000, 1e9) == "1.5".
std::string exactDecimal(std::int64_t value, std::int64_t scale) {
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? static_cast<std::uint64_t>(-(value + 1)) + 1 : static_cast<std::uint64_t>(value);
  const auto unsigned_scale = static_cast<std::uint64_t>(scale);
  std::string text = fmt::format("{}{}", negative ? "-" : "", magnitude / unsigned_scale);
  std::uint64_t fraction = magnitude % unsigned_scale;
  if (fraction == 0)
    return text;
  int digits = 0;
  for (std::uint64_t rest = unsigned_scale; rest > 1; rest /= 10)
    ++digits;
  std::string decimals = fmt::format("{:0{}}", fraction, digits);
  while (!decimals.empty() && decimals.back() == '0')
    decimals.pop_back();
  return text + "." + decimals;
}

std::string seconds(Nanos duration) {
  return exactDecimal(duration, kSecond);
}

std::string milliseconds(Nanos duration) {
  return exactDecimal(duration, kMillisecond);
}

std::string fixed(double value, int decimals) {
  if (!std::isfinite(value))
    return "";
  const std::string text = fmt::format("{:.{}f}", value, decimals);
  // "-0.000" and "0.000" are the same number; write it one way.
  if (text.find_first_not_of("-0.") == std::string::npos)
    return fmt::format("{:.{}f}", 0.0, decimals);
  return text;
}

// --- summary.json ----------------------------------------------------------

// Writes `value` with sorted keys (nlohmann's default object is a std::map),
// two-space indentation and floats with exactly 6 decimals.
void dumpJson(const nlohmann::json& value, std::string& out, int indent) {
  const std::string inner(static_cast<std::size_t>(indent + 2), ' ');
  const std::string outer(static_cast<std::size_t>(indent), ' ');
  switch (value.type()) {
    case nlohmann::json::value_t::object: {
      if (value.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first)
          out += ",\n";
        first = false;
        out += inner + nlohmann::json(key).dump() + ": ";
        dumpJson(item, out, indent + 2);
      }
      out += "\n" + outer + "}";
      return;
    }
    case nlohmann::json::value_t::array: {
      if (value.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& item : value) {
        if (!first)
          out += ",\n";
        first = false;
        out += inner;
        dumpJson(item, out, indent + 2);
      }
      out += "\n" + outer + "]";
      return;
    }
    case nlohmann::json::value_t::number_float: {
      const double number = value.get<double>();
      out += std::isfinite(number) ? fixed(number, 6) : "null";
      return;
    }
    default:
      out += value.dump();
      return;
  }
}

nlohmann::json latencyJson(const LatencySummary& latency) {
  return {{"count", latency.count}, {"min_ns", latency.min},
          {"p50_ns", latency.p50},  {"p90_ns", latency.p90},
          {"p99_ns", latency.p99},  {"p999_ns", latency.p999},
          {"max_ns", latency.max},  {"mean_ns", std::llround(latency.mean)}};
}

nlohmann::json expectationJson(const ExpectationResult& result) {
  nlohmann::json entry = {{"expectation", toString(result.expectation)},
                          {"passed", result.passed},
                          {"actual_text", result.actual_text},
                          {"text", result.text}};
  if (!result.actual) {
    entry["actual"] = nullptr;
  } else {
    switch (result.expectation.threshold.kind) {
      case QuantityKind::Number:
      case QuantityKind::Duration:
        entry["actual"] = std::llround(*result.actual);
        break;
      case QuantityKind::Ratio:
      case QuantityKind::Rate:
        entry["actual"] = *result.actual;
        break;
    }
  }
  return entry;
}

// --- report.html ---------------------------------------------------------------

constexpr std::string_view kTotalColour = "#2b2b2b";
// Okabe & Ito's palette, without the yellow that vanishes on white.
constexpr std::string_view kSeriesColours[] = {"#0072B2", "#E69F00", "#009E73",
                                               "#CC79A7", "#56B4E9", "#D55E00"};
constexpr std::string_view kFaultColours[] = {"#E15759", "#8E6C8A", "#F28E2B",
                                              "#4E79A7", "#9C755F", "#59A14F"};
constexpr std::size_t kMaxSeries = 5;

std::string humanFaultKind(std::string_view kind) {
  std::string text(kind);
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

std::string humanKey(const MetricKey& key) {
  return key.isTotal() ? "all requests" : key.toString();
}

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
      shown.push_back(ShownKey{*total, "all requests", std::string(kTotalColour), true});
  }
  for (std::size_t index = 0; index < operations.size() && index < limit; ++index) {
    const MetricKey& key = operations[index]->key;
    if (const auto found = metrics.series.findKey(key.component, key.operation))
      shown.push_back(ShownKey{*found, key.toString(), std::string(kSeriesColours[index]), false});
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
                               std::string(kSeriesColours[index]), false});
  }
  return shown;
}

struct Shading {
  std::vector<ChartShade> shades;
  std::vector<LegendEntry> legend;
};

Shading shadingOf(const MetricsSnapshot& metrics) {
  Shading shading;
  std::vector<std::string> kinds;
  std::set<std::pair<std::string, std::string>> listed;
  for (const FaultWindow& fault : metrics.faults) {
    auto kind = std::find(kinds.begin(), kinds.end(), fault.kind);
    if (kind == kinds.end())
      kind = kinds.insert(kinds.end(), fault.kind);
    const auto colour = std::string(
        kFaultColours[static_cast<std::size_t>(kind - kinds.begin()) % std::size(kFaultColours)]);
    shading.shades.push_back(ChartShade{toSeconds(fault.start), toSeconds(fault.end), colour});
    if (listed.emplace(fault.kind, fault.target).second) {
      shading.legend.push_back(
          LegendEntry{fmt::format("{}: {}", humanFaultKind(fault.kind), fault.target), colour,
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

void addLines(ChartSpec& spec, const TimeSeries& series, const std::vector<ShownKey>& keys,
              PointValue value) {
  for (const ShownKey& key : keys)
    spec.series.push_back(keyLine(series, key, value));
}

// Two measures per key in the key's colour: `solid` (in the legend, by key)
// and `dashed`; the legend names what each line style shows.
void addPairedLines(ChartSpec& spec, const TimeSeries& series, const std::vector<ShownKey>& keys,
                    std::string solid_name, PointValue solid, std::string dashed_name,
                    PointValue dashed) {
  for (const ShownKey& key : keys) {
    spec.series.push_back(keyLine(series, key, solid));
    ChartSeries line = keyLine(series, key, dashed);
    line.style = LineStyle::Dashed;
    line.width = 1.4;
    line.in_legend = false;
    spec.series.push_back(std::move(line));
  }
  spec.extra_legend.insert(spec.extra_legend.begin(),
                           {LegendEntry{std::move(solid_name), "#666", LegendSwatch::Line},
                            LegendEntry{std::move(dashed_name), "#666", LegendSwatch::DashedLine}});
}

std::vector<ChartSpec> charts(const MetricsSnapshot& metrics) {
  const Shading shading = shadingOf(metrics);
  const TimeSeries& series = metrics.series;
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
  return result;
}

std::string pill(bool good, std::string_view text) {
  return fmt::format("<span class=\"pill {}\">{}</span>", good ? "pass" : "fail", escapeHtml(text));
}

constexpr std::string_view kStyle = R"(
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1f2328;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 24px 28px 40px; }
header { background: #fff; border: 1px solid #e1e4e8; border-radius: 10px; padding: 20px 24px; }
h1 { margin: 0 0 4px; font-size: 24px; }
h1 .kind { color: #6a737d; font-weight: 400; font-size: 15px; margin-right: 8px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
.description { margin: 6px 0 12px; color: #333; max-width: 80ch; }
.meta { display: flex; flex-wrap: wrap; gap: 6px 22px; color: #57606a; font-size: 13px; }
.meta b { color: #1f2328; font-weight: 600; }
.verdict { display: inline-block; margin-top: 14px; padding: 6px 14px; border-radius: 6px;
  font-weight: 700; letter-spacing: .02em; }
.verdict.pass { background: #dafbe1; color: #116329; border: 1px solid #a6e3b5; }
.verdict.fail { background: #ffebe9; color: #a40e26; border: 1px solid #ffb3ad; }
.verdict.none { background: #eef1f4; color: #57606a; border: 1px solid #d0d7de; }
.card { background: #fff; border: 1px solid #e1e4e8; border-radius: 10px; overflow: hidden; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 7px 12px; text-align: left; border-bottom: 1px solid #eaecef; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; color: #444; }
tr:last-child td { border-bottom: none; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.aggregate td { background: #fafbfc; font-weight: 600; }
tr.total td { background: #f1f3f5; font-weight: 700; }
code { font: 12.5px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.pill { display: inline-block; min-width: 52px; text-align: center; padding: 1px 8px;
  border-radius: 10px; font-size: 12px; font-weight: 700; }
.pill.pass { background: #dafbe1; color: #116329; }
.pill.fail { background: #ffebe9; color: #a40e26; }
.muted { color: #6a737d; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid #e1e4e8; border-radius: 10px;
  padding: 8px 8px 4px; }
figure.chart svg { display: block; width: 100%; height: auto; }
.legend-note { color: #57606a; font-size: 12.5px; margin: 6px 0 0; }
footer { margin-top: 28px; color: #6a737d; font-size: 12px; }
)";

void appendExpectations(std::string& html, const RunReport& report) {
  html += "<h2>Expectations</h2>";
  if (report.expectations.empty()) {
    html += "<p class=\"muted\">The scenario states no expectations.</p>";
    return;
  }
  html +=
      "<div class=\"card\"><table><thead><tr><th>#</th><th>Expectation</th>"
      "<th class=\"num\">Actual</th><th>Result</th><th>Detail</th></tr></thead><tbody>";
  std::size_t number = 0;
  for (const ExpectationResult& result : report.expectations) {
    ++number;
    html += fmt::format(
        "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td class=\"num\">{}</td>"
        "<td>{}</td><td>{}</td></tr>",
        number, escapeHtml(toString(result.expectation)), escapeHtml(result.actual_text),
        pill(result.passed, result.passed ? "PASS" : "FAIL"),
        result.actual ? "" : escapeHtml(result.text));
  }
  html += "</tbody></table></div>";
}

void appendInvariants(std::string& html, const InvariantResults& invariants) {
  html +=
      "<h2>Invariants</h2><div class=\"card\"><table><thead><tr><th>Invariant</th>"
      "<th class=\"num\">Value</th><th>Status</th></tr></thead><tbody>";
  const auto row = [&html](std::string_view name, std::string_view meaning, std::uint64_t value) {
    html += fmt::format(
        "<tr><td><code>{}</code> <span class=\"muted\">{}</span></td><td class=\"num\">{}</td>"
        "<td>{}</td></tr>",
        name, meaning, value, pill(value == 0, value == 0 ? "OK" : "VIOLATED"));
  };
  row("double_bookings", "nights booked twice", invariants.double_bookings);
  row("lost_acknowledged", "accepted commands whose effect is missing",
      invariants.lost_acknowledged);
  row("undelivered_events", "committed changes missing from the log",
      invariants.undelivered_events);
  row("read_model_mismatches", "read-model entries differing from a rebuild",
      invariants.read_model_mismatches);
  for (const auto& [name, value] : invariants.measures) {
    const auto measure = findMeasure(name);
    html += fmt::format(
        "<tr><td><code>{}</code> <span class=\"muted\">{}</span></td><td class=\"num\">{}</td>"
        "<td>{}</td></tr>",
        escapeHtml(name), measure ? escapeHtml(measure->measure->description) : "", value,
        pill(value == 0, value == 0 ? "NONE" : "MEASURED"));
  }
  html += fmt::format(
      "<tr><td><code>convergence_time</code> <span class=\"muted\">consumers caught up after "
      "the load and the last fault</span></td><td class=\"num\">{}</td><td>{}</td></tr>",
      invariants.convergence_time_ns ? escapeHtml(formatLatency(*invariants.convergence_time_ns))
                                     : "never",
      pill(invariants.convergence_time_ns.has_value(),
           invariants.convergence_time_ns ? "CONVERGED" : "NOT CONVERGED"));
  html += "</tbody></table></div>";
}

void appendWaits(std::string& html, const std::vector<WaitStatistics>& waits) {
  if (waits.empty())
    return;
  html +=
      "<h2>Queue waits</h2><div class=\"card\"><table><thead><tr><th>Component</th>"
      "<th class=\"num\">Requests</th><th class=\"num\">Mean wait</th>"
      "<th class=\"num\">Steady-state mean, 95% interval (batch means)</th></tr></thead><tbody>";
  for (const WaitStatistics& wait : waits) {
    const std::string interval = wait.interval
                                     ? fmt::format("{:.4f} s [{:.4f}, {:.4f}]", wait.interval->mean,
                                                   wait.interval->lower(), wait.interval->upper())
                                     : std::string("n/a (too few requests)");
    html += fmt::format(
        "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{:.4f} s</td>"
        "<td class=\"num\">{}</td></tr>",
        escapeHtml(wait.component), wait.count, wait.mean_seconds, escapeHtml(interval));
  }
  html += "</tbody></table></div>";
}

void appendFaultEffects(std::string& html, const std::map<std::string, std::uint64_t>& effects) {
  if (effects.empty())
    return;
  html +=
      "<div class=\"card\"><table><thead><tr><th>What the faults did</th>"
      "<th class=\"num\">Count</th></tr></thead><tbody>";
  for (const auto& [name, count] : effects) {
    html += fmt::format("<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                        escapeHtml(name), count);
  }
  html += "</tbody></table></div>";
}

void appendFaults(std::string& html, const MetricsSnapshot& metrics) {
  html += "<h2>Faults</h2>";
  if (metrics.faults.empty()) {
    html += "<p class=\"muted\">No fault was injected.</p>";
    return;
  }
  html +=
      "<div class=\"card\"><table><thead><tr><th>Fault</th><th>Target</th>"
      "<th class=\"num\">Start</th><th class=\"num\">End</th><th class=\"num\">Length</th>"
      "</tr></thead><tbody>";
  for (const FaultWindow& fault : metrics.faults) {
    html += fmt::format(
        "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}s</td><td class=\"num\">{}"
        "</td><td class=\"num\">{}</td></tr>",
        escapeHtml(humanFaultKind(fault.kind)), escapeHtml(fault.target), seconds(fault.start),
        fault.end > fault.start ? seconds(fault.end) + "s" : "&mdash;",
        fault.end > fault.start ? escapeHtml(formatLatency(fault.end - fault.start)) : "one-off");
  }
  html += "</tbody></table></div>";
}

void appendSwitches(std::string& html, const MetricsSnapshot& metrics) {
  if (metrics.switches.empty())
    return;
  html +=
      "<h2>Patterns switched during the run</h2><div class=\"card\"><table><thead><tr>"
      "<th>Pattern</th><th>Switched</th><th class=\"num\">At</th></tr></thead><tbody>";
  for (const PatternSwitch& change : metrics.switches) {
    html += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}s</td></tr>",
                        escapeHtml(change.pattern), change.on ? "on" : "off", seconds(change.at));
  }
  html += "</tbody></table></div>";
}

std::string errorKinds(const OperationTotals& totals) {
  std::string text;
  for (const auto& [kind, count] : totals.errors_by_kind) {
    if (!text.empty())
      text += ", ";
    text += fmt::format("{} {}", toString(kind), count);
  }
  return text;
}

void appendOperations(std::string& html, const MetricsSnapshot& metrics) {
  html +=
      "<h2>Requests</h2><div class=\"card\"><table><thead><tr><th>Component.operation</th>"
      "<th class=\"num\">Completions</th><th class=\"num\">Errors</th>"
      "<th class=\"num\">Error rate</th><th class=\"num\">Throughput</th>"
      "<th class=\"num\">p50</th><th class=\"num\">p90</th><th class=\"num\">p99</th>"
      "<th class=\"num\">p99.9</th><th class=\"num\">Max</th><th>Errors by kind</th>"
      "</tr></thead><tbody>";
  const double elapsed = toSeconds(metrics.now);
  for (const OperationTotals& totals : metrics.operations) {
    if (totals.key.isComponent() && totals.count == 0)
      continue;
    const LatencySummary& latency = totals.latency;
    const auto cell = [&latency](Nanos value) {
      return latency.count == 0 ? std::string("&mdash;") : escapeHtml(formatLatency(value));
    };
    html += fmt::format(
        "<tr class=\"{}\"><td><code>{}</code></td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}/s</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
        totals.key.isTotal() ? "total" : (totals.key.isComponent() ? "aggregate" : ""),
        escapeHtml(humanKey(totals.key)), totals.count, totals.errors,
        totals.count == 0 ? "&mdash;" : escapeHtml(formatPercent(totals.errorRate())),
        fixed(elapsed > 0 ? static_cast<double>(totals.count) / elapsed : 0.0, 1),
        cell(latency.p50), cell(latency.p90), cell(latency.p99), cell(latency.p999),
        cell(latency.max), escapeHtml(errorKinds(totals)));
  }
  html += "</tbody></table></div>";
}

// What the patterns measured per operation (pattern.h MeasureSpec), when
// they measured anything.
void appendMeasures(std::string& html, const MetricsSnapshot& metrics) {
  std::string rows;
  for (const OperationTotals& totals : metrics.operations) {
    for (const auto& [name, count] : totals.measures) {
      const auto measure = findMeasure(name);
      std::string share = "&mdash;";
      if (measure && !measure->measure->ratio.empty() && totals.count > 0) {
        share = fmt::format("{} {}", escapeHtml(measure->measure->ratio),
                            escapeHtml(formatPercent(static_cast<double>(count) /
                                                     static_cast<double>(totals.count))));
      }
      rows += fmt::format(
          "<tr class=\"{}\"><td><code>{}</code></td><td><code>{}</code> <span "
          "class=\"muted\">{}</span></td><td class=\"num\">{}</td><td>{}</td></tr>",
          totals.key.isTotal() ? "total" : (totals.key.isComponent() ? "aggregate" : ""),
          escapeHtml(humanKey(totals.key)), escapeHtml(name),
          measure ? escapeHtml(measure->measure->description) : "", count, share);
    }
  }
  if (rows.empty())
    return;
  html +=
      "<h2>Measured by the patterns</h2><div class=\"card\"><table><thead><tr>"
      "<th>Component.operation</th><th>Measure</th><th class=\"num\">Count</th>"
      "<th>Share of completions</th></tr></thead><tbody>";
  html += rows;
  html += "</tbody></table></div>";
}

void appendComponents(std::string& html, const MetricsSnapshot& metrics) {
  const bool any = std::any_of(
      metrics.components.begin(), metrics.components.end(), [](const ComponentGauges& gauges) {
        return gauges.queue || gauges.workers || gauges.circuit || gauges.lag;
      });
  if (!any)
    return;
  html +=
      "<h2>Components</h2><div class=\"card\"><table><thead><tr><th>Component</th>"
      "<th class=\"num\">Utilisation</th><th class=\"num\">Mean queue</th>"
      "<th class=\"num\">Max queue</th><th>Circuit at end</th><th class=\"num\">Circuit opens</th>"
      "<th class=\"num\">Max lag (events)</th><th class=\"num\">Max lag (time)</th>"
      "</tr></thead><tbody>";
  const std::string none = "&mdash;";
  for (const ComponentGauges& gauges : metrics.components) {
    if (!gauges.queue && !gauges.workers && !gauges.circuit && !gauges.lag)
      continue;
    html += fmt::format(
        "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
        "<td class=\"num\">{}</td></tr>",
        escapeHtml(gauges.component),
        gauges.workers ? escapeHtml(formatPercent(gauges.workers->utilisation)) : none,
        gauges.queue ? fixed(gauges.queue->mean, 2) : none,
        gauges.queue ? fixed(gauges.queue->max, 0) : none,
        gauges.circuit ? std::string(toString(gauges.circuit->state)) : none,
        gauges.circuit ? fmt::format("{}", gauges.circuit->opens) : none,
        gauges.lag ? fmt::format("{}", gauges.lag->max_events) : none,
        gauges.lag ? escapeHtml(formatLatency(gauges.lag->max_time)) : none);
  }
  html += "</tbody></table></div>";
}

// --- Files ---------------------------------------------------------------

Result<void> writeAtomically(const std::filesystem::path& file, std::string_view text) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out)
      return storeFailure("report.write", "cannot write {}", temporary.string());
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  if (error) {
    std::filesystem::remove(temporary, error);
    return storeFailure("report.write", "cannot replace {}", file.string());
  }
  return {};
}

}  // namespace

RunDescription RunDescription::of(const Scenario& scenario) {
  RunDescription run;
  run.scenario = scenario.name;
  run.description = scenario.description;
  run.seed = scenario.seed;
  run.duration = scenario.duration.count();
  run.mode = std::string(toString(scenario.mode));
  return run;
}

bool RunReport::passed() const {
  return std::all_of(expectations.begin(), expectations.end(),
                     [](const ExpectationResult& result) { return result.passed; });
}

std::string summaryJson(const RunReport& report) {
  const MetricsSnapshot& metrics = report.metrics;
  nlohmann::json summary;
  summary["schema"] = kSummarySchema;
  summary["scenario"] = {{"name", report.run.scenario},
                         {"description", report.run.description},
                         {"seed", report.run.seed},
                         {"duration_ns", report.run.duration},
                         {"mode", report.run.mode}};
  summary["passed"] = report.passed();

  nlohmann::json expectations = nlohmann::json::array();
  for (const ExpectationResult& result : report.expectations)
    expectations.push_back(expectationJson(result));
  summary["expectations"] = std::move(expectations);

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
    for (const PatternSwitch& change : metrics.switches)
      switches.push_back({{"at_ns", change.at}, {"pattern", change.pattern}, {"on", change.on}});
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

  std::string text;
  dumpJson(summary, text, 0);
  text += "\n";
  return text;
}

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

std::string reportHtml(const RunReport& report) {
  const MetricsSnapshot& metrics = report.metrics;
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  html += fmt::format("<title>Staylab report: {}</title>", escapeHtml(report.run.scenario));
  html += "<style>";
  html += kStyle;
  html += "</style></head><body><main>\n";

  html += "<header>";
  html += fmt::format("<h1><span class=\"kind\">Scenario</span>{}</h1>",
                      escapeHtml(report.run.scenario));
  if (!report.run.description.empty())
    html += fmt::format("<p class=\"description\">{}</p>", escapeHtml(report.run.description));
  html += fmt::format(
      "<div class=\"meta\"><span>seed <b>{}</b></span><span>virtual duration <b>{}</b></span>"
      "<span>service times <b>{}</b></span><span>sample interval <b>{}</b></span>"
      "<span>intervals <b>{}</b></span></div>",
      report.run.seed, escapeHtml(formatLatency(report.run.duration)), escapeHtml(report.run.mode),
      escapeHtml(formatLatency(metrics.sample_interval)), metrics.series.size());
  const std::size_t failed = static_cast<std::size_t>(
      std::count_if(report.expectations.begin(), report.expectations.end(),
                    [](const ExpectationResult& result) { return !result.passed; }));
  if (report.expectations.empty()) {
    html += "<div class=\"verdict none\">NO EXPECTATIONS</div>";
  } else if (failed == 0) {
    html +=
        fmt::format("<div class=\"verdict pass\">PASSED &middot; all {} expectations hold</div>",
                    report.expectations.size());
  } else {
    html += fmt::format(
        "<div class=\"verdict fail\">FAILED &middot; {} of {} expectations failed"
        "</div>",
        failed, report.expectations.size());
  }
  html += "</header>\n";

  appendExpectations(html, report);
  appendInvariants(html, report.invariants);
  appendMeasures(html, report.metrics);
  appendWaits(html, report.waits);

  html += "<h2>Over virtual time</h2>";
  html +=
      "<p class=\"legend-note\">Latency counts from each request's intended start, queueing "
      "included. Shaded bands are fault windows; dashed markers are one-off faults.</p>";
  html += "<div class=\"charts\">";
  for (const ChartSpec& spec : charts(metrics))
    html += "<figure class=\"chart\">" + renderChart(spec) + "</figure>\n";
  html += "</div>\n";

  appendFaults(html, metrics);
  appendSwitches(html, metrics);
  appendFaultEffects(html, report.fault_effects);
  appendOperations(html, metrics);
  appendComponents(html, metrics);

  html +=
      "<footer>Staylab simulator report. All times are virtual; the same scenario, seed and "
      "model service times give the same report.</footer>";
  html += "</main></body></html>\n";
  return html;
}

Result<void> writeReport(const std::filesystem::path& directory, const RunReport& report) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error)
    return storeFailure("report.write", "cannot create {}: {}", directory.string(),
                        error.message());
  STAYLAB_TRY(writeAtomically(directory / "summary.json", summaryJson(report)));
  STAYLAB_TRY(writeAtomically(directory / "timeseries.csv", timeseriesCsv(report.metrics)));
  STAYLAB_TRY(writeAtomically(directory / "report.html", reportHtml(report)));
  return {};
}

}  // namespace staylab::sim
