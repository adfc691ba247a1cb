#pragma once

// One run of a scenario as the desktop app holds it: the parsed scenario, the
// engine over the real platform its RunEnvironment builds (the app's: in a
// fresh temporary data directory that goes away with the engine), that
// platform's stores, and the runner thread that drives it.
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

#include "domain/common/error.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/engine_runner.h"
#include "simulator/scenario/scenario.h"
#include "ui/run_environment.h"

namespace staylab::ui {

// Engine options for a scenario file in `environment`: topologies from its
// assets folder, its platform's topics and its factory of platforms. The
// time-series interval is the engine's default, as for staylab-cli simulate:
// the charts show what timeseries.csv holds (1 s points: finer ones carry too
// few requests each for their rates and percentiles to be read), and a
// finished run exports the same files as the CLI for the same seed.
sim::EngineOptions engineOptionsFor(const RunEnvironment& environment,
                                    const std::filesystem::path& scenario_file);

class Session {
 public:
  // Builds the engine (and its platform, by `environment`) for `scenario`,
  // read from `file`, with a runner paused at time 0. Errors: those of
  // Engine::create.
  [[nodiscard]] static Result<std::unique_ptr<Session>> create(const RunEnvironment& environment,
                                                               std::filesystem::path file,
                                                               sim::Scenario scenario);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  const std::filesystem::path& file() const { return m_file; }
  const sim::Scenario& scenario() const { return m_engine->scenario(); }
  sim::Engine& engine() { return *m_engine; }
  const sim::Engine& engine() const { return *m_engine; }
  sim::EngineRunner& runner() { return *m_runner; }
  // The stores of the real platform the engine drives, or null for a
  // model-only topology. Touch them on the runner's thread only.
  PlatformStores* stores() { return m_stores.get(); }

 private:
  Session(std::filesystem::path file, std::unique_ptr<sim::Engine> engine,
          std::unique_ptr<PlatformStores> stores);

  std::filesystem::path m_file;
  std::unique_ptr<sim::Engine> m_engine;
  std::unique_ptr<PlatformStores> m_stores;     // Over m_engine's system.
  std::unique_ptr<sim::EngineRunner> m_runner;  // Declared last: stopped first.
};

}  // namespace staylab::ui
