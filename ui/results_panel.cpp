#include "ui/results_panel.h"

#include "simulator/patterns/registry.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace staylab::ui {
namespace {

enum Column { kStatusA, kStatusB, kExpectation, kActualA, kActualB };

const QColor kPass(0x2e, 0x7d, 0x32);
const QColor kFail(0xc6, 0x28, 0x28);
const QColor kPending(0x75, 0x75, 0x75);

}  // namespace

bool isInvariant(const sim::Expectation& expectation) {
  switch (expectation.metric.name) {
    case sim::MetricName::DoubleBookings:
    case sim::MetricName::LostAcknowledged:
    case sim::MetricName::UndeliveredEvents:
    case sim::MetricName::ReadModelMismatches:
    case sim::MetricName::ConvergenceTime:
      return true;
    case sim::MetricName::Measure: {
      // A pattern's count for the whole run is taken after it, as the invariants are.
      const auto measure = sim::findMeasure(expectation.metric.measure);
      return measure && measure->measure->scope == sim::MeasureScope::Run;
    }
    default:
      return false;
  }
}

ResultsPanel::ResultsPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  m_verdict = new QLabel(this);
  m_verdict->setWordWrap(true);
  m_verdict->setTextFormat(Qt::RichText);
  layout->addWidget(m_verdict);
  m_tree = new QTreeWidget(this);
  m_tree->setObjectName(QStringLiteral("expectations"));
  m_tree->setRootIsDecorated(false);
  QFont small = m_tree->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  m_tree->setFont(small);
  m_tree->setIndentation(0);
  m_tree->setUniformRowHeights(true);
  m_tree->setHeaderLabels({tr("A"), tr("B"), tr("Expectation"), tr("Actual"), tr("Actual B")});
  m_tree->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_tree->header()->setStretchLastSection(false);
  m_tree->header()->setSectionResizeMode(kExpectation, QHeaderView::Stretch);
  m_tree->setColumnHidden(kStatusB, true);
  m_tree->setColumnHidden(kActualB, true);
  layout->addWidget(m_tree, 1);
  auto* buttons = new QHBoxLayout;
  m_export = new QPushButton(tr("Export report…"), this);
  m_export->setToolTip(tr("Write report.html, summary.json and timeseries.csv into a folder"));
  m_compare = new QToolButton(this);
  m_compare->setText(tr("Compare…"));
  m_compare->setPopupMode(QToolButton::InstantPopup);
  m_compare->setToolTip(
      tr("Run the same scenario with one change (B) at full speed and overlay it on the charts"));
  buttons->addWidget(m_export);
  buttons->addWidget(m_compare);
  buttons->addStretch(1);
  layout->addLayout(buttons);
}

void ResultsPanel::setExpectations(std::vector<sim::Expectation> expectations) {
  m_expectations = std::move(expectations);
  m_tree->clear();
  for (const sim::Expectation& expectation : m_expectations) {
    auto* item = new QTreeWidgetItem(m_tree);
    item->setText(kExpectation, QString::fromStdString(sim::toString(expectation)));
    item->setText(kStatusA, tr("pending"));
    item->setForeground(kStatusA, kPending);
    item->setText(kStatusB, QString());
  }
  m_verdict->setText(m_expectations.empty() ? tr("This scenario states no expectations.")
                                            : tr("<b>Expectations</b> — pending"));
}

void ResultsPanel::update(RunSide side, const sim::MetricsSnapshot& snapshot,
                          const std::vector<sim::ExpectationResult>* final) {
  const std::vector<sim::ExpectationResult> live =
      final ? std::vector<sim::ExpectationResult>()
            : sim::evaluateAll(m_expectations, snapshot, sim::InvariantResults());
  const std::vector<sim::ExpectationResult>& results = final ? *final : live;
  const int status_column = side == RunSide::A ? kStatusA : kStatusB;
  const int actual_column = side == RunSide::A ? kActualA : kActualB;
  int passed = 0;
  int failed = 0;
  int pending = 0;
  for (std::size_t index = 0; index < results.size() && index < m_expectations.size(); ++index) {
    QTreeWidgetItem* item = m_tree->topLevelItem(static_cast<int>(index));
    if (item == nullptr)
      continue;
    const sim::ExpectationResult& result = results[index];
    const sim::Expectation& expectation = m_expectations[index];
    const sim::RunId run = side == RunSide::A ? sim::RunId::A : sim::RunId::B;
    const sim::RunId other = side == RunSide::A ? sim::RunId::B : sim::RunId::A;
    if (!expectation.reads(run) || expectation.reads(other)) {
      // Another run's, or a comparison of both runs: this run alone cannot
      // decide it; staylab-cli simulate runs both and does.
      item->setText(status_column, tr("—"));
      item->setForeground(status_column, kPending);
      item->setText(actual_column, expectation.reads(run) ? tr("A vs B") : tr("other run"));
      item->setForeground(actual_column, kPending);
      item->setToolTip(status_column,
                       tr("Reads run %1: `staylab-cli simulate` runs A and B and decides it")
                           .arg(expectation.reads(run) ? tr("A and B") : tr("B")));
      continue;
    }
    if (!final && isInvariant(expectation)) {
      item->setText(status_column, tr("pending"));
      item->setForeground(status_column, kPending);
      item->setText(actual_column, tr("at end"));
      item->setToolTip(status_column, tr("An invariant: checked when the run ends"));
      item->setForeground(actual_column, kPending);
      ++pending;
      continue;
    }
    const QString status =
        final ? (result.passed ? tr("✔ PASS") : tr("✘ FAIL")) : (result.passed ? tr("✔") : tr("✘"));
    item->setToolTip(status_column,
                     final ? tr("Final verdict") : tr("So far, on the metrics up to now"));
    item->setText(status_column, status);
    item->setForeground(status_column, result.passed ? kPass : kFail);
    item->setText(actual_column, QString::fromStdString(result.actual_text));
    item->setForeground(actual_column, QPalette().color(QPalette::Text));
    item->setToolTip(kExpectation, QString::fromStdString(result.text));
    (result.passed ? passed : failed) += 1;
  }
  if (side != RunSide::A || m_expectations.empty())
    return;
  if (final) {
    m_verdict->setText(
        failed == 0
            ? tr("<b style='color:#2e7d32'>PASSED</b> — all %1 expectations hold").arg(passed)
            : tr("<b style='color:#c62828'>FAILED</b> — %1 of %2 expectations do "
                 "not hold")
                  .arg(failed)
                  .arg(passed + failed));
  } else {
    m_verdict->setText(
        tr("<b>So far:</b> %1 hold, %2 do not (yet), %3 invariants checked at the end")
            .arg(passed)
            .arg(failed)
            .arg(pending));
  }
}

void ResultsPanel::setCompareActive(bool active, const QString& b_name) {
  m_tree->setColumnHidden(kStatusB, !active);
  m_tree->setColumnHidden(kActualB, !active);
  m_tree->headerItem()->setText(kStatusB, active ? tr("B") : QString());
  m_tree->headerItem()->setToolTip(kStatusB, b_name);
  if (!active) {
    for (int index = 0; index < m_tree->topLevelItemCount(); ++index) {
      m_tree->topLevelItem(index)->setText(kStatusB, QString());
      m_tree->topLevelItem(index)->setText(kActualB, QString());
    }
  }
}

QString ResultsPanel::statusText(int index) const {
  QTreeWidgetItem* item = m_tree->topLevelItem(index);
  return item == nullptr ? QString() : item->text(kStatusA);
}

}  // namespace staylab::ui
