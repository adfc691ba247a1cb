#include "ui/session.h"

#include "simulator/scenario/assets_dir.h"

namespace staylab::ui {

sim::EngineOptions engineOptionsFor(const std::filesystem::path& scenario_file) {
  sim::EngineOptions options;
  options.scenario_dir = scenario_file.parent_path();
  options.topologies_dir = sim::assetsDir() / "topologies";
  options.known_topics = {"booking", "fraud", "property"};
  options.make_system = app::simulatedPlatformFactory(std::filesystem::path(), false);
  return options;
}

Result<std::unique_ptr<Session>> Session::create(std::filesystem::path file,
                                                 sim::Scenario scenario) {
  auto engine = sim::Engine::create(std::move(scenario), engineOptionsFor(file));
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
