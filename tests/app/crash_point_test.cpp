// The whitebox crash points (support/crash_point.h), one test each: the
// platform work child (platform_work_child.cpp) runs its mixed work with one
// point armed through STAYLAB_CRASH_POINT until it kills itself there; the
// test sees it say where it died and die of SIGKILL, then verifies the data
// directory against everything acknowledged (platform_work.h: recovery,
// `check`, every acknowledged booking present exactly once, nothing applied
// twice), and lets an unarmed child work on, to show the platform goes on
// from the crash.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "support/crash_point.h"
#include "tests/app/platform_work.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using testing::ChildProcess;

// The armed hit: late enough that the point is reached in the middle of the
// work (a group commit with rows written, a fraud commit after the first
// one), not while the platform is created.
constexpr int kArmedHit = 3;
constexpr std::chrono::seconds kReachWithin{120};
constexpr std::chrono::seconds kFirstBookingWithin{60};
// An unarmed child works this long after its first acknowledged booking.
constexpr std::chrono::milliseconds kUnarmedWork{150};

// Runs an unarmed child until it acknowledges a booking and a little more,
// kills it, and adds what it acknowledged.
void workUnarmed(const std::filesystem::path& dir, uint64_t seed,
                 testing::work::Acknowledged& acknowledged, const std::string& context) {
  ChildProcess child(STAYLAB_PLATFORM_WORK_CHILD_PATH, {dir.string(), std::to_string(seed)});
  ASSERT_TRUE(
      child.waitForLineStartingWith("BOOKED ", ChildProcess::Clock::now() + kFirstBookingWithin))
      << context << ": " << child.describe();
  ASSERT_FALSE(child.readUntil(ChildProcess::Clock::now() + kUnarmedWork))
      << context << ": the child ended by itself; " << child.describe();
  ASSERT_TRUE(child.kill()) << context;
  child.wait();
  EXPECT_GT(acknowledged.absorb(child.completeLines()), 0u) << context;
}

// Returns how many events wait in an outbox although the log holds them
// already: the duplicates a crash in the relay's window leaves.
size_t loggedButStillInAnOutbox(const std::filesystem::path& dir) {
  app::PlatformOptions options;
  options.data_dir = dir;
  auto platform = app::Platform::open(options);
  EXPECT_TRUE(platform) << platform.error().describe();
  if (!platform) {
    return 0;
  }
  EventLog& log = (*platform)->eventLog();
  std::set<std::string> logged;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      for (int64_t offset = 0;;) {
        auto records = log.read(topic, partition, offset, 1000);
        EXPECT_TRUE(records) << records.error().describe();
        if (!records || records->empty()) {
          break;
        }
        for (const auto& record : *records) {
          logged.insert(record.event.event_id);
        }
        offset = records->back().position.offset + 1;
      }
    }
  }
  size_t duplicates = 0;
  for (OutboxSource* outbox : std::initializer_list<OutboxSource*>{&(*platform)->listingStore(),
                                                                   &(*platform)->bookingStore()}) {
    auto entries = outbox->peekOutbox(100'000);
    EXPECT_TRUE(entries) << entries.error().describe();
    for (const auto& entry : entries ? *entries : std::vector<OutboxEntry>{}) {
      duplicates += logged.contains(entry.event.event_id) ? 1 : 0;
    }
  }
  return duplicates;
}

class CrashPointTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(CrashPointTest, RecoversEveryAcknowledgementAfterASigkillAtThePoint) {
  const std::string point(GetParam());
  testing::TempDir dir;
  testing::work::Acknowledged acknowledged;
  workUnarmed(dir.path(), 1, acknowledged, "before arming");
  ASSERT_FALSE(HasFailure());

  const std::string armed = point + ":" + std::to_string(kArmedHit);
  std::vector<std::string> lines;
  {
    ChildProcess child(STAYLAB_PLATFORM_WORK_CHILD_PATH, {dir.path().string(), "2"},
                       {"STAYLAB_CRASH_POINT=" + armed});
    const bool ended = child.readUntil(ChildProcess::Clock::now() + kReachWithin);
    EXPECT_TRUE(ended) << point << " was not reached in time; " << child.describe();
    child.kill();
    child.wait();
    EXPECT_TRUE(child.diedOfSigkill()) << child.describe();
    lines = child.completeLines();
  }
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front(), "ARMED " + armed);
  EXPECT_EQ(lines.back(), "CRASH-POINT " + point + " " + std::to_string(kArmedHit))
      << "the child died elsewhere";
  acknowledged.absorb(lines);
  if (point == "relay.after_append") {
    // The crash came inside the window: the batch is in the log and still in
    // its outbox, to be appended again; check below shows it applied once.
    EXPECT_GT(loggedButStillInAnOutbox(dir.path()), 0u);
  }
  const std::string context = "after the crash at " + point;
  testing::work::verifyDataDir(dir.path(), acknowledged, context);
  ASSERT_FALSE(HasFailure());

  workUnarmed(dir.path(), 3, acknowledged, "after recovery");
  testing::work::verifyDataDir(dir.path(), acknowledged, "after work resumed from " + point);
}

std::string testName(const ::testing::TestParamInfo<std::string_view>& info) {
  std::string name(info.param);
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(EveryPoint, CrashPointTest,
                         ::testing::ValuesIn(support::kCrashPoints.begin(),
                                             support::kCrashPoints.end()),
                         testName);

// A mistyped point must not let a test pass by never crashing.
TEST(CrashPointArming, RefusesAPointThatDoesNotExist) {
  testing::TempDir dir;
  ChildProcess child(STAYLAB_PLATFORM_WORK_CHILD_PATH, {dir.path().string(), "4"},
                     {"STAYLAB_CRASH_POINT=relay.after_apend"});
  EXPECT_TRUE(child.readUntil(ChildProcess::Clock::now() + kReachWithin)) << child.describe();
  child.wait();
  EXPECT_EQ(child.termSignal(), 0) << child.describe();
  EXPECT_EQ(child.exitCode(), 2) << child.describe();
}

}  // namespace
}  // namespace staylab
