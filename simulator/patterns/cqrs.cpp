// CQRS: searches read the search read model, a Xapian index the search
// projection keeps from the event log, apart from the stores that take the
// writes. Switched off, search becomes an API composition over the write
// models: the listing documents are queried, then the booking store is
// asked which candidates are free, so searches queue at the booking store's
// single writer and fail with it, but never offer nights already taken.
// Its price is stale reads: while the projection lags, the read model
// offers listings for nights the booking store already holds.

#include <array>

#include "simulator/patterns/pattern.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"stale_reads", MeasureScope::Operation, "stale_read_ratio",
     "search answers offering a listing for nights the booking store already holds"},
}};

class CqrsPattern final : public Pattern {
 public:
  std::string_view name() const override { return "cqrs"; }
  std::string_view title() const override { return "CQRS"; }
  std::string_view summary() const override {
    return "Searches read a read model kept from the event log; without it, search composes "
           "the write stores' answers (listings, then availability).";
  }
  PatternKind kind() const override { return PatternKind::Platform; }
  LiveSwitch live() const override { return LiveSwitch::Yes; }
  std::unique_ptr<PatternConfig> defaults() const override {
    auto settings = std::make_unique<SwitchOnly>();
    settings->enabled = true;
    return settings;
  }
  void configure(const PatternConfig& config, PlatformBuild& build) const override {
    build.cqrs = config.enabled;
  }
  std::span<const MeasureSpec> measures() const override { return kMeasures; }
};

}  // namespace

std::unique_ptr<Pattern> makeCqrsPattern() {
  return std::make_unique<CqrsPattern>();
}

}  // namespace staylab::sim
