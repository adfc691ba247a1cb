#pragma once

// The real platform as the simulator's system under test (simulator/engine/
// system.h): a Platform opened in its own data directory, its store ports
// wrapped in the fault decorators of simulator/faults and its consumers
// reading the log through the delivery faults, with a ManualClock the engine
// sets to virtual time and a SeededRandom from the run's seed, so a run in
// `model` mode is reproducible.

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/platform/gateway.h"
#include "app/platform/platform.h"
#include "domain/ports/clock.h"
#include "domain/ports/random.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/system.h"
#include "simulator/faults/delivery_fault_log.h"
#include "simulator/faults/fault_board.h"

namespace staylab::app {

class SimulatedPlatform final : public sim::SystemUnderTest {
 public:
  // Opens a platform in `data_dir`, which must be empty or missing.
  [[nodiscard]] static Result<std::unique_ptr<SimulatedPlatform>> open(
      const std::filesystem::path& data_dir, sim::FaultBoard& faults);
  ~SimulatedPlatform() override;

  Result<void> seed(const sim::SeedData& data) override;
  int propertyCount() const override { return static_cast<int>(m_properties.size()); }
  Result<void> reconfigure(const sim::PlatformBuild& build) override;
  void setTime(sim::Nanos now) override;
  int phases(sim::UserOperation operation, const sim::PlatformBuild& build) const override;
  sim::OperationOutcome execute(sim::UserOperation operation, int property_rank,
                                sim::Generator& random) override;
  sim::OperationOutcome resume(std::uint64_t pending) override;
  void abandon(std::uint64_t pending) override;
  Result<std::size_t> step(std::string_view part, std::size_t batch) override;
  Result<sim::PartLag> lag(std::string_view part) override;
  Result<void> crash(std::string_view part) override;
  Result<void> restart(std::string_view part) override;
  Result<void> appendPoison(std::string_view topic, int count) override;
  std::vector<std::string> topics() const override;
  Result<sim::InvariantResults> checkInvariants(
      const std::vector<std::string>& acknowledged) override;

  Platform& platform() { return *m_platform; }
  const std::filesystem::path& dataDir() const { return m_data_dir; }

 private:
  struct Listing {
    std::string id;
    std::string city;
  };
  SimulatedPlatform(std::filesystem::path data_dir, sim::FaultBoard& faults, std::uint64_t seed);

  std::filesystem::path m_data_dir;
  sim::FaultBoard& m_faults;
  ManualClock m_clock;
  SeededRandom m_random;
  std::int64_t m_epoch = 0;                     // Clock reading at virtual time 0.
  sim::DeliveryFaultLog* m_delivery = nullptr;  // Owned by the platform.
  std::unique_ptr<Platform> m_platform;
  std::vector<Listing> m_properties;       // By popularity rank.
  std::vector<std::string> m_cancellable;  // Confirmed bookings, for cancels.
  std::int64_t m_relayed = 0;              // Outbox rows the relay moved so far.
  std::vector<std::string> m_crashed;      // Parts down now.
  std::map<std::string, std::int64_t, std::less<>> m_crash_position;  // Consumed when it died.
  std::int64_t m_poison_serial = 0;
  bool m_remove_on_close = false;

  friend sim::SystemFactory simulatedPlatformFactory(std::filesystem::path parent, bool keep);
};

// The SystemFactory of an engine: a SimulatedPlatform in a fresh directory
// under `parent` (a new temporary directory when empty). The directory is
// removed with the platform unless `keep` is set.
sim::SystemFactory simulatedPlatformFactory(std::filesystem::path parent, bool keep);

}  // namespace staylab::app
