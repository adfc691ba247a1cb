#pragma once

// The scenario library: the shipped scenarios (assets/scenarios/*.yaml)
// grouped by what they teach — Baseline, Failures, Delivery, Contention,
// Validation — with the selected one's description below. Activating one
// (double click, Enter or the Load button) asks the main window to open it.
// UI thread only; it reads the scenario files once, when populated.

#include <QWidget>
#include <filesystem>

class QLabel;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;

namespace staylab::ui {

// Returns the group a scenario belongs to, from keywords in its file name
// and description: "Baseline", "Failures", "Delivery", "Contention",
// "Validation" or "Other".
QString scenarioGroup(const QString& file_name, const QString& description);

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
