#pragma once

// The charts of report.html over virtual time: throughput, latency, errors,
// utilisation, queue depth, circuit state and consumer lag, each with the
// fault windows shaded. Internal to simulator/report.

#include <vector>

#include "simulator/metrics/metrics.h"
#include "simulator/report/svg_chart.h"

namespace staylab::sim {

// Returns the charts of one run, in the page's order.
std::vector<ChartSpec> runCharts(const MetricsSnapshot& metrics);

}  // namespace staylab::sim
