// SQLite's writes fail under the platform: a full disk (SQLITE_FULL), a
// write error (SQLITE_IOERR_WRITE) or a failed fsync (SQLITE_IOERR_FSYNC) at
// the n-th write (or sync) of a booking and of a relay step, for every n the
// operation reaches, through the fault VFS (tests/support/fault_vfs.h). After
// each fault the power is cut as well, so whatever was acknowledged must
// already be durable; then the disk is healed and the next command must
// succeed; at the end the platform drains and `check` passes.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/app/fault_platform.h"
#include "tests/app/platform_fixtures.h"
#include "tests/support/fault_vfs.h"

namespace staylab::app {
namespace {

namespace fault_vfs = staylab::testing::fault_vfs;
using fault_vfs::Fault;
using testing::allChecksPass;
using testing::FaultPlatform;
using testing::must;

const char* nameOf(Fault fault) {
  switch (fault) {
    case Fault::DiskFull:
      return "disk full";
    case Fault::WriteError:
      return "write error";
    case Fault::SyncError:
      return "sync error";
  }
  return "?";
}

// Returns how many bookings `guest` holds.
size_t bookingsOf(FaultPlatform& platform, const std::string& guest) {
  BookingFilter filter;
  filter.guest_id = guest;
  return must(platform.platform().bookingStore().list(filter), "list").size();
}

class SqliteFaultTest : public ::testing::TestWithParam<Fault> {
 protected:
  void SetUp() override { ASSERT_TRUE(fault_vfs::install()) << "a store opened before the VFS"; }

  // The machine loses power right after a fault: what was acknowledged must
  // already be on disk.
  static void cutAndRestart(FaultPlatform& platform) {
    fault_vfs::cutPower();
    platform.close();
    fault_vfs::restorePower();
    platform.open();
  }
};

// How the process goes on after a fault.
enum class Then {
  PowerCut,  // The machine loses power: only what was synced stays.
  Restart,   // The process closes cleanly and starts again.
  Kill,      // The process is killed (its close writes nothing) and starts again.
};

// Books with the fault at write (or sync) 0, 1, 2, ... until a booking makes
// fewer; after each fault the process goes on as `then` says, and checks
// that every acknowledged booking is there, the refused one is not, SQLite's
// own check passes, and the next booking (the disk healed) is taken.
void sweepBookings(Fault fault, Then then) {
  FaultPlatform platform(Durability::Full);
  std::vector<std::string> acknowledged;
  int ordinal = 0;
  int indices = 0;
  int refused = 0;
  for (uint64_t index = 0;; ++index) {
    fault_vfs::failFrom(fault, index);
    const int attempt = ordinal++;
    auto placed = platform.book(attempt);
    if (!fault_vfs::heal()) {
      ASSERT_TRUE(placed.has_value()) << placed.error().describe();
      acknowledged.push_back(placed->booking.id);
      break;  // The booking made fewer writes than `index`: every one was tried.
    }
    ++indices;
    if (placed) {
      acknowledged.push_back(placed->booking.id);
    } else {
      ++refused;
      EXPECT_EQ(placed.error().kind, ErrorKind::StoreFailure) << placed.error().describe();
    }
    if (then == Then::PowerCut) {
      fault_vfs::cutPower();
      platform.close();
      fault_vfs::restorePower();
    } else if (then == Then::Kill) {
      fault_vfs::killProcess();
      platform.close();
      fault_vfs::restartProcess();
    } else {
      platform.close();
    }
    platform.open();
    ASSERT_EQ(platform.present(acknowledged), acknowledged.size())
        << nameOf(fault) << " at write " << index << ": an acknowledged booking is gone";
    if (!placed) {
      EXPECT_EQ(bookingsOf(platform, fmt::format("guest{}", attempt)), 0u)
          << nameOf(fault) << " at write " << index << ": a refused booking was kept";
    }
    ASSERT_TRUE(platform.intact()) << nameOf(fault) << " at write " << index;
    auto next = platform.book(ordinal++);
    ASSERT_TRUE(next.has_value()) << nameOf(fault) << " at write " << index << ": "
                                  << next.error().describe();
    acknowledged.push_back(next->booking.id);
  }
  fmt::print("booking, {}, then {}: {} fault indices, {} refused, {} acknowledged and kept\n",
             nameOf(fault),
             then == Then::PowerCut ? "power cut"
             : then == Then::Kill   ? "kill"
                                    : "restart",
             indices, refused, acknowledged.size());
  ::testing::Test::RecordProperty("fault_indices", indices);
  EXPECT_GT(indices, 0);
  EXPECT_EQ(platform.present(acknowledged), acknowledged.size());
  EXPECT_TRUE(allChecksPass(platform.platform()));
}

TEST_P(SqliteFaultTest, BookingFailsWholeAtEveryWriteAndSurvivesAPowerCut) {
  sweepBookings(GetParam(), Then::PowerCut);
}

TEST_P(SqliteFaultTest, BookingRefusedByAFaultStaysAbsentAfterARestart) {
  sweepBookings(GetParam(), Then::Restart);
}

TEST_P(SqliteFaultTest, BookingRefusedByAFaultStaysAbsentAfterAKill) {
  sweepBookings(GetParam(), Then::Kill);
}

TEST_P(SqliteFaultTest, RelayStepFailsWithoutLosingAnEventAndTheNextOneSucceeds) {
  const Fault fault = GetParam();
  FaultPlatform platform(Durability::Full);
  std::vector<std::string> acknowledged;
  int ordinal = 0;
  int indices = 0;
  for (uint64_t index = 0;; ++index) {
    for (int count = 0; count < 2; ++count) {
      acknowledged.push_back(must(platform.book(ordinal++), "book").booking.id);
    }
    fault_vfs::failFrom(fault, index);
    auto relayed = platform.platform().pump().relayStep();
    if (!fault_vfs::heal()) {
      ASSERT_TRUE(relayed.has_value()) << relayed.error().describe();
      break;
    }
    ++indices;
    if (!relayed) {
      EXPECT_EQ(relayed.error().kind, ErrorKind::StoreFailure) << relayed.error().describe();
    }
    cutAndRestart(platform);
    ASSERT_EQ(platform.present(acknowledged), acknowledged.size());
    ASSERT_TRUE(platform.intact()) << nameOf(fault) << " at write " << index;
    auto next = platform.platform().pump().relayStep();
    ASSERT_TRUE(next.has_value()) << nameOf(fault) << " at write " << index << ": "
                                  << next.error().describe();
  }
  fmt::print("relay step, {}: {} fault indices\n", nameOf(fault), indices);
  RecordProperty("fault_indices", indices);
  EXPECT_GT(indices, 0);
  EXPECT_TRUE(allChecksPass(platform.platform()));
}

INSTANTIATE_TEST_SUITE_P(Faults, SqliteFaultTest,
                         ::testing::Values(Fault::DiskFull, Fault::WriteError, Fault::SyncError),
                         [](const auto& info) {
                           switch (info.param) {
                             case Fault::DiskFull:
                               return std::string("DiskFull");
                             case Fault::WriteError:
                               return std::string("WriteError");
                             case Fault::SyncError:
                               return std::string("SyncError");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace staylab::app
