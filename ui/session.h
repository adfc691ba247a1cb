#pragma once

// One run of a scenario as the desktop app holds it: the parsed scenario, the
// engine over the real platform (in a fresh temporary data directory that
// goes away with the engine) and the runner thread that drives it.
//
// Ownership and threads: a Session owns its engine and runner; destroying it
// stops the runner thread first, then closes the engine and its platform.
// Creating one builds and seeds the platform, which takes a moment: the app
// does it off the UI thread (createSession on a loader thread). Once made,
// only the runner's thread touches the engine's run methods and the
// platform; other threads read Engine::snapshot()/status(), call
// Engine::injectFault() and post work with runner().post().

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "app/sim/simulated_platform.h"
#include "domain/common/error.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/engine_runner.h"
#include "simulator/scenario/scenario.h"

namespace staylab::ui {

// Engine options for a scenario file: topologies from the assets folder, the
// platform's topics, a SimulatedPlatform in a fresh temporary directory. The
// time-series interval is the engine's default, as for staylab-cli simulate:
// the charts show what timeseries.csv holds (1 s points: finer ones carry too
// few requests each for their rates and percentiles to be read), and a
// finished run exports the same files as the CLI for the same seed.
sim::EngineOptions engineOptionsFor(const std::filesystem::path& scenario_file);

class Session {
 public:
  // Builds the engine (and its platform) for `scenario`, read from `file`,
  // with a runner paused at time 0. Errors: those of Engine::create.
  [[nodiscard]] static Result<std::unique_ptr<Session>> create(std::filesystem::path file,
                                                               sim::Scenario scenario);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::filesystem::path& file() const { return m_file; }
  const sim::Scenario& scenario() const { return m_engine->scenario(); }
  sim::Engine& engine() { return *m_engine; }
  const sim::Engine& engine() const { return *m_engine; }
  sim::EngineRunner& runner() { return *m_runner; }
  // The real platform the engine drives, or null for a model-only topology.
  // Touch it on the runner's thread only.
  app::SimulatedPlatform* platform();

 private:
  Session(std::filesystem::path file, std::unique_ptr<sim::Engine> engine);

  std::filesystem::path m_file;
  std::unique_ptr<sim::Engine> m_engine;
  std::unique_ptr<sim::EngineRunner> m_runner;  // Declared last: stopped first.
};

}  // namespace staylab::ui
