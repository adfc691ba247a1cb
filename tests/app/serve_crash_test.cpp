// Kills `staylab-cli serve` with SIGKILL, again and again, while clients book
// over HTTP, and restarts it: every booking that got a 201 is there after each
// restart, no night is held twice, and `staylab-cli check` passes at the end.
#include <gtest/gtest.h>

#include "tests/app/serve_crash_run.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

TEST(ServeCrashTest, SigkillWhileBookingLosesNoAcknowledgedBooking) {
  staylab::testing::TempDir dir;
  const auto run = staylab::testing::killServeWhileBooking(dir.path() / "data", 20, [](int) {});
  ::testing::Test::RecordProperty("acknowledged_bookings", static_cast<int>(run.acknowledged));
}

}  // namespace
}  // namespace staylab
