#pragma once

// The scenario library: the shipped scenarios (assets/scenarios/*.yaml)
// grouped by what they teach — Baseline, Failures, Delivery, Contention,
// Validation — with the selected one's description below. Activating one
// (double click, Enter or the Load button) asks the main window to open it.
// UI thread only; it reads the scenario files once, when populated.

#include <QWidget>
#include <filesystem>

#include "simulator/scenario/scenario.h"

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace staylab::ui {

// Returns the group a scenario belongs to in the library: what its file's
// `group` says it teaches, or "Other".
QString scenarioGroup(const sim::Scenario& scenario);

class ScenarioLibrary : public QWidget {
  Q_OBJECT

 public:
  explicit ScenarioLibrary(QWidget* parent = nullptr);

  // Lists the scenarios of `directory`.
  void populate(const std::filesystem::path& directory);
  // Marks `file` as the open one (selected, bold).
  void setCurrent(const std::filesystem::path& file);
  int scenarioCount() const;

 Q_SIGNALS:
  void openRequested(const QString& file);

 private:
  void showDescription(QTreeWidgetItem* item);

  QTreeWidget* m_tree;
  QLabel* m_description;
  QPushButton* m_load;
};

}  // namespace staylab::ui
