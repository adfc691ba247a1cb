// staylab-cli simulate | scenarios list | scenarios validate | calibrate:
// the simulator's commands. They open no platform data directory of the
// user's: a run builds its own platform in a fresh directory.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>

#include <fmt/format.h>
#include <unistd.h>

#include "app/cli/cli.h"
#include "app/cli/cli_commands.h"
#include "app/cli/output.h"
#include "app/cli/simulate_compare.h"
#include "app/cli/simulate_output.h"
#include "app/platform/platform.h"
#include "app/sim/calibrate.h"
#include "app/sim/simulated_platform.h"
#include "simulator/engine/comparison_run.h"
#include "simulator/engine/engine.h"
#include "simulator/metrics/evaluation.h"
#include "simulator/report/report_writer.h"
#include "simulator/scenario/assets_dir.h"
#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/units.h"

namespace staylab::app {
namespace {

struct ScenarioFlags {
  std::vector<std::string> files;
};

struct CalibrateFlags {
  std::string out;
  std::string properties = "200";
  std::string samples = "300";
};

// Reads --seed: any value a scenario's `seed:` takes, 0 to 2^64 - 1.
Result<std::uint64_t> runSeed(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) {
    return invalidInput("--seed", "must be 0 to {}, got {}",
                        std::numeric_limits<std::uint64_t>::max(), text);
  }
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    // wholeNumber words the message as every other number flag does.
    STAYLAB_TRY(wholeNumber(text, "--seed"));
    return invalidInput("--seed", "must be a whole number from 0 to {}, got {}",
                        std::numeric_limits<std::uint64_t>::max(), text);
  }
  return value;
}

// Checks calibrate's --out before minutes of measuring: its folder must
// exist, and it must not be a folder itself.
Result<void> checkOutputFile(const std::filesystem::path& target) {
  std::error_code error;
  if (std::filesystem::is_directory(target, error)) {
    return invalidInput("--out", "'{}' is a folder; give a file path such as {}/calibrated.yaml",
                        target.string(), target.string());
  }
  const std::filesystem::path folder =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder, error)) {
    return invalidInput("--out", "folder '{}' does not exist; create it first", folder.string());
  }
  return {};
}

// Checks a folder that simulate creates if needed and writes into (--report,
// --keep-data) before the run, so a bad one is named as bad input, not found
// as a store failure once the run is over: it must be a writable folder, or
// not exist yet below one.
Result<void> checkOutputFolder(const std::filesystem::path& folder, std::string_view flag) {
  std::error_code error;
  std::filesystem::path existing = folder;
  while (!existing.empty() && !std::filesystem::exists(existing, error)) {
    existing = existing.parent_path();
  }
  if (existing.empty()) {
    existing = ".";
  }
  if (!std::filesystem::is_directory(existing, error)) {
    return invalidInput(std::string(flag), "'{}' is not a folder, so '{}' cannot be written",
                        existing.string(), folder.string());
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    return invalidInput(std::string(flag), "folder '{}' is not writable, so '{}' cannot be written",
                        existing.string(), folder.string());
  }
  return {};
}

sim::EngineOptions engineOptions(const std::filesystem::path& scenario_file) {
  sim::EngineOptions options;
  options.scenario_dir = scenario_file.parent_path();
  options.topologies_dir = sim::assetsDir() / "topologies";
  options.known_topics = Platform::topicNames();
  return options;
}

int runSimulate(const GlobalOptions& global, const SimulateFlags& flags, std::ostream& out,
                std::ostream& err) {
  const std::filesystem::path file(flags.scenario);
  auto scenario = sim::parseScenarioFile(file);
  if (!scenario)
    return fail(global, err, scenario.error(), kExitBadInput);

  sim::EngineOptions options = engineOptions(file);
  if (!flags.seed.empty()) {
    auto seed = runSeed(flags.seed);
    if (!seed)
      return fail(global, err, seed.error(), kExitBadInput);
    options.seed = *seed;
  }
  if (!flags.until.empty()) {
    auto until = sim::parseDuration(flags.until);
    if (!until) {
      Error error = until.error();
      error.field = "--until";
      return fail(global, err, error, kExitBadInput);
    }
    options.until = until->count();
  }
  if (!flags.interval.empty()) {
    auto interval = sim::parseDuration(flags.interval);
    if (!interval || interval->count() <= 0) {
      return fail(global, err,
                  Error{ErrorKind::InvalidInput, "input.invalid", "--interval",
                        "must be a positive duration such as 1s or 500ms"},
                  kExitBadInput);
    }
    // The engine checks it too; here the error names the flag.
    const sim::Nanos duration = scenario->duration.count();
    const sim::Nanos run_length = options.until ? std::min(*options.until, duration) : duration;
    if (auto checked = sim::checkSampleInterval(interval->count(), run_length, "--interval");
        !checked)
      return fail(global, err, checked.error(), kExitBadInput);
    options.sample_interval = interval->count();
  }
  const std::filesystem::path report_dir =
      flags.report.empty() ? std::filesystem::path("staylab-reports") / scenario->name
                           : std::filesystem::path(flags.report);
  if (auto checked = checkOutputFolder(report_dir, "--report"); !checked)
    return fail(global, err, checked.error(), kExitBadInput);
  if (!flags.data.empty()) {
    if (auto checked = checkOutputFolder(flags.data, "--keep-data"); !checked)
      return fail(global, err, checked.error(), kExitBadInput);
  }
  if (scenario->compare)
    return runComparison(global, flags, *scenario, std::move(options), report_dir, out, err);
  RunTiming timing;
  options.make_system = sim::timedSystemFactory(
      simulatedPlatformFactory(std::filesystem::path(flags.data), !flags.data.empty()),
      timing.platform());

  auto engine = sim::Engine::create(*scenario, options);
  if (!engine)
    return fail(global, err, engine.error(), exitFor(engine.error()));

  // Progress on a terminal only: a pipe or a CI log gets the result alone.
  ProgressLine progress(!flags.quiet && !global.json && ::isatty(STDERR_FILENO) == 1, err);
  sim::Engine& run = **engine;
  const sim::Nanos slice = std::max<sim::Nanos>(run.end() / 1000, sim::kMillisecond);
  while (!run.atEnd()) {
    run.runUntil(run.now() + slice);
    progress.update(run.status());
  }
  progress.clear();

  auto report = run.finish();
  timing.stop();
  if (!report)
    return fail(global, err, report.error(), kExitStoreFailure);
  if (auto written = sim::writeReport(report_dir, *report); !written)
    return fail(global, err, written.error(), kExitStoreFailure);
  if (auto written = timing.write(report_dir); !written)
    return fail(global, err, written.error(), kExitStoreFailure);

  if (global.json) {
    out << sim::summaryJson(*report);
  } else {
    printScenarioLine(out, report->run);
    printRunTables(out, *report, run.topology());
    timing.print(out);
    printVerdict(out, report->expectations, report->passed(), report_dir);
  }
  if (!report->passed()) {
    printFailures(err, report->expectations);
    return kExitRefused;
  }
  return kExitOk;
}

// The shipped scenarios, by file name.
std::vector<std::filesystem::path> shippedScenarios() {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(sim::assetsDir() / "scenarios", error)) {
    if (entry.path().extension() == ".yaml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

int runList(const GlobalOptions& global, std::ostream& out, std::ostream& err) {
  const auto files = shippedScenarios();
  if (files.empty()) {
    return fail(global, err,
                Error{ErrorKind::NotFound, "scenario.io", (sim::assetsDir() / "scenarios").string(),
                      "no scenario files found (set STAYLAB_ASSETS_DIR to the assets folder)"},
                kExitBadInput);
  }
  nlohmann::json list = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (const auto& file : files) {
    auto scenario = sim::parseScenarioFile(file);
    if (!scenario) {
      rows.push_back({file.filename().string(), "(invalid)", scenario.error().describe()});
      continue;
    }
    std::string summary = scenario->description.substr(0, scenario->description.find('\n'));
    list.push_back({{"file", file.string()},
                    {"name", scenario->name},
                    {"description", scenario->description},
                    {"duration", sim::formatDuration(scenario->duration)}});
    if (summary.size() > 70)
      summary = summary.substr(0, 67) + "...";
    rows.push_back({scenario->name, file.filename().string(), summary});
  }
  if (global.json) {
    out << dumpJson(list) << '\n';
  } else {
    printTable(out, {"NAME", "FILE", "WHAT IT TEACHES"}, rows);
  }
  return kExitOk;
}

int runValidate(const GlobalOptions& global, const ScenarioFlags& flags, std::ostream& out,
                std::ostream& err) {
  int code = kExitOk;
  nlohmann::json results = nlohmann::json::array();
  for (const std::string& name : flags.files) {
    const std::filesystem::path file(name);
    auto scenario = sim::parseScenarioFile(file);
    Result<void> verdict;
    if (!scenario) {
      verdict = std::unexpected(scenario.error());
    } else {
      sim::EngineOptions options = engineOptions(file);
      options.validate_only = true;
      // A comparison checks run B too.
      if (scenario->compare) {
        if (auto checked = sim::ComparisonRun::create(*scenario, options); !checked)
          verdict = std::unexpected(checked.error());
      } else if (auto checked = sim::Engine::create(*scenario, options); !checked) {
        verdict = std::unexpected(checked.error());
      }
    }
    if (verdict) {
      results.push_back({{"file", name}, {"valid", true}});
      if (!global.json)
        out << "ok    " << name << '\n';
    } else {
      code = kExitBadInput;
      results.push_back({{"file", name}, {"valid", false}, {"error", errorJson(verdict.error())}});
      if (!global.json) {
        // A reading error names the file already (file:line:column).
        const std::string text = verdict.error().describe();
        err << "staylab-cli: " << (text.starts_with(name) ? text : name + ": " + text) << '\n';
      }
    }
  }
  if (global.json)
    out << dumpJson(results) << '\n';
  return code;
}

int runCalibrate(const GlobalOptions& global, const CalibrateFlags& flags, std::ostream& out,
                 std::ostream& err) {
  auto properties = wholeNumber(flags.properties, "--properties");
  if (!properties)
    return fail(global, err, properties.error(), kExitBadInput);
  auto samples = wholeNumber(flags.samples, "--samples");
  if (!samples)
    return fail(global, err, samples.error(), kExitBadInput);
  if (*properties < 12 || *properties > 100'000) {
    return fail(global, err,
                Error{ErrorKind::InvalidInput, "input.invalid", "--properties",
                      fmt::format("must be 12..100000, got {}", *properties)},
                kExitBadInput);
  }
  if (*samples < 20 || *samples > 100'000) {
    return fail(global, err,
                Error{ErrorKind::InvalidInput, "input.invalid", "--samples",
                      fmt::format("must be 20..100000, got {}", *samples)},
                kExitBadInput);
  }
  const std::filesystem::path target = flags.out.empty() ? std::filesystem::path("calibrated.yaml")
                                                         : std::filesystem::path(flags.out);
  if (auto checked = checkOutputFile(target); !checked)
    return fail(global, err, checked.error(), kExitBadInput);
  CalibrationOptions options;
  options.properties = static_cast<int>(*properties);
  options.samples = static_cast<int>(*samples);
  options.topologies_dir = sim::assetsDir() / "topologies";
  auto calibration = calibrate(options);
  if (!calibration)
    return fail(global, err, calibration.error(), exitFor(calibration.error()));
  if (auto written = writeCalibration(*calibration, target); !written)
    return fail(global, err, written.error(), kExitStoreFailure);
  if (global.json) {
    nlohmann::json json = nlohmann::json::array();
    for (const CalibratedOperation& op : calibration->operations) {
      json.push_back({{"component", op.component},
                      {"operation", op.operation},
                      {"samples", op.samples},
                      {"median_ns", op.median},
                      {"p99_ns", op.p99}});
    }
    out << dumpJson(json) << '\n';
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const CalibratedOperation& op : calibration->operations) {
      rows.push_back({op.component + "." + op.operation, std::to_string(op.samples),
                      sim::formatLatency(op.median), sim::formatLatency(op.p99)});
    }
    printTable(out, {"OPERATION", "SAMPLES", "MEDIAN", "P99"}, rows);
    out << "wrote " << target.string()
        << " (name it in a scenario: topology: { file: " << target.filename().string() << " })\n";
  }
  return kExitOk;
}

}  // namespace

void addSimulatorCommands(CLI::App& app, GlobalOptions& global, Standalone& standalone) {
  auto simulate_flags = std::make_shared<SimulateFlags>();
  auto* simulate = app.add_subcommand(
      "simulate", "Run a scenario: the real platform on a virtual clock, with load and faults");
  simulate->add_option("scenario", simulate_flags->scenario, "Scenario file (YAML)")->required();
  // These flags read an empty value as left out, so one given empty is refused.
  leftOutForDefault(global, simulate->add_option("--seed", simulate_flags->seed,
                                                 "Seed, instead of the scenario's"));
  leftOutForDefault(global, simulate->add_option("--report", simulate_flags->report,
                                                 "Directory for summary.json, timeseries.csv and "
                                                 "report.html (default: staylab-reports/<scenario "
                                                 "name>)"));
  leftOutForDefault(global,
                    simulate->add_option(
                        "--until", simulate_flags->until,
                        "Stop at this virtual time, e.g. 30s (default: the scenario's duration)"));
  leftOutForDefault(
      global,
      simulate->add_option("--interval", simulate_flags->interval,
                           "Time-series interval, e.g. 500ms (default: 1s, longer for long runs)"));
  leftOutForDefault(
      global, simulate->add_option("--keep-data", simulate_flags->data,
                                   "Keep the run's platform data under this directory, a "
                                   "comparison's runs under its a/ and b/ (default: a temporary "
                                   "directory, removed)"));
  simulate->add_flag("--quiet", simulate_flags->quiet, "No progress line");
  simulate->callback([&global, &standalone, simulate_flags] {
    standalone = [&global, simulate_flags](std::ostream& out, std::ostream& err) {
      return runSimulate(global, *simulate_flags, out, err);
    };
  });

  auto* scenarios = app.add_subcommand("scenarios", "List and check scenario files");
  scenarios->require_subcommand(1);
  auto* list =
      scenarios->add_subcommand("list", "List the shipped scenarios and what each teaches");
  list->callback([&global, &standalone] {
    standalone = [&global](std::ostream& out, std::ostream& err) {
      return runList(global, out, err);
    };
  });
  auto validate_flags = std::make_shared<ScenarioFlags>();
  auto* validate = scenarios->add_subcommand(
      "validate",
      "Check scenario files against the schema and their topology; exit 2 if any fails");
  validate->add_option("files", validate_flags->files, "Scenario files")->required();
  validate->callback([&global, &standalone, validate_flags] {
    standalone = [&global, validate_flags](std::ostream& out, std::ostream& err) {
      return runValidate(global, *validate_flags, out, err);
    };
  });

  auto calibrate_flags = std::make_shared<CalibrateFlags>();
  auto* calibrate_command =
      app.add_subcommand("calibrate",
                         "Measure the real operations on this machine and write a topology with "
                         "their service times");
  leftOutForDefault(global, calibrate_command->add_option("--out", calibrate_flags->out,
                                                          "Topology file to write (default: "
                                                          "calibrated.yaml)"));
  calibrate_command->add_option("--properties", calibrate_flags->properties,
                                "Listings to seed first (12-100000, default 200)");
  calibrate_command->add_option("--samples", calibrate_flags->samples,
                                "Calls measured per operation (20-100000, default 300)");
  calibrate_command->callback([&global, &standalone, calibrate_flags] {
    standalone = [&global, calibrate_flags](std::ostream& out, std::ostream& err) {
      return runCalibrate(global, *calibrate_flags, out, err);
    };
  });
}

}  // namespace staylab::app
