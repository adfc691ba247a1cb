// Idempotent consumer: each projection and fraud detection apply an event
// at most once whatever the log repeats, and keep their offsets in the same
// commit as the effect. Switched off, naive consumers apply what they
// receive and commit their offsets apart, now and then: a duplicated
// delivery, or a crash between an effect and the next offset commit,
// applies events twice.

#include <array>

#include "simulator/patterns/pattern.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"duplicates_applied", MeasureScope::Run, "",
     "events a consumer applied more than once (a duplicated delivery, a replay after a crash)"},
}};

class IdempotentConsumerPattern final : public Pattern {
 public:
  std::string_view name() const override { return "idempotent_consumer"; }
  std::string_view title() const override { return "Idempotent consumer"; }
  std::string_view summary() const override {
    return "Consumers apply each event once and commit offsets with the effect; without it, "
           "duplicates and replays after a crash are applied twice.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::No; }
  std::unique_ptr<PatternConfig> defaults() const override {
    auto settings = std::make_unique<SwitchOnly>();
    settings->enabled = true;
    return settings;
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    build.idempotent_consumers = config.enabled;
  }
  std::span<const MeasureSpec> measures() const override { return kMeasures; }
};

}  // namespace

std::unique_ptr<Pattern> makeIdempotentConsumerPattern() {
  return std::make_unique<IdempotentConsumerPattern>();
}

}  // namespace staylab::sim
