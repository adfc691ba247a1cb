// Transactional outbox: a context commits its state change and its events
// in one local transaction, and a relay moves the events to the log, so
// nothing committed stays unpublished. Switched off, the dual write: the
// context commits, then appends its events to the log in a second write;
// when that write fails (the log is down, the service dies in between) the
// events are lost and the read models never learn of the change.

#include <array>

#include "simulator/patterns/pattern.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"write_read_divergence", MeasureScope::Run, "",
     "what the read models miss of the write stores once quiet: confirmed bookings absent from "
     "search availability or history, listings whose search document differs"},
}};

class OutboxPattern final : public Pattern {
 public:
  std::string_view name() const override { return "outbox"; }
  std::string_view title() const override { return "Transactional outbox"; }
  std::string_view summary() const override {
    return "State and events commit together and a relay publishes them; without it, a dual "
           "write loses the events whenever the second write fails.";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::No; }
  std::unique_ptr<PatternConfig> defaults() const override {
    auto settings = std::make_unique<SwitchOnly>();
    settings->enabled = true;
    return settings;
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    build.outbox = config.enabled;
  }
  std::span<const MeasureSpec> measures() const override { return kMeasures; }
};

}  // namespace

std::unique_ptr<Pattern> makeOutboxPattern() {
  return std::make_unique<OutboxPattern>();
}

}  // namespace staylab::sim
