// How responsive the desktop app stays while the engine runs flat out: the
// main window (offscreen) on the default scenario, the engine at max speed
// on its runner thread, and a 5 ms QTimer on the UI thread whose lateness
// (actual gap minus 5 ms) is the event-loop latency a user would feel. The
// scenario is run to its end several times (reset in between); only the
// gaps during which the engine was running count. It prints p50, p99 and
// max, the p99 against a 50 ms target, and the slowest events the UI thread
// delivered, so that a regression names its handler.
// A program that prints figures, not a test.

#include <benchmark/benchmark.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QMetaEnum>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/gui/desktop_environment.h"
#include "ui/main_window.h"
#include "ui/session.h"

namespace {

constexpr int kTickMs = 5;
constexpr int kRuns = 5;
constexpr double kTargetMs = 50;
constexpr double kSlowEventMs = 5;

// Times every event the UI thread delivers at the outermost level.
class TimedApplication : public QApplication {
 public:
  using QApplication::QApplication;

  struct Delivery {
    double ms;
    QString what;
  };

  bool notify(QObject* receiver, QEvent* event) override {
    if (m_depth > 0 || !m_recording)
      return QApplication::notify(receiver, event);
    ++m_depth;
    QElapsedTimer timer;
    timer.start();
    const QEvent::Type type = event->type();
    const bool result = QApplication::notify(receiver, event);
    const double ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    --m_depth;
    if (ms >= kSlowEventMs) {
      const char* name = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
      m_slow.push_back({ms, QStringLiteral("%1 to %2 %3")
                                .arg(QString::fromLatin1(name != nullptr ? name : "?"),
                                     QString::fromLatin1(receiver->metaObject()->className()),
                                     receiver->objectName())});
    }
    return result;
  }

  void setRecording(bool on) { m_recording = on; }
  std::vector<Delivery> takeSlow() { return std::exchange(m_slow, {}); }

 private:
  int m_depth = 0;
  bool m_recording = false;
  std::vector<Delivery> m_slow;
};

double percentile(std::vector<double> values, double fraction) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

// Runs the event loop until `done` holds (checked every 10 ms) or the
// timeout passes. Unlike QTest::qWaitFor, which sleeps between its rounds of
// event processing, this leaves the loop free to deliver events on time.
template <typename Predicate>
bool waitUntil(Predicate done, int timeout_ms) {
  if (done())
    return true;
  QEventLoop loop;
  QTimer poll;
  poll.setInterval(10);
  QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
    if (done())
      loop.quit();
  });
  QTimer::singleShot(timeout_ms, &loop, &QEventLoop::quit);
  poll.start();
  loop.exec();
  return done();
}

bool engineRunning(const staylab::ui::MainWindow& window) {
  return window.session() != nullptr && !window.isLoading() &&
         window.session()->runner().state() == staylab::sim::RunnerState::Running;
}

void BM_UiEventLoopLatencyWhileEngineRunsAtMaxSpeed(benchmark::State& state) {
  auto* application = static_cast<TimedApplication*>(qApp);
  const staylab::ui::RunEnvironment environment = staylab::app::desktopEnvironment();
  for (auto _ : state) {
    staylab::ui::MainWindow window(environment);
    window.resize(1280, 800);
    window.show();
    window.setSpeed(0);
    window.openScenario(QString::fromStdString(
        (environment.assets_dir / "scenarios" / "steady-state.yaml").string()));

    // Lateness of the ticks whose whole gap the engine spent running.
    std::vector<double> lateness;
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    bool was_running = false;
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(kTickMs);
    QObject::connect(&tick, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      const bool running = engineRunning(window);
      if (was_running && running)
        lateness.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - kTickMs));
      last = now;
      was_running = running;
    });
    tick.start();
    application->setRecording(true);

    QElapsedTimer running_wall;
    double virtual_seconds = 0;
    for (int run = 0; run < kRuns; ++run) {
      if (!waitUntil([&] { return window.session() != nullptr && !window.isLoading(); }, 120'000)) {
        state.SkipWithError("the scenario did not load");
        return;
      }
      window.play();
      running_wall.start();
      if (!waitUntil(
              [&] {
                return window.session()->runner().state() == staylab::sim::RunnerState::Finished;
              },
              600'000)) {
        state.SkipWithError("the run did not finish");
        return;
      }
      virtual_seconds += static_cast<double>(window.session()->engine().status().now) / 1e9;
      if (run + 1 < kRuns) {
        // Let the window take in the end of the run before starting over.
        waitUntil([] { return false; }, 500);
        window.reset();
      }
    }
    application->setRecording(false);
    tick.stop();

    const double p50 = percentile(lateness, 0.50);
    const double p99 = percentile(lateness, 0.99);
    const double max = lateness.empty() ? 0 : *std::max_element(lateness.begin(), lateness.end());
    state.counters["p50_ms"] = p50;
    state.counters["p99_ms"] = p99;
    state.counters["max_ms"] = max;
    state.counters["ticks"] = static_cast<double>(lateness.size());
    state.counters["virtual_s"] = virtual_seconds;
    std::vector<TimedApplication::Delivery> slow = application->takeSlow();
    std::sort(slow.begin(), slow.end(), [](const auto& a, const auto& b) { return a.ms > b.ms; });
    std::printf("Slowest UI-thread events (of %zu over %.0f ms):\n", slow.size(), kSlowEventMs);
    for (std::size_t index = 0; index < std::min<std::size_t>(slow.size(), 5); ++index)
      std::printf("  %6.1f ms  %s\n", slow[index].ms, qPrintable(slow[index].what));
    std::printf(
        "UI event-loop lateness with the engine at max speed (%d runs, %.1f s of virtual time, "
        "%zu ticks of %d ms while it ran): p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
        "p99 %s the %.0f ms target\n",
        kRuns, virtual_seconds, lateness.size(), kTickMs, p50, p99, max,
        p99 <= kTargetMs ? "meets" : "MISSES", kTargetMs);
  }
}
BENCHMARK(BM_UiEventLoopLatencyWhileEngineRunsAtMaxSpeed)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
    qputenv("QT_QPA_PLATFORM", "offscreen");
  TimedApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
