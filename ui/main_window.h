#pragma once

// Staylab's main window: the scenario library and the expectations on the
// left, the live topology in the centre, the inspector on the right, live
// charts and the store explorers below, run controls and a timeline on the
// toolbar. See DESIGN.md section 5.
//
// Threads: the engine runs on its Session's runner thread. This window reads
// Engine::snapshot() and Engine::status() on a timer (every 150 ms), injects
// faults with Engine::injectFault(), and posts anything that touches the
// platform (finish(), the explorers' reads) with EngineRunner::post(),
// receiving the results through queued calls. Building a session (the
// platform is created and seeded) happens on a loader thread. The UI thread
// never waits for the engine. No modal dialog opens on its own: errors go to
// an inline banner and the status bar.
//
// Settings: QSettings("Staylab", "Staylab") keeps the window geometry, the
// dock layout and the 8 most recent scenario files.

#include <QMainWindow>
#include <QPointer>
#include <array>
#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "simulator/report/report_writer.h"
#include "ui/run_environment.h"
#include "ui/session.h"

class QAction;
class QActionGroup;
class QComboBox;
class QDockWidget;
class QFileDialog;
class QFrame;
class QLabel;
class QMenu;
class QTimer;

namespace staylab::ui {

class ChartsPanel;
class ExplorersPanel;
class HealthModel;
class Inspector;
class ResultsPanel;
class ScenarioLibrary;
class TimelineBar;
class TopologyView;

// The change a comparison run (B) makes to the scenario.
struct Variant {
  enum class Kind {
    TogglePattern,
    RemoveFault,
    FromFile,  // Run B of the scenario's compare: (sim::scenarioB), as staylab-cli runs it.
  };
  Kind kind = Kind::TogglePattern;
  std::string pattern;    // circuit_breaker, retry, timeout, bulkhead, rate_limit.
  std::size_t fault = 0;  // Index into Scenario::faults.
};

// Returns the scenario with `variant` applied and a label for the legend
// ("retry on", "without store_outage on booking-db at 60s", compare's name
// for FromFile); an unknown pattern or fault index, or FromFile for a
// scenario without compare:, leaves it unchanged.
std::pair<sim::Scenario, std::string> applyVariant(sim::Scenario scenario, const Variant& variant);

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // Builds each run in `environment` and lists the scenarios of its assets
  // folder in the library.
  explicit MainWindow(RunEnvironment environment, QWidget* parent = nullptr);
  ~MainWindow() override;

  // Opens a scenario file: parses it at once (errors go to the banner), then
  // builds its run on the loader thread; sessionReady() follows.
  void openScenario(const QString& file);
  bool isLoading() const { return m_loading; }
  // The run on screen, or null while none is loaded.
  Session* session() const { return m_session.get(); }
  Session* comparisonSession() const { return m_b_session.get(); }

  // Run controls (also on the toolbar and the Run menu).
  void play();
  void pause();
  void togglePlay();
  // Pauses and advances 100 ms of virtual time.
  void step();
  // Rebuilds the run from the scenario: time 0, a fresh platform.
  void reset();
  // Virtual seconds per wall second; 0 runs as fast as possible.
  void setSpeed(double factor);
  double speed() const { return m_speed; }

  // Writes report.html, summary.json and timeseries.csv into `directory`:
  // the final report when the run has finished, else a partial one from the
  // latest snapshot (invariants not yet checked). Returns false (and says
  // why in the banner) when it cannot.
  bool exportReport(const QString& directory);
  // Ask for a scenario file / an export folder in a file dialog that is not
  // modal: the run goes on, and stays under control, while it is open. One
  // of each at a time; asking again raises it. Returns the dialog.
  QFileDialog* promptOpen();
  QFileDialog* promptExport();
  QFileDialog* promptSaveScenario();

  // Writes the run so far as a scenario file (Engine::asRun(): the faults
  // injected and the patterns switched here become part of its timeline), so
  // that staylab-cli simulate replays it. Refuses, saying why in the banner,
  // a run whose timeline would not read back (faults that overlap).
  bool saveRunAsScenario(const QString& file);

  // Switches a pattern that switches live on or off in the run, at the current
  // virtual time (Run > Patterns, and the toolbar's Patterns button).
  // Returns false (and says why in the banner) when it cannot.
  bool switchPattern(std::string_view pattern, bool on);
  // The Patterns menu's action for `pattern`, checked while it is on.
  QAction* patternAction(std::string_view pattern) const;
  // Starts run B: the same scenario with `variant`, at full speed, overlaid.
  void compareWith(const Variant& variant);
  void stopComparison();

  // Grabs the window into dir/shot-<n>.png (and the screen into
  // dir/screen-<n>.png under X11) when the run reaches each virtual time;
  // while shots remain, running goes to the next shot's time and pauses
  // there. With `quit_after`, quits once the last is written.
  void scheduleScreenshots(const QString& directory, std::vector<sim::Nanos> times,
                           bool quit_after);

  // Reads the engine and updates every view (the refresh timer's work).
  void refreshNow();

  TopologyView* topologyView() const { return m_topology; }
  Inspector* inspector() const { return m_inspector; }
  ChartsPanel* charts() const { return m_charts; }
  ResultsPanel* results() const { return m_results; }
  TimelineBar* timeline() const { return m_timeline; }
  ScenarioLibrary* library() const { return m_library; }
  QString bannerText() const;
  QString clockText() const;
  // The final report, once the run has finished and finish() returned.
  const std::optional<sim::RunReport>& finalReport() const { return m_final_report; }

 Q_SIGNALS:
  void sessionReady();
  void runFinished();
  void screenshotTaken(const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildActions();
  void buildMenus();
  void buildToolbar();
  void buildDocks();
  void buildStatusBar();
  void startLoad(std::filesystem::path file, sim::Scenario scenario);
  void adopt(std::uint64_t generation, std::shared_ptr<Result<std::unique_ptr<Session>>> result);
  void adoptComparison(std::uint64_t generation, std::string label,
                       std::shared_ptr<Result<std::unique_ptr<Session>>> result);
  void requestFinish(bool comparison);
  void onFinished(std::uint64_t generation, bool comparison,
                  std::shared_ptr<Result<sim::RunReport>> report);
  void onFaultRequested(const sim::FaultSpec& fault);
  void onComponentSelected(const QString& name);
  void updateRunControls();
  void updateStatus(const sim::EngineStatus& status, sim::RunnerState state);
  void updateTimelineFaults();
  void rebuildCompareMenu();
  // Checks each pattern action as the run has it now (the scenario, the
  // switches done, those asked for), and puts the switches done and those
  // planned on the timeline.
  void updatePatterns();
  void rebuildRecentMenu();
  void addRecent(const QString& file);
  void showError(const QString& message);
  void clearError();
  void driveScreenshots();
  void takeScreenshot();
  void saveLayout();

  // Runs.
  const RunEnvironment m_environment;  // Read by the loader threads too.
  std::shared_ptr<Session> m_session;
  std::shared_ptr<Session> m_b_session;
  std::string m_b_label;
  std::uint64_t m_generation = 0;  // Of the session on screen (bumped per load).
  std::uint64_t m_b_generation = 0;
  bool m_loading = false;
  std::thread m_loader;
  std::thread m_b_loader;
  std::unique_ptr<HealthModel> m_health;
  std::shared_ptr<const sim::MetricsSnapshot> m_snapshot;
  std::shared_ptr<const sim::MetricsSnapshot> m_b_snapshot;
  std::optional<sim::RunReport> m_final_report;
  std::optional<std::vector<sim::ExpectationResult>> m_b_final;
  bool m_finish_requested = false;
  bool m_b_finish_requested = false;
  QString m_export_when_finished;
  std::vector<sim::FaultWindow> m_pending_faults;  // Injected, maybe not in a snapshot yet.
  struct PendingSwitch {
    sim::Nanos asked_at = 0;  // Virtual time when it was asked for.
    std::string pattern;
    bool on = false;
  };
  std::vector<PendingSwitch> m_pending_switches;  // Asked for, maybe not in a snapshot yet.
  bool m_want_running = false;
  double m_speed = 1.0;
  sim::Nanos m_last_now = -1;
  std::uint64_t m_last_events = 0;
  std::chrono::steady_clock::time_point m_last_refresh;
  double m_events_per_second = 0;

  // Screenshots.
  QString m_shot_dir;
  std::deque<sim::Nanos> m_shots;
  bool m_quit_after_shots = false;
  int m_shot_count = 0;
  bool m_in_shot = false;

  // Widgets.
  TopologyView* m_topology = nullptr;
  Inspector* m_inspector = nullptr;
  ChartsPanel* m_charts = nullptr;
  ResultsPanel* m_results = nullptr;
  TimelineBar* m_timeline = nullptr;
  ScenarioLibrary* m_library = nullptr;
  ExplorersPanel* m_explorers = nullptr;
  QFrame* m_banner = nullptr;
  QLabel* m_banner_text = nullptr;
  QLabel* m_clock = nullptr;
  QComboBox* m_speed_combo = nullptr;
  QLabel* m_state_label = nullptr;
  QLabel* m_rate_label = nullptr;
  QLabel* m_faults_label = nullptr;
  QLabel* m_compare_label = nullptr;
  QDockWidget* m_library_dock = nullptr;
  QDockWidget* m_results_dock = nullptr;
  QDockWidget* m_inspector_dock = nullptr;
  QDockWidget* m_charts_dock = nullptr;
  QDockWidget* m_explorers_dock = nullptr;
  QTimer* m_timer = nullptr;

  QAction* m_open_action = nullptr;
  QAction* m_export_action = nullptr;
  QAction* m_save_scenario_action = nullptr;
  QAction* m_quit_action = nullptr;
  QAction* m_play_action = nullptr;
  QAction* m_step_action = nullptr;
  QAction* m_reset_action = nullptr;
  QAction* m_fit_action = nullptr;
  QAction* m_zoom_in_action = nullptr;
  QAction* m_zoom_out_action = nullptr;
  QActionGroup* m_speed_group = nullptr;
  QMenu* m_recent_menu = nullptr;
  QMenu* m_compare_menu = nullptr;
  QMenu* m_patterns_menu = nullptr;
  QPointer<QFileDialog> m_open_dialog;
  QPointer<QFileDialog> m_export_dialog;
  QPointer<QFileDialog> m_save_scenario_dialog;
  // The patterns that switch live (registry order), each with its action.
  std::vector<std::pair<std::string_view, QAction*>> m_pattern_actions;
  QMenu* m_view_menu = nullptr;
};

}  // namespace staylab::ui
