#include "app/gui/desktop_environment.h"

#include <filesystem>
#include <memory>

#include "app/platform/platform.h"
#include "app/sim/simulated_platform.h"
#include "simulator/scenario/assets_dir.h"

namespace staylab::app {
namespace {

// Each call asks the platform afresh, as a read through the platform would.
class SimulatedPlatformStores final : public ui::PlatformStores {
 public:
  explicit SimulatedPlatformStores(SimulatedPlatform& system) : m_system(system) {}

  DocumentStore& listings() override { return m_system.platform().listingStore(); }
  BookingStore& bookings() override { return m_system.platform().bookingStore(); }
  WideColumnStore& history() override { return m_system.platform().historyStore(); }
  TextIndex& search() override { return m_system.platform().searchIndex(); }
  EventLog& eventLog() override { return m_system.platform().eventLog(); }

 private:
  SimulatedPlatform& m_system;
};

}  // namespace

ui::RunEnvironment desktopEnvironment() {
  ui::RunEnvironment environment;
  environment.assets_dir = sim::assetsDir();
  environment.topics = Platform::topicNames();
  environment.make_system = simulatedPlatformFactory(std::filesystem::path(), false);
  environment.stores_of = [](sim::SystemUnderTest& system) -> std::unique_ptr<ui::PlatformStores> {
    auto* platform = dynamic_cast<SimulatedPlatform*>(&system);
    if (platform == nullptr)
      return nullptr;
    return std::make_unique<SimulatedPlatformStores>(*platform);
  };
  return environment;
}

}  // namespace staylab::app
