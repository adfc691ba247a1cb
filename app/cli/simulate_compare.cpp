#include "app/cli/simulate_compare.h"

#include <unistd.h>

#include "app/cli/cli.h"
#include "app/cli/simulate_output.h"
#include "app/sim/simulated_platform.h"
#include "simulator/engine/comparison_run.h"
#include "simulator/report/comparison_report.h"

namespace staylab::app {

int runComparison(const GlobalOptions& global, const SimulateFlags& flags,
                  const sim::Scenario& scenario, sim::EngineOptions options,
                  const std::filesystem::path& report_dir, std::ostream& out, std::ostream& err) {
  // Each run's platform in a fresh directory: kept under <data>/a and
  // <data>/b with --keep-data, temporary otherwise.
  const bool keep = !flags.data.empty();
  const std::filesystem::path data(flags.data);
  // Both runs' platform time adds up in one timing.json.
  RunTiming timing;
  options.make_system = sim::timedSystemFactory(
      simulatedPlatformFactory(keep ? data / "a" : data, keep), timing.platform());
  auto comparison = sim::ComparisonRun::create(
      scenario, std::move(options),
      sim::timedSystemFactory(simulatedPlatformFactory(keep ? data / "b" : data, keep),
                              timing.platform()));
  if (!comparison)
    return fail(global, err, comparison.error(), exitFor(comparison.error()));

  // Progress on a terminal only: a pipe or a CI log gets the result alone.
  ProgressLine progress(!flags.quiet && !global.json && ::isatty(STDERR_FILENO) == 1, err);
  auto report = (*comparison)->run([&progress](sim::RunId run, const sim::EngineStatus& status) {
    progress.update(status, run == sim::RunId::A ? "run A " : "run B ");
  });
  progress.clear();
  timing.stop();
  if (!report)
    return fail(global, err, report.error(), kExitStoreFailure);
  if (auto written = sim::writeComparisonReport(report_dir, *report); !written)
    return fail(global, err, written.error(), kExitStoreFailure);
  if (auto written = timing.write(report_dir); !written)
    return fail(global, err, written.error(), kExitStoreFailure);

  if (global.json) {
    out << sim::comparisonSummaryJson(*report);
  } else {
    printScenarioLine(out, report->run);
    out << "run A\n";
    printRunTables(out, report->a, (*comparison)->engine(sim::RunId::A).topology());
    out << "run B: " << report->name << '\n';
    printRunTables(out, report->b, (*comparison)->engine(sim::RunId::B).topology());
    timing.print(out);
    printVerdict(out, report->expectations, report->passed(), report_dir);
  }
  if (!report->passed()) {
    printFailures(err, report->expectations);
    return kExitRefused;
  }
  return kExitOk;
}

}  // namespace staylab::app
