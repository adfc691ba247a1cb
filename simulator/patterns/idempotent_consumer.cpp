// Idempotent consumer: each projection and fraud detection apply an event
// at most once whatever the log repeats, and keep their offsets in the same
// commit as the effect. Switched off, naive consumers apply what they
// receive and commit their offsets apart, now and then: a duplicated
// delivery, or a crash between an effect and the next offset commit,
// applies events twice.

#include <array>

#include "simulator/patterns/platform_switch.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"duplicates_applied", MeasureScope::Run, "",
     "events a consumer applied more than once (a duplicated delivery, a replay after a crash)"},
}};

}  // namespace

std::unique_ptr<Pattern> makeIdempotentConsumerPattern() {
  return makePlatformSwitch({
      .name = "idempotent_consumer",
      .title = "Idempotent consumer",
      .summary = "Consumers apply each event once and commit offsets with the effect; without it, "
                 "duplicates and replays after a crash are applied twice.",
      .live = LiveSwitch::No,
      .field = &PlatformBuild::idempotent_consumers,
      .measures = kMeasures,
  });
}

}  // namespace staylab::sim
