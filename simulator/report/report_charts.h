#pragma once

// The charts of report.html over virtual time: throughput, latency, errors,
// utilisation, queue depth, circuit state and consumer lag, each with the
// fault windows shaded. Internal to simulator/report.

#include <string>
#include <vector>

#include "simulator/metrics/metrics.h"
#include "simulator/report/svg_chart.h"

namespace staylab::sim {

// Another run drawn over a run's charts, grey and dashed: run B of a
// comparison over run A.
struct ChartOverlay {
  const MetricsSnapshot& metrics;
  std::string label;  // Its name in the legends: "B: <label>".
};

// Returns the charts of one run, in the page's order; with `overlay`, each
// also draws that run's lines of the same keys, and shades its fault
// windows that the run has not.
std::vector<ChartSpec> runCharts(const MetricsSnapshot& metrics,
                                 const ChartOverlay* overlay = nullptr);

}  // namespace staylab::sim
