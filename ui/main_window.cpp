#include "ui/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFrame>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPixmap>
#include <QPushButton>
#include <QSaveFile>
#include <QScreen>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include <fmt/format.h>

#include "simulator/metrics/evaluation.h"
#include "simulator/patterns/registry.h"
#include "simulator/scenario/pattern_switches.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"
#include "simulator/scenario/units.h"
#include "ui/charts_panel.h"
#include "ui/explorers/explorers_panel.h"
#include "ui/health.h"
#include "ui/inspector.h"
#include "ui/results_panel.h"
#include "ui/scenario_library.h"
#include "ui/timeline_bar.h"
#include "ui/topology_view.h"

namespace staylab::ui {
namespace {

constexpr int kRefreshMs = 150;
constexpr int kMaxRecent = 8;
constexpr sim::Nanos kStep = 100 * sim::kMillisecond;
const char* const kRecentKey = "recentFiles";

QString q(const std::string& text) {
  return QString::fromStdString(text);
}

// Returns "hh:mm:ss.mmm".
QString clockString(sim::Nanos time) {
  const std::int64_t millis = time / sim::kMillisecond;
  return QStringLiteral("%1:%2:%3.%4")
      .arg(millis / 3'600'000, 2, 10, QLatin1Char('0'))
      .arg(millis / 60'000 % 60, 2, 10, QLatin1Char('0'))
      .arg(millis / 1000 % 60, 2, 10, QLatin1Char('0'))
      .arg(millis % 1000, 3, 10, QLatin1Char('0'));
}

std::string faultLabel(const sim::FaultSpec& fault) {
  return sim::isLinkFault(fault.kind) ? fault.target + "->" + fault.peer : fault.target;
}

// The window a fault occupies on the timeline.
sim::FaultWindow plannedWindow(const sim::FaultSpec& fault, sim::Nanos run_end) {
  sim::FaultWindow window;
  window.start = fault.at.count();
  window.kind = std::string(sim::toString(fault.kind));
  window.target = faultLabel(fault);
  if (fault.restart_after)
    window.end = window.start + fault.restart_after->count();
  else if (fault.length.count() > 0)
    window.end = window.start + fault.length.count();
  else if (fault.kind == sim::FaultKind::InstanceKill ||
           fault.kind == sim::FaultKind::ConsumerCrash)
    window.end = run_end;
  else
    window.end = window.start;
  return window;
}

// Returns a pattern's name for people, as the registry gives it.
std::string patternName(std::string_view pattern) {
  const sim::Pattern* found = sim::findPattern(pattern);
  return found != nullptr ? std::string(found->title()) : std::string(pattern);
}

}  // namespace

std::pair<sim::Scenario, std::string> applyVariant(sim::Scenario scenario, const Variant& variant) {
  std::string label = "as written";
  if (variant.kind == Variant::Kind::TogglePattern) {
    const bool on = !scenario.patterns.enabled(variant.pattern);
    if (scenario.patterns.setEnabled(variant.pattern, on))
      label = fmt::format("{} {}", patternName(variant.pattern), on ? "on" : "off");
  } else if (variant.kind == Variant::Kind::FromFile) {
    if (scenario.compare) {
      label = scenario.compare->name;
      scenario = sim::scenarioB(scenario);
    }
  } else if (variant.fault < scenario.faults.size()) {
    const sim::FaultSpec& fault = scenario.faults[variant.fault];
    label = fmt::format("without {} on {} at {}", sim::toString(fault.kind), faultLabel(fault),
                        sim::formatDuration(fault.at));
    scenario.faults.erase(scenario.faults.begin() + static_cast<std::ptrdiff_t>(variant.fault));
  }
  return {std::move(scenario), std::move(label)};
}

MainWindow::MainWindow(RunEnvironment environment, QWidget* parent)
    : QMainWindow(parent), m_environment(std::move(environment)) {
  setWindowTitle(tr("Staylab"));
  setDockNestingEnabled(true);
  setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);

  auto* central = new QWidget(this);
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  m_banner = new QFrame(central);
  m_banner->setObjectName(QStringLiteral("banner"));
  m_banner->setStyleSheet(
      QStringLiteral("#banner { background: #fdecea; border-bottom: 1px solid #e57373; } QLabel { "
                     "color: #b71c1c; }"));
  auto* banner_layout = new QHBoxLayout(m_banner);
  banner_layout->setContentsMargins(8, 4, 4, 4);
  m_banner_text = new QLabel(m_banner);
  m_banner_text->setWordWrap(true);
  m_banner_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
  banner_layout->addWidget(m_banner_text, 1);
  auto* close = new QToolButton(m_banner);
  close->setText(QStringLiteral("✕"));
  close->setAutoRaise(true);
  close->setToolTip(tr("Dismiss"));
  connect(close, &QToolButton::clicked, this, &MainWindow::clearError);
  banner_layout->addWidget(close);
  m_banner->hide();
  layout->addWidget(m_banner);
  m_topology = new TopologyView(central);
  m_topology->setObjectName(QStringLiteral("topologyView"));
  layout->addWidget(m_topology, 1);
  setCentralWidget(central);

  buildActions();
  buildToolbar();
  buildDocks();
  buildMenus();
  buildStatusBar();

  connect(m_topology, &TopologyView::componentSelected, this, &MainWindow::onComponentSelected);
  connect(m_inspector, &Inspector::faultRequested, this, &MainWindow::onFaultRequested);
  connect(m_library, &ScenarioLibrary::openRequested, this, &MainWindow::openScenario);
  connect(m_timeline, &TimelineBar::runToRequested, this, [this](sim::Nanos time) {
    if (m_session) {
      m_want_running = false;
      m_session->runner().runTo(time);
      updateRunControls();
    }
  });
  connect(m_results->exportButton(), &QPushButton::clicked, this, &MainWindow::promptExport);

  m_library->populate(m_environment.assets_dir / "scenarios");

  resize(1280, 800);
  QSettings settings(QStringLiteral("Staylab"), QStringLiteral("Staylab"));
  if (settings.contains(QStringLiteral("geometry")))
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
  if (settings.contains(QStringLiteral("windowState")))
    restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
  rebuildRecentMenu();

  m_timer = new QTimer(this);
  m_timer->setObjectName(QStringLiteral("refreshTimer"));
  m_timer->setInterval(kRefreshMs);
  connect(m_timer, &QTimer::timeout, this, &MainWindow::refreshNow);
  m_timer->start();
  m_last_refresh = std::chrono::steady_clock::now();
  updateRunControls();
}

MainWindow::~MainWindow() {
  m_timer->stop();
  disconnect(m_topology, nullptr, this, nullptr);
  if (m_explorers != nullptr)
    m_explorers->attach(nullptr, nullptr);
  // Stop the runs before any widget goes: their threads call back into this
  // window until they are joined.
  if (m_loader.joinable())
    m_loader.join();
  if (m_b_loader.joinable())
    m_b_loader.join();
  m_b_session.reset();
  m_session.reset();
}

// --- Building -------------------------------------------------------------

void MainWindow::buildActions() {
  m_open_action = new QAction(tr("&Open…"), this);
  m_open_action->setShortcut(QKeySequence::Open);
  m_open_action->setToolTip(tr("Open a scenario file (Ctrl+O)"));
  connect(m_open_action, &QAction::triggered, this, &MainWindow::promptOpen);

  m_export_action = new QAction(tr("&Export report…"), this);
  m_export_action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  connect(m_export_action, &QAction::triggered, this, &MainWindow::promptExport);
  m_save_scenario_action = new QAction(tr("&Save run as scenario…"), this);
  m_save_scenario_action->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
  m_save_scenario_action->setToolTip(
      tr("Write this run as a scenario file, with the faults injected and the patterns "
         "switched here on its timeline, for staylab-cli simulate to replay"));
  connect(m_save_scenario_action, &QAction::triggered, this, &MainWindow::promptSaveScenario);

  m_quit_action = new QAction(tr("&Quit"), this);
  m_quit_action->setShortcut(QKeySequence::Quit);
  connect(m_quit_action, &QAction::triggered, this, &QWidget::close);

  m_play_action = new QAction(tr("Run"), this);
  m_play_action->setShortcut(QKeySequence(Qt::Key_Space));
  m_play_action->setShortcutContext(Qt::WindowShortcut);
  connect(m_play_action, &QAction::triggered, this, &MainWindow::togglePlay);

  m_step_action = new QAction(tr("Step +100ms"), this);
  m_step_action->setShortcuts(
      {QKeySequence(Qt::Key_Right), QKeySequence(Qt::Key_S), QKeySequence(Qt::Key_F10)});
  m_step_action->setToolTip(tr("Pause and advance 100 ms of virtual time (→, S or F10)"));
  connect(m_step_action, &QAction::triggered, this, &MainWindow::step);

  m_reset_action = new QAction(tr("Reset"), this);
  m_reset_action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  m_reset_action->setToolTip(
      tr("Rebuild the run from the scenario: time 0, fresh platform (Ctrl+R)"));
  connect(m_reset_action, &QAction::triggered, this, &MainWindow::reset);

  m_speed_group = new QActionGroup(this);
  const std::array<std::pair<QString, double>, 4> speeds = {
      {{tr("×1"), 1.0}, {tr("×10"), 10.0}, {tr("×100"), 100.0}, {tr("Max"), 0.0}}};
  for (const auto& [label, factor] : speeds) {
    auto* action = new QAction(tr("Speed %1").arg(label), m_speed_group);
    action->setCheckable(true);
    action->setData(factor);
    action->setChecked(factor == 1.0);
    connect(action, &QAction::triggered, this, [this, factor = factor] { setSpeed(factor); });
  }

  m_fit_action = new QAction(tr("Fit"), this);
  m_fit_action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  m_fit_action->setToolTip(tr("Fit the topology in the view (Ctrl+0)"));
  connect(m_fit_action, &QAction::triggered, this, [this] { m_topology->fitAll(); });
  m_zoom_in_action = new QAction(tr("Zoom in"), this);
  m_zoom_in_action->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn});
  connect(m_zoom_in_action, &QAction::triggered, this, [this] { m_topology->zoomIn(); });
  m_zoom_out_action = new QAction(tr("Zoom out"), this);
  m_zoom_out_action->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Minus), QKeySequence::ZoomOut});
  connect(m_zoom_out_action, &QAction::triggered, this, [this] { m_topology->zoomOut(); });
  addActions({m_play_action, m_step_action, m_reset_action, m_fit_action, m_zoom_in_action,
              m_zoom_out_action});

  // Patterns switched live: each action's check follows the run's pattern.
  for (const sim::Pattern* pattern : sim::patternRegistry()) {
    if (pattern->live() != sim::LiveSwitch::Yes)
      continue;
    const std::string_view name = pattern->name();
    auto* action = new QAction(q(std::string(pattern->title())), this);
    action->setCheckable(true);
    action->setToolTip(tr("%1 Switch it on or off now, with the scenario's settings for it; the "
                          "switch is marked on the timeline and the charts, and listed in the "
                          "report.")
                           .arg(q(std::string(pattern->summary()))));
    connect(action, &QAction::triggered, this, [this, name](bool on) { switchPattern(name, on); });
    m_pattern_actions.emplace_back(name, action);
  }
  m_patterns_menu = new QMenu(tr("&Patterns (switch now)"), this);
  for (const auto& [name, action] : m_pattern_actions)
    m_patterns_menu->addAction(action);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(m_open_action);
  m_recent_menu = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  file->addAction(m_export_action);
  file->addAction(m_save_scenario_action);
  file->addSeparator();
  file->addAction(m_quit_action);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(m_play_action);
  run->addAction(m_step_action);
  run->addAction(m_reset_action);
  run->addSeparator();
  run->addActions(m_speed_group->actions());
  run->addSeparator();
  run->addMenu(m_patterns_menu);
  m_compare_menu = run->addMenu(tr("&Compare with…"));
  m_results->compareButton()->setMenu(m_compare_menu);

  m_view_menu = menuBar()->addMenu(tr("&View"));
  m_view_menu->addAction(m_fit_action);
  m_view_menu->addAction(m_zoom_in_action);
  m_view_menu->addAction(m_zoom_out_action);
  m_view_menu->addSeparator();
  for (QDockWidget* dock :
       {m_library_dock, m_results_dock, m_inspector_dock, m_charts_dock, m_explorers_dock})
    m_view_menu->addAction(dock->toggleViewAction());
  rebuildCompareMenu();
}

void MainWindow::buildToolbar() {
  QToolBar* bar = addToolBar(tr("Run"));
  bar->setObjectName(QStringLiteral("runToolbar"));
  bar->setMovable(false);
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addAction(m_open_action);
  bar->addSeparator();
  bar->addAction(m_play_action);
  bar->addAction(m_step_action);
  bar->addAction(m_reset_action);
  m_speed_combo = new QComboBox(bar);
  m_speed_combo->setObjectName(QStringLiteral("speedCombo"));
  m_speed_combo->setToolTip(tr("Virtual seconds per wall second"));
  for (QAction* action : m_speed_group->actions())
    m_speed_combo->addItem(action->text().remove(tr("Speed ")), action->data());
  connect(m_speed_combo, &QComboBox::activated, this,
          [this](int index) { setSpeed(m_speed_combo->itemData(index).toDouble()); });
  bar->addWidget(m_speed_combo);
  auto* patterns = new QToolButton(bar);
  patterns->setObjectName(QStringLiteral("patternsButton"));
  patterns->setText(tr("Patterns"));
  patterns->setToolTip(tr("Switch a pattern on or off at the current virtual time"));
  patterns->setMenu(m_patterns_menu);
  patterns->setPopupMode(QToolButton::InstantPopup);
  bar->addWidget(patterns);
  bar->addSeparator();
  m_clock = new QLabel(bar);
  m_clock->setObjectName(QStringLiteral("clock"));
  QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  mono.setPointSizeF(font().pointSizeF());
  m_clock->setFont(mono);
  m_clock->setText(QStringLiteral("--:--:--.--- / --:--:--.---"));
  m_clock->setToolTip(tr("Virtual time / end of the run"));
  bar->addWidget(m_clock);
  m_timeline = new TimelineBar(bar);
  m_timeline->setObjectName(QStringLiteral("timeline"));
  bar->addWidget(m_timeline);
  bar->addSeparator();
  bar->addAction(m_fit_action);
}

void MainWindow::buildDocks() {
  auto make_dock = [this](const QString& title, const char* name, QWidget* widget) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(QLatin1String(name));
    dock->setWidget(widget);
    dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                      QDockWidget::DockWidgetFloatable);
    return dock;
  };
  m_library = new ScenarioLibrary(this);
  m_library_dock = make_dock(tr("Scenarios"), "scenariosDock", m_library);
  m_results = new ResultsPanel(this);
  m_results_dock = make_dock(tr("Expectations"), "expectationsDock", m_results);
  m_inspector = new Inspector(this);
  m_inspector_dock = make_dock(tr("Inspector"), "inspectorDock", m_inspector);
  m_charts = new ChartsPanel(this);
  m_charts_dock = make_dock(tr("Charts"), "chartsDock", m_charts);
  m_explorers = new ExplorersPanel(this);
  m_explorers_dock = make_dock(tr("Explorers"), "explorersDock", m_explorers);

  addDockWidget(Qt::LeftDockWidgetArea, m_library_dock);
  addDockWidget(Qt::LeftDockWidgetArea, m_results_dock);
  tabifyDockWidget(m_library_dock, m_results_dock);
  addDockWidget(Qt::RightDockWidgetArea, m_inspector_dock);
  addDockWidget(Qt::BottomDockWidgetArea, m_charts_dock);
  addDockWidget(Qt::BottomDockWidgetArea, m_explorers_dock);
  tabifyDockWidget(m_charts_dock, m_explorers_dock);
  m_charts_dock->raise();
  m_library_dock->raise();
  resizeDocks({m_library_dock, m_inspector_dock}, {265, 300}, Qt::Horizontal);
  resizeDocks({m_charts_dock}, {250}, Qt::Vertical);
}

void MainWindow::buildStatusBar() {
  m_state_label = new QLabel(this);
  m_state_label->setObjectName(QStringLiteral("stateLabel"));
  m_rate_label = new QLabel(this);
  m_faults_label = new QLabel(this);
  m_faults_label->setTextFormat(Qt::RichText);
  m_compare_label = new QLabel(this);
  statusBar()->addPermanentWidget(m_compare_label);
  statusBar()->addPermanentWidget(m_faults_label);
  statusBar()->addPermanentWidget(m_rate_label);
  statusBar()->addPermanentWidget(m_state_label);
}

// --- Opening and loading --------------------------------------------------

namespace {

// Replaces `path` with `text` whole or not at all; returns why it could not,
// or an empty string.
QString writeWhole(const QString& path, const std::string& text) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(text.data(), static_cast<qint64>(text.size())) !=
          static_cast<qint64>(text.size()) ||
      !file.commit())
    return file.errorString().isEmpty() ? QStringLiteral("write failed") : file.errorString();
  return {};
}

// A file dialog that leaves the window usable while it is open.
QFileDialog* modelessDialog(QWidget* parent, const QString& title, const QString& start) {
  auto* dialog = new QFileDialog(parent, title, start);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setModal(false);
  dialog->setWindowModality(Qt::NonModal);
  return dialog;
}

void bringUp(QFileDialog* dialog) {
  dialog->show();
  dialog->raise();
  dialog->activateWindow();
}

}  // namespace

QFileDialog* MainWindow::promptOpen() {
  if (m_open_dialog) {
    bringUp(m_open_dialog);
    return m_open_dialog;
  }
  const QString start = m_session ? q(m_session->file().parent_path().string())
                                  : q((m_environment.assets_dir / "scenarios").string());
  QFileDialog* dialog = modelessDialog(this, tr("Open scenario"), start);
  dialog->setFileMode(QFileDialog::ExistingFile);
  dialog->setNameFilter(tr("Scenarios (*.yaml *.yml);;All files (*)"));
  connect(dialog, &QFileDialog::fileSelected, this, &MainWindow::openScenario);
  m_open_dialog = dialog;
  bringUp(dialog);
  return dialog;
}

void MainWindow::openScenario(const QString& file) {
  const std::filesystem::path path(file.toStdString());
  auto scenario = sim::parseScenarioFile(path);
  if (!scenario) {
    showError(tr("Cannot open %1: %2").arg(file, q(scenario.error().describe())));
    return;
  }
  clearError();
  startLoad(path, std::move(*scenario));
}

void MainWindow::startLoad(std::filesystem::path file, sim::Scenario scenario) {
  stopComparison();
  if (m_explorers != nullptr)
    m_explorers->attach(nullptr, nullptr);
  // The old run is closed on the loader thread: stopping it and removing its
  // data directory may take a moment.
  std::shared_ptr<Session> old = std::move(m_session);
  m_session.reset();
  m_snapshot.reset();
  m_final_report.reset();
  m_finish_requested = false;
  m_export_when_finished.clear();
  m_pending_faults.clear();
  m_last_now = -1;
  m_loading = true;
  const std::uint64_t generation = ++m_generation;
  setWindowTitle(tr("Staylab — %1 (loading…)").arg(q(scenario.name)));
  m_state_label->setText(tr("Loading: building and seeding the platform…"));
  updateRunControls();
  if (m_loader.joinable())
    m_loader.join();
  m_loader = std::thread([this, old = std::move(old), file = std::move(file),
                          scenario = std::move(scenario), generation]() mutable {
    old.reset();
    auto result = std::make_shared<Result<std::unique_ptr<Session>>>(
        Session::create(m_environment, std::move(file), std::move(scenario)));
    QMetaObject::invokeMethod(
        this, [this, generation, result] { adopt(generation, result); }, Qt::QueuedConnection);
  });
}

void MainWindow::adopt(std::uint64_t generation,
                       std::shared_ptr<Result<std::unique_ptr<Session>>> result) {
  if (generation != m_generation)
    return;  // A later load replaced this one.
  m_loading = false;
  if (!*result) {
    setWindowTitle(tr("Staylab"));
    showError(tr("Cannot start the run: %1").arg(q(result->error().describe())));
    updateRunControls();
    return;
  }
  m_session = std::shared_ptr<Session>(std::move(**result));
  Session& session = *m_session;
  const sim::Scenario& scenario = session.scenario();
  const sim::Topology& topology = session.engine().topology();
  setWindowTitle(tr("Staylab — %1").arg(q(scenario.name)));
  m_health = std::make_unique<HealthModel>(topology);
  m_topology->setTopology(topology);
  m_inspector->setTopology(topology);
  m_charts->reset(session.engine().end());
  const bool has_gateway = topology.findComponent("gateway") != nullptr;
  const QString initial = has_gateway ? QStringLiteral("gateway") : QString();
  m_charts->setKey(has_gateway ? "gateway" : "*", has_gateway ? "*" : "*");
  m_results->setExpectations(scenario.expectations);
  m_timeline->setEnd(session.engine().end());
  m_timeline->setNow(0);
  m_pending_switches.clear();
  updateTimelineFaults();
  m_library->setCurrent(session.file());
  addRecent(q(std::filesystem::absolute(session.file()).string()));
  if (m_explorers != nullptr)
    m_explorers->attach(&session.runner(), session.stores(), &session.engine());
  session.runner().setSpeed(m_speed);
  m_topology->selectComponent(initial);
  if (initial.isEmpty())
    m_inspector->showComponent(QString());
  rebuildCompareMenu();
  updatePatterns();
  if (m_want_running)
    play();
  refreshNow();
  Q_EMIT sessionReady();
}

// --- Run controls -----------------------------------------------------------

void MainWindow::play() {
  m_want_running = true;
  if (m_session) {
    if (!m_shots.empty())
      m_session->runner().runTo(m_shots.front());
    else
      m_session->runner().play();
    m_results_dock->raise();
  }
  updateRunControls();
}

void MainWindow::pause() {
  m_want_running = false;
  if (m_session)
    m_session->runner().pause();
  updateRunControls();
}

void MainWindow::togglePlay() {
  if (m_session && m_session->runner().state() == sim::RunnerState::Running)
    pause();
  else
    play();
}

void MainWindow::step() {
  m_want_running = false;
  if (!m_session)
    return;
  m_session->runner().step(kStep);
  updateRunControls();
}

void MainWindow::reset() {
  if (!m_session || m_loading)
    return;
  m_want_running = false;
  sim::Scenario scenario = m_session->scenario();
  startLoad(m_session->file(), std::move(scenario));
}

void MainWindow::setSpeed(double factor) {
  m_speed = factor;
  for (QAction* action : m_speed_group->actions())
    action->setChecked(action->data().toDouble() == factor);
  const int index = m_speed_combo->findData(factor);
  if (index >= 0)
    m_speed_combo->setCurrentIndex(index);
  if (m_session)
    m_session->runner().setSpeed(factor);
  updateRunControls();
}

void MainWindow::updateRunControls() {
  const bool ready = m_session != nullptr && !m_loading;
  const sim::RunnerState state = ready ? m_session->runner().state() : sim::RunnerState::Paused;
  const bool running = state == sim::RunnerState::Running;
  const bool finished = state == sim::RunnerState::Finished;
  m_play_action->setText(running ? tr("❚❚ Pause") : tr("▶ Run"));
  m_play_action->setToolTip(running ? tr("Pause (Space)") : tr("Run (Space)"));
  m_play_action->setEnabled(ready && !finished);
  m_step_action->setEnabled(ready && !finished);
  m_reset_action->setEnabled(ready);
  m_export_action->setEnabled(ready);
  m_save_scenario_action->setEnabled(ready);
  m_results->exportButton()->setEnabled(ready);
  m_results->compareButton()->setEnabled(ready);
  m_inspector->setRunActive(ready && !finished);
  for (const auto& [name, action] : m_pattern_actions)
    action->setEnabled(ready && !finished);
}

// --- Refreshing -------------------------------------------------------------

void MainWindow::refreshNow() {
  if (!m_session || m_loading) {
    m_compare_label->clear();
    return;
  }
  sim::Engine& engine = m_session->engine();
  const sim::EngineStatus status = engine.status();
  const sim::RunnerState state = m_session->runner().state();
  auto snapshot = engine.snapshot();

  const auto wall = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(wall - m_last_refresh).count();
  if (elapsed >= 0.5) {
    const std::uint64_t events = status.events - std::min(status.events, m_last_events);
    m_events_per_second = static_cast<double>(events) / elapsed;
    m_last_events = status.events;
    m_last_refresh = wall;
  }

  m_clock->setText(clockString(status.now) + QStringLiteral(" / ") + clockString(status.end));
  m_timeline->setNow(status.now);
  const bool new_snapshot = snapshot && snapshot != m_snapshot;
  if (new_snapshot || status.now != m_last_now) {
    if (snapshot) {
      // Faults injected here show up in a snapshot once their interval closes.
      std::erase_if(m_pending_faults, [&](const sim::FaultWindow& pending) {
        return std::any_of(snapshot->faults.begin(), snapshot->faults.end(),
                           [&](const sim::FaultWindow& window) {
                             return window.kind == pending.kind &&
                                    window.target == pending.target &&
                                    window.start >= pending.start;
                           }) ||
               pending.end <= status.now;
      });
      m_health->update(*snapshot, status.now, m_pending_faults);
      m_topology->updateHealth(*m_health);
    }
    m_last_now = status.now;
  }
  if (new_snapshot) {
    m_snapshot = snapshot;
    m_inspector->updateMetrics(*snapshot, *m_health);
    m_charts->updateRun(RunSide::A, snapshot);
    updatePatterns();
    m_results->update(RunSide::A, *snapshot,
                      m_final_report ? &m_final_report->expectations : nullptr);
    updateTimelineFaults();
  }
  if (state == sim::RunnerState::Finished && !m_finish_requested)
    requestFinish(false);

  if (m_b_session) {
    auto b_snapshot = m_b_session->engine().snapshot();
    if (b_snapshot && b_snapshot != m_b_snapshot) {
      m_b_snapshot = b_snapshot;
      m_charts->updateRun(RunSide::B, b_snapshot);
      m_results->update(RunSide::B, *b_snapshot, m_b_final ? &*m_b_final : nullptr);
    }
    const sim::EngineStatus b_status = m_b_session->engine().status();
    if (m_b_session->runner().state() == sim::RunnerState::Finished && !m_b_finish_requested)
      requestFinish(true);
    m_compare_label->setText(tr("B (%1): %2%")
                                 .arg(q(m_b_label))
                                 .arg(b_status.end > 0 ? 100 * b_status.now / b_status.end : 100));
  } else {
    m_compare_label->clear();
  }

  updateStatus(status, state);
  updateRunControls();
  driveScreenshots();
}

void MainWindow::updateStatus(const sim::EngineStatus& status, sim::RunnerState state) {
  QString text;
  switch (state) {
    case sim::RunnerState::Paused:
      text = tr("Paused");
      break;
    case sim::RunnerState::Running:
      text = m_speed > 0 ? tr("Running ×%1").arg(m_speed) : tr("Running at max speed");
      break;
    case sim::RunnerState::Finished:
      text = m_final_report ? tr("Finished") : tr("Finished — checking invariants…");
      break;
  }
  m_state_label->setText(
      QStringLiteral("<b>%1</b> · %2").arg(text, q(sim::formatLatency(status.now))));
  m_state_label->setTextFormat(Qt::RichText);
  m_rate_label->setText(tr("%L1 events/s").arg(m_events_per_second, 0, 'f', 0));
  const auto& active = m_health ? m_health->activeFaults() : std::vector<sim::FaultWindow>();
  if (active.empty()) {
    m_faults_label->setText(tr("no fault active"));
  } else {
    QStringList names;
    for (const sim::FaultWindow& fault : active)
      names << QStringLiteral("%1 on %2").arg(q(fault.kind), q(fault.target));
    m_faults_label->setText(QStringLiteral("<span style='color:#c62828'><b>⚡ %1</b></span>")
                                .arg(names.join(QStringLiteral(", ")).toHtmlEscaped()));
  }
}

void MainWindow::updateTimelineFaults() {
  if (!m_session)
    return;
  std::vector<sim::FaultWindow> faults;
  const sim::Nanos seen = m_snapshot ? m_snapshot->now : 0;
  if (m_snapshot)
    faults = m_snapshot->faults;
  for (const sim::FaultSpec& fault : m_session->scenario().faults) {
    // Planned faults not started yet as of the snapshot.
    if (fault.at.count() >= seen)
      faults.push_back(plannedWindow(fault, m_session->engine().end()));
  }
  faults.insert(faults.end(), m_pending_faults.begin(), m_pending_faults.end());
  std::sort(faults.begin(), faults.end());
  faults.erase(std::unique(faults.begin(), faults.end()), faults.end());
  m_timeline->setFaults(std::move(faults));
}

void MainWindow::updatePatterns() {
  if (!m_session)
    return;
  const sim::Scenario& scenario = m_session->scenario();
  sim::PatternSettings patterns = scenario.patterns;
  std::vector<sim::PatternSwitch> marks;
  const sim::Nanos seen = m_snapshot ? m_snapshot->now : 0;
  if (m_snapshot) {
    // A switch asked for is in a snapshot once recorded; one that changed
    // nothing never is, and is forgotten after two intervals.
    std::erase_if(m_pending_switches, [&](const PendingSwitch& pending) {
      return seen > pending.asked_at + 2 * m_snapshot->sample_interval ||
             std::any_of(m_snapshot->switches.begin(), m_snapshot->switches.end(),
                         [&](const sim::PatternSwitch& done) {
                           return done.pattern == pending.pattern && done.on == pending.on &&
                                  done.at >= pending.asked_at;
                         });
    });
    for (const sim::PatternSwitch& done : m_snapshot->switches) {
      // With the settings it moved (a strangler fig's routes); a switch
      // whose settings cannot be read again still switches.
      if (!sim::applyPatternSwitch(
              patterns, sim::PatternSwitchSpec(std::chrono::nanoseconds(done.at), done.pattern,
                                               done.on, done.settings)))
        patterns.setEnabled(done.pattern, done.on);
    }
    marks = m_snapshot->switches;
  }
  for (const PendingSwitch& pending : m_pending_switches)
    patterns.setEnabled(pending.pattern, pending.on);
  for (const sim::PatternSwitchSpec& planned : scenario.switches) {
    if (planned.at.count() >= seen)
      marks.push_back(
          sim::PatternSwitch{planned.at.count(), planned.pattern, planned.on, planned.settings});
  }
  for (const auto& [name, action] : m_pattern_actions)
    action->setChecked(patterns.enabled(name));
  std::vector<std::string> off;
  for (const sim::Pattern* pattern : sim::patternRegistry()) {
    if (pattern->kind() == sim::PatternKind::Platform && !patterns.enabled(pattern->name()))
      off.emplace_back(pattern->name());
  }
  m_inspector->setPatternsOff(std::move(off));
  const sim::PlatformBuild build = sim::platformBuildOf(patterns);
  m_inspector->setFacadeRoutes(build.strangler_fig ? build.facade.describe() : std::string());
  m_timeline->setSwitches(std::move(marks));
}

QAction* MainWindow::patternAction(std::string_view pattern) const {
  for (const auto& [name, action] : m_pattern_actions) {
    if (name == pattern)
      return action;
  }
  return nullptr;
}

bool MainWindow::switchPattern(std::string_view pattern, bool on) {
  QAction* action = patternAction(pattern);
  const auto refuse = [&](const QString& why) {
    if (action != nullptr)
      action->setChecked(!on);  // Back to what the run has.
    updatePatterns();
    showError(why);
    return false;
  };
  if (!m_session || m_loading)
    return refuse(tr("No run to switch %1 in").arg(q(patternName(pattern))));
  if (m_session->runner().state() == sim::RunnerState::Finished)
    return refuse(tr("The run has ended: reset it to switch %1").arg(q(patternName(pattern))));
  if (auto switched = m_session->engine().switchPattern(pattern, on); !switched)
    return refuse(q(switched.error().describe()));
  m_pending_switches.push_back(
      PendingSwitch{m_session->engine().status().now, std::string(pattern), on});
  updatePatterns();
  statusBar()->showMessage(tr("%1 switched %2 at %3")
                               .arg(q(patternName(pattern)), on ? tr("on") : tr("off"),
                                    clockString(m_session->engine().status().now)),
                           8000);
  return true;
}

void MainWindow::onComponentSelected(const QString& name) {
  m_inspector->showComponent(name);
  if (m_snapshot && m_health)
    m_inspector->updateMetrics(*m_snapshot, *m_health);
  if (!name.isEmpty())
    m_charts->setKey(name.toStdString(), "*");
}

// --- Faults -----------------------------------------------------------------

void MainWindow::onFaultRequested(const sim::FaultSpec& fault) {
  if (!m_session)
    return;
  sim::Engine& engine = m_session->engine();
  if (auto injected = engine.injectFault(fault); !injected) {
    showError(tr("Cannot inject %1 on %2: %3")
                  .arg(q(std::string(sim::toString(fault.kind))), q(fault.target),
                       q(injected.error().describe())));
    return;
  }
  const sim::Nanos now = engine.status().now;
  sim::FaultSpec placed = fault;
  placed.at = std::chrono::nanoseconds(now);
  m_pending_faults.push_back(plannedWindow(placed, engine.end()));
  statusBar()->showMessage(tr("Injected %1 on %2 at %3")
                               .arg(q(std::string(sim::toString(fault.kind))), q(fault.target),
                                    q(sim::formatLatency(now))),
                           5000);
  if (m_snapshot && m_health) {
    m_health->update(*m_snapshot, now, m_pending_faults);
    m_topology->updateHealth(*m_health);
    m_inspector->updateMetrics(*m_snapshot, *m_health);
  }
  updateTimelineFaults();
}

// --- Finishing and exporting -------------------------------------------------

void MainWindow::requestFinish(bool comparison) {
  Session* session = comparison ? m_b_session.get() : m_session.get();
  if (session == nullptr)
    return;
  (comparison ? m_b_finish_requested : m_finish_requested) = true;
  const std::uint64_t generation = comparison ? m_b_generation : m_generation;
  sim::Engine* engine = &session->engine();
  // finish() drains the platform and checks its invariants: on the runner's
  // thread, which owns the platform. The window outlives every runner.
  session->runner().post([this, engine, generation, comparison] {
    auto report = std::make_shared<Result<sim::RunReport>>(engine->finish());
    QMetaObject::invokeMethod(
        this,
        [this, generation, comparison, report] { onFinished(generation, comparison, report); },
        Qt::QueuedConnection);
  });
}

void MainWindow::onFinished(std::uint64_t generation, bool comparison,
                            std::shared_ptr<Result<sim::RunReport>> report) {
  if (generation != (comparison ? m_b_generation : m_generation))
    return;
  if (!*report) {
    showError(tr("The run could not be finished: %1").arg(q(report->error().describe())));
    return;
  }
  if (comparison) {
    m_b_final = (*report)->expectations;
    m_b_snapshot.reset();  // Redraw B from its final snapshot.
    return;
  }
  m_final_report = std::move(**report);
  m_snapshot.reset();  // The final snapshot redraws everything once.
  m_results->update(RunSide::A, m_final_report->metrics, &m_final_report->expectations);
  statusBar()->showMessage(m_final_report->passed() ? tr("Run finished: every expectation holds")
                                                    : tr("Run finished: some expectations fail"),
                           8000);
  if (!m_export_when_finished.isEmpty()) {
    const QString directory = m_export_when_finished;
    m_export_when_finished.clear();
    exportReport(directory);
  }
  Q_EMIT runFinished();
}

QFileDialog* MainWindow::promptExport() {
  if (!m_session)
    return nullptr;
  if (m_export_dialog) {
    bringUp(m_export_dialog);
    return m_export_dialog;
  }
  const QString start =
      QDir::current().filePath(QStringLiteral("staylab-reports/") + q(m_session->scenario().name));
  QFileDialog* dialog = modelessDialog(this, tr("Export the report into"), start);
  dialog->setFileMode(QFileDialog::Directory);
  dialog->setOption(QFileDialog::ShowDirsOnly);
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  connect(dialog, &QFileDialog::fileSelected, this,
          [this](const QString& directory) { exportReport(directory); });
  m_export_dialog = dialog;
  bringUp(dialog);
  return dialog;
}

QFileDialog* MainWindow::promptSaveScenario() {
  if (!m_session)
    return nullptr;
  if (m_save_scenario_dialog) {
    bringUp(m_save_scenario_dialog);
    return m_save_scenario_dialog;
  }
  // Beside the scenario it comes from, so that a topology file it names by
  // a relative path is found again.
  const std::filesystem::path start =
      m_session->file().parent_path() / (m_session->scenario().name + "-as-run.yaml");
  QFileDialog* dialog = modelessDialog(this, tr("Save the run as a scenario"), q(start.string()));
  dialog->setAcceptMode(QFileDialog::AcceptSave);
  dialog->setNameFilter(tr("Scenarios (*.yaml *.yml)"));
  dialog->setDefaultSuffix(QStringLiteral("yaml"));
  connect(dialog, &QFileDialog::fileSelected, this,
          [this](const QString& file) { saveRunAsScenario(file); });
  m_save_scenario_dialog = dialog;
  bringUp(dialog);
  return dialog;
}

bool MainWindow::saveRunAsScenario(const QString& file) {
  if (!m_session) {
    showError(tr("Nothing to save: no run is loaded"));
    return false;
  }
  sim::Scenario scenario = m_session->engine().asRun();
  const sim::Nanos now = m_session->engine().status().now;
  const std::string suffix = "-as-run";
  if (scenario.name.size() + suffix.size() > 64)
    scenario.name.resize(64 - suffix.size());
  scenario.name += suffix;
  scenario.description += fmt::format(
      " (Saved from the desktop app at {} of virtual time, with the faults injected and the "
      "patterns switched there on its timeline.)",
      sim::formatLatency(now));
  const std::string text = sim::toYaml(scenario);
  // Only a file that reads back is worth writing.
  if (auto again = sim::parseScenarioText(text, file.toStdString()); !again) {
    showError(tr("Cannot save the run as a scenario: %1").arg(q(again.error().describe())));
    return false;
  }
  if (const QString error = writeWhole(file, text); !error.isEmpty()) {
    showError(tr("Cannot save the run as a scenario: %1: %2").arg(file, error));
    return false;
  }
  addRecent(file);
  statusBar()->showMessage(tr("Run saved as %1: staylab-cli simulate replays it").arg(file), 8000);
  return true;
}

bool MainWindow::exportReport(const QString& directory) {
  if (!m_session) {
    showError(tr("Nothing to export: no run is loaded"));
    return false;
  }
  sim::RunReport report;
  if (m_final_report) {
    report = *m_final_report;
  } else {
    if (m_finish_requested) {
      // The run is at its end and finish() is on its way: export then.
      m_export_when_finished = directory;
      statusBar()->showMessage(tr("Exporting once the invariants are checked…"), 5000);
      return true;
    }
    auto snapshot = m_session->engine().snapshot();
    if (!snapshot) {
      showError(tr("Nothing to export yet: run the scenario first"));
      return false;
    }
    report.run = sim::RunDescription::of(m_session->scenario());
    report.run.duration = snapshot->now;
    report.run.description += fmt::format(
        " (Partial report at {} of virtual time: the invariants are checked only "
        "when the run ends.)",
        sim::formatLatency(snapshot->now));
    report.metrics = *snapshot;
    report.expectations =
        sim::evaluateAll(m_session->scenario().expectations, *snapshot, sim::InvariantResults());
  }
  // The CLI's bytes, each file replaced whole or not at all.
  const QDir out(directory);
  if (!out.mkpath(QStringLiteral("."))) {
    showError(tr("Cannot write the report: cannot create %1").arg(directory));
    return false;
  }
  const std::pair<const char*, std::string> files[] = {
      {"summary.json", sim::summaryJson(report)},
      {"timeseries.csv", sim::timeseriesCsv(report.metrics)},
      {"report.html", sim::reportHtml(report)},
  };
  for (const auto& [name, text] : files) {
    const QString path = out.filePath(QLatin1String(name));
    if (const QString error = writeWhole(path, text); !error.isEmpty()) {
      showError(tr("Cannot write the report: %1: %2").arg(path, error));
      return false;
    }
  }
  statusBar()->showMessage(tr("Report written to %1").arg(directory), 8000);
  return true;
}

// --- Comparison ---------------------------------------------------------------

void MainWindow::rebuildCompareMenu() {
  m_compare_menu->clear();
  if (!m_session) {
    m_compare_menu->addAction(tr("(open a scenario first)"))->setEnabled(false);
    return;
  }
  const sim::Scenario& scenario = m_session->scenario();
  // The file's own run B first, as staylab-cli simulate runs it.
  if (scenario.compare) {
    QAction* action =
        m_compare_menu->addAction(tr("B: %1 (from the file)").arg(q(scenario.compare->name)));
    connect(action, &QAction::triggered, this, [this] {
      Variant variant;
      variant.kind = Variant::Kind::FromFile;
      compareWith(variant);
    });
    m_compare_menu->addSeparator();
  }
  // Any pattern may differ for a whole run B; a platform's own only where
  // the run has the platform.
  const bool has_platform = m_session->engine().system() != nullptr;
  for (const sim::Pattern* entry : sim::patternRegistry()) {
    if (entry->kind() == sim::PatternKind::Platform && !has_platform)
      continue;
    const std::string_view pattern = entry->name();
    const bool on = scenario.patterns.enabled(pattern);
    QAction* action = m_compare_menu->addAction(
        tr("B: %1 %2").arg(q(std::string(entry->title())), on ? tr("off") : tr("on")));
    connect(action, &QAction::triggered, this, [this, pattern] {
      Variant variant;
      variant.kind = Variant::Kind::TogglePattern;
      variant.pattern = pattern;
      compareWith(variant);
    });
  }
  if (!scenario.faults.empty())
    m_compare_menu->addSeparator();
  for (std::size_t index = 0; index < scenario.faults.size(); ++index) {
    const sim::FaultSpec& fault = scenario.faults[index];
    QAction* action =
        m_compare_menu->addAction(tr("B: without %1 on %2 at %3")
                                      .arg(q(std::string(sim::toString(fault.kind))),
                                           q(faultLabel(fault)), q(sim::formatDuration(fault.at))));
    connect(action, &QAction::triggered, this, [this, index] {
      Variant variant;
      variant.kind = Variant::Kind::RemoveFault;
      variant.fault = index;
      compareWith(variant);
    });
  }
  m_compare_menu->addSeparator();
  QAction* stop = m_compare_menu->addAction(tr("Stop comparing"));
  connect(stop, &QAction::triggered, this, &MainWindow::stopComparison);
}

void MainWindow::compareWith(const Variant& variant) {
  if (!m_session)
    return;
  stopComparison();
  auto [scenario, label] = applyVariant(m_session->scenario(), variant);
  m_b_label = label;
  const std::uint64_t generation = ++m_b_generation;
  if (m_b_loader.joinable())
    m_b_loader.join();
  m_compare_label->setText(tr("B (%1): loading…").arg(q(label)));
  m_b_loader = std::thread([this, file = m_session->file(), scenario = std::move(scenario),
                            label = label, generation]() mutable {
    auto result = std::make_shared<Result<std::unique_ptr<Session>>>(
        Session::create(m_environment, std::move(file), std::move(scenario)));
    QMetaObject::invokeMethod(
        this, [this, generation, label, result] { adoptComparison(generation, label, result); },
        Qt::QueuedConnection);
  });
}

void MainWindow::adoptComparison(std::uint64_t generation, std::string label,
                                 std::shared_ptr<Result<std::unique_ptr<Session>>> result) {
  if (generation != m_b_generation)
    return;
  if (!*result) {
    showError(tr("Cannot run B (%1): %2").arg(q(label), q(result->error().describe())));
    return;
  }
  m_b_session = std::shared_ptr<Session>(std::move(**result));
  m_b_snapshot.reset();
  m_b_final.reset();
  m_b_finish_requested = false;
  m_charts->clearB();
  m_charts->setRunNames(tr("as written"), q(label));
  m_results->setCompareActive(true, q(label));
  m_b_session->runner().setSpeed(0);
  m_b_session->runner().play();
}

void MainWindow::stopComparison() {
  ++m_b_generation;
  if (m_b_session) {
    // Joined here: B runs at full speed and stops within one slice.
    m_b_session.reset();
  }
  m_b_snapshot.reset();
  m_b_final.reset();
  m_b_label.clear();
  if (m_charts != nullptr) {
    m_charts->clearB();
    m_charts->setRunNames(tr("as written"), QString());
  }
  if (m_results != nullptr)
    m_results->setCompareActive(false);
}

// --- Screenshots --------------------------------------------------------------

void MainWindow::scheduleScreenshots(const QString& directory, std::vector<sim::Nanos> times,
                                     bool quit_after) {
  std::sort(times.begin(), times.end());
  m_shot_dir = directory;
  m_shots.assign(times.begin(), times.end());
  m_quit_after_shots = quit_after;
  QDir().mkpath(directory);
  if (m_want_running && m_session && !m_shots.empty())
    m_session->runner().runTo(m_shots.front());
}

void MainWindow::driveScreenshots() {
  if (m_shots.empty() || !m_session || m_loading || m_in_shot)
    return;
  sim::Engine& engine = m_session->engine();
  const sim::RunnerState state = m_session->runner().state();
  const sim::Nanos target = m_shots.front();
  const sim::Nanos now = engine.status().now;
  if (state == sim::RunnerState::Running)
    return;  // On its way to the next shot.
  if (now < target && state != sim::RunnerState::Finished) {
    if (m_want_running)
      m_session->runner().runTo(target);
    return;
  }
  auto snapshot = engine.snapshot();
  if (snapshot && snapshot != m_snapshot)
    return;  // Let the next refresh draw it first.
  takeScreenshot();
  m_shots.pop_front();
  if (m_shots.empty()) {
    if (m_quit_after_shots)
      QTimer::singleShot(0, qApp, &QCoreApplication::quit);
    else if (m_want_running)
      m_session->runner().play();
  } else if (m_want_running) {
    m_session->runner().runTo(m_shots.front());
  }
}

void MainWindow::takeScreenshot() {
  m_in_shot = true;
  QCoreApplication::processEvents();
  ++m_shot_count;
  auto save = [this](const QPixmap& pixmap, const QString& name) {
    const QString path = QDir(m_shot_dir).filePath(name);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || !pixmap.save(&file, "PNG") || !file.commit()) {
      showError(tr("Cannot write the screenshot %1").arg(path));
      return;
    }
    Q_EMIT screenshotTaken(path);
  };
  save(grab(), QStringLiteral("shot-%1.png").arg(m_shot_count));
  if (QGuiApplication::platformName() == QLatin1String("xcb")) {
    if (QScreen* screen = QGuiApplication::primaryScreen())
      save(screen->grabWindow(0), QStringLiteral("screen-%1.png").arg(m_shot_count));
  }
  m_in_shot = false;
}

// --- Errors, recent files, settings -------------------------------------------

void MainWindow::showError(const QString& message) {
  m_banner_text->setText(message);
  m_banner->show();
  statusBar()->showMessage(message, 10000);
}

void MainWindow::clearError() {
  m_banner->hide();
  m_banner_text->clear();
}

QString MainWindow::bannerText() const {
  return m_banner->isHidden() ? QString() : m_banner_text->text();
}

QString MainWindow::clockText() const {
  return m_clock->text();
}

void MainWindow::addRecent(const QString& file) {
  QSettings settings(QStringLiteral("Staylab"), QStringLiteral("Staylab"));
  QStringList recent = settings.value(QLatin1String(kRecentKey)).toStringList();
  recent.removeAll(file);
  recent.prepend(file);
  while (recent.size() > kMaxRecent)
    recent.removeLast();
  settings.setValue(QLatin1String(kRecentKey), recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  m_recent_menu->clear();
  QSettings settings(QStringLiteral("Staylab"), QStringLiteral("Staylab"));
  const QStringList recent = settings.value(QLatin1String(kRecentKey)).toStringList();
  int number = 1;
  for (const QString& file : recent) {
    QAction* action = m_recent_menu->addAction(
        QStringLiteral("&%1 %2").arg(number++).arg(QFileInfo(file).fileName()));
    action->setToolTip(file);
    connect(action, &QAction::triggered, this, [this, file] { openScenario(file); });
  }
  if (recent.isEmpty())
    m_recent_menu->addAction(tr("(none yet)"))->setEnabled(false);
}

void MainWindow::saveLayout() {
  QSettings settings(QStringLiteral("Staylab"), QStringLiteral("Staylab"));
  settings.setValue(QStringLiteral("geometry"), saveGeometry());
  settings.setValue(QStringLiteral("windowState"), saveState());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  saveLayout();
  QMainWindow::closeEvent(event);
}

}  // namespace staylab::ui
