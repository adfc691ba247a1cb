// A comparison's report.html (comparison_report.h): the verdict, the
// expectations with both runs' values, a table of A, B and B/A, and run B's
// lines grey and dashed over run A's charts.

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "simulator/report/comparison_report.h"
#include "simulator/report/report_charts.h"
#include "simulator/report/report_html.h"

namespace staylab::sim {
namespace {

constexpr std::string_view kNone = "&mdash;";

// A value of each run, as the table shows it; empty where a run has none.
struct Pair {
  std::optional<double> a;
  std::optional<double> b;
};

using Format = std::string (*)(double);

std::string countText(double value) {
  return fmt::format("{:.0f}", value);
}

std::string latencyText(double value) {
  return formatLatency(static_cast<Nanos>(value));
}

std::string percentText(double value) {
  return formatPercent(value);
}

// B/A: how many times A's value B's is.
std::string ratioText(const Pair& pair) {
  if (!pair.a || !pair.b)
    return std::string(kNone);
  if (*pair.a == 0)
    return *pair.b == 0 ? "=" : std::string(kNone);
  return fmt::format("{:.3g}&times;", *pair.b / *pair.a);
}

void appendRow(std::string& html, std::string_view metric, const Pair& pair, Format format) {
  const auto cell = [format](const std::optional<double>& value) {
    return value ? escapeHtml(format(*value)) : std::string(kNone);
  };
  html += fmt::format(
      "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
      "<td class=\"num\">{}</td></tr>",
      escapeHtml(metric), cell(pair.a), cell(pair.b), ratioText(pair));
}

// The operations of the table: the clients' ones, or every one measured.
std::vector<std::string> tableOperations(const ComparisonReport& report) {
  if (!report.entry_operations.empty())
    return report.entry_operations;
  std::vector<std::string> keys;
  for (const RunReport* run : {&report.a, &report.b}) {
    for (const OperationTotals& totals : run->metrics.operations) {
      const std::string key = totals.key.toString();
      if (!totals.key.isTotal() && !totals.key.isComponent() &&
          std::find(keys.begin(), keys.end(), key) == keys.end())
        keys.push_back(key);
    }
  }
  return keys;
}

const OperationTotals* totalsOf(const RunReport& run, std::string_view key) {
  const std::size_t dot = key.find('.');
  if (dot == std::string_view::npos)
    return nullptr;
  return run.metrics.findOperation(key.substr(0, dot), key.substr(dot + 1));
}

void appendOperationRows(std::string& html, const ComparisonReport& report) {
  for (const std::string& key : tableOperations(report)) {
    const OperationTotals* a = totalsOf(report.a, key);
    const OperationTotals* b = totalsOf(report.b, key);
    const auto count = [](const OperationTotals* totals) {
      return std::optional<double>(totals == nullptr ? 0.0 : static_cast<double>(totals->count));
    };
    const auto completed = [](const OperationTotals* totals) {
      return totals != nullptr && totals->count > 0;
    };
    const auto read = [&](auto value) {
      return Pair{completed(a) ? std::optional<double>(value(*a)) : std::nullopt,
                  completed(b) ? std::optional<double>(value(*b)) : std::nullopt};
    };
    appendRow(html, fmt::format("count({})", key), Pair{count(a), count(b)}, countText);
    appendRow(html, fmt::format("error_rate({})", key),
              read([](const OperationTotals& totals) { return totals.errorRate(); }), percentText);
    appendRow(html, fmt::format("p50({})", key), read([](const OperationTotals& totals) {
                return static_cast<double>(totals.latency.p50);
              }),
              latencyText);
    appendRow(html, fmt::format("p99({})", key), read([](const OperationTotals& totals) {
                return static_cast<double>(totals.latency.p99);
              }),
              latencyText);
  }
}

void appendInvariantRows(std::string& html, const ComparisonReport& report) {
  const InvariantResults& a = report.a.invariants;
  const InvariantResults& b = report.b.invariants;
  const auto counts = [](std::uint64_t left, std::uint64_t right) {
    return Pair{static_cast<double>(left), static_cast<double>(right)};
  };
  appendRow(html, "double_bookings", counts(a.double_bookings, b.double_bookings), countText);
  appendRow(html, "lost_acknowledged", counts(a.lost_acknowledged, b.lost_acknowledged), countText);
  appendRow(html, "undelivered_events", counts(a.undelivered_events, b.undelivered_events),
            countText);
  appendRow(html, "read_model_mismatches", counts(a.read_model_mismatches, b.read_model_mismatches),
            countText);
  const auto converged = [](const InvariantResults& run) {
    return run.convergence_time_ns ? std::optional<double>(*run.convergence_time_ns) : std::nullopt;
  };
  appendRow(html, "convergence_time", Pair{converged(a), converged(b)}, latencyText);
}

// The patterns' measures: the runs' own counts, then those per operation.
void appendMeasureRows(std::string& html, const ComparisonReport& report) {
  std::vector<std::string> names;
  for (const InvariantResults* run : {&report.a.invariants, &report.b.invariants}) {
    for (const auto& [name, count] : run->measures) {
      if (std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  const auto counted = [](const MeasureCounts& counts, const std::string& name) {
    auto found = counts.find(name);
    return std::optional<double>(found == counts.end() ? 0.0 : static_cast<double>(found->second));
  };
  for (const std::string& name : names) {
    appendRow(html, name,
              Pair{counted(report.a.invariants.measures, name),
                   counted(report.b.invariants.measures, name)},
              countText);
  }
  std::vector<std::pair<std::string, std::string>> keyed;  // (key, measure)
  for (const RunReport* run : {&report.a, &report.b}) {
    for (const OperationTotals& totals : run->metrics.operations) {
      if (totals.key.isTotal() || totals.key.isComponent())
        continue;
      for (const auto& [name, count] : totals.measures) {
        const auto entry = std::make_pair(totals.key.toString(), name);
        if (std::find(keyed.begin(), keyed.end(), entry) == keyed.end())
          keyed.push_back(entry);
      }
    }
  }
  std::sort(keyed.begin(), keyed.end());
  for (const auto& [key, name] : keyed) {
    const auto of = [&](const RunReport& run) {
      const OperationTotals* totals = totalsOf(run, key);
      return totals == nullptr ? std::optional<double>(0.0) : counted(totals->measures, name);
    };
    appendRow(html, fmt::format("{}({})", name, key), Pair{of(report.a), of(report.b)}, countText);
  }
}

void appendRunsTable(std::string& html, const ComparisonReport& report) {
  html += fmt::format(
      "<h2>Run A and run B</h2><div class=\"card\"><table><thead><tr><th>Metric</th>"
      "<th class=\"num\">A: as written</th><th class=\"num\">B: {}</th>"
      "<th class=\"num\">B/A</th></tr></thead><tbody>",
      escapeHtml(report.name));
  appendOperationRows(html, report);
  appendInvariantRows(html, report);
  appendMeasureRows(html, report);
  html += "</tbody></table></div>";
}

void appendComparedExpectations(std::string& html, const ComparisonReport& report) {
  if (!openExpectationsTable(html, report.expectations.size(), "<th>Read</th><th>Result</th>"))
    return;
  std::size_t number = 0;
  for (const ExpectationResult& result : report.expectations) {
    ++number;
    // The text is "<expectation>: <what was read>".
    const std::string canonical = toString(result.expectation);
    const std::string read = result.text.starts_with(canonical + ": ")
                                 ? result.text.substr(canonical.size() + 2)
                                 : result.text;
    html += fmt::format(
        "<tr><td class=\"num\">{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>", number,
        escapeHtml(canonical), escapeHtml(read),
        pill(result.passed, result.passed ? "PASS" : "FAIL"));
  }
  html += "</tbody></table></div>";
}

std::string changesText(const std::vector<std::string>& changes) {
  std::string text;
  for (const std::string& change : changes)
    text += fmt::format("{}<code>{}</code>", text.empty() ? "" : ", ", escapeHtml(change));
  return text.empty() ? "nothing" : text;
}

}  // namespace

std::string comparisonReportHtml(const ComparisonReport& report) {
  std::string html;
  appendPageStart(html, report.run.scenario);
  appendHeading(html, "Comparison", report.run, report.a.metrics);
  html += fmt::format(
      "<p class=\"description\">Run A is the scenario as written; run B, <b>{}</b>, changes {}. "
      "Both run on the same seed, data and topology.</p>",
      escapeHtml(report.name), changesText(report.changes));
  appendVerdict(html, report.expectations);
  html += "</header>\n";

  appendComparedExpectations(html, report);
  appendRunsTable(html, report);
  const ChartOverlay overlay{report.b.metrics, report.name};
  appendCharts(html, runCharts(report.a.metrics, &overlay),
               fmt::format(" Run A is drawn in colour; run B ({}) grey and dashed over it.",
                           escapeHtml(report.name)));
  appendPageEnd(html);
  return html;
}

}  // namespace staylab::sim
