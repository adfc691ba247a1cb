// The main window over real engine runs (offscreen): opening scenarios,
// running to a virtual time, live charts, a fault injected from the
// inspector, pause and step, export, and the final verdicts.

#include <QAction>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QLineSeries>
#include <QMenu>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <QValueAxis>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>

#include "app/gui/desktop_environment.h"
#include "domain/common/strangler_fig.h"
#include "simulator/engine/engine.h"
#include "simulator/scenario/assets_dir.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/topology/topology.h"
#include "ui/charts_panel.h"
#include "ui/desktop_app.h"
#include "ui/health.h"
#include "ui/inspector.h"
#include "ui/main_window.h"
#include "ui/results_panel.h"
#include "ui/scenario_library.h"
#include "ui/timeline_bar.h"
#include "ui/topology_view.h"

namespace staylab::ui {
namespace {

constexpr int kLoadTimeoutMs = 60'000;

QString scenarioPath(const char* name) {
  return QString::fromStdString(
      (app::desktopEnvironment().assets_dir / "scenarios" / name).string());
}

// Runs the engine to `time` (virtual) on its runner, waits for it and
// refreshes the window.
void runTo(MainWindow& window, sim::Nanos time) {
  window.session()->runner().runTo(time);
  window.session()->runner().waitUntilIdle();
  window.refreshNow();
  QCoreApplication::processEvents();
}

// Runs `staylab-cli simulate FILE --report DIR`; returns its exit code, or
// -1 when it did not finish.
int simulateWithCli(const QString& file, const QString& directory) {
  QProcess cli;
  cli.start(QStringLiteral(STAYLAB_CLI_PATH),
            {QStringLiteral("simulate"), file, QStringLiteral("--report"), directory,
             QStringLiteral("--quiet")});
  if (!cli.waitForFinished(kLoadTimeoutMs) || cli.exitStatus() != QProcess::NormalExit)
    return -1;
  return cli.exitCode();
}

// Runs to the end and waits for the final report (invariants checked).
bool runToTheEnd(MainWindow& window) {
  runTo(window, window.session()->engine().end());
  return QTest::qWaitFor(
      [&] {
        window.refreshNow();
        return window.finalReport().has_value();
      },
      kLoadTimeoutMs);
}

QString healthName(Health health) {
  return QString::fromUtf8(toString(health).data());
}

double largestY(const QLineSeries* series, double from_x) {
  double largest = 0;
  for (const QPointF& point : series->points()) {
    if (point.x() > from_x)
      largest = std::max(largest, point.y());
  }
  return largest;
}

}  // namespace

class MainWindowTest : public QObject {
  Q_OBJECT

 private:
  std::unique_ptr<MainWindow> open(const char* scenario) {
    return openFile(scenarioPath(scenario));
  }
  std::unique_ptr<MainWindow> openFile(const QString& file) {
    auto window = std::make_unique<MainWindow>(app::desktopEnvironment());
    window->resize(1280, 800);
    window->show();
    window->openScenario(file);
    const bool loaded = QTest::qWaitFor(
        [&] { return window->session() != nullptr && !window->isLoading(); }, kLoadTimeoutMs);
    if (!loaded)
      qWarning("scenario %s did not load: %s", qPrintable(file), qPrintable(window->bannerText()));
    return loaded ? std::move(window) : nullptr;
  }

  QTemporaryDir m_settings;

 private Q_SLOTS:
  void initTestCase() {
    // Keep the user's recent files and layout out of it.
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settings.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settings.path());
  }

  void opensSteadyStateWithItsTopologyAndPendingInvariants() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    QCOMPARE(window->session()->scenario().name, std::string("steady-state"));
    QVERIFY(window->topologyView()->colorOf(QStringLiteral("gateway")).isValid());
    QCOMPARE(healthName(window->topologyView()->healthOf(QStringLiteral("booking-db"))),
             QStringLiteral("ok"));
    QCOMPARE(window->charts()->keyText(), QStringLiteral("gateway.*"));
    QCOMPARE(window->inspector()->component(), QStringLiteral("gateway"));
    QCOMPARE(window->results()->statusText(0), QStringLiteral("pending"));  // double_bookings
    QVERIFY(window->bannerText().isEmpty());
    QVERIFY(window->clockText().startsWith(QStringLiteral("00:00:00.000 / 00:02:00.000")));
  }

  void opensBookingStoreOutageWithItsFaultOnTheTimeline() {
    auto window = open("booking-store-outage.yaml");
    QVERIFY(window);
    const auto& faults = window->timeline()->faults();
    QVERIFY(std::any_of(faults.begin(), faults.end(), [](const sim::FaultWindow& fault) {
      return fault.kind == "store_outage" && fault.target == "booking-db" &&
             fault.start == 60 * sim::kSecond && fault.end == 90 * sim::kSecond;
    }));
    runTo(*window, 75 * sim::kSecond);
    QCOMPARE(healthName(window->topologyView()->healthOf(QStringLiteral("booking-db"))),
             QStringLiteral("down"));
    QCOMPARE(window->topologyView()->colorOf(QStringLiteral("booking-db")),
             healthColor(Health::Down));
    // The blast radius stops at the booking service: searches keep working.
    QVERIFY(window->topologyView()->healthOf(QStringLiteral("search-service")) != Health::Down);
    window->charts()->setKey("gateway", "book");
    QLineSeries* errors = window->charts()->series(ChartMetric::ErrorRate, RunSide::A);
    QVERIFY(largestY(errors, 60) > 90.0);
    // A share: the axis stops at 100 % even with points at 100 %.
    const auto axes = errors->attachedAxes();
    const auto vertical = std::find_if(axes.begin(), axes.end(), [](QAbstractAxis* axis) {
      return axis->orientation() == Qt::Vertical;
    });
    QVERIFY(vertical != axes.end());
    QCOMPARE(qobject_cast<QValueAxis*>(*vertical)->max(), 100.0);
  }

  void runningToAVirtualTimeFillsTheCharts() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    runTo(*window, 5 * sim::kSecond);
    QCOMPARE(window->charts()->intervalsShown(RunSide::A), 5);  // 1 s intervals, as the CLI's.
    QVERIFY(window->charts()->series(ChartMetric::Throughput, RunSide::A)->count() > 0);
    QVERIFY(window->charts()->series(ChartMetric::Latency, RunSide::A, 1)->count() > 0);
    QVERIFY(largestY(window->charts()->series(ChartMetric::Throughput, RunSide::A), 0) > 0);
    QVERIFY(window->clockText().startsWith(QStringLiteral("00:00:05.000")));
  }

  void refusedBookingsAreChartedApartFromFailures() {
    // Steady state: bookings that lose a race for their nights are refused
    // (a conflict), while nothing fails.
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    runTo(*window, 30 * sim::kSecond);
    window->charts()->setKey("gateway", "book");
    QCOMPARE(largestY(window->charts()->series(ChartMetric::ErrorRate, RunSide::A, 0), 0), 0.0);
    QVERIFY(largestY(window->charts()->series(ChartMetric::ErrorRate, RunSide::A, 1), 0) > 0.0);
    QCOMPARE(healthName(window->topologyView()->healthOf(QStringLiteral("gateway"))),
             QStringLiteral("ok"));
  }

  void outageFromTheInspectorTurnsBookingDbRedAndRaisesBookErrors() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    runTo(*window, 5 * sim::kSecond);
    QCOMPARE(healthName(window->topologyView()->healthOf(QStringLiteral("booking-db"))),
             QStringLiteral("ok"));
    TopologyView* view = window->topologyView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::KeyboardModifiers(),
                      view->nodeCenter(QStringLiteral("booking-db")));
    QCOMPARE(window->inspector()->component(), QStringLiteral("booking-db"));
    auto* outage = window->inspector()->findChild<QPushButton*>(QStringLiteral("outageButton"));
    QVERIFY(outage != nullptr);
    QVERIFY(outage->isEnabled());
    QVERIFY(
        !window->inspector()->findChild<QPushButton*>(QStringLiteral("crashButton"))->isEnabled());
    QTest::mouseClick(outage, Qt::LeftButton);
    // Red at once, before the engine has run past the injection.
    QCOMPARE(healthName(view->healthOf(QStringLiteral("booking-db"))), QStringLiteral("down"));
    QCOMPARE(view->colorOf(QStringLiteral("booking-db")), healthColor(Health::Down));

    runTo(*window, 8 * sim::kSecond);
    QCOMPARE(healthName(view->healthOf(QStringLiteral("booking-db"))), QStringLiteral("down"));
    QVERIFY(view->healthOf(QStringLiteral("gateway")) != Health::Down);
    window->charts()->setKey("gateway", "book");
    QVERIFY(largestY(window->charts()->series(ChartMetric::ErrorRate, RunSide::A), 5.25) > 50.0);

    // Back after its 10 s window.
    runTo(*window, 20 * sim::kSecond);
    QVERIFY(view->healthOf(QStringLiteral("booking-db")) != Health::Down);
  }

  void patternSwitchedFromTheMenuActsNowAndIsMarkedOnTheTimeline() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    QAction* retry = window->patternAction("retry");
    QVERIFY(retry != nullptr);
    QVERIFY(!retry->isChecked());  // As the scenario has it.
    runTo(*window, 5 * sim::kSecond);
    QVERIFY(retry->isEnabled());
    retry->trigger();
    QVERIFY(retry->isChecked());
    runTo(*window, 8 * sim::kSecond);
    const std::vector<sim::PatternSwitch> expected = {{5 * sim::kSecond, "retry", true}};
    QCOMPARE(window->session()->engine().snapshot()->switches, expected);
    QCOMPARE(window->timeline()->switches(), expected);

    // A pattern the engine cannot switch: refused, named in the banner.
    QVERIFY(!window->switchPattern("saga", true));
    QVERIFY(window->bannerText().contains(QStringLiteral("saga")));

    // After the end, nothing to switch: the action goes back unchecked.
    runTo(*window, window->session()->engine().end());
    QVERIFY(!window->switchPattern("timeout", true));
    QVERIFY(!window->patternAction("timeout")->isChecked());
  }

  void pauseAndStepAdvanceTheClockByTheStep() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    window->setSpeed(10);
    window->play();
    QTest::qWait(300);
    window->pause();
    window->session()->runner().waitUntilIdle();
    QCOMPARE(window->session()->runner().state(), sim::RunnerState::Paused);
    const sim::Nanos before = window->session()->engine().status().now;
    QVERIFY(before > 0);
    window->step();
    window->session()->runner().waitUntilIdle();
    window->refreshNow();
    QCOMPARE(window->session()->engine().status().now, before + 100 * sim::kMillisecond);
    QCOMPARE(window->session()->runner().state(), sim::RunnerState::Paused);
    QCOMPARE(window->timeline()->now(), before + 100 * sim::kMillisecond);
  }

  void exportWritesReportSummaryAndTimeseries() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    runTo(*window, 3 * sim::kSecond);
    QTemporaryDir out;
    QVERIFY(window->exportReport(out.path()));
    for (const char* name : {"report.html", "summary.json", "timeseries.csv"}) {
      QFile file(QDir(out.path()).filePath(QLatin1String(name)));
      QVERIFY2(file.exists(), name);
      QVERIFY2(file.size() > 100, name);
    }
    QFile summary(QDir(out.path()).filePath(QStringLiteral("summary.json")));
    QVERIFY(summary.open(QIODevice::ReadOnly));
    QVERIFY(summary.readAll().contains("steady-state"));
  }

  void fileDialogsLeaveTheRunUnderControl() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    window->setSpeed(10);
    window->play();

    QFileDialog* export_dialog = window->promptExport();
    QVERIFY(export_dialog != nullptr);
    QVERIFY(!export_dialog->isModal());
    QCOMPARE(export_dialog->windowModality(), Qt::NonModal);
    QCOMPARE(window->promptExport(), export_dialog);  // Raised, not opened twice.
    // The window still takes commands while it is open.
    window->pause();
    window->session()->runner().waitUntilIdle();
    QCOMPARE(window->session()->runner().state(), sim::RunnerState::Paused);
    QTemporaryDir out;
    const QString folder = QDir(out.path()).filePath(QStringLiteral("new-folder"));
    Q_EMIT export_dialog->fileSelected(folder);
    QVERIFY(QFile::exists(QDir(folder).filePath(QStringLiteral("summary.json"))));

    QFileDialog* open_dialog = window->promptOpen();
    QVERIFY(open_dialog != nullptr);
    QVERIFY(!open_dialog->isModal());
    Q_EMIT open_dialog->fileSelected(scenarioPath("booking-store-outage.yaml"));
    QVERIFY(QTest::qWaitFor(
        [&] {
          return window->session() != nullptr && !window->isLoading() &&
                 window->session()->scenario().name == "booking-store-outage";
        },
        kLoadTimeoutMs));
  }

  void finishedRunReplacesPendingInvariantsWithVerdicts() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    QCOMPARE(window->results()->statusText(0), QStringLiteral("pending"));
    QVERIFY(runToTheEnd(*window));
    QVERIFY(window->results()->statusText(0).contains(QStringLiteral("PASS")));
    QVERIFY(window->finalReport()->passed());
  }

  void finishedRunExportsTheSameFilesAsTheCli() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    QVERIFY(runToTheEnd(*window));
    QTemporaryDir app_out;
    QVERIFY(window->exportReport(app_out.path()));

    QTemporaryDir cli_out;
    QCOMPARE(simulateWithCli(scenarioPath("steady-state.yaml"), cli_out.path()), 0);

    for (const char* name : {"summary.json", "timeseries.csv", "report.html"}) {
      QFile from_app(QDir(app_out.path()).filePath(QLatin1String(name)));
      QFile from_cli(QDir(cli_out.path()).filePath(QLatin1String(name)));
      QVERIFY2(from_app.open(QIODevice::ReadOnly), name);
      QVERIFY2(from_cli.open(QIODevice::ReadOnly), name);
      const QByteArray app_bytes = from_app.readAll();
      QVERIFY2(app_bytes.size() > 100, name);
      QVERIFY2(app_bytes == from_cli.readAll(), name);
    }
  }

  void runSavedAsAScenarioReplaysItsFaultsAndSwitchesInTheCli() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    runTo(*window, 10 * sim::kSecond);
    TopologyView* view = window->topologyView();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::KeyboardModifiers(),
                      view->nodeCenter(QStringLiteral("booking-db")));
    QTest::mouseClick(window->inspector()->findChild<QPushButton*>(QStringLiteral("outageButton")),
                      Qt::LeftButton);
    runTo(*window, 30 * sim::kSecond);
    QVERIFY(window->switchPattern("retry", true));
    runTo(*window, 40 * sim::kSecond);

    QTemporaryDir dir;
    const QString file = QDir(dir.path()).filePath(QStringLiteral("as-run.yaml"));
    QVERIFY(!window->saveRunAsScenario(QStringLiteral("/nonexistent-folder/as-run.yaml")));
    QVERIFY(window->bannerText().contains(QStringLiteral("Cannot save the run as a scenario")));
    QVERIFY(window->saveRunAsScenario(file));
    auto saved = sim::parseScenarioFile(file.toStdString());
    QVERIFY2(saved.has_value(), saved ? "" : saved.error().describe().c_str());
    QCOMPARE(saved->name, std::string("steady-state-as-run"));
    QCOMPARE(saved->faults.size(), std::size_t{1});
    QVERIFY(saved->faults[0].kind == sim::FaultKind::StoreOutage);
    QCOMPARE(saved->faults[0].target, std::string("booking-db"));
    QCOMPARE(saved->faults[0].at.count(), 10 * sim::kSecond);
    const std::vector<sim::PatternSwitchSpec> switches = {
        {std::chrono::seconds(30), "retry", true}};
    QCOMPARE(saved->switches, switches);

    // The CLI replays the same timeline.
    QVERIFY(runToTheEnd(*window));
    QTemporaryDir app_out;
    QVERIFY(window->exportReport(app_out.path()));
    QTemporaryDir cli_out;
    const int exit_code = simulateWithCli(file, cli_out.path());
    QVERIFY2(exit_code == 0 || exit_code == 1, "the saved scenario did not run");
    QFile app_csv(QDir(app_out.path()).filePath(QStringLiteral("timeseries.csv")));
    QFile cli_csv(QDir(cli_out.path()).filePath(QStringLiteral("timeseries.csv")));
    QVERIFY(app_csv.open(QIODevice::ReadOnly) && cli_csv.open(QIODevice::ReadOnly));
    const QByteArray app_bytes = app_csv.readAll();
    const QByteArray cli_bytes = cli_csv.readAll();
    // Here, interval by interval. (An event due at the very instant of a live
    // action may in general order differently in the replay.)
    QVERIFY(app_bytes.size() > 1000);
    QVERIFY(app_bytes == cli_bytes);
  }

  void resetRebuildsTheRunAtTimeZero() {
    auto window = open("steady-state.yaml");
    QVERIFY(window);
    runTo(*window, 2 * sim::kSecond);
    window->reset();
    QVERIFY(QTest::qWaitFor([&] { return window->session() != nullptr && !window->isLoading(); },
                            kLoadTimeoutMs));
    QCOMPARE(window->session()->engine().status().now, sim::Nanos{0});
    QCOMPARE(window->charts()->intervalsShown(RunSide::A), 0);
  }

  void compareOverlaysTheVariantRunDashed() {
    auto window = open("booking-store-outage.yaml");
    QVERIFY(window);
    Variant variant;
    variant.kind = Variant::Kind::RemoveFault;
    variant.fault = 0;
    window->compareWith(variant);
    QVERIFY(QTest::qWaitFor(
        [&] {
          window->refreshNow();
          return window->charts()->series(ChartMetric::Throughput, RunSide::B)->count() > 40;
        },
        kLoadTimeoutMs));
    // B is told apart from A by its line: dashed, and grey where A has colour.
    const QPen a_pen = window->charts()->series(ChartMetric::Throughput, RunSide::A)->pen();
    const QPen b_pen = window->charts()->series(ChartMetric::Throughput, RunSide::B)->pen();
    QCOMPARE(a_pen.style(), Qt::SolidLine);
    QVERIFY(b_pen.style() != Qt::SolidLine);
    QVERIFY(b_pen.color() != a_pen.color());
    window->stopComparison();
    QCOMPARE(window->charts()->series(ChartMetric::Throughput, RunSide::B)->count(), 0);
  }

  void compareFromTheFileRunsRunBAsTheCliDoes() {
    // The booking store outage, and a run B without it.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString file = dir.filePath(QStringLiteral("outage-compared.yaml"));
    QFile out(file);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(R"(schema: 1
name: outage-compared
description: The booking store's outage, against the same run without it.
duration: 40s
data: { properties: 40 }
load:
  - { phase: steady, for: 35s, arrivals: { kind: poisson, rate: 30/s } }
faults:
  - { at: 10s, for: 10s, kind: store_outage, target: booking-db }
compare:
  name: without-outage
  faults: []
expect:
  - A.error_rate(gateway.book) > B.error_rate(gateway.book)
)");
    out.close();
    auto window = openFile(file);
    QVERIFY(window);
    // The file's run B comes first in the Compare menu.
    QMenu* menu = window->results()->compareButton()->menu();
    QVERIFY(menu != nullptr && !menu->actions().isEmpty());
    QAction* from_file = menu->actions().front();
    QCOMPARE(from_file->text(), QStringLiteral("B: without-outage (from the file)"));
    from_file->trigger();
    QVERIFY(QTest::qWaitFor(
        [&] {
          window->refreshNow();
          return window->comparisonSession() != nullptr &&
                 window->charts()->series(ChartMetric::Throughput, RunSide::B)->count() > 20;
        },
        kLoadTimeoutMs));
    // Run B is the scenario's, built as staylab-cli builds it.
    QVERIFY(window->comparisonSession()->scenario() ==
            sim::scenarioB(window->session()->scenario()));
    QVERIFY(window->comparisonSession()->scenario().faults.empty());
    // Drawn grey and dashed over A.
    const QPen a_pen = window->charts()->series(ChartMetric::Throughput, RunSide::A)->pen();
    const QPen b_pen = window->charts()->series(ChartMetric::Throughput, RunSide::B)->pen();
    QVERIFY(b_pen.style() != Qt::SolidLine);
    QVERIFY(b_pen.color() != a_pen.color());
    window->stopComparison();

    // A scenario without compare: has no such entry.
    auto plain = open("steady-state.yaml");
    QVERIFY(plain);
    const QList<QAction*> plain_actions = plain->results()->compareButton()->menu()->actions();
    QVERIFY(std::none_of(plain_actions.begin(), plain_actions.end(), [](const QAction* action) {
      return action->text().endsWith(QStringLiteral("(from the file)"));
    }));
  }

  void badScenarioFileShowsTheErrorInTheBanner() {
    MainWindow window(app::desktopEnvironment());
    window.openScenario(QStringLiteral("/nonexistent/nothing.yaml"));
    QVERIFY(window.bannerText().contains(QStringLiteral("nothing.yaml")));
    QVERIFY(window.session() == nullptr);
  }

  void desktopOptionsRejectBadInputNamingTheOption() {
    auto rejected = [](const QStringList& arguments, const std::string& field) {
      auto options = parseDesktopOptions(arguments);
      if (options) {
        qWarning("accepted: %s", qPrintable(arguments.join(QLatin1Char(' '))));
        return false;
      }
      if (options.error().describe().find(field) == std::string::npos) {
        qWarning("error without %s: %s", field.c_str(), options.error().describe().c_str());
        return false;
      }
      return true;
    };
    QVERIFY(rejected({QStringLiteral("--speed"), QStringLiteral("fast")}, "--speed"));
    QVERIFY(rejected({QStringLiteral("--speed"), QStringLiteral("-3")}, "--speed"));
    QVERIFY(rejected({QStringLiteral("--speed"), QStringLiteral("inf")}, "--speed"));
    QVERIFY(rejected({QStringLiteral("--screenshot-dir"), QStringLiteral("/tmp"),
                      QStringLiteral("--screenshot-at"), QStringLiteral("30 seconds")},
                     "--screenshot-at"));
    QVERIFY(
        rejected({QStringLiteral("--screenshot-at"), QStringLiteral("30s")}, "--screenshot-dir"));
    QVERIFY(rejected({QStringLiteral("--quit-after-screenshots")}, "--quit-after-screenshots"));
    QVERIFY(rejected({QStringLiteral("a.yaml"), QStringLiteral("b.yaml")}, "scenario"));
    QVERIFY(rejected({QStringLiteral("--colour")}, "arguments"));

    auto options = parseDesktopOptions(
        {QStringLiteral("x.yaml"), QStringLiteral("--speed"), QStringLiteral("x100")});
    QVERIFY(options);
    QCOMPARE(options->scenario, QStringLiteral("x.yaml"));
    QCOMPARE(options->speed, 100.0);
    QVERIFY(!options->run);
    // Screenshots to quit after: nobody will press Run, so it runs at once.
    auto shots = parseDesktopOptions({QStringLiteral("--screenshot-dir"), QStringLiteral("/tmp"),
                                      QStringLiteral("--screenshot-at"), QStringLiteral("30s,75s"),
                                      QStringLiteral("--quit-after-screenshots")});
    QVERIFY(shots);
    QVERIFY(shots->run);
    QCOMPARE(shots->screenshot_at, (std::vector<sim::Nanos>{30 * sim::kSecond, 75 * sim::kSecond}));
  }

  void inspectorShowsTheFacadesRoutingTableOnTheGatewayWhileTheStranglerFigIsOn() {
    auto topology = sim::parseTopologyFile(sim::assetsDir() / "topologies" / "migration.yaml");
    QVERIFY2(topology.has_value(), topology ? "" : topology.error().describe().c_str());
    Inspector inspector;
    inspector.setTopology(*topology);
    inspector.showComponent(QStringLiteral("gateway"));
    auto* box = inspector.findChild<QWidget*>(QStringLiteral("facadeBox"));
    auto* routes = inspector.findChild<QLabel*>(QStringLiteral("facadeRoutes"));
    QVERIFY(box != nullptr && routes != nullptr);
    QVERIFY(box->isHidden());  // The pattern is off: no façade.

    StranglerFacade facade;
    facade.setRoute(RoutedOperation::Search, staylab::Route{Backend::New});
    facade.setRoute(RoutedOperation::Book, staylab::Route{Backend::Legacy, Cohort::Properties, 30});
    inspector.setFacadeRoutes(facade.describe());
    QVERIFY(!box->isHidden());
    QVERIFY(routes->text().contains(QStringLiteral("30% of properties to new")));
    QVERIFY(routes->text().contains(QStringLiteral("search")));

    inspector.showComponent(QStringLiteral("legacy-db"));  // The table is the gateway's.
    QVERIFY(box->isHidden());
    inspector.showComponent(QStringLiteral("gateway"));
    QVERIFY(!box->isHidden());
    inspector.setFacadeRoutes({});  // Switched off.
    QVERIFY(box->isHidden());
  }

  void libraryGroupsTheShippedScenariosByWhatTheyTeach() {
    const auto scenarios = sim::assetsDir() / "scenarios";
    std::map<QString, QStringList> groups;
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(scenarios)) {
      if (entry.path().extension() != ".yaml")
        continue;
      ++files;
      auto scenario = sim::parseScenarioFile(entry.path());
      QVERIFY2(scenario.has_value(), entry.path().c_str());
      groups[scenarioGroup(*scenario)] << QString::fromStdString(scenario->name);
    }
    // Every shipped scenario says what it teaches.
    QVERIFY(!groups.contains(QStringLiteral("Other")));
    QVERIFY(
        groups[QStringLiteral("Data patterns")].contains(QStringLiteral("outbox-vs-dual-write")));
    QVERIFY(groups[QStringLiteral("Resilience patterns")].contains(
        QStringLiteral("slow-store-circuit-breaker")));
    sim::Scenario unnamed;
    QCOMPARE(scenarioGroup(unnamed), QStringLiteral("Other"));
    ScenarioLibrary library;
    library.populate(scenarios);
    QCOMPARE(library.scenarioCount(), files);
  }

  void applyVariantTogglesAPatternOrRemovesAFault() {
    sim::Scenario scenario;
    scenario.faults.push_back(sim::FaultSpec());
    Variant retry;
    retry.pattern = "retry";
    auto [with_retry, label] = applyVariant(scenario, retry);
    QVERIFY(with_retry.patterns.enabled("retry"));
    QCOMPARE(label, std::string("Retry on"));
    Variant remove;
    remove.kind = Variant::Kind::RemoveFault;
    auto [without, removed] = applyVariant(scenario, remove);
    QVERIFY(without.faults.empty());
    QVERIFY(removed.starts_with("without store_outage"));
    Variant from_file;
    from_file.kind = Variant::Kind::FromFile;
    auto [unchanged, as_written] = applyVariant(scenario, from_file);
    QVERIFY(unchanged == scenario);  // No compare: no run B.
    QCOMPARE(as_written, std::string("as written"));
    sim::ComparisonSpec compare;
    compare.name = "no-faults";
    compare.patterns = scenario.patterns;
    compare.faults = std::vector<sim::FaultSpec>();
    scenario.compare = compare;
    auto [run_b, name] = applyVariant(scenario, from_file);
    QVERIFY(run_b == sim::scenarioB(scenario));
    QVERIFY(run_b.faults.empty());
    QCOMPARE(name, std::string("no-faults"));
  }
};

}  // namespace staylab::ui

QTEST_MAIN(staylab::ui::MainWindowTest)
#include "main_window_test.moc"
