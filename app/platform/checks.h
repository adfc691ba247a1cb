#pragma once

#include <string>
#include <vector>

#include "app/platform/platform.h"

namespace staylab::app {

// One verdict of `staylab-cli check`.
struct CheckResult {
  std::string name;
  bool passed = false;
  std::string detail;  // Figures when it passed, the first problems when it failed.
};

// Runs each engine's own integrity check (and stops there when one finds
// damage), drains the platform, then verifies its invariants:
//   - no night is booked twice;
//   - both outboxes are empty;
//   - every committed event is in the log (each property's and booking's
//     current version has its event in the log);
//   - the write stores equal the log: every listing and booking the log
//     recorded is in its store at the latest version logged;
//   - every read model equals a fresh rebuild from the log: the search index
//     and the history are rebuilt into in-memory twins, fraud detection into
//     a scratch snapshot, and their canonical digests compared.
// Returns StoreFailure only when a check could not run; a failed invariant is
// a CheckResult with passed == false.
[[nodiscard]] Result<std::vector<CheckResult>> checkInvariants(Platform& platform);

// Drops every read model (search, history, fraud detection) and replays the
// log from offset 0, then drains.
[[nodiscard]] Result<void> rebuildReadModels(Platform& platform);

}  // namespace staylab::app
