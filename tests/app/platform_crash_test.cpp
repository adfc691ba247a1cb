// Kills a process running the whole event-driven platform with SIGKILL at
// random moments (while seeding, while placing bookings and pumping, while
// draining or rebuilding) and in the relay's window between its log append and
// its outbox delete. After each kill the platform is reopened and drained:
// every invariant of `check` holds, and every acknowledged booking is in the
// bookings, in the history and in search availability, applied once.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "events/history_projection.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

constexpr int kRounds = 24;
constexpr std::array<const char*, 3> kModes{"seed", "book", "drain"};
// The city of the child's own properties, where it books.
constexpr const char* kCity = "Crashville";
// The child kills itself in the relay's window on about one relay step in
// this many; more often in every fourth round, which aims at that window.
constexpr int kRelayKillOneIn = 20;
constexpr int kAimedRelayKillOneIn = 3;
constexpr int kAimAtRelayEvery = 4;
// How long an aimed round may work before the test kills it anyway.
constexpr std::chrono::milliseconds kAimedRunFor{10'000};

struct Acknowledged {
  std::string property_id;
  std::string guest_id;
  std::string from;
  std::string to;
};

struct ChildRun {
  std::vector<std::string> lines;  // Complete lines only.
  bool relay_kill = false;         // The child killed itself in the relay's window.
};

// Starts the child in `mode`, lets it work for `run_for` after it said READY
// (unless it kills itself first), kills it with SIGKILL and returns every
// complete line it wrote.
ChildRun runAndKill(const std::string& data_dir, const std::string& mode, uint64_t seed,
                    int relay_kill_one_in, std::chrono::milliseconds run_for) {
  auto killed = testing::runUntilKilled(
      STAYLAB_PLATFORM_CRASH_CHILD_PATH,
      {data_dir, mode, std::to_string(seed), std::to_string(relay_kill_one_in)}, run_for);
  EXPECT_TRUE(killed.died_of_sigkill) << "the child did not die by SIGKILL; " << killed.description;
  EXPECT_TRUE(killed.ready) << "the child never opened the platform; " << killed.description;

  ChildRun run;
  for (auto& line : killed.lines) {
    EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << line;
    run.relay_kill = run.relay_kill || line == "RELAY-KILL";
    run.lines.push_back(std::move(line));
  }
  return run;
}

// Returns booking id -> the versions of its cells in `row` of `family`.
std::map<std::string, std::vector<Cell>> historyCells(app::Platform& platform,
                                                      const std::string& row,
                                                      const std::string& family) {
  std::map<std::string, std::vector<Cell>> cells;
  auto scanned = platform.historyStore().scanRow(row, family);
  EXPECT_TRUE(scanned) << scanned.error().describe();
  if (scanned) {
    for (auto& cell : *scanned) {
      cells[cell.qualifier].push_back(std::move(cell));
    }
  }
  return cells;
}

// Expects `cells` to be exactly one version (the first) of a confirmed booking.
void expectConfirmedOnce(const std::vector<Cell>& cells, const std::string& where) {
  ASSERT_EQ(cells.size(), 1u) << where;
  EXPECT_EQ(cells[0].timestamp, 1) << where;
  EXPECT_NE(cells[0].value.find("\"status\":\"confirmed\""), std::string::npos)
      << where << ": " << cells[0].value;
}

// Verifies every acknowledged booking after a restart and a drain; runs the
// search query (costlier) only for those in `fresh`.
void expectAcknowledgedEverywhere(app::Platform& platform,
                                  const std::map<std::string, Acknowledged>& acknowledged,
                                  const std::set<std::string>& fresh, int round) {
  const std::string context = "round " + std::to_string(round) + ", booking ";
  std::map<std::string, std::map<std::string, std::vector<Cell>>> by_property;
  std::map<std::string, std::set<Date>> booked_nights;
  for (const auto& [id, ack] : acknowledged) {
    const std::string where = context + id;
    auto booking = platform.bookingStore().find(id);
    ASSERT_TRUE(booking) << booking.error().describe();
    ASSERT_TRUE(booking->has_value()) << where << " lost from the bookings";
    EXPECT_EQ((*booking)->status, booking::BookingStatus::Confirmed) << where;
    EXPECT_EQ((*booking)->property_id, ack.property_id) << where;
    EXPECT_EQ((*booking)->guest_id, ack.guest_id) << where;
    EXPECT_EQ((*booking)->check_in.toString(), ack.from) << where;
    EXPECT_EQ((*booking)->check_out.toString(), ack.to) << where;

    if (!by_property.contains(ack.property_id)) {
      by_property[ack.property_id] =
          historyCells(platform, ack.property_id, HistoryProjection::kByProperty);
      auto document = platform.searchIndex().get(ack.property_id);
      ASSERT_TRUE(document) << document.error().describe();
      ASSERT_TRUE(document->has_value()) << where << ": no search document for its property";
      booked_nights[ack.property_id] = {(*document)->booked_nights.begin(),
                                        (*document)->booked_nights.end()};
    }
    expectConfirmedOnce(by_property[ack.property_id][id], where + " in history by_property");
    auto by_guest = historyCells(platform, ack.guest_id, HistoryProjection::kByGuest);
    expectConfirmedOnce(by_guest[id], where + " in history by_guest");

    auto stay = Stay::parse(ack.from, ack.to);
    ASSERT_TRUE(stay) << stay.error().describe();
    for (Date night : stay->nightDates()) {
      EXPECT_TRUE(booked_nights[ack.property_id].contains(night))
          << where << ": search shows " << ack.property_id << " free on " << night.toString();
    }
    if (fresh.contains(id)) {
      SearchQuery query;
      query.city = kCity;
      query.stay = *stay;
      query.limit = 1000;
      auto page = platform.searchIndex().search(query);
      ASSERT_TRUE(page) << page.error().describe();
      for (const auto& hit : page->hits) {
        EXPECT_NE(hit.id, ack.property_id)
            << where << ": search offers " << ack.property_id << " for its nights";
      }
    }
  }
}

TEST(PlatformCrash, AcknowledgedBookingsSurviveSigkillDuringSeedBookingsAndDrain) {
  testing::TempDir dir;
  std::mt19937_64 rng(20261122);
  std::map<std::string, Acknowledged> acknowledged;
  std::map<std::string, int> relay_kills_by_mode;
  int relay_kills = 0;
  for (int round = 0; round < kRounds; ++round) {
    const std::string mode = kModes[static_cast<size_t>(round) % kModes.size()];
    const bool aimed = round % kAimAtRelayEvery == kAimAtRelayEvery - 1;
    auto run_for = aimed ? kAimedRunFor : std::chrono::milliseconds(static_cast<int>(rng() % 600));
    auto run = runAndKill(dir.path().string(), mode, rng(),
                          aimed ? kAimedRelayKillOneIn : kRelayKillOneIn, run_for);
    if (::testing::Test::HasFatalFailure()) {
      return;
    }
    EXPECT_TRUE(run.relay_kill || !aimed)
        << "round " << round << " (" << mode << ") never reached the relay's window";
    if (run.relay_kill) {
      ++relay_kills;
      ++relay_kills_by_mode[mode];
    }
    std::set<std::string> fresh;
    for (const auto& line : run.lines) {
      if (line.rfind("ACK ", 0) != 0) {
        continue;
      }
      std::istringstream fields(line.substr(4));
      std::string id;
      Acknowledged ack;
      fields >> id >> ack.property_id >> ack.guest_id >> ack.from >> ack.to;
      ASSERT_TRUE(fields) << "malformed acknowledgement: " << line;
      EXPECT_TRUE(acknowledged.emplace(id, ack).second) << "acknowledged twice: " << id;
      fresh.insert(id);
    }

    // Restart, drain, check. The platform closes at the end of the scope,
    // releasing the RocksDB and Xapian locks for the next child.
    {
      app::PlatformOptions options;
      options.data_dir = dir.path();
      options.mode = app::OpenMode::InitialiseIfEmpty;
      auto platform = app::Platform::open(options);
      ASSERT_TRUE(platform) << "round " << round << ": " << platform.error().describe();
      auto drained = (*platform)->pump().drain();
      ASSERT_TRUE(drained) << "round " << round << ": " << drained.error().describe();
      auto checks = app::checkInvariants(**platform);
      ASSERT_TRUE(checks) << "round " << round << ": " << checks.error().describe();
      for (const auto& check : *checks) {
        EXPECT_TRUE(check.passed) << "round " << round << " (" << mode << ", "
                                  << (run.relay_kill ? "killed in the relay window" : "killed")
                                  << "): " << check.name << ": " << check.detail;
      }
      expectAcknowledgedEverywhere(**platform, acknowledged, fresh, round);
    }
    if (::testing::Test::HasFailure()) {
      return;  // Later rounds would only repeat the first failure.
    }
  }
  EXPECT_GE(relay_kills, 1) << "no round died between the relay's append and its outbox delete";
  EXPECT_GT(acknowledged.size(), 0u);
  std::cout << "rounds " << kRounds << ", killed in the relay window " << relay_kills << " (seed "
            << relay_kills_by_mode["seed"] << ", book " << relay_kills_by_mode["book"] << ", drain "
            << relay_kills_by_mode["drain"] << "), acknowledged bookings checked "
            << acknowledged.size() << "\n";
}

}  // namespace
}  // namespace staylab
