// How responsive the desktop app stays while the engine runs flat out: the
// main window (offscreen) on the default scenario, the engine at max speed
// on its runner thread, and a 5 ms QTimer on the UI thread whose lateness
// (actual gap minus 5 ms) is the event-loop latency a user would feel. It
// prints p50, p99 and max as counters and the p99 against a 50 ms target.
// A program that prints figures, not a test.

#include <benchmark/benchmark.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "app/cli/cli_commands.h"
#include "ui/main_window.h"

namespace {

constexpr int kTickMs = 5;
constexpr int kMeasureMs = 4000;
constexpr double kTargetMs = 50;

double percentile(std::vector<double> values, double fraction) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[index];
}

void BM_UiEventLoopLatencyWhileEngineRunsAtMaxSpeed(benchmark::State& state) {
  for (auto _ : state) {
    staylab::ui::MainWindow window;
    window.resize(1280, 800);
    window.show();
    window.setSpeed(0);
    window.openScenario(QString::fromStdString(
        (staylab::app::assetsDir() / "scenarios" / "steady-state.yaml").string()));
    if (!QTest::qWaitFor([&] { return window.session() != nullptr && !window.isLoading(); },
                         60'000)) {
      state.SkipWithError("the scenario did not load");
      return;
    }
    window.play();

    std::vector<double> lateness;
    QElapsedTimer clock;
    clock.start();
    qint64 last = clock.nsecsElapsed();
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    tick.setInterval(kTickMs);
    QObject::connect(&tick, &QTimer::timeout, [&] {
      const qint64 now = clock.nsecsElapsed();
      lateness.push_back(std::max(0.0, static_cast<double>(now - last) / 1e6 - kTickMs));
      last = now;
    });
    tick.start();
    QEventLoop loop;
    QTimer::singleShot(kMeasureMs, &loop, &QEventLoop::quit);
    loop.exec();
    tick.stop();
    const staylab::sim::Nanos reached = window.session()->engine().status().now;
    window.pause();

    const double p50 = percentile(lateness, 0.50);
    const double p99 = percentile(lateness, 0.99);
    const double max = lateness.empty() ? 0 : *std::max_element(lateness.begin(), lateness.end());
    state.counters["p50_ms"] = p50;
    state.counters["p99_ms"] = p99;
    state.counters["max_ms"] = max;
    state.counters["ticks"] = static_cast<double>(lateness.size());
    state.counters["virtual_s"] = static_cast<double>(reached) / 1e9;
    std::printf(
        "UI event-loop lateness over %d ms with the engine at max speed "
        "(%.1f s of virtual time): p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
        "p99 %s the %.0f ms target\n",
        kMeasureMs, static_cast<double>(reached) / 1e9, p50, p99, max,
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
  QApplication app(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
