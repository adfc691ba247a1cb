#pragma once

#include <cstdint>
#include <memory>

#include "simulator/engine/engine.h"
#include "simulator/engine/system.h"

namespace staylab::sim {

// Wall time spent inside the system under test's calls.
struct SystemTime {
  std::int64_t nanos = 0;  // Steady-clock nanoseconds inside the calls.
  std::int64_t calls = 0;
};

// A SystemUnderTest that forwards every call to `inner` and adds the wall
// time each took to `time`: what a run spends in the real platform's code,
// as opposed to the engine around it. Wall time is not simulated time and
// differs from run to run, so it stays out of summary.json.
//
// Thread safety: as `inner`'s; `time` is updated without synchronisation,
// from the engine's thread.
class TimedSystem final : public SystemUnderTest {
 public:
  // `time` must outlive this object.
  TimedSystem(std::unique_ptr<SystemUnderTest> inner, SystemTime& time)
      : m_inner(std::move(inner)), m_time(time) {}

  Result<void> seed(const SeedData& data) override;
  int propertyCount() const override;
  Result<void> reconfigure(const PlatformBuild& build) override;
  void setTime(Nanos now) override;
  int phases(UserOperation operation, const PlatformBuild& build) const override;
  OperationOutcome execute(UserOperation operation, int property_rank, Generator& random) override;
  Backend route(UserOperation operation, int property_rank, Generator& random) override;
  OperationOutcome executeOn(Backend backend, UserOperation operation, int property_rank,
                             Generator& random) override;
  OperationOutcome resume(std::uint64_t pending) override;
  void abandon(std::uint64_t pending) override;
  PolledStatus poll(std::string_view status_id) override;
  Result<std::size_t> step(std::string_view part, std::size_t batch) override;
  Result<PartLag> lag(std::string_view part) override;
  Result<PartLag> memberLag(std::string_view part, int member, int members) override;
  Result<std::size_t> stepMember(std::string_view part, int member, int members,
                                 std::size_t batch) override;
  Result<void> crash(std::string_view part) override;
  Result<void> restart(std::string_view part) override;
  Result<void> rebuild(std::string_view part, std::optional<RebuildMode> mode) override;
  Result<void> appendPoison(std::string_view topic, int count) override;
  std::vector<std::string> topics() const override;
  Result<InvariantResults> checkInvariants(const std::vector<std::string>& acknowledged) override;

 private:
  // Calls `call` on the inner system, timed.
  template <typename Call>
  auto timed(Call&& call) const;

  std::unique_ptr<SystemUnderTest> m_inner;
  SystemTime& m_time;
};

// Wraps every system `factory` makes in a TimedSystem adding to `time`.
SystemFactory timedSystemFactory(SystemFactory factory, SystemTime& time);

}  // namespace staylab::sim
