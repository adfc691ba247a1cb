#include "ui/charts_panel.h"

#include <QChart>
#include <QComboBox>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPainter>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "ui/timeline_bar.h"

namespace staylab::ui {
namespace {

constexpr std::array<const char*, kChartCount> kTitles = {"Throughput (req/s)", "Latency (ms)",
                                                          "Errors (% of calls)",
                                                          "Queue depth (max)", "Consumer lag (s)"};

const QColor kBlue(0x15, 0x65, 0xc0);
const QColor kOrange(0xef, 0x6c, 0x00);
const QColor kRed(0xc6, 0x28, 0x28);
const QColor kPurple(0x6a, 0x1b, 0x9a);
const QColor kTeal(0x00, 0x83, 0x8f);
const QColor kVariantGrey(0x21, 0x21, 0x21);
const QColor kRefusedGrey(0x9e, 0x9e, 0x9e);

QColor lineColor(int chart, int line) {
  switch (static_cast<ChartMetric>(chart)) {
    case ChartMetric::Throughput:
      return kBlue;
    case ChartMetric::Latency:
      return line == 0 ? kBlue : kOrange;
    case ChartMetric::ErrorRate:
      return line == 0 ? kRed : kRefusedGrey;
    case ChartMetric::QueueDepth:
      return kPurple;
    case ChartMetric::Lag:
      return kTeal;
  }
  return kBlue;
}

// Latency: p50 and p99. Errors: failures and the domain's refusals (a
// conflict, a missing listing), which a working system answers too.
int lineCount(int chart) {
  const auto metric = static_cast<ChartMetric>(chart);
  return metric == ChartMetric::Latency || metric == ChartMetric::ErrorRate ? 2 : 1;
}

// Returns a round number at or above `value` (1, 2, 5 x 10^n).
double niceCeiling(double value) {
  if (value <= 0)
    return 1;
  const double exponent = std::floor(std::log10(value));
  const double base = std::pow(10.0, exponent);
  for (double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (value <= step * base + 1e-12)
      return step * base;
  }
  return 10 * base;
}

double seconds(sim::Nanos time) {
  return static_cast<double>(time) / 1e9;
}

}  // namespace

FaultShadedChartView::FaultShadedChartView(QChart* chart, QWidget* parent)
    : QChartView(chart, parent) {
  // Antialiased lines cost the UI thread several times more per repaint,
  // and the charts repaint several times a second during a run.
  setRenderHint(QPainter::Antialiasing, false);
}

void FaultShadedChartView::setFaults(std::vector<sim::FaultWindow> faults) {
  if (faults == m_faults)
    return;
  m_faults = std::move(faults);
  viewport()->update();
}

void FaultShadedChartView::setSwitches(std::vector<sim::PatternSwitch> switches) {
  if (switches == m_switches)
    return;
  m_switches = std::move(switches);
  viewport()->update();
}

void FaultShadedChartView::drawForeground(QPainter* painter, const QRectF& rect) {
  QChartView::drawForeground(painter, rect);
  QChart* plot = chart();
  if (plot == nullptr || (m_faults.empty() && m_switches.empty()) || plot->series().isEmpty())
    return;
  const QRectF area = plot->mapToScene(plot->plotArea()).boundingRect();
  QAbstractSeries* reference = plot->series().front();
  painter->save();
  painter->setClipRect(area);
  for (const sim::FaultWindow& fault : m_faults) {
    const double start = seconds(fault.start);
    const double end = seconds(std::max(fault.end, fault.start));
    const QPointF left = plot->mapToScene(plot->mapToPosition(QPointF(start, 0), reference));
    const QPointF right = plot->mapToScene(plot->mapToPosition(QPointF(end, 0), reference));
    QRectF band(QPointF(left.x(), area.top()),
                QPointF(std::max(right.x(), left.x() + 2), area.bottom()));
    painter->fillRect(band, QColor(0xe5, 0x39, 0x35, 40));
    painter->setPen(QPen(QColor(0xc6, 0x28, 0x28, 160), 1, Qt::DashLine));
    painter->drawLine(QPointF(band.left(), area.top()), QPointF(band.left(), area.bottom()));
  }
  // Pattern switches: a blue line, "+retry" or "-retry" at its top.
  QFont small = painter->font();
  small.setPointSizeF(7);
  painter->setFont(small);
  for (const sim::PatternSwitch& change : m_switches) {
    const double x =
        plot->mapToScene(plot->mapToPosition(QPointF(seconds(change.at), 0), reference)).x();
    painter->setPen(QPen(kSwitchBlue, 1.5));
    painter->drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()));
    painter->drawText(QPointF(x + 2, area.top() + 9),
                      (change.on ? QStringLiteral("+") : QStringLiteral("−")) +
                          QString::fromStdString(change.pattern));
  }
  painter->restore();
}

ChartsPanel::ChartsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 2, 4, 2);
  layout->setSpacing(2);
  auto* header = new QHBoxLayout;
  header->setSpacing(6);
  header->addWidget(new QLabel(tr("Metrics of:"), this));
  m_keys = new QComboBox(this);
  m_keys->setObjectName(QStringLiteral("chartKey"));
  m_keys->setMinimumContentsLength(18);
  m_keys->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_keys->setToolTip(
      tr("The component (its operations together), one operation, or the whole run"));
  header->addWidget(m_keys);
  m_legend = new QLabel(this);
  m_legend->setTextFormat(Qt::RichText);
  header->addWidget(m_legend, 1);
  layout->addLayout(header);
  connect(m_keys, &QComboBox::activated, this, [this](int index) {
    const QString key = m_keys->itemData(index).toString();
    const qsizetype dot = key.indexOf(QLatin1Char('.'));
    if (key == QStringLiteral("*"))
      setKey("*", "*");
    else if (dot > 0)
      setKey(key.left(dot).toStdString(), key.mid(dot + 1).toStdString());
  });

  auto* row = new QHBoxLayout;
  row->setSpacing(2);
  for (int index = 0; index < kChartCount; ++index) {
    Chart& chart = m_charts[static_cast<std::size_t>(index)];
    chart.chart = new QChart;
    chart.chart->legend()->hide();
    chart.chart->setMargins(QMargins(2, 2, 4, 2));
    chart.chart->layout()->setContentsMargins(0, 0, 0, 0);
    chart.chart->setBackgroundRoundness(0);
    chart.chart->setAnimationOptions(QChart::NoAnimation);
    QFont title_font = font();
    title_font.setPointSizeF(8);
    title_font.setBold(true);
    chart.chart->setTitleFont(title_font);
    chart.x = new QValueAxis;
    chart.y = new QValueAxis;
    QFont axis_font = font();
    axis_font.setPointSizeF(7);
    for (QValueAxis* axis : {chart.x, chart.y}) {
      axis->setLabelsFont(axis_font);
      axis->setGridLineColor(QColor(0xe0, 0xe0, 0xe0));
    }
    chart.x->setLabelFormat(QStringLiteral("%.0fs"));
    chart.x->setTickCount(5);
    chart.y->setTickCount(6);
    chart.y->setLabelFormat(index == static_cast<int>(ChartMetric::Lag) ? QStringLiteral("%.1f")
                                                                        : QStringLiteral("%.0f"));
    chart.chart->addAxis(chart.x, Qt::AlignBottom);
    chart.chart->addAxis(chart.y, Qt::AlignLeft);
    chart.y_floor = index == static_cast<int>(ChartMetric::Lag) ? 0.5 : 5;
    chart.y->setRange(0, chart.y_floor);
    for (Run* run : {&m_a, &m_b}) {
      for (int line = 0; line < lineCount(index); ++line) {
        auto* series = new QLineSeries;
        // B, the variant, is grey and dashed: over a noisy A in the metric's
        // colour, a dashed line in that same colour could not be told apart.
        QPen pen(run == &m_a ? lineColor(index, line) : kVariantGrey, run == &m_a ? 1.6 : 1.3);
        if (run == &m_b) {
          pen.setStyle(Qt::CustomDashLine);
          pen.setDashPattern({4, 3});
        }
        series->setPen(pen);
        chart.chart->addSeries(series);
        series->attachAxis(chart.x);
        series->attachAxis(chart.y);
        run->lines[static_cast<std::size_t>(index)][static_cast<std::size_t>(line)] = series;
      }
    }
    chart.view = new FaultShadedChartView(chart.chart, this);
    chart.view->setMinimumSize(150, 120);
    row->addWidget(chart.view, 1);
  }
  layout->addLayout(row, 1);
  m_name_a = tr("as written");
  updateTitles();
  updateLegend();
}

ChartsPanel::~ChartsPanel() = default;

void ChartsPanel::reset(sim::Nanos duration) {
  m_duration = duration;
  for (Run* run : {&m_a, &m_b}) {
    run->snapshot.reset();
    run->appended = 0;
    clearLines(*run);
  }
  m_name_b.clear();
  m_keys->clear();
  m_known_keys = 0;
  for (Chart& chart : m_charts) {
    chart.x->setRange(0, std::max(seconds(duration), 1.0));
    chart.view->setFaults({});
    chart.view->setSwitches({});
  }
  rebuild();
  updateLegend();
}

void ChartsPanel::setKey(const std::string& component, const std::string& operation) {
  if (component == m_component && operation == m_operation)
    return;
  m_component = component;
  m_operation = operation;
  const QString text = keyText();
  int index = m_keys->findData(text);
  if (index < 0) {
    m_keys->addItem(text, text);
    index = m_keys->count() - 1;
  }
  m_keys->setCurrentIndex(index);
  rebuild();
}

QString ChartsPanel::keyText() const {
  if (m_component == "*")
    return QStringLiteral("*");
  return QString::fromStdString(m_component + "." + m_operation);
}

void ChartsPanel::updateRun(RunSide side, std::shared_ptr<const sim::MetricsSnapshot> snapshot) {
  Run& run = side == RunSide::A ? m_a : m_b;
  if (!snapshot)
    return;
  if (run.snapshot && snapshot->series.size() < run.appended) {
    // A new run: start over.
    run.appended = 0;
    clearLines(run);
  }
  run.snapshot = std::move(snapshot);
  if (side == RunSide::A) {
    refreshKeys(*run.snapshot);
    for (Chart& chart : m_charts) {
      chart.view->setFaults(run.snapshot->faults);
      chart.view->setSwitches(run.snapshot->switches);
    }
  }
  append(run);
}

void ChartsPanel::clearB() {
  m_b.snapshot.reset();
  m_b.appended = 0;
  clearLines(m_b);
  m_name_b.clear();
  updateLegend();
}

void ChartsPanel::setRunNames(const QString& a, const QString& b) {
  m_name_a = a;
  m_name_b = b;
  updateLegend();
}

QLineSeries* ChartsPanel::series(ChartMetric metric, RunSide side, int line) const {
  const Run& run = side == RunSide::A ? m_a : m_b;
  return run.lines[static_cast<std::size_t>(metric)][static_cast<std::size_t>(line)];
}

int ChartsPanel::intervalsShown(RunSide side) const {
  return static_cast<int>(side == RunSide::A ? m_a.appended : m_b.appended);
}

void ChartsPanel::append(Run& run) {
  if (!run.snapshot)
    return;
  const sim::TimeSeries& series = run.snapshot->series;
  if (run.appended >= series.size())
    return;
  const std::optional<std::uint32_t> key = series.findKey(m_component, m_operation);
  const std::optional<std::uint32_t> component_key =
      m_component == "*" ? std::nullopt : series.findKey(m_component, "*");
  // Components with gauges: for "*" and for components without a lag of
  // their own, the queue and lag charts show the largest over the components.
  std::vector<std::uint32_t> components;
  for (std::uint32_t index = 0; index < series.keys().size(); ++index) {
    if (series.keys()[index].isComponent())
      components.push_back(index);
  }
  std::array<std::array<QList<QPointF>, 2>, kChartCount> points;
  bool lag_own = m_lag_own;
  bool queue_own = m_queue_own;
  for (std::size_t interval_index = run.appended; interval_index < series.size();
       ++interval_index) {
    const sim::IntervalSample& sample = series[interval_index];
    const double x = seconds(sample.end);
    if (key) {
      if (const sim::SeriesPoint* point = sample.find(*key)) {
        points[0][0].append({x, point->throughput});
        if (point->p50)
          points[1][0].append({x, static_cast<double>(*point->p50) / 1e6});
        if (point->p99)
          points[1][1].append({x, static_cast<double>(*point->p99) / 1e6});
        if (point->completions > 0) {
          const double calls = static_cast<double>(point->completions);
          const auto refused = static_cast<double>(point->refused);
          points[2][0].append({x, (static_cast<double>(point->errors) - refused) / calls * 100});
          points[2][1].append({x, refused / calls * 100});
        } else {
          points[2][0].append({x, 0.0});
          points[2][1].append({x, 0.0});
        }
      }
    }
    const sim::SeriesPoint* own = component_key ? sample.find(*component_key) : nullptr;
    if (own != nullptr && own->queue_depth_max) {
      queue_own = true;
      points[3][0].append({x, *own->queue_depth_max});
    } else if (!queue_own) {
      double largest = 0;
      for (std::uint32_t index : components) {
        if (const sim::SeriesPoint* point = sample.find(index))
          largest = std::max(largest, point->queue_depth_max.value_or(0.0));
      }
      points[3][0].append({x, largest});
    }
    if (own != nullptr && own->lag_time) {
      lag_own = true;
      points[4][0].append({x, seconds(*own->lag_time)});
    } else if (!lag_own) {
      double largest = 0;
      for (std::uint32_t index : components) {
        if (const sim::SeriesPoint* point = sample.find(index); point && point->lag_time)
          largest = std::max(largest, seconds(*point->lag_time));
      }
      points[4][0].append({x, largest});
    }
  }
  run.appended = series.size();
  if (lag_own != m_lag_own || queue_own != m_queue_own) {
    m_lag_own = lag_own;
    m_queue_own = queue_own;
    updateTitles();
  }
  for (int chart_index = 0; chart_index < kChartCount; ++chart_index) {
    Chart& chart = m_charts[static_cast<std::size_t>(chart_index)];
    for (int line = 0; line < lineCount(chart_index); ++line) {
      const auto& list =
          points[static_cast<std::size_t>(chart_index)][static_cast<std::size_t>(line)];
      if (list.isEmpty())
        continue;
      for (const QPointF& point : list)
        chart.y_max = std::max(chart.y_max, point.y());
      const auto chart_at = static_cast<std::size_t>(chart_index);
      const auto line_at = static_cast<std::size_t>(line);
      QList<QPointF>& shown = run.points[chart_at][line_at];
      shown.append(list);
      run.lines[chart_at][line_at]->replace(shown);
    }
    double top = niceCeiling(std::max(chart.y_max * 1.1, chart.y_floor));
    if (chart_index == static_cast<int>(ChartMetric::ErrorRate))
      top = std::min(top, 100.0);  // A share: never above 100 %.
    if (chart.y->max() != top) {
      chart.y->setRange(0, top);
      // Round ticks: a nice top over 5 steps (50 -> 10, 250 -> 50).
      chart.y->setTickCount(6);
      chart.y->setLabelFormat(top < 5 ? QStringLiteral("%.1f") : QStringLiteral("%.0f"));
    }
  }
}

void ChartsPanel::clearLines(Run& run) {
  for (std::size_t chart = 0; chart < run.lines.size(); ++chart) {
    for (std::size_t line = 0; line < run.lines[chart].size(); ++line) {
      run.points[chart][line].clear();
      if (QLineSeries* series = run.lines[chart][line])
        series->clear();
    }
  }
}

void ChartsPanel::rebuild() {
  m_lag_own = false;
  m_queue_own = false;
  for (Chart& chart : m_charts)
    chart.y_max = 0;
  for (Run* run : {&m_a, &m_b}) {
    run->appended = 0;
    clearLines(*run);
  }
  // Decide first whether the key's component has gauges of its own.
  append(m_a);
  append(m_b);
  updateTitles();
}

void ChartsPanel::refreshKeys(const sim::MetricsSnapshot& snapshot) {
  const auto& keys = snapshot.series.keys();
  if (keys.size() == m_known_keys)
    return;
  m_known_keys = keys.size();
  std::vector<sim::MetricKey> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  const QString current = keyText();
  m_keys->blockSignals(true);
  m_keys->clear();
  for (const sim::MetricKey& key : sorted) {
    const QString text = QString::fromStdString(key.toString());
    QString label = text;
    if (key.isTotal())
      label = tr("* (whole run)");
    else if (key.isComponent())
      label = QString::fromStdString(key.component) + tr(" (all operations)");
    else
      label = QStringLiteral("    ") + text;
    m_keys->addItem(label, text);
  }
  int index = m_keys->findData(current);
  if (index < 0) {
    m_keys->addItem(current, current);
    index = m_keys->count() - 1;
  }
  m_keys->setCurrentIndex(index);
  m_keys->blockSignals(false);
}

void ChartsPanel::updateTitles() {
  for (int index = 0; index < kChartCount; ++index) {
    QString title = tr(kTitles[static_cast<std::size_t>(index)]);
    if (index == static_cast<int>(ChartMetric::QueueDepth) && !m_queue_own)
      title = tr("Queue depth (largest)");
    if (index == static_cast<int>(ChartMetric::Lag) && !m_lag_own)
      title = tr("Lag, worst consumer (s)");
    m_charts[static_cast<std::size_t>(index)].chart->setTitle(title);
  }
}

void ChartsPanel::updateLegend() {
  auto swatch = [](const QColor& color, bool dashed) {
    return QStringLiteral("<span style='color:%1; font-weight:bold'>%2</span>")
        .arg(color.name(), dashed ? QStringLiteral("╍╍") : QStringLiteral("━━"));
  };
  QString text = tr("%1 p50 &nbsp;%2 p99 &nbsp;&nbsp;%3 failed &nbsp;%4 refused by the domain "
                    "&nbsp;&nbsp;<span style='background:#fbd5d5'>&nbsp;red band&nbsp;</span> "
                    "fault window")
                     .arg(swatch(kBlue, false), swatch(kOrange, false), swatch(kRed, false),
                          swatch(kRefusedGrey, false));
  if (!m_name_b.isEmpty()) {
    // A comparison runs: say which line is which run.
    text +=
        tr(" &nbsp;&nbsp;A (solid): %1 &nbsp;%2 <b>B: %3</b>")
            .arg(m_name_a.toHtmlEscaped(), swatch(kVariantGrey, true), m_name_b.toHtmlEscaped());
  }
  m_legend->setText(text);
}

}  // namespace staylab::ui
