// Rate limit: a token bucket at the entry. A request that finds no token is
// refused at once ("rate_limited") before it uses any worker; without the
// pattern, every arrival goes in and queues.

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct RateLimitSettings final : PatternConfigOf<RateLimitSettings> {
  static constexpr std::string_view kPattern = "rate_limit";
  double rate_per_second = 1000;  // Token refill rate.
  int burst = 100;                // Bucket size, 1..1000000.

  bool operator==(const RateLimitSettings&) const = default;
};

class RateLimitLayer final : public RequestLayer {
 public:
  explicit RateLimitLayer(const LayerContext& context)
      : m_simulation(context.simulation),
        m_settings(context.patterns.get<RateLimitSettings>()),
        m_tokens(m_settings.burst) {}

  bool joins(const PipelineRequest&) const override { return m_settings.enabled; }

  Task<> around(PipelineRequest& request, Next next) override {
    if (!takeToken()) {
      request.error = RequestError::RateLimited;
      co_return;
    }
    Task<> rest = next();
    co_await rest;
  }

 private:
  // Returns true when a token was available, and takes it.
  bool takeToken() {
    const Nanos now = m_simulation.now();
    m_tokens = std::min<double>(
        m_settings.burst, m_tokens + toSeconds(now - m_tokens_at) * m_settings.rate_per_second);
    m_tokens_at = now;
    if (m_tokens < 1.0)
      return false;
    m_tokens -= 1.0;
    return true;
  }

  Simulation& m_simulation;
  const RateLimitSettings& m_settings;
  double m_tokens;
  Nanos m_tokens_at = 0;
};

constexpr std::array<std::string_view, 2> kKeys = {"rate", "burst"};

class RateLimitPattern final : public Pattern {
 public:
  std::string_view name() const override { return RateLimitSettings::kPattern; }
  std::string_view title() const override { return "Rate limit"; }
  std::string_view summary() const override {
    return "A token bucket at the entry sheds what exceeds the rate at once; without it every "
           "arrival goes in and queues.";
  }
  PatternKind kind() const override { return PatternKind::Resilience; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<RateLimitSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    auto& limit = static_cast<RateLimitSettings&>(config);
    if (const yaml::Node* rate = fields.find("rate")) {
      limit.rate_per_second =
          STAYLAB_TRY(reader.readRate(*rate, "rate", yaml::Reader::DurationFloor::Positive));
    }
    if (const yaml::Node* burst = fields.find("burst"))
      limit.burst = STAYLAB_TRY(reader.readInt(*burst, "burst", 1, 1'000'000));
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    const auto& limit = static_cast<const RateLimitSettings&>(config);
    return fmt::format("rate: {}, burst: {}", formatRate(limit.rate_per_second), limit.burst);
  }
  LayerScope scope() const override { return LayerScope::Request; }
  std::unique_ptr<RequestLayer> makeLayer(const LayerContext& context) const override {
    return std::make_unique<RateLimitLayer>(context);
  }
};

}  // namespace

std::unique_ptr<Pattern> makeRateLimitPattern() {
  return std::make_unique<RateLimitPattern>();
}

}  // namespace staylab::sim
