#include "ui/timeline_bar.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

#include "simulator/metrics/evaluation.h"

namespace staylab::ui {

TimelineBar::TimelineBar(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setCursor(Qt::PointingHandCursor);
  setToolTip(tr("Virtual time: red bands are fault windows; click ahead to run to that time"));
}

void TimelineBar::setEnd(sim::Nanos end) {
  m_end = end;
  update();
}

void TimelineBar::setNow(sim::Nanos now) {
  if (now == m_now)
    return;
  m_now = now;
  update();
}

void TimelineBar::setFaults(std::vector<sim::FaultWindow> faults) {
  if (faults == m_faults)
    return;
  m_faults = std::move(faults);
  update();
}

QRectF TimelineBar::barRect() const {
  return QRectF(6, height() / 2.0 - 6, std::max(width() - 12, 1), 12);
}

double TimelineBar::xOf(sim::Nanos time) const {
  const QRectF bar = barRect();
  if (m_end <= 0)
    return bar.left();
  const double fraction =
      std::clamp(static_cast<double>(time) / static_cast<double>(m_end), 0.0, 1.0);
  return bar.left() + fraction * bar.width();
}

sim::Nanos TimelineBar::timeAt(double x) const {
  const QRectF bar = barRect();
  const double fraction = std::clamp((x - bar.left()) / bar.width(), 0.0, 1.0);
  return static_cast<sim::Nanos>(fraction * static_cast<double>(m_end));
}

void TimelineBar::setSwitches(std::vector<sim::PatternSwitch> switches) {
  if (switches == m_switches)
    return;
  m_switches = std::move(switches);
  update();
}

void TimelineBar::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QRectF bar = barRect();
  painter.setPen(QColor(0xb0, 0xbe, 0xc5));
  painter.setBrush(QColor(0xec, 0xef, 0xf1));
  painter.drawRoundedRect(bar, 4, 4);
  QRectF played = bar;
  played.setRight(xOf(m_now));
  painter.setPen(Qt::NoPen);
  painter.setBrush(QColor(0x90, 0xca, 0xf9));
  painter.drawRoundedRect(played, 4, 4);
  for (const sim::FaultWindow& fault : m_faults) {
    const double left = xOf(fault.start);
    const double right = std::max(xOf(fault.end), left + 3);
    const bool active = fault.start <= m_now && m_now < fault.end;
    painter.setBrush(active ? QColor(0xc6, 0x28, 0x28) : QColor(0xe5, 0x73, 0x73, 200));
    painter.drawRect(QRectF(QPointF(left, bar.top() + 2), QPointF(right, bar.bottom() - 2)));
  }
  painter.setPen(QPen(kSwitchBlue, 2));
  for (const sim::PatternSwitch& change : m_switches) {
    const double at = xOf(change.at);
    painter.drawLine(QPointF(at, bar.top() - 2), QPointF(at, bar.bottom() + 2));
  }
  // The current time.
  const double x = xOf(m_now);
  painter.setPen(QPen(QColor(0x0d, 0x47, 0xa1), 2));
  painter.drawLine(QPointF(x, bar.top() - 4), QPointF(x, bar.bottom() + 4));
}

void TimelineBar::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || m_end <= 0)
    return;
  const sim::Nanos time = timeAt(event->position().x());
  if (time > m_now)
    Q_EMIT runToRequested(time);
}

bool TimelineBar::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip && m_end > 0) {
    auto* help = static_cast<QHelpEvent*>(event);
    const sim::Nanos time = timeAt(help->pos().x());
    QString text = tr("%1 of %2")
                       .arg(QString::fromStdString(sim::formatLatency(time)),
                            QString::fromStdString(sim::formatLatency(m_end)));
    const sim::Nanos near = std::max<sim::Nanos>(m_end / 100, 1);
    for (const sim::PatternSwitch& change : m_switches) {
      if (change.at >= time - near && change.at <= time + near) {
        text += tr("\n%1 switched %2 at %3")
                    .arg(QString::fromStdString(change.pattern), change.on ? tr("on") : tr("off"),
                         QString::fromStdString(sim::formatLatency(change.at)));
      }
    }
    for (const sim::FaultWindow& fault : m_faults) {
      if (fault.start <= time && time <= std::max(fault.end, fault.start)) {
        text += QStringLiteral("\n⚡ %1 on %2 (%3 – %4)")
                    .arg(QString::fromStdString(fault.kind), QString::fromStdString(fault.target),
                         QString::fromStdString(sim::formatLatency(fault.start)),
                         QString::fromStdString(sim::formatLatency(fault.end)));
      }
    }
    QToolTip::showText(help->globalPos(), text, this);
    return true;
  }
  return QWidget::event(event);
}

}  // namespace staylab::ui
