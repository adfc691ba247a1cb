#pragma once

// A platform pattern that is a switch and nothing more: on, the platform is
// built as designed; off, as teams who skip the pattern build it. Its file
// describes it in a PlatformSwitch and makes it with makePlatformSwitch().
//
// Thread safety: as Pattern (immutable and shared).

#include <memory>
#include <span>
#include <string_view>

#include "simulator/patterns/pattern.h"
#include "simulator/patterns/platform_build.h"

namespace staylab::sim {

struct PlatformSwitch {
  std::string_view name;     // The scenario key: "outbox".
  std::string_view title;    // For menus and reports: "Transactional outbox".
  std::string_view summary;  // What it does, and what the run does without it.
  LiveSwitch live = LiveSwitch::No;
  bool PlatformBuild::*field = nullptr;  // The switch it sets in the platform.
  std::span<const MeasureSpec> measures;
};

// Returns the pattern `description` describes; on when a scenario does not
// mention it. `description.measures` must outlive the pattern.
std::unique_ptr<Pattern> makePlatformSwitch(const PlatformSwitch& description);

}  // namespace staylab::sim
