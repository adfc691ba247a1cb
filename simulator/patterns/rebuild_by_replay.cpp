// Rebuild by replay (event sourcing): any read model can be dropped and
// rebuilt from offset 0 of the log. A `rebuild` on the timeline (faults:,
// kind rebuild) does so for the search projection while the load goes on.
// Blue-green (this pattern on): a second index is built beside the live
// one, which keeps answering, and searches switch to it once it caught up.
// Off: the naive rebuild in place, which empties the live index and replays
// into it, so searches meanwhile are answered from a partial index. A
// rebuild that names its `mode` takes that one whatever this pattern says.

#include <array>

#include "simulator/patterns/platform_switch.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 3> kMeasures = {{
    {"partial_answers", MeasureScope::Operation, "partial_answer_ratio",
     "searches answered from a read model being rebuilt in place (not yet caught up)"},
    {"rebuild_ms", MeasureScope::Run, "",
     "milliseconds of virtual time from a rebuild's start until its read model caught up with "
     "the log (the last rebuild of the run)"},
    {"rebuild_events", MeasureScope::Run, "",
     "events in the log the rebuild replayed from offset 0 (the log's length when it started)"},
}};

}  // namespace

std::unique_ptr<Pattern> makeRebuildByReplayPattern() {
  return makePlatformSwitch({
      .name = "rebuild_by_replay",
      .title = "Rebuild by replay (blue-green)",
      .summary =
          "A rebuild replays the log into a second read model and switches reads once it "
          "caught up; without it, the live read model is emptied and searches see it partial.",
      .live = LiveSwitch::No,
      .field = &PlatformBuild::blue_green_rebuild,
      .measures = kMeasures,
  });
}

}  // namespace staylab::sim
