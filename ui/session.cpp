#include "ui/session.h"

#include <algorithm>

#include "app/cli/cli_commands.h"

namespace staylab::ui {

sim::Nanos uiSampleInterval(sim::Nanos duration) {
  const sim::Nanos engine_default = sim::defaultSampleInterval(duration);
  if (engine_default > sim::kSecond)
    return std::max<sim::Nanos>(engine_default / 4, 250 * sim::kMillisecond);
  return 250 * sim::kMillisecond;
}

sim::EngineOptions engineOptionsFor(const std::filesystem::path& scenario_file) {
  sim::EngineOptions options;
  options.scenario_dir = scenario_file.parent_path();
  options.topologies_dir = app::assetsDir() / "topologies";
  options.known_topics = {"booking", "fraud", "property"};
  options.make_system = app::simulatedPlatformFactory(std::filesystem::path(), false);
  return options;
}

Result<std::unique_ptr<Session>> Session::create(std::filesystem::path file,
                                                 sim::Scenario scenario) {
  sim::EngineOptions options = engineOptionsFor(file);
  options.sample_interval = uiSampleInterval(scenario.duration.count());
  auto engine = sim::Engine::create(std::move(scenario), std::move(options));
  if (!engine)
    return std::unexpected(engine.error());
  return std::unique_ptr<Session>(new Session(std::move(file), std::move(*engine)));
}

Session::Session(std::filesystem::path file, std::unique_ptr<sim::Engine> engine)
    : m_file(std::move(file)),
      m_engine(std::move(engine)),
      m_runner(std::make_unique<sim::EngineRunner>(*m_engine)) {}

Session::~Session() {
  m_runner.reset();
  m_engine.reset();
}

app::SimulatedPlatform* Session::platform() {
  return dynamic_cast<app::SimulatedPlatform*>(m_engine->system());
}

}  // namespace staylab::ui
