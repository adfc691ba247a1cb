// EIO (and ENOSPC) at every write and sync of each step of the platform's work, below
// every engine at once (tests/support/io_fault interposes the C library's
// write and sync calls): a booking (SQLite), a relay step (the RocksDB event
// log, then the outbox), the search projection (Xapian), the history
// projection (RocksDB) and fraud detection's commit (SQLite). For
// each step the n-th call fails, for n from 1 until the step no longer
// reaches an n-th call. Each time the step must fail whole with a store
// failure, never crash; once the disk heals, the same process goes on (no
// restart), the engines' integrity checks and `check` pass, and after a
// restart every acknowledged booking is there.

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/app/fault_platform.h"
#include "tests/support/io_fault.h"

namespace staylab::app {
namespace {

using testing::allChecksPass;
using testing::FaultPlatform;
using testing::must;
namespace io_fault = staylab::testing::io_fault;

template <typename Answer>
Result<void> asVoid(const Result<Answer>& result) {
  if (!result) {
    return std::unexpected(result.error());
  }
  return {};
}

struct Step {
  const char* name;
  std::function<Result<void>()> run;
  uint64_t calls_failed = 0;  // Sweep levels at which the step met EIO.
};

class IoErrorTest : public ::testing::TestWithParam<int> {};

TEST_P(IoErrorTest, EveryStepFailsWholeAtEveryWriteAndSyncAndRecoversWithoutRestart) {
  const int error = GetParam();
  FaultPlatform platform(Durability::Full);
  Platform& live = platform.platform();
  int ordinal = 0;
  std::vector<std::string> acknowledged;
  size_t refused_bookings = 0;
  auto book = [&]() -> Result<void> {
    auto answer = platform.book(ordinal++);
    if (answer) {
      acknowledged.push_back(answer->booking.id);
    }
    return asVoid(answer);
  };
  std::vector<Step> steps = {
      {"booking", book},
      {"relay step", [&] { return asVoid(live.pump().relayStep()); }},
      {"search projection",
       [&] { return asVoid(live.pump().consumerStep(live.searchProjection())); }},
      {"history projection",
       [&] { return asVoid(live.pump().consumerStep(live.historyProjection())); }},
      {"fraud step", [&] { return asVoid(live.pump().fraudStep()); }},
      {"fraud commit", [&] { return live.fraudDetection().flush(); }},
  };
  std::vector<std::string> problems;
  for (Step& target : steps) {
    for (uint64_t nth = 1;; ++nth) {
      // One round of the whole work, with the target step meeting EIO at
      // its nth write or sync, and every other step healthy.
      bool reached = false;
      for (Step& step : steps) {
        if (&step != &target) {
          must(step.run(), step.name);
          continue;
        }
        io_fault::arm(platform.dataDir(), nth, error);
        Result<void> result = step.run();
        io_fault::disarm();
        reached = io_fault::fired();
        if (!reached) {
          must(std::move(result), step.name);
          continue;
        }
        ++step.calls_failed;
        if (result) {
          problems.push_back(fmt::format("{}: {} at call {} was not reported", step.name,
                                         strerrorname_np(error), nth));
          continue;
        }
        if (result.error().kind != ErrorKind::StoreFailure) {
          problems.push_back(
              fmt::format("{}: EIO at call {} gave {}", step.name, nth, result.error().describe()));
        }
        refused_bookings += &step == &steps.front() ? 1 : 0;
        // The disk healed: the same process goes on.
        if (Result<void> again = step.run(); !again) {
          problems.push_back(fmt::format("{}: after {} at call {}, the retry failed: {}", step.name,
                                         strerrorname_np(error), nth, again.error().describe()));
        }
      }
      ASSERT_TRUE(platform.intact()) << target.name << ", call " << nth;
      must(live.pump().drain(), "drain");
      ASSERT_TRUE(allChecksPass(live)) << target.name << ", call " << nth;
      if (!reached) {
        fmt::print("{}: {} at each of its {} writes and syncs\n", target.name,
                   strerrorname_np(error), nth - 1);
        RecordProperty(fmt::format("calls_{}", target.name), static_cast<int>(nth - 1));
        break;
      }
    }
  }
  for (const std::string& problem : problems) {
    ADD_FAILURE() << problem;
  }
  for (const Step& step : steps) {
    // Fraud detection's step keeps its effects in its open transaction up to
    // the commit threshold; its commit step is the one that writes them.
    if (std::string_view(step.name) != "fraud step") {
      EXPECT_GT(step.calls_failed, 0u) << step.name << " never met the fault";
    }
  }
  // Nothing acknowledged was lost, across a restart too.
  platform.close();
  platform.open();
  EXPECT_TRUE(platform.intact());
  EXPECT_TRUE(allChecksPass(platform.platform()));
  EXPECT_EQ(platform.present(acknowledged), acknowledged.size());
  fmt::print("{} bookings acknowledged and present after a restart; {} refused with {}\n",
             acknowledged.size(), refused_bookings, strerrorname_np(error));
}

// A broken disk, and a full one (a tmpfs gives ENOSPC only where the test can
// mount one; this reaches every call).
INSTANTIATE_TEST_SUITE_P(Errors, IoErrorTest, ::testing::Values(EIO, ENOSPC),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(strerrorname_np(info.param));
                         });

}  // namespace
}  // namespace staylab::app
