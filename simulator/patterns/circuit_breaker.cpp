// Circuit breaker: one breaker in front of each downstream service watches
// the calls' outcomes in a rolling window. Above the failure ratio it opens
// and refuses calls at once ("circuit_open") for `open_for`, then lets one
// probe through (half-open): success closes it, failure opens it again.
// Without it, callers keep waiting on a failing service.

#include <array>
#include <deque>
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct CircuitBreakerSettings final : PatternConfigOf<CircuitBreakerSettings> {
  static constexpr std::string_view kPattern = "circuit_breaker";
  double failure_ratio = 0.5;                                 // Opens above this ratio, 0 < r <= 1.
  std::chrono::nanoseconds window{std::chrono::seconds(10)};  // Rolling window measured.
  int min_requests = 20;  // Below this the breaker stays closed.
  std::chrono::nanoseconds open_for{std::chrono::seconds(10)};  // Then half-open.

  bool operator==(const CircuitBreakerSettings&) const = default;
};

class CircuitBreakerLayer final : public RequestLayer {
 public:
  explicit CircuitBreakerLayer(const LayerContext& context)
      : m_simulation(context.simulation),
        m_metrics(context.metrics),
        m_settings(context.patterns.get<CircuitBreakerSettings>()) {}

  bool joins(const PipelineRequest& request) const override {
    return m_settings.enabled && request.downstream != nullptr;
  }

  Task<> around(PipelineRequest& request, Next next) override {
    Breaker& breaker = breakerFor(*request.downstream);
    if (!allows(breaker)) {
      request.error = RequestError::CircuitOpen;
      co_return;
    }
    Task<> call = next();
    co_await call;
    record(breaker, request.error && isTransient(*request.error));
  }

  // No breaker stays open once the pattern is off.
  void switched(bool on) override {
    if (on)
      return;
    for (auto& [name, breaker] : m_breakers) {
      breaker.probe_in_flight = false;
      set(breaker, CircuitState::Closed);
    }
  }

 private:
  struct Breaker {
    ComponentId id;
    CircuitState state = CircuitState::Closed;
    Nanos opened_at = 0;
    bool probe_in_flight = false;
    // Outcomes in the rolling window, in buckets of window / 10.
    std::deque<std::tuple<Nanos, std::uint64_t, std::uint64_t>> buckets;  // (start, calls, fails)
  };

  Breaker& breakerFor(const DownstreamService& service) {
    auto found = m_breakers.find(service.name);
    if (found == m_breakers.end()) {
      Breaker breaker;
      breaker.id = service.id;
      found = m_breakers.emplace(service.name, std::move(breaker)).first;
      m_metrics.setCircuitState(service.id, m_simulation.now(), CircuitState::Closed);
    }
    return found->second;
  }

  void set(Breaker& breaker, CircuitState state) {
    if (breaker.state == state)
      return;
    breaker.state = state;
    if (state == CircuitState::Open)
      breaker.opened_at = m_simulation.now();
    if (state == CircuitState::Closed)
      breaker.buckets.clear();
    m_metrics.setCircuitState(breaker.id, m_simulation.now(), state);
  }

  // Returns false when the breaker refuses the call now.
  bool allows(Breaker& breaker) {
    const Nanos now = m_simulation.now();
    if (breaker.state == CircuitState::Open) {
      if (now - breaker.opened_at < m_settings.open_for.count())
        return false;
      set(breaker, CircuitState::HalfOpen);
    }
    if (breaker.state == CircuitState::HalfOpen) {
      if (breaker.probe_in_flight)
        return false;
      breaker.probe_in_flight = true;
    }
    return true;
  }

  void record(Breaker& breaker, bool failed) {
    if (!m_settings.enabled)
      return;  // Switched off while this call was in flight.
    const Nanos now = m_simulation.now();
    if (breaker.state == CircuitState::HalfOpen) {
      breaker.probe_in_flight = false;
      set(breaker, failed ? CircuitState::Open : CircuitState::Closed);
      return;
    }
    const Nanos bucket_length = std::max<Nanos>(m_settings.window.count() / 10, 1);
    const Nanos bucket_start = now - now % bucket_length;
    if (breaker.buckets.empty() || std::get<0>(breaker.buckets.back()) != bucket_start)
      breaker.buckets.emplace_back(bucket_start, 0, 0);
    ++std::get<1>(breaker.buckets.back());
    if (failed)
      ++std::get<2>(breaker.buckets.back());
    while (!breaker.buckets.empty() &&
           std::get<0>(breaker.buckets.front()) + m_settings.window.count() <= now)
      breaker.buckets.pop_front();
    std::uint64_t calls = 0;
    std::uint64_t fails = 0;
    for (const auto& [start, bucket_calls, bucket_fails] : breaker.buckets) {
      calls += bucket_calls;
      fails += bucket_fails;
    }
    if (breaker.state == CircuitState::Closed &&
        calls >= static_cast<std::uint64_t>(m_settings.min_requests) &&
        static_cast<double>(fails) > m_settings.failure_ratio * static_cast<double>(calls)) {
      set(breaker, CircuitState::Open);
    }
  }

  Simulation& m_simulation;
  MetricsRegistry& m_metrics;
  const CircuitBreakerSettings& m_settings;
  std::map<std::string, Breaker, std::less<>> m_breakers;  // By downstream service.
};

constexpr std::array<std::string_view, 4> kKeys = {"failure_ratio", "window", "min_requests",
                                                   "open_for"};

class CircuitBreakerPattern final : public Pattern {
 public:
  std::string_view name() const override { return CircuitBreakerSettings::kPattern; }
  std::string_view title() const override { return "Circuit breaker"; }
  std::string_view summary() const override {
    return "Stops calling a failing service for a while and fails fast instead, probing now "
           "and then; without it callers keep waiting on the failing service.";
  }
  PatternKind kind() const override { return PatternKind::Resilience; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<CircuitBreakerSettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    using Floor = yaml::Reader::DurationFloor;
    auto& breaker = static_cast<CircuitBreakerSettings&>(config);
    if (const yaml::Node* ratio = fields.find("failure_ratio")) {
      breaker.failure_ratio = STAYLAB_TRY(
          reader.readNumber(*ratio, "failure_ratio", 0, yaml::Reader::Bound::Exclusive, 1));
    }
    if (const yaml::Node* window = fields.find("window"))
      breaker.window = STAYLAB_TRY(reader.readDuration(*window, "window", Floor::Positive));
    if (const yaml::Node* min_requests = fields.find("min_requests"))
      breaker.min_requests =
          STAYLAB_TRY(reader.readInt(*min_requests, "min_requests", 1, 1'000'000));
    if (const yaml::Node* open_for = fields.find("open_for"))
      breaker.open_for = STAYLAB_TRY(reader.readDuration(*open_for, "open_for", Floor::Positive));
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    const auto& breaker = static_cast<const CircuitBreakerSettings&>(config);
    return fmt::format("failure_ratio: {}, window: {}, min_requests: {}, open_for: {}",
                       formatDecimal(breaker.failure_ratio), formatDuration(breaker.window),
                       breaker.min_requests, formatDuration(breaker.open_for));
  }
  LayerScope scope() const override { return LayerScope::Call; }
  std::unique_ptr<RequestLayer> makeLayer(const LayerContext& context) const override {
    return std::make_unique<CircuitBreakerLayer>(context);
  }
};

}  // namespace

std::unique_ptr<Pattern> makeCircuitBreakerPattern() {
  return std::make_unique<CircuitBreakerPattern>();
}

}  // namespace staylab::sim
