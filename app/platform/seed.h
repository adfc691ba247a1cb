#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/platform/gateway.h"
#include "domain/common/date.h"
#include "domain/ports/clock.h"

namespace staylab::app {

struct SeedOptions {
  int properties = 100;  // 1..100000.
  uint64_t seed = 1;
  // Bookings fall within a year from here (or from the day after the seed's
  // clock, once that has passed it: no stay starts in the past).
  Date first_night;
};

struct SeedReport {
  int properties = 0;
  int bookings = 0;                  // Confirmed.
  int rejected = 0;                  // Refused because the nights were taken.
  std::vector<std::string> planted;  // One line per planted fraud case.
};

// Makes a demo data set through the gateway, as the admin: properties across
// cities with realistic titles, descriptions, amenities and prices, bookings
// over the year after `first_night`, and (from 12 properties on) planted fraud
// cases, one per rule. The same options give the same commands in the same
// order; the caller makes ids and times deterministic by opening the
// platform with a SeededRandom and advancing `clock` (a ManualClock). The
// ordinary bookings are placed in groups of 64 commands per store commit
// (Gateway::placeBookings), all of a group at the time of its last one; the
// planted cases one by one, at their own times.
[[nodiscard]] Result<SeedReport> seedDemoData(Gateway& gateway, ManualClock& clock,
                                              const SeedOptions& options);

}  // namespace staylab::app
