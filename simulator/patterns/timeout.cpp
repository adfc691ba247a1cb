// Timeout: the caller gives up on a request `after` its intended start. Every
// wait of the request is bounded by that deadline, and an answer that comes
// later still counts as "timeout"; without the pattern a request waits as
// long as its queues make it.

#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct TimeoutSettings final : PatternConfigOf<TimeoutSettings> {
  static constexpr std::string_view kPattern = "timeout";
  std::chrono::nanoseconds after{std::chrono::seconds(1)};

  bool operator==(const TimeoutSettings&) const = default;
};

class TimeoutLayer final : public RequestLayer {
 public:
  explicit TimeoutLayer(const LayerContext& context)
      : m_simulation(context.simulation), m_settings(context.patterns.get<TimeoutSettings>()) {}

  bool joins(const PipelineRequest&) const override { return m_settings.enabled; }

  Task<> around(PipelineRequest& request, Next next) override {
    request.deadline = saturatingAdd(request.intended, m_settings.after.count());
    Task<> rest = next();
    co_await rest;
    if (!request.error && m_simulation.now() > request.deadline)
      request.error = RequestError::Timeout;  // The answer came too late for the caller.
  }

 private:
  Simulation& m_simulation;
  const TimeoutSettings& m_settings;
};

constexpr std::array<std::string_view, 1> kKeys = {"after"};

class TimeoutPattern final : public Pattern {
 public:
  std::string_view name() const override { return TimeoutSettings::kPattern; }
  std::string_view title() const override { return "Timeout"; }
  std::string_view summary() const override {
    return "The caller gives up after a deadline instead of waiting on a slow or stuck path.";
  }
  PatternKind kind() const override { return PatternKind::Resilience; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<TimeoutSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& timeout = static_cast<TimeoutSettings&>(config);
    if (const yaml::Node* after = fields.find("after")) {
      timeout.after =
          STAYLAB_TRY(reader.readDuration(*after, "after", yaml::Reader::DurationFloor::Positive));
    }
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    return fmt::format("after: {}",
                       formatDuration(static_cast<const TimeoutSettings&>(config).after));
  }
  LayerScope scope() const override { return LayerScope::Request; }
  std::unique_ptr<RequestLayer> makeLayer(const LayerContext& context) const override {
    return std::make_unique<TimeoutLayer>(context);
  }
};

}  // namespace

std::unique_ptr<Pattern> makeTimeoutPattern() {
  return std::make_unique<TimeoutPattern>();
}

}  // namespace staylab::sim
