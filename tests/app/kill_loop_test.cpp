// The blackbox kill loop: a child runs the whole platform's work together and
// continuously (bookings, group commits, cancellations, host edits, the
// relay, the search and history projections, fraud detection;
// platform_work_child.cpp) at the durability the CLI's server uses, and the
// test kills it with SIGKILL at a random moment, again and again. Each round
// waits until the child has acknowledged a new booking, then a random delay,
// then kills. Every other round the delay starts instead at the child's next
// announcement of one phase of its work (kAims in turn) and is half a
// millisecond at most, so that the short phases get kills too; where a kill landed is always read
// from what the child said last, never assumed from the aim. After each kill it verifies the data
// directory against everything acknowledged so far (platform_work.h: integrity_check on every
// SQLite file, `check`'s verdicts, each acknowledged booking present exactly
// once, each acknowledged cancellation honoured, no night held twice, search
// and history equal to the bookings). The seed is printed; set
// STAYLAB_KILL_LOOP_SEED to replay one.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "tests/app/platform_work.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using testing::ChildProcess;

constexpr int kCycles = 200;
constexpr uint64_t kDefaultSeed = 20261207;
// A free kill comes up to this long after the round's first acknowledged booking.
constexpr int kMaxKillDelayMs = 250;
// An aimed kill comes up to this long after the child announced the phase aimed at.
constexpr int kMaxAimedDelayMicros = 500;
// The steps of the child's work, as it announces them (platform_work_child.cpp).
const std::vector<std::string> kPhases = {"book",   "cancel",  "edit", "relay",
                                          "search", "history", "fraud"};
// The announcements the aimed rounds start their delay at, in turn.
// Measured in the child, an iteration of its work takes about 40 ms: the
// search step 20 ms (its Xapian commit is fsynced), the relay 12, a booking,
// a cancellation or an edit 4, but a history step only about 0.2 ms (its
// RocksDB batch is not fsynced) and a fraud step 0.1 ms unless it saves its
// snapshot. A kill aimed at a history step therefore lands after it, nearly
// always in the fraud step that follows: that is how the aimed rounds reach
// fraud detection (a kill aimed at its own announcement seldom lands in it).
const std::vector<std::string> kAims = {"book",   "cancel",  "edit",   "relay",
                                        "search", "history", "history"};
// How long a child may take to open the platform and acknowledge a booking.
constexpr std::chrono::seconds kFirstBookingWithin{60};
// The phases of the work the floors are asserted on, each made of the
// child's steps (a projections kill lands in the search step or, rarely, in
// the history step; the crash point history_projection.before_commit in
// crash_point_test.cpp covers the history step's window), and the kills each
// must get at least, well below what several seeds gave.
struct WorkPhase {
  std::string name;
  std::vector<std::string> steps;
  int min_kills;
};
const std::vector<WorkPhase> kWorkPhases = {
    {"bookings", {"book"}, 10},
    {"cancellations", {"cancel"}, 5},
    {"host edits", {"edit"}, 5},
    {"relay", {"relay"}, 10},
    {"projections", {"search", "history"}, 10},
    {"fraud detection", {"fraud"}, 6},
};

uint64_t seedFromEnvironment() {
  const char* value = std::getenv("STAYLAB_KILL_LOOP_SEED");
  return value == nullptr ? kDefaultSeed : std::strtoull(value, nullptr, 10);
}

TEST(KillLoop, AcknowledgedWorkSurvivesTwoHundredSigkillsAtRandomMoments) {
  const uint64_t seed = seedFromEnvironment();
  std::cout << "kill loop seed " << seed << " (STAYLAB_KILL_LOOP_SEED replays it)\n";
  testing::TempDir dir;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, kMaxKillDelayMs);
  std::uniform_int_distribution<int> aimed_delay_us(0, kMaxAimedDelayMicros);
  testing::work::Acknowledged acknowledged;
  std::map<std::string, int> kills_by_phase;
  std::map<std::string, int> free_kills_by_phase;
  std::map<std::string, int> aimed_kills_by_phase;
  testing::work::Verified verified;
  const auto started = std::chrono::steady_clock::now();
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    const std::string context = "cycle " + std::to_string(cycle);
    const bool aimed = cycle % 2 == 1;
    const std::string aim = aimed ? kAims[static_cast<size_t>(cycle / 2) % kAims.size()] : "";
    const auto delay = aimed ? std::chrono::microseconds(aimed_delay_us(rng))
                             : std::chrono::microseconds(delay_ms(rng) * 1000);
    std::vector<std::string> lines;
    {
      ChildProcess child(STAYLAB_PLATFORM_WORK_CHILD_PATH,
                         {dir.path().string(), std::to_string(rng())});
      const bool booked = child.waitForLineStartingWith(
          "BOOKED ", ChildProcess::Clock::now() + kFirstBookingWithin);
      ASSERT_TRUE(booked) << context << ": no booking acknowledged; " << child.describe();
      if (aimed) {
        ASSERT_TRUE(child.waitForLineStartingWith("PHASE " + aim,
                                                  ChildProcess::Clock::now() + kFirstBookingWithin))
            << context << ": never reached phase " << aim << "; " << child.describe();
      }
      const bool ended = child.readUntil(ChildProcess::Clock::now() + delay);
      ASSERT_FALSE(ended) << context << ": the child ended by itself; " << child.describe();
      ASSERT_TRUE(child.kill()) << context << ": " << child.describe();
      child.wait();
      ASSERT_TRUE(child.diedOfSigkill()) << context << ": " << child.describe();
      lines = child.completeLines();
    }
    const size_t new_bookings = acknowledged.absorb(lines);
    EXPECT_GT(new_bookings, 0u) << context << ": no new booking acknowledged";
    const std::string phase = testing::work::lastPhase(lines);
    ++kills_by_phase[phase];
    ++(aimed ? aimed_kills_by_phase : free_kills_by_phase)[phase];

    verified = testing::work::verifyDataDir(dir.path(), acknowledged,
                                            context + " (killed in " + phase + ")");
    if (::testing::Test::HasFailure()) {
      return;  // Later cycles would only repeat the first failure.
    }
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  const auto print = [](const std::map<std::string, int>& kills) {
    for (const auto& phase : kPhases) {
      std::cout << " " << phase << " " << (kills.contains(phase) ? kills.at(phase) : 0);
    }
  };
  std::cout << "kill loop: " << kCycles << " cycles killed by SIGKILL, by phase:";
  print(kills_by_phase);
  std::cout << " (free kills:";
  print(free_kills_by_phase);
  std::cout << "; aimed kills:";
  print(aimed_kills_by_phase);
  std::cout << ")";
  std::cout << "; acknowledged bookings checked " << verified.bookings << " (after every cycle), "
            << "cancellations " << verified.cancellations << ", host edits " << acknowledged.edits
            << "; " << seconds << " s\n";
  EXPECT_EQ(verified.bookings, acknowledged.bookings.size());
  for (const auto& phase : kWorkPhases) {
    int kills = 0;
    for (const auto& step : phase.steps) {
      kills += kills_by_phase[step];
    }
    std::cout << "kills in " << phase.name << ": " << kills << " (at least " << phase.min_kills
              << ")\n";
    EXPECT_GE(kills, phase.min_kills) << "too few kills landed in " << phase.name;
  }
}

}  // namespace
}  // namespace staylab
