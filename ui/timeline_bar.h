#pragma once

// The run's timeline: a bar over [0, end] of virtual time with the part
// already simulated filled, each fault window as a red band (the scenario's
// planned faults and those injected since), each pattern switch as a blue
// tick, and the current time as a marker. Clicking ahead of the current time asks to run to that
// time. UI thread only.

#include <QColor>
#include <QWidget>
#include <vector>

#include "simulator/metrics/metrics.h"

namespace staylab::ui {

// The colour of pattern switches, on the timeline and on the charts.
inline const QColor kSwitchBlue{0x15, 0x65, 0xc0};

class TimelineBar : public QWidget {
  Q_OBJECT

 public:
  explicit TimelineBar(QWidget* parent = nullptr);

  void setEnd(sim::Nanos end);
  void setNow(sim::Nanos now);
  void setFaults(std::vector<sim::FaultWindow> faults);
  // Patterns switched during the run: a blue tick each.
  void setSwitches(std::vector<sim::PatternSwitch> switches);
  const std::vector<sim::PatternSwitch>& switches() const { return m_switches; }
  sim::Nanos now() const { return m_now; }
  const std::vector<sim::FaultWindow>& faults() const { return m_faults; }

  QSize sizeHint() const override { return {360, 26}; }
  QSize minimumSizeHint() const override { return {160, 22}; }

 Q_SIGNALS:
  // The user clicked at `time`, ahead of now.
  void runToRequested(sim::Nanos time);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  bool event(QEvent* event) override;

 private:
  QRectF barRect() const;
  double xOf(sim::Nanos time) const;
  sim::Nanos timeAt(double x) const;

  sim::Nanos m_end = 0;
  sim::Nanos m_now = 0;
  std::vector<sim::FaultWindow> m_faults;
  std::vector<sim::PatternSwitch> m_switches;
};

}  // namespace staylab::ui
