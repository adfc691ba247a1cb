// Retry: a call downstream that fails for a reason that may pass (an outage,
// a lost message, a full queue, a timeout) is tried again after a backoff
// that doubles, with jitter, up to `attempts` tries within the deadline.
// Without it the first failure is the answer.

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "simulator/patterns/pattern.h"
#include "simulator/scenario/units.h"

namespace staylab::sim {
namespace {

struct RetrySettings final : PatternConfigOf<RetrySettings> {
  static constexpr std::string_view kPattern = "retry";
  int attempts = 3;  // Including the first try, 1..100.
  std::chrono::nanoseconds backoff{std::chrono::milliseconds(50)};  // First wait, doubled.
  std::chrono::nanoseconds max_backoff{std::chrono::seconds(1)};    // Cap, >= backoff.
  double jitter = 0.2;  // Fraction of the wait randomised, 0..1.

  bool operator==(const RetrySettings&) const = default;
};

class RetryLayer final : public RequestLayer {
 public:
  explicit RetryLayer(const LayerContext& context)
      : m_simulation(context.simulation),
        m_settings(context.patterns.get<RetrySettings>()),
        m_random(context.streams.stream("retry")) {}

  // Every call goes through: a retry switched on while it is in flight acts
  // from its next failure on.
  bool joins(const PipelineRequest&) const override { return true; }

  Task<> around(PipelineRequest& request, Next next) override {
    int attempt = 0;
    Nanos backoff = m_settings.backoff.count();
    while (true) {
      Task<> call = next();
      co_await call;
      if (!request.error || !m_settings.enabled || !isTransient(*request.error) ||
          attempt + 1 >= m_settings.attempts) {
        co_return;
      }
      ++attempt;
      const double jitter = (m_random.uniform() * 2 - 1) * m_settings.jitter;
      const Nanos wait =
          std::max<Nanos>(0, static_cast<Nanos>(static_cast<double>(backoff) * (1.0 + jitter)));
      backoff = std::min<Nanos>(backoff * 2, m_settings.max_backoff.count());
      if (m_simulation.now() + wait >= request.deadline) {
        request.error = RequestError::Timeout;
        co_return;
      }
      co_await m_simulation.delay(wait);
      request.error.reset();
    }
  }

 private:
  Simulation& m_simulation;
  const RetrySettings& m_settings;
  Generator m_random;
};

constexpr std::array<std::string_view, 4> kKeys = {"attempts", "backoff", "max_backoff", "jitter"};

class RetryPattern final : public Pattern {
 public:
  std::string_view name() const override { return RetrySettings::kPattern; }
  std::string_view title() const override { return "Retry"; }
  std::string_view summary() const override {
    return "A call that fails for a passing reason is tried again after a growing backoff; "
           "without it the first failure is the answer.";
  }
  PatternKind kind() const override { return PatternKind::Resilience; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  std::unique_ptr<PatternConfig> defaults() const override {
    return std::make_unique<RetrySettings>();
  }
  std::span<const std::string_view> keys() const override { return kKeys; }
  Result<void> read(const yaml::Reader& reader, const yaml::Fields& fields,
                    PatternConfig& config) const override {
    using Floor = yaml::Reader::DurationFloor;
    auto& retry = static_cast<RetrySettings&>(config);
    if (const yaml::Node* attempts = fields.find("attempts"))
      retry.attempts = STAYLAB_TRY(reader.readInt(*attempts, "attempts", 1, 100));
    if (const yaml::Node* backoff = fields.find("backoff"))
      retry.backoff = STAYLAB_TRY(reader.readDuration(*backoff, "backoff", Floor::Zero));
    if (const yaml::Node* max_backoff = fields.find("max_backoff"))
      retry.max_backoff =
          STAYLAB_TRY(reader.readDuration(*max_backoff, "max_backoff", Floor::Zero));
    if (const yaml::Node* jitter = fields.find("jitter")) {
      retry.jitter =
          STAYLAB_TRY(reader.readNumber(*jitter, "jitter", 0, yaml::Reader::Bound::Inclusive, 1));
    }
    if (const yaml::Node* max_backoff = fields.find("max_backoff")) {
      if (retry.max_backoff < retry.backoff) {
        return reader.fail(max_backoff->position, reader.codes().value,
                           "'max_backoff' ({}) is below 'backoff' ({})",
                           formatDuration(retry.max_backoff), formatDuration(retry.backoff));
      }
    } else {
      // The default cap never undercuts a longer first wait.
      retry.max_backoff = std::max(retry.max_backoff, retry.backoff);
    }
    return {};
  }
  std::string write(const PatternConfig& config) const override {
    const auto& retry = static_cast<const RetrySettings&>(config);
    return fmt::format("attempts: {}, backoff: {}, max_backoff: {}, jitter: {}", retry.attempts,
                       formatDuration(retry.backoff), formatDuration(retry.max_backoff),
                       formatDecimal(retry.jitter));
  }
  LayerScope scope() const override { return LayerScope::Call; }
  std::unique_ptr<RequestLayer> makeLayer(const LayerContext& context) const override {
    return std::make_unique<RetryLayer>(context);
  }
};

}  // namespace

std::unique_ptr<Pattern> makeRetryPattern() {
  return std::make_unique<RetryPattern>();
}

}  // namespace staylab::sim
