#pragma once

#include <cstddef>
#include <functional>

#include "tests/app/serve_server.h"

namespace staylab::testing {

// What killServeWhileBooking() did.
struct ServeCrashRun {
  int kills = 0;               // SIGKILLs of staylab-cli serve.
  size_t requests = 0;         // Booking requests sent.
  size_t acknowledged = 0;     // Bookings answered 201, each checked after every restart.
  double booking_seconds = 0;  // Wall time the clients were booking.
};

// Kills `staylab-cli serve` on `data` with SIGKILL `kills` times while two
// guests book over HTTP (each for 100..500 ms), and restarts it; runs
// `between(kill)` after each kill, before the restart (a test kills other
// servers there). After each restart every booking that got a 201 is
// there; at the end no night is held twice and `staylab-cli check` passes
// (gtest failures otherwise).
ServeCrashRun killServeWhileBooking(const DataDir& data, int kills,
                                    const std::function<void(int kill)>& between);

}  // namespace staylab::testing
