// report.html: one self-contained page (report_writer.h).

#include <algorithm>

#include <fmt/format.h>

#include "simulator/patterns/registry.h"
#include "simulator/report/report_charts.h"
#include "simulator/report/report_format.h"
#include "simulator/report/report_html.h"
#include "simulator/report/report_writer.h"
#include "simulator/report/svg_chart.h"

namespace staylab::sim {
namespace {

using report::fixed;
using report::humanFaultKind;
using report::seconds;

std::string humanKey(const MetricKey& key) {
  return key.isTotal() ? "all requests" : key.toString();
}

}  // namespace

bool openExpectationsTable(std::string& html, std::size_t count, std::string_view columns) {
  html += "<h2>Expectations</h2>";
  if (count == 0) {
    html += "<p class=\"muted\">The scenario states no expectations.</p>";
    return false;
  }
  html += fmt::format(
      "<div class=\"card\"><table><thead><tr><th>#</th><th>Expectation</th>{}</tr></thead>"
      "<tbody>",
      columns);
  return true;
}

std::string pill(bool good, std::string_view text) {
  return fmt::format("<span class=\"pill {}\">{}</span>", good ? "pass" : "fail", escapeHtml(text));
}

namespace {

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
  if (!openExpectationsTable(html, report.expectations.size(),
                             "<th class=\"num\">Actual</th><th>Result</th><th>Detail</th>"))
    return;
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
    // A switch that moved settings (a strangler fig's routes) says which.
    const std::string settings =
        change.settings.empty() ? std::string()
                                : fmt::format(", <code>{}</code>", escapeHtml(change.settings));
    html += fmt::format("<tr><td><code>{}</code></td><td>{}{}</td><td class=\"num\">{}s</td></tr>",
                        escapeHtml(change.pattern), change.on ? "on" : "off", settings,
                        seconds(change.at));
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
}  // namespace

void appendPageStart(std::string& html, std::string_view scenario) {
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  html += fmt::format("<title>Staylab report: {}</title>", escapeHtml(scenario));
  html += "<style>";
  html += kStyle;
  html += "</style></head><body><main>\n";
}

void appendHeading(std::string& html, std::string_view kind, const RunDescription& run,
                   const MetricsSnapshot& metrics) {
  html += "<header>";
  html += fmt::format("<h1><span class=\"kind\">{}</span>{}</h1>", kind, escapeHtml(run.scenario));
  if (!run.description.empty())
    html += fmt::format("<p class=\"description\">{}</p>", escapeHtml(run.description));
  html += fmt::format(
      "<div class=\"meta\"><span>seed <b>{}</b></span><span>virtual duration <b>{}</b></span>"
      "<span>service times <b>{}</b></span><span>sample interval <b>{}</b></span>"
      "<span>intervals <b>{}</b></span></div>",
      run.seed, escapeHtml(formatLatency(run.duration)), escapeHtml(run.mode),
      escapeHtml(formatLatency(metrics.sample_interval)), metrics.series.size());
}

void appendVerdict(std::string& html, const std::vector<ExpectationResult>& expectations) {
  const std::size_t failed = static_cast<std::size_t>(
      std::count_if(expectations.begin(), expectations.end(),
                    [](const ExpectationResult& result) { return !result.passed; }));
  if (expectations.empty()) {
    html += "<div class=\"verdict none\">NO EXPECTATIONS</div>";
  } else if (failed == 0) {
    html +=
        fmt::format("<div class=\"verdict pass\">PASSED &middot; all {} expectations hold</div>",
                    expectations.size());
  } else {
    html += fmt::format(
        "<div class=\"verdict fail\">FAILED &middot; {} of {} expectations failed"
        "</div>",
        failed, expectations.size());
  }
}

void appendCharts(std::string& html, const std::vector<ChartSpec>& charts, std::string_view note) {
  html += "<h2>Over virtual time</h2>";
  html += fmt::format(
      "<p class=\"legend-note\">Latency counts from each request's intended start, queueing "
      "included. Shaded bands are fault windows; dashed markers are one-off faults.{}</p>",
      note);
  html += "<div class=\"charts\">";
  for (const ChartSpec& spec : charts)
    html += "<figure class=\"chart\">" + renderChart(spec) + "</figure>\n";
  html += "</div>\n";
}

void appendPageEnd(std::string& html) {
  html +=
      "<footer>Staylab simulator report. All times are virtual; the same scenario, seed and "
      "model service times give the same report.</footer>";
  html += "</main></body></html>\n";
}

std::string reportHtml(const RunReport& report) {
  const MetricsSnapshot& metrics = report.metrics;
  std::string html;
  appendPageStart(html, report.run.scenario);
  appendHeading(html, "Scenario", report.run, metrics);
  appendVerdict(html, report.expectations);
  html += "</header>\n";

  appendExpectations(html, report);
  appendInvariants(html, report.invariants);
  appendMeasures(html, report.metrics);
  appendWaits(html, report.waits);
  appendCharts(html, runCharts(metrics), "");
  appendFaults(html, metrics);
  appendSwitches(html, metrics);
  appendFaultEffects(html, report.fault_effects);
  appendOperations(html, metrics);
  appendComponents(html, metrics);
  appendPageEnd(html);
  return html;
}

}  // namespace staylab::sim
