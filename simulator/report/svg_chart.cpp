#include "simulator/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace staylab::sim {

namespace {

constexpr double kWidth = 640;
constexpr double kPlotLeft = 64;
constexpr double kPlotRight = kWidth - 20;
constexpr double kPlotTop = 46;
constexpr double kPlotHeight = 210;
constexpr double kPlotBottom = kPlotTop + kPlotHeight;
constexpr double kLegendTop = kPlotBottom + 56;
constexpr double kLegendRow = 20;
constexpr double kCharWidth = 6.3;  // Of 11px sans-serif, roughly, for the legend layout.

constexpr std::string_view kFont =
    "font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif\"";

// Returns a step of 1, 2 or 5 times a power of ten that cuts `range` into about `parts`.
double niceStep(double range, int parts) {
  if (!(range > 0))
    return 1;
  const double raw = range / parts;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double normalised = raw / magnitude;
  double step = 10;
  if (normalised < 1.5)
    step = 1;
  else if (normalised < 3)
    step = 2;
  else if (normalised < 7)
    step = 5;
  return step * magnitude;
}

// Returns a tick label: as few decimals as `step` needs; "12k" above 10000.
std::string tickLabel(double value, double step) {
  if (std::abs(value) < step * 1e-9)
    return "0";
  if (std::abs(value) >= 10000 && step >= 1000)
    return tickLabel(value / 1000, step / 1000) + "k";
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", value, std::clamp(decimals, 0, 9));
}

struct Axis {
  double low = 0;
  double high = 1;
  AxisScale scale = AxisScale::Linear;
  std::vector<std::pair<double, std::string>> ticks;

  // Returns the pixel row of `value`.
  double yOf(double value) const {
    double fraction = 0;
    if (scale == AxisScale::Log) {
      const double clamped = std::max(value, std::pow(10.0, low));
      fraction = (std::log10(clamped) - low) / (high - low);
    } else {
      fraction = (value - low) / (high - low);
    }
    return kPlotBottom - fraction * kPlotHeight;
  }
};

Axis valueAxis(const ChartSpec& spec, double data_min_positive, double data_max) {
  Axis axis;
  if (!spec.y_categories.empty()) {
    double top = 0;
    for (const AxisCategory& category : spec.y_categories) {
      axis.ticks.emplace_back(category.value, category.label);
      top = std::max(top, category.value);
    }
    axis.low = -0.25;
    axis.high = top + 0.25;
    return axis;
  }
  if (spec.y_scale == AxisScale::Log && data_min_positive > 0 && data_max > data_min_positive) {
    axis.scale = AxisScale::Log;
    // From the decade below the smallest value to a little above the largest,
    // so that a line at the maximum does not run along the frame.
    axis.low = std::floor(std::log10(data_min_positive));
    axis.high = std::max(std::log10(data_max) + 0.12, axis.low + 1);
    const bool fine = axis.high - axis.low <= 2.5;
    for (double exponent = axis.low; exponent <= std::floor(axis.high); exponent += 1) {
      for (const double mantissa : {1.0, 2.0, 5.0}) {
        if (mantissa != 1.0 && !fine)
          continue;
        const double value = mantissa * std::pow(10.0, exponent);
        if (std::log10(value) > axis.high + 1e-9)
          continue;
        axis.ticks.emplace_back(value, tickLabel(value, std::min(std::pow(10.0, exponent), 1.0)));
      }
    }
    return axis;
  }
  // Headroom above the largest value, for the same reason.
  double top = spec.y_max.value_or(data_max * 1.05);
  if (!(top > 0))
    top = 1;
  const double step = niceStep(top, 5);
  if (!spec.y_max)
    top = std::ceil(top / step - 1e-9) * step;
  if (spec.y_cap)
    top = std::min(top, *spec.y_cap);
  axis.low = 0;
  axis.high = top;
  for (double value = 0; value <= top + step * 1e-6; value += step)
    axis.ticks.emplace_back(value, tickLabel(value, step));
  // A fixed or capped top may meet the data: keep a line at it off the frame.
  if (data_max > top * 0.97)
    axis.high = top * 1.04;
  return axis;
}

// The time unit of the horizontal axis: seconds, minutes or hours.
struct TimeUnit {
  double seconds = 1;
  std::string_view name = "s";
};

TimeUnit timeUnitFor(double x_end) {
  if (x_end > 10 * 3600)
    return TimeUnit{3600, "h"};
  if (x_end > 600)
    return TimeUnit{60, "min"};
  return TimeUnit{1, "s"};
}

std::string number(double value) {
  const double rounded = std::round(value * 10) / 10;
  return fmt::format("{:.1f}", rounded == 0 ? 0.0 : rounded);
}

void appendLegend(std::string& svg, const std::vector<LegendEntry>& entries) {
  double x = kPlotLeft;
  double y = kLegendTop;
  for (const LegendEntry& entry : entries) {
    const double width = 28 + static_cast<double>(entry.label.size()) * kCharWidth + 18;
    if (x + width > kWidth - 8 && x > kPlotLeft) {
      x = kPlotLeft;
      y += kLegendRow;
    }
    switch (entry.swatch) {
      case LegendSwatch::Line:
      case LegendSwatch::DashedLine:
        svg += fmt::format(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2.5\"{}/>",
            number(x), number(y - 4), number(x + 22), number(y - 4), entry.colour,
            entry.swatch == LegendSwatch::DashedLine ? " stroke-dasharray=\"5 3\"" : "");
        break;
      case LegendSwatch::Area:
        svg += fmt::format(
            "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"11\" fill=\"{}\" fill-opacity=\"0.3\" "
            "stroke=\"{}\" stroke-opacity=\"0.8\"/>",
            number(x), number(y - 10), entry.colour, entry.colour);
        break;
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11.5\" fill=\"#333\">{}</text>",
                       number(x + 28), number(y), escapeHtml(entry.label));
    x += width;
  }
}

double legendHeight(const std::vector<LegendEntry>& entries) {
  if (entries.empty())
    return 0;
  double x = kPlotLeft;
  double rows = 1;
  for (const LegendEntry& entry : entries) {
    const double width = 28 + static_cast<double>(entry.label.size()) * kCharWidth + 18;
    if (x + width > kWidth - 8 && x > kPlotLeft) {
      x = kPlotLeft;
      rows += 1;
    }
    x += width;
  }
  return rows * kLegendRow;
}

}  // namespace

std::string escapeHtml(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string renderChart(const ChartSpec& spec) {
  double data_max = 0;
  double data_min_positive = std::numeric_limits<double>::infinity();
  bool has_data = false;
  for (const ChartSeries& series : spec.series) {
    for (const ChartPoint& point : series.points) {
      if (!point.value || !std::isfinite(*point.value))
        continue;
      has_data = true;
      data_max = std::max(data_max, *point.value);
      if (*point.value > 0)
        data_min_positive = std::min(data_min_positive, *point.value);
    }
  }
  if (!std::isfinite(data_min_positive))
    data_min_positive = 0;

  std::vector<LegendEntry> legend;
  if (has_data) {
    for (const ChartSeries& series : spec.series) {
      if (series.in_legend)
        legend.push_back(LegendEntry{
            series.label, series.colour,
            series.style == LineStyle::Dashed ? LegendSwatch::DashedLine : LegendSwatch::Line});
    }
    legend.insert(legend.end(), spec.extra_legend.begin(), spec.extra_legend.end());
  }
  const double height = has_data ? kLegendTop + legendHeight(legend) - 6 : kPlotBottom + 24;

  std::string svg = fmt::format(
      "<svg viewBox=\"0 0 {} {}\" width=\"{}\" "
      "height=\"{}\" role=\"img\" aria-label=\"{}\" {}>",
      number(kWidth), number(height), number(kWidth), number(height), escapeHtml(spec.title),
      kFont);
  svg += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#fff\"/>", number(kWidth),
                     number(height));
  svg += fmt::format(
      "<text x=\"{}\" y=\"26\" font-size=\"15\" font-weight=\"600\" fill=\"#1a1a1a\">{}</text>",
      number(kPlotLeft - 44), escapeHtml(spec.title));

  if (!has_data) {
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" stroke=\"#ddd\"/>",
        number(kPlotLeft), number(kPlotTop), number(kPlotRight - kPlotLeft), number(kPlotHeight));
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#777\" text-anchor=\"middle\">{}</text>",
        number((kPlotLeft + kPlotRight) / 2), number(kPlotTop + kPlotHeight / 2 + 4),
        escapeHtml(spec.empty_message));
    svg += "</svg>";
    return svg;
  }

  const Axis axis = valueAxis(spec, data_min_positive, data_max);
  const TimeUnit unit = timeUnitFor(spec.x_end);
  const double x_end = spec.x_end > 0 ? spec.x_end : 1;
  const auto xOf = [&](double seconds) {
    return kPlotLeft + std::clamp(seconds / x_end, 0.0, 1.0) * (kPlotRight - kPlotLeft);
  };

  // Fault windows under everything else.
  for (const ChartShade& shade : spec.shades) {
    const double left = xOf(shade.start);
    const double right = xOf(shade.end);
    if (shade.end <= shade.start) {
      svg += fmt::format(
          "<line class=\"fault-window\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" "
          "stroke-width=\"2\" stroke-dasharray=\"4 3\"/>",
          number(left), number(kPlotTop), number(kPlotBottom), shade.colour);
      continue;
    }
    svg += fmt::format(
        "<rect class=\"fault-window\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
        "fill-opacity=\"0.16\"/>",
        number(left), number(kPlotTop), number(std::max(right - left, 1.0)), number(kPlotHeight),
        shade.colour);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"4\" fill=\"{}\" fill-opacity=\"0.85\"/>",
        number(left), number(kPlotTop), number(std::max(right - left, 1.0)), shade.colour);
  }

  // Grid and value axis.
  for (const auto& [value, label] : axis.ticks) {
    const double y = axis.yOf(value);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"1\"/>",
        number(kPlotLeft), number(y), number(kPlotRight), value == 0 ? "#bbb" : "#e6e6e6");
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">{}</text>",
        number(kPlotLeft - 6), number(y + 4), escapeHtml(label));
  }
  if (!spec.y_label.empty()) {
    svg += fmt::format(
        "<text transform=\"translate({},{}) rotate(-90)\" font-size=\"11.5\" fill=\"#444\" "
        "text-anchor=\"middle\">{}</text>",
        number(14), number(kPlotTop + kPlotHeight / 2), escapeHtml(spec.y_label));
  }

  // Time axis.
  const double end_in_unit = x_end / unit.seconds;
  const double step = niceStep(end_in_unit, 8);
  for (double tick = 0; tick <= end_in_unit + step * 1e-6; tick += step) {
    const double x = xOf(tick * unit.seconds);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#888\" stroke-width=\"1\"/>",
        number(x), number(kPlotBottom), number(kPlotBottom + 4));
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">{}</text>",
        number(x), number(kPlotBottom + 17), tickLabel(tick, step));
  }
  svg += fmt::format(
      "<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"#888\" stroke-width=\"1\"/>",
      number(kPlotLeft), number(kPlotRight), number(kPlotBottom));
  svg += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"11.5\" fill=\"#444\" text-anchor=\"middle\">virtual "
      "time ({})</text>",
      number((kPlotLeft + kPlotRight) / 2), number(kPlotBottom + 36), unit.name);

  // Lines, clipped to the plot.
  const std::string clip = "clip-" + spec.id;
  svg += fmt::format(
      "<clipPath id=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>",
      escapeHtml(clip), number(kPlotLeft), number(kPlotTop - 2), number(kPlotRight - kPlotLeft),
      number(kPlotHeight + 4));
  svg += fmt::format(
      "<g clip-path=\"url(#{})\" fill=\"none\" stroke-linejoin=\"round\" "
      "stroke-linecap=\"round\">",
      escapeHtml(clip));
  for (const ChartSeries& series : spec.series) {
    std::string path;
    bool drawing = false;
    std::size_t segment_points = 0;
    std::string dots;
    const auto flushLone = [&](double x, double y) {
      // A value between two gaps is a point, not a line: draw a dot.
      dots += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"none\"/>",
                          number(x), number(y), number(series.width + 0.6), series.colour);
    };
    double last_x = 0;
    double last_y = 0;
    for (const ChartPoint& point : series.points) {
      if (!point.value || !std::isfinite(*point.value)) {
        if (drawing && segment_points == 1 && series.shape == LineShape::Smooth)
          flushLone(last_x, last_y);
        drawing = false;
        continue;
      }
      const double y = axis.yOf(*point.value);
      if (series.shape == LineShape::Steps) {
        const double left = xOf(point.start);
        const double right = xOf(point.end);
        path += fmt::format("{}{} {}H{}", drawing ? "V" : "M", drawing ? "" : number(left),
                            number(y), number(right));
      } else {
        const double x = xOf((point.start + point.end) / 2);
        path += fmt::format("{}{} {}", drawing ? "L" : "M", number(x), number(y));
        last_x = x;
        last_y = y;
      }
      segment_points = drawing ? segment_points + 1 : 1;
      drawing = true;
    }
    if (drawing && segment_points == 1 && series.shape == LineShape::Smooth)
      flushLone(last_x, last_y);
    if (!path.empty()) {
      svg += fmt::format("<path d=\"{}\" stroke=\"{}\" stroke-width=\"{}\"{}/>", path,
                         series.colour, number(series.width),
                         series.style == LineStyle::Dashed ? " stroke-dasharray=\"6 4\"" : "");
    }
    svg += dots;
  }
  svg += "</g>";
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#ccc\"/>",
      number(kPlotLeft), number(kPlotTop), number(kPlotRight - kPlotLeft), number(kPlotHeight));

  appendLegend(svg, legend);
  svg += "</svg>";
  return svg;
}

}  // namespace staylab::sim
