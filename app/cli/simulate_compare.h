#pragma once

// `staylab-cli simulate FILE` for a scenario with `compare:`: runs A and B
// (simulator/engine/comparison_run.h), prints both runs' tables and the
// expectations over them, and writes the comparison's report
// (simulator/report/comparison_report.h). Internal to app/cli.

#include <filesystem>
#include <ostream>
#include <string>

#include "app/cli/cli_commands.h"
#include "simulator/engine/engine.h"
#include "simulator/scenario/scenario.h"

namespace staylab::app {

// The flags of `simulate`, as given.
struct SimulateFlags {
  std::string scenario;
  std::string seed;
  std::string report;
  std::string until;
  std::string interval;
  std::string data;
  bool quiet = false;
};

// Runs `scenario`'s comparison with `options` (the flags' seed, until and
// interval, for both runs) and writes its report into `report_dir`. Each
// run gets a platform of its own, kept under flags.data's a/ and b/ when
// --keep-data is given. Returns the exit code: 0 when every expectation
// holds, 1 when one fails (each named on stderr with its runs' values), 2
// when run B does not fit (the field inside compare:), 3 for a store
// failure.
int runComparison(const GlobalOptions& global, const SimulateFlags& flags,
                  const sim::Scenario& scenario, sim::EngineOptions options,
                  const std::filesystem::path& report_dir, std::ostream& out, std::ostream& err);

}  // namespace staylab::app
