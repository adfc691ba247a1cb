// CQRS: searches read the search read model, a Xapian index the search
// projection keeps from the event log, apart from the stores that take the
// writes. Switched off, search becomes an API composition over the write
// models: the listing documents are queried, then the booking store is
// asked which candidates are free, so searches queue at the booking store's
// single writer and fail with it, but never offer nights already taken.
// Its price is stale reads: while the projection lags, the read model
// offers listings for nights the booking store already holds.

#include <array>

#include "simulator/patterns/platform_switch.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"stale_reads", MeasureScope::Operation, "stale_read_ratio",
     "search answers offering a listing for nights the booking store already holds"},
}};

}  // namespace

std::unique_ptr<Pattern> makeCqrsPattern() {
  return makePlatformSwitch({
      .name = "cqrs",
      .title = "CQRS",
      .summary = "Searches read a read model kept from the event log; without it, search composes "
                 "the write stores' answers (listings, then availability).",
      .live = LiveSwitch::Yes,
      .field = &PlatformBuild::cqrs,
      .measures = kMeasures,
  });
}

}  // namespace staylab::sim
