#pragma once

// Live charts over virtual time for one metric key (a component's aggregate
// "gateway.*", an operation "gateway.book" or the whole run "*"): throughput,
// latency p50 and p99, error rate, queue depth and consumer lag. The windows
// of the faults that have started are shaded red. A second run (the B side of
// an A/B comparison) is drawn over the same axes with dashed lines.
//
// Updating appends only the intervals a snapshot adds since the last call;
// changing the key redraws from the last snapshots kept. UI thread only.

#include <QChartView>
#include <QString>
#include <QWidget>
#include <array>
#include <memory>
#include <vector>

#include "simulator/metrics/metrics.h"

class QComboBox;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace staylab::ui {

enum class ChartMetric { Throughput, Latency, ErrorRate, QueueDepth, Lag };
inline constexpr int kChartCount = 5;
// The two sides of a comparison: A is the run on screen, B its variant.
enum class RunSide { A, B };

// A chart view that shades fault windows and marks pattern switches (in
// seconds of virtual time).
class FaultShadedChartView : public QChartView {
  Q_OBJECT

 public:
  explicit FaultShadedChartView(QChart* chart, QWidget* parent = nullptr);
  void setFaults(std::vector<sim::FaultWindow> faults);
  void setSwitches(std::vector<sim::PatternSwitch> switches);

 protected:
  void drawForeground(QPainter* painter, const QRectF& rect) override;

 private:
  std::vector<sim::FaultWindow> m_faults;
  std::vector<sim::PatternSwitch> m_switches;
};

class ChartsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ChartsPanel(QWidget* parent = nullptr);
  ~ChartsPanel() override;

  // Clears both runs and sets the time axis to [0, duration].
  void reset(sim::Nanos duration);
  // Shows `component`.`operation` ("*" for a component's aggregate; "*", "*"
  // for the whole run).
  void setKey(const std::string& component, const std::string& operation);
  // Returns "gateway.*", "gateway.book" or "*".
  QString keyText() const;

  // Appends what `snapshot` adds for `side`.
  void updateRun(RunSide side, std::shared_ptr<const sim::MetricsSnapshot> snapshot);
  // Drops the B run's lines.
  void clearB();
  // The legend's names of the two runs ("as written", "retry on").
  void setRunNames(const QString& a, const QString& b);

  // Test accessors: the series of a chart (line 0, or 1 for p99), per side.
  QLineSeries* series(ChartMetric metric, RunSide side, int line = 0) const;
  int intervalsShown(RunSide side) const;

 private:
  struct Run {
    std::shared_ptr<const sim::MetricsSnapshot> snapshot;
    std::size_t appended = 0;
    std::array<std::array<QLineSeries*, 2>, kChartCount> lines{};
    // What each line shows, kept here so that new points reach a series in
    // one replace(): QLineSeries::append() of a list updates the chart once
    // per point, which costs the UI thread time proportional to the points
    // already drawn for every point added.
    std::array<std::array<QList<QPointF>, 2>, kChartCount> points{};
  };
  struct Chart {
    QChart* chart = nullptr;
    FaultShadedChartView* view = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
    double y_max = 0;
    double y_floor = 1;
  };

  void append(Run& run);
  // Empties the run's lines (the series and the points behind them).
  static void clearLines(Run& run);
  void rebuild();
  void refreshKeys(const sim::MetricsSnapshot& snapshot);
  void updateTitles();
  void updateLegend();

  std::string m_component = "gateway";
  std::string m_operation = "*";
  sim::Nanos m_duration = 0;
  QString m_name_a;
  QString m_name_b;
  QComboBox* m_keys;
  QLabel* m_legend;
  std::array<Chart, kChartCount> m_charts;
  Run m_a;
  Run m_b;
  bool m_lag_own = false;    // The key's component reports its own lag.
  bool m_queue_own = false;  // The key's component reports its own queue.
  std::size_t m_known_keys = 0;
};

}  // namespace staylab::ui
