#include "simulator/engine/timed_system.h"

#include <chrono>

namespace staylab::sim {
namespace {

// Adds the wall time from its construction to its destruction, and one
// call, to a SystemTime: whatever the timed call returns.
class Stopwatch {
 public:
  explicit Stopwatch(SystemTime& time)
      : m_time(time), m_started(std::chrono::steady_clock::now()) {}
  ~Stopwatch() {
    m_time.nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now() - m_started)
                        .count();
    ++m_time.calls;
  }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  SystemTime& m_time;
  std::chrono::steady_clock::time_point m_started;
};

}  // namespace

template <typename Call>
auto TimedSystem::timed(Call&& call) const {
  Stopwatch stopwatch(m_time);
  return call(*m_inner);
}

Result<void> TimedSystem::seed(const SeedData& data) {
  return timed([&](SystemUnderTest& system) { return system.seed(data); });
}
int TimedSystem::propertyCount() const {
  return m_inner->propertyCount();  // A field read: not a call into the platform's work.
}
Result<void> TimedSystem::reconfigure(const PlatformBuild& build) {
  return timed([&](SystemUnderTest& system) { return system.reconfigure(build); });
}
void TimedSystem::setTime(Nanos now) {
  timed([&](SystemUnderTest& system) { system.setTime(now); });
}
int TimedSystem::phases(UserOperation operation, const PlatformBuild& build) const {
  return m_inner->phases(operation, build);  // A table lookup, as propertyCount().
}
OperationOutcome TimedSystem::execute(UserOperation operation, int property_rank,
                                      Generator& random) {
  return timed(
      [&](SystemUnderTest& system) { return system.execute(operation, property_rank, random); });
}
Backend TimedSystem::route(UserOperation operation, int property_rank, Generator& random) {
  return timed(
      [&](SystemUnderTest& system) { return system.route(operation, property_rank, random); });
}
OperationOutcome TimedSystem::executeOn(Backend backend, UserOperation operation, int property_rank,
                                        Generator& random) {
  return timed([&](SystemUnderTest& system) {
    return system.executeOn(backend, operation, property_rank, random);
  });
}
OperationOutcome TimedSystem::resume(std::uint64_t pending) {
  return timed([&](SystemUnderTest& system) { return system.resume(pending); });
}
void TimedSystem::abandon(std::uint64_t pending) {
  timed([&](SystemUnderTest& system) { system.abandon(pending); });
}
PolledStatus TimedSystem::poll(std::string_view status_id) {
  return timed([&](SystemUnderTest& system) { return system.poll(status_id); });
}
Result<std::size_t> TimedSystem::step(std::string_view part, std::size_t batch) {
  return timed([&](SystemUnderTest& system) { return system.step(part, batch); });
}
Result<PartLag> TimedSystem::lag(std::string_view part) {
  return timed([&](SystemUnderTest& system) { return system.lag(part); });
}
Result<PartLag> TimedSystem::memberLag(std::string_view part, int member, int members) {
  return timed([&](SystemUnderTest& system) { return system.memberLag(part, member, members); });
}
Result<std::size_t> TimedSystem::stepMember(std::string_view part, int member, int members,
                                            std::size_t batch) {
  return timed(
      [&](SystemUnderTest& system) { return system.stepMember(part, member, members, batch); });
}
Result<void> TimedSystem::crash(std::string_view part) {
  return timed([&](SystemUnderTest& system) { return system.crash(part); });
}
Result<void> TimedSystem::restart(std::string_view part) {
  return timed([&](SystemUnderTest& system) { return system.restart(part); });
}
Result<void> TimedSystem::rebuild(std::string_view part, std::optional<RebuildMode> mode) {
  return timed([&](SystemUnderTest& system) { return system.rebuild(part, mode); });
}
Result<void> TimedSystem::appendPoison(std::string_view topic, int count) {
  return timed([&](SystemUnderTest& system) { return system.appendPoison(topic, count); });
}
std::vector<std::string> TimedSystem::topics() const {
  return m_inner->topics();
}
Result<InvariantResults> TimedSystem::checkInvariants(
    const std::vector<std::string>& acknowledged) {
  return timed([&](SystemUnderTest& system) { return system.checkInvariants(acknowledged); });
}

SystemFactory timedSystemFactory(SystemFactory factory, SystemTime& time) {
  return [factory = std::move(factory), &time](
             FaultBoard& faults,
             const PlatformBuild& build) -> Result<std::unique_ptr<SystemUnderTest>> {
    // Opening the platform is the platform's work too.
    auto inner = [&] {
      Stopwatch stopwatch(time);
      return factory(faults, build);
    }();
    if (!inner)
      return std::unexpected(inner.error());
    return std::unique_ptr<SystemUnderTest>(std::make_unique<TimedSystem>(std::move(*inner), time));
  };
}

}  // namespace staylab::sim
