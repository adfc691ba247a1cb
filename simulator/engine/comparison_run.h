#pragma once

// A comparison run: a scenario with `compare:` run twice, as run A (the scenario
// as written) and run B (scenarioB(): compare's overrides), on the same
// seed, data and topology and with the same EngineOptions, each over a
// platform of its own; its expectations are evaluated over both
// (ComparisonReport). DESIGN.md section 4: each pattern's case study is one.
//
// Thread safety: a ComparisonRun belongs to one thread, which runs A, then B.

#include <functional>
#include <memory>

#include "domain/common/error.h"
#include "simulator/engine/engine.h"
#include "simulator/report/comparison_report.h"
#include "simulator/scenario/scenario.h"

namespace staylab::sim {

class ComparisonRun {
 public:
  // Called after each slice of a run with that run's status.
  using Progress = std::function<void(RunId run, const EngineStatus& status)>;

  // Creates run A's engine, then run B's, so that a run B that does not fit
  // fails before anything runs. `make_system_b`, when set, makes run B's
  // platform (in a data directory of its own, say); default:
  // options.make_system, called once per run. With options.validate_only
  // both are only checked.
  // Errors: InvalidInput "compare" for a scenario without compare:; those
  // of Engine::create for run A; for run B the same with the field prefixed
  // "compare." ("compare.faults[0].target"); InvalidInput "scenario.value"
  // naming the expectation ("expect[2]"), the message starting "run B:",
  // for a metric of run B that run B does not measure.
  [[nodiscard]] static Result<std::unique_ptr<ComparisonRun>> create(
      const Scenario& scenario, EngineOptions options, SystemFactory make_system_b = {});
  ~ComparisonRun();
  ComparisonRun(const ComparisonRun&) = delete;
  ComparisonRun& operator=(const ComparisonRun&) = delete;

  Engine& engine(RunId run) { return run == RunId::A ? *m_a : *m_b; }
  const Engine& engine(RunId run) const { return run == RunId::A ? *m_a : *m_b; }

  // Runs A to its end and finishes it, then B; evaluates the expectations
  // over both. Call once. Errors: those of Engine::finish.
  [[nodiscard]] Result<ComparisonReport> run(const Progress& progress = {});

 private:
  explicit ComparisonRun(Scenario scenario) : m_scenario(std::move(scenario)) {}

  Scenario m_scenario;
  std::unique_ptr<Engine> m_a;
  std::unique_ptr<Engine> m_b;
};

}  // namespace staylab::sim
