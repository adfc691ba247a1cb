#pragma once

// What the read models miss of the write stores: the harm a lost event does
// after everything has been delivered. A write store is the truth of its
// context; a read model that lacks a confirmed booking offers its nights
// again (search) or forgets it (history), and one whose listing differs from
// the listing store shows stale or wrong listings. With the transactional
// outbox every change reaches the log and the count is 0 once the pump has
// drained; with a dual write whose second write failed it is not.
//
// Unlike "equals a rebuild" (checks.h), which compares a read model with the
// log, this compares it with the write stores, so it also sees what never
// reached the log.

#include <cstdint>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "domain/common/error.h"

namespace staylab::app {

struct Divergence {
  std::uint64_t listings = 0;          // Listings whose search document differs or is missing.
  std::uint64_t search_bookings = 0;   // Confirmed bookings whose nights search offers as free.
  std::uint64_t history_bookings = 0;  // Confirmed bookings history lacks or shows otherwise.
  std::vector<std::string> examples;   // A few of them, for people.

  std::uint64_t total() const { return listings + search_bookings + history_bookings; }
};

// Compares the read models with the write stores as they are now (drain the
// pump first to measure what stays missing). Reads every listing and
// booking; for checks and the end of a run, not hot paths.
[[nodiscard]] Result<Divergence> measureDivergence(Platform& platform);

}  // namespace staylab::app
