#pragma once

// The scenario's expectations with their verdicts: metric expectations are
// evaluated live on each snapshot ("so far"), the invariants (double
// bookings, lost acknowledged, undelivered events, read-model mismatches,
// convergence time) stay "pending" until the run finishes and the engine has
// checked them. With a comparison running, a second column shows run B.
// UI thread only.

#include <QWidget>
#include <optional>
#include <vector>

#include "simulator/metrics/evaluation.h"
#include "simulator/scenario/expectation.h"
#include "ui/charts_panel.h"

class QLabel;
class QPushButton;
class QToolButton;
class QTreeWidget;

namespace staylab::ui {

// Returns true for the expectations only the end of a run can decide.
bool isInvariant(const sim::Expectation& expectation);

class ResultsPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ResultsPanel(QWidget* parent = nullptr);

  void setExpectations(std::vector<sim::Expectation> expectations);
  // Re-evaluates side's column; `final` holds the report's results once the
  // run has finished.
  void update(RunSide side, const sim::MetricsSnapshot& snapshot,
              const std::vector<sim::ExpectationResult>* final);
  void setCompareActive(bool active, const QString& b_name = QString());

  QPushButton* exportButton() const { return m_export; }
  QToolButton* compareButton() const { return m_compare; }
  // Test accessor: the status text of row `index` for side A ("pending", "pass", ...).
  QString statusText(int index) const;

 private:
  std::vector<sim::Expectation> m_expectations;
  QLabel* m_verdict;
  QTreeWidget* m_tree;
  QPushButton* m_export;
  QToolButton* m_compare;
};

}  // namespace staylab::ui
