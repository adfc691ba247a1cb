// Transactional outbox: a context commits its state change and its events
// in one local transaction, and a relay moves the events to the log, so
// nothing committed stays unpublished. Switched off, the dual write: the
// context commits, then appends its events to the log in a second write;
// when that write fails (the log is down, the service dies in between) the
// events are lost and the read models never learn of the change.

#include <array>

#include "simulator/patterns/platform_switch.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"write_read_divergence", MeasureScope::Run, "",
     "what the read models miss of the write stores once quiet: confirmed bookings absent from "
     "search availability or history, listings whose search document differs"},
}};

}  // namespace

std::unique_ptr<Pattern> makeOutboxPattern() {
  return makePlatformSwitch({
      .name = "outbox",
      .title = "Transactional outbox",
      .summary = "State and events commit together and a relay publishes them; without it, a dual "
                 "write loses the events whenever the second write fails.",
      .live = LiveSwitch::No,
      .field = &PlatformBuild::outbox,
      .measures = kMeasures,
  });
}

}  // namespace staylab::sim
