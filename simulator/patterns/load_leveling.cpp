// Queue-based load leveling with asynchronous request-reply: the gateway
// does not call the booking service for a PlaceBooking; it appends the
// command to a queue (the topic `booking-requests` of the event log) and
// answers "accepted" with a status id at once. `workers` workers drain the
// queue through the booking service at the booking store's own pace, one
// command at a time each, and the client polls the status every
// `poll_every` until it reads the outcome (confirmed or rejected). A burst
// then waits in the queue instead of in the booking store's queue: no
// timeouts and no rejected requests, at the price of a longer time to
// outcome. Off: the synchronous booking, answered with its outcome.

#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct LoadLevelingSettings final : PatternConfigOf<LoadLevelingSettings> {
  static constexpr std::string_view kPattern = "load_leveling";
  int workers = 1;  // 1..64
  std::chrono::nanoseconds poll_every{std::chrono::milliseconds(500)};

  bool operator==(const LoadLevelingSettings&) const = default;
};

constexpr std::array<std::string_view, 2> kKeys = {"workers", "poll_every"};

class LoadLevelingPattern final : public Pattern {
 public:
  std::string_view name() const override { return LoadLevelingSettings::kPattern; }
  std::string_view title() const override { return "Queue-based load leveling"; }
  std::string_view summary() const override {
    return "Bookings are queued at the gateway and answered 'accepted'; a worker drains the "
           "queue at the booking store's pace and the client polls for the outcome. Without "
           "it a booking waits for its outcome in the booking store's queue.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::No; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<LoadLevelingSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& leveling = static_cast<LoadLevelingSettings&>(config);
    if (const yaml::Node* workers = fields.find("workers"))
      leveling.workers = STAYLAB_TRY(reader.readInt(*workers, "workers", 1, 64));
    if (const yaml::Node* poll = fields.find("poll_every")) {
      leveling.poll_every = STAYLAB_TRY(
          reader.readDuration(*poll, "poll_every", yaml::Reader::DurationFloor::Positive));
    }
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    const auto& leveling = static_cast<const LoadLevelingSettings&>(config);
    return fmt::format("workers: {}, poll_every: {}", leveling.workers,
                       formatDuration(leveling.poll_every));
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    const auto& leveling = static_cast<const LoadLevelingSettings&>(config);
    build.load_leveling = leveling.enabled;
    build.leveling_workers = leveling.workers;
    build.leveling_poll = leveling.poll_every;
  }
};

}  // namespace

std::unique_ptr<Pattern> makeLoadLevelingPattern() {
  return std::make_unique<LoadLevelingPattern>();
}

}  // namespace staylab::sim
