#include "ui/scenario_library.h"

#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <map>

#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/units.h"

namespace staylab::ui {
namespace {

constexpr int kPathRole = Qt::UserRole;
constexpr int kDescriptionRole = Qt::UserRole + 1;

}  // namespace

QString scenarioGroup(const sim::Scenario& scenario) {
  return scenario.group.empty() ? QStringLiteral("Other") : QString::fromStdString(scenario.group);
}

ScenarioLibrary::ScenarioLibrary(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  m_tree = new QTreeWidget(this);
  m_tree->setObjectName(QStringLiteral("scenarioTree"));
  m_tree->setHeaderHidden(true);
  m_tree->setIndentation(12);
  m_tree->setUniformRowHeights(true);
  layout->addWidget(m_tree, 3);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::StyledPanel);
  m_description = new QLabel(scroll);
  m_description->setWordWrap(true);
  m_description->setTextFormat(Qt::RichText);
  m_description->setAlignment(Qt::AlignTop | Qt::AlignLeft);
  m_description->setMargin(4);
  scroll->setWidget(m_description);
  layout->addWidget(scroll, 2);
  m_load = new QPushButton(tr("Load scenario"), this);
  m_load->setEnabled(false);
  layout->addWidget(m_load);

  connect(m_tree, &QTreeWidget::currentItemChanged, this,
          [this](QTreeWidgetItem* item) { showDescription(item); });
  connect(m_tree, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
    if (item != nullptr && !item->data(0, kPathRole).toString().isEmpty())
      Q_EMIT openRequested(item->data(0, kPathRole).toString());
  });
  connect(m_load, &QPushButton::clicked, this, [this] {
    QTreeWidgetItem* item = m_tree->currentItem();
    if (item != nullptr && !item->data(0, kPathRole).toString().isEmpty())
      Q_EMIT openRequested(item->data(0, kPathRole).toString());
  });
}

void ScenarioLibrary::populate(const std::filesystem::path& directory) {
  m_tree->clear();
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".yaml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::map<QString, QTreeWidgetItem*> groups;
  auto group_item = [&](const QString& name) {
    if (auto found = groups.find(name); found != groups.end())
      return found->second;
    auto* item = new QTreeWidgetItem(m_tree);
    item->setText(0, name);
    QFont font = item->font(0);
    font.setBold(true);
    item->setFont(0, font);
    item->setData(0, kDescriptionRole,
                  tr("<b>%1</b>: the scenarios whose files say they teach this (their "
                     "<code>group</code>)")
                      .arg(name.toHtmlEscaped()));
    item->setFlags(Qt::ItemIsEnabled);
    groups[name] = item;
    return item;
  };
  for (const auto& file : files) {
    auto scenario = sim::parseScenarioFile(file);
    const QString file_name = QString::fromStdString(file.filename().string());
    QString description;
    QString title = file_name;
    if (scenario) {
      title = QString::fromStdString(scenario->name);
      description = QString::fromStdString(scenario->description);
      description = QStringLiteral(
                        "<b>%1</b> &nbsp;<span style='color:#555'>%2 of virtual time, "
                        "%3 fault(s), %4 expectation(s)</span><p>%5</p>")
                        .arg(title.toHtmlEscaped(),
                             QString::fromStdString(sim::formatDuration(scenario->duration)))
                        .arg(scenario->faults.size())
                        .arg(scenario->expectations.size())
                        .arg(description.toHtmlEscaped());
    } else {
      description = tr("<b>%1</b><p style='color:#c62828'>Cannot be read: %2</p>")
                        .arg(file_name.toHtmlEscaped(),
                             QString::fromStdString(scenario.error().describe()).toHtmlEscaped());
    }
    const QString group = scenario ? scenarioGroup(*scenario) : QStringLiteral("Other");
    auto* item = new QTreeWidgetItem(group_item(group));
    item->setText(0, title);
    item->setData(0, kPathRole, QString::fromStdString(file.string()));
    item->setData(0, kDescriptionRole, description);
    item->setToolTip(0, file_name);
  }
  // The groups in alphabetical order, "Other" last.
  QList<QTreeWidgetItem*> ordered;
  for (const auto& [name, item] : groups) {
    if (name != QStringLiteral("Other"))
      ordered << m_tree->takeTopLevelItem(m_tree->indexOfTopLevelItem(item));
  }
  if (auto found = groups.find(QStringLiteral("Other")); found != groups.end())
    ordered << m_tree->takeTopLevelItem(m_tree->indexOfTopLevelItem(found->second));
  m_tree->addTopLevelItems(ordered);
  m_tree->expandAll();
}

void ScenarioLibrary::setCurrent(const std::filesystem::path& file) {
  const QString wanted = QString::fromStdString(std::filesystem::weakly_canonical(file).string());
  for (int group = 0; group < m_tree->topLevelItemCount(); ++group) {
    QTreeWidgetItem* parent = m_tree->topLevelItem(group);
    for (int child = 0; child < parent->childCount(); ++child) {
      QTreeWidgetItem* item = parent->child(child);
      const std::filesystem::path path(item->data(0, kPathRole).toString().toStdString());
      const bool current =
          QString::fromStdString(std::filesystem::weakly_canonical(path).string()) == wanted;
      QFont font = item->font(0);
      font.setBold(current);
      item->setFont(0, font);
      if (current) {
        m_tree->setCurrentItem(item);
        showDescription(item);
      }
    }
  }
}

int ScenarioLibrary::scenarioCount() const {
  int count = 0;
  for (int group = 0; group < m_tree->topLevelItemCount(); ++group)
    count += m_tree->topLevelItem(group)->childCount();
  return count;
}

void ScenarioLibrary::showDescription(QTreeWidgetItem* item) {
  m_description->setText(item == nullptr ? QString() : item->data(0, kDescriptionRole).toString());
  m_load->setEnabled(item != nullptr && !item->data(0, kPathRole).toString().isEmpty());
}

}  // namespace staylab::ui
