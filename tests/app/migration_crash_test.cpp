// The migration killed from outside (SIGKILL) at random moments while the
// legacy monolith takes writes and every migration part runs: after each
// restart and a drain, every legacy change is accounted for, none was
// applied twice (each reservation is one booking), and the two systems
// agree.

#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "app/migration/migration.h"
#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

constexpr int kRounds = 60;

app::PlatformOptions optionsFor(const std::filesystem::path& dir) {
  app::PlatformOptions options;
  options.data_dir = dir;
  options.mode = app::OpenMode::Existing;
  options.extra_topics = migration::Migration::topics(CdcStrategy::PerTable);
  return options;
}

std::string lastPhase(const std::vector<std::string>& lines) {
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    if (line->rfind("PHASE ", 0) == 0)
      return line->substr(6);
  }
  return "none";
}

TEST(MigrationCrash, SigkillAnywhereLosesNoLegacyChangeAndAppliesNoneTwice) {
  testing::TempDir dir;
  std::mt19937_64 rng(20261207);
  {
    auto init =
        testing::runUntilKilled(STAYLAB_MIGRATION_CRASH_CHILD_PATH,
                                {dir.path().string(), "init", "1"}, std::chrono::milliseconds(500));
    ASSERT_TRUE(init.ready) << init.description;
  }
  std::set<int64_t> acknowledged;
  std::map<std::string, int> kills_by_phase;
  for (int round = 0; round < kRounds; ++round) {
    const auto delay = std::chrono::milliseconds(20 + rng() % 180);
    auto run = testing::runUntilKilled(STAYLAB_MIGRATION_CRASH_CHILD_PATH,
                                       {dir.path().string(), "work", std::to_string(rng())}, delay);
    ASSERT_TRUE(run.ready) << "round " << round << ": " << run.description;
    EXPECT_TRUE(run.killed_by_test) << "round " << round << ": " << run.description;
    size_t fresh = 0;
    for (const std::string& line : run.lines) {
      EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << "round " << round << ": " << line;
      if (line.rfind("RES ", 0) == 0) {
        EXPECT_TRUE(acknowledged.insert(std::stoll(line.substr(4))).second) << line;
        ++fresh;
      }
    }
    ++kills_by_phase[lastPhase(run.lines)];
    std::cout << "round " << round << ": killed " << delay.count() << " ms after READY in phase "
              << lastPhase(run.lines) << ", " << fresh << " reservations acknowledged\n";
  }

  auto platform = app::Platform::open(optionsFor(dir.path()));
  ASSERT_TRUE(platform) << platform.error().describe();
  MigrationSettings settings;
  settings.strategy = CdcStrategy::PerTable;
  settings.backoff_nanos = 20'000'000;  // As the child's.
  settings.attempts = 6;
  auto migration = migration::Migration::open(**platform, settings, StoreCreation::OpenExisting);
  ASSERT_TRUE(migration) << migration.error().describe();
  auto drained = (*migration)->drain([](int64_t nanos) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(nanos));
  });
  ASSERT_TRUE(drained) << drained.error().describe();
  auto measures = (*migration)->measure();
  ASSERT_TRUE(measures) << measures.error().describe();
  EXPECT_EQ(measures->cdc_unaccounted, 0);
  EXPECT_EQ(measures->errors, 0);
  EXPECT_EQ(measures->divergent_listings, 0);
  EXPECT_EQ(measures->divergent_bookings, 0);
  EXPECT_EQ(measures->cross_system_double_bookings, 0);
  EXPECT_GT(measures->changes_captured, static_cast<int64_t>(acknowledged.size()));

  // Every reservation the legacy holds (the acknowledged ones, and those a
  // kill cut off before their acknowledgement) is one booking on the new
  // side, and none became two: the bookings the migration placed are exactly
  // as many as the legacy's reservations.
  auto reservations = (*migration)->legacy().reservations();
  ASSERT_TRUE(reservations) << reservations.error().describe();
  std::set<int64_t> held;
  std::set<std::string> mapped;
  for (const auto& reservation : *reservations) {
    held.insert(reservation.res_no);
    auto booking_id = (*migration)->newBooking(reservation.res_no);
    ASSERT_TRUE(booking_id) << "reservation " << reservation.res_no << ": "
                            << booking_id.error().describe();
    EXPECT_TRUE(mapped.insert(*booking_id).second) << "two reservations, one booking";
  }
  for (const int64_t res_no : acknowledged)
    EXPECT_TRUE(held.contains(res_no)) << "acknowledged reservation " << res_no << " lost";
  auto bookings = (**platform).bookingStore().list({});
  ASSERT_TRUE(bookings) << bookings.error().describe();
  size_t placed = 0;
  for (const auto& booking : *bookings)
    placed += booking.status != booking::BookingStatus::Rejected ? 1 : 0;
  EXPECT_EQ(placed, reservations->size());
  auto checks = app::checkInvariants(**platform);
  ASSERT_TRUE(checks) << checks.error().describe();
  for (const auto& check : *checks)
    EXPECT_TRUE(check.passed) << check.name << ": " << check.detail;

  std::cout << kRounds << " kills, " << acknowledged.size() << " reservations checked, "
            << measures->changes_captured << " legacy changes accounted for; kills by phase:";
  for (const auto& [phase, kills] : kills_by_phase)
    std::cout << ' ' << phase << '=' << kills;
  std::cout << '\n';
  EXPECT_GE(kills_by_phase.size(), 3u) << "the kills should land in several phases";
}

}  // namespace
}  // namespace staylab
