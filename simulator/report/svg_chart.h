#pragma once

// Line charts over virtual time as inline SVG, for report.html. No script, no
// external font or style: the markup stands alone and is the same bytes for
// the same input (coordinates are written with one decimal).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace staylab::sim {

// One value over [start, end) of virtual time, in seconds; no value leaves a
// gap in the line.
struct ChartPoint {
  double start = 0;
  double end = 0;
  std::optional<double> value;
};

enum class LineStyle { Solid, Dashed };
enum class LineShape {
  Smooth,  // Through the middle of each interval.
  Steps,   // Flat over each interval: for states.
};

struct ChartSeries {
  std::string label;
  std::string colour;  // "#0072B2"
  std::vector<ChartPoint> points;
  LineStyle style = LineStyle::Solid;
  LineShape shape = LineShape::Smooth;
  double width = 1.8;
  bool in_legend = true;
};

// A shaded window of time (a fault); start == end draws a dashed marker.
struct ChartShade {
  double start = 0;
  double end = 0;
  std::string colour;
};

enum class LegendSwatch { Line, DashedLine, Area };

struct LegendEntry {
  std::string label;
  std::string colour;
  LegendSwatch swatch = LegendSwatch::Line;
};

enum class AxisScale { Linear, Log };

// A category on the value axis instead of numbers (0 = "closed", ...).
struct AxisCategory {
  double value = 0;
  std::string label;
};

struct ChartSpec {
  std::string id;       // Unique in the page: names the clip path.
  std::string title;    // "Throughput"
  std::string y_label;  // With its unit: "requests/s"
  AxisScale y_scale = AxisScale::Linear;
  std::optional<double> y_max;  // A fixed top (100 for utilisation); else from the data.
  std::optional<double> y_cap;  // The highest top the data may ask for (100 for a percentage).
  std::vector<AxisCategory> y_categories;
  double x_end = 0;  // Seconds of virtual time shown, from 0.
  std::vector<ChartSeries> series;
  std::vector<ChartShade> shades;
  std::vector<LegendEntry> extra_legend;  // After the series' entries.
  std::string empty_message;              // Shown instead of axes when no series has a value.
};

// Returns one <svg> element.
std::string renderChart(const ChartSpec& spec);

// Returns `text` with &, <, >, " and ' escaped for HTML and SVG.
std::string escapeHtml(std::string_view text);

}  // namespace staylab::sim
