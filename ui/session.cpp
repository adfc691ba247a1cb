#include "ui/session.h"

namespace staylab::ui {

sim::EngineOptions engineOptionsFor(const RunEnvironment& environment,
                                    const std::filesystem::path& scenario_file) {
  sim::EngineOptions options;
  options.scenario_dir = scenario_file.parent_path();
  options.topologies_dir = environment.assets_dir / "topologies";
  options.known_topics = environment.topics;
  options.make_system = environment.make_system;
  return options;
}

Result<std::unique_ptr<Session>> Session::create(const RunEnvironment& environment,
                                                 std::filesystem::path file,
                                                 sim::Scenario scenario) {
  auto engine = sim::Engine::create(std::move(scenario), engineOptionsFor(environment, file));
  if (!engine)
    return std::unexpected(engine.error());
  std::unique_ptr<PlatformStores> stores;
  if (sim::SystemUnderTest* system = (*engine)->system();
      system != nullptr && environment.stores_of)
    stores = environment.stores_of(*system);
  return std::unique_ptr<Session>(
      new Session(std::move(file), std::move(*engine), std::move(stores)));
}

Session::Session(std::filesystem::path file, std::unique_ptr<sim::Engine> engine,
                 std::unique_ptr<PlatformStores> stores)
    : m_file(std::move(file)),
      m_engine(std::move(engine)),
      m_stores(std::move(stores)),
      m_runner(std::make_unique<sim::EngineRunner>(*m_engine)) {}

Session::~Session() {
  m_runner.reset();
  m_stores.reset();
  m_engine.reset();
}

}  // namespace staylab::ui
