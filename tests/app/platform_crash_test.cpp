// Kills a process running the whole event-driven platform with SIGKILL from
// outside, at a random moment of each of its phases (seeding, placing
// bookings and pumping, draining, rebuilding the read models), and, in rounds
// of their own, in the relay's window between its log append and its outbox
// delete. After each kill the platform is reopened and drained: every
// invariant of `check` holds, and every acknowledged booking is in the
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
#include "tests/app/platform_work.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

// The child's modes, one per phase it dwells in; the test rotates them. The
// relay rounds rotate the modes that run the relay many times a second (a
// rebuild runs it a few times per rebuild, seeding never).
constexpr std::array<const char*, 4> kModes{"seed", "book", "drain", "rebuild"};
constexpr std::array<const char*, 2> kRelayModes{"book", "drain"};
// Rounds the test kills from outside, and rounds aimed at the relay's window
// (one after every kExternalRoundsPerRelayRound external ones).
constexpr int kExternalRounds = 28;
constexpr int kRelayRounds = 4;
constexpr int kExternalRoundsPerRelayRound = kExternalRounds / kRelayRounds;
// Each external kill comes this long after the child said READY.
constexpr int kMinKillDelayMs = 20;
constexpr int kMaxKillDelayMs = 1500;
// What the external rounds must achieve: a mode dwells mostly, not only, in
// its own phase, so a phase may get a little less than its 7 rounds.
constexpr int kMinExternalKills = 20;
constexpr int kMinKillsPerPhase = 4;
// In a relay round the child kills itself on about one relay step in this
// many; if it has not after this long, the round fails.
constexpr int kRelayKillOneIn = 3;
constexpr std::chrono::milliseconds kRelayRoundRunsFor{10'000};
// The city of the child's own properties, where it books.
constexpr const char* kCity = "Crashville";

struct Acknowledged {
  std::string property_id;
  std::string guest_id;
  std::string from;
  std::string to;
};

// Returns a random delay of kMinKillDelayMs..kMaxKillDelayMs.
std::chrono::milliseconds externalKillDelay(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> milliseconds(kMinKillDelayMs, kMaxKillDelayMs);
  return std::chrono::milliseconds(milliseconds(rng));
}

using testing::work::historyCells;
using testing::work::lastPhase;

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

TEST(PlatformCrash, AcknowledgedBookingsSurviveSigkillInEveryPhaseAndInTheRelayWindow) {
  testing::TempDir dir;
  std::mt19937_64 rng(20261122);
  std::map<std::string, Acknowledged> acknowledged;
  std::map<std::string, int> external_kills_by_phase;
  std::map<std::string, int> relay_kills_by_mode;
  int external_kills = 0;
  int relay_kills = 0;
  int external_round = 0;
  int relay_round = 0;
  const int rounds = kExternalRounds + kRelayRounds;
  for (int round = 0; round < rounds; ++round) {
    const bool aimed = round % (kExternalRoundsPerRelayRound + 1) == kExternalRoundsPerRelayRound;
    const std::string mode =
        aimed ? kRelayModes[static_cast<size_t>(relay_round++) % kRelayModes.size()]
              : kModes[static_cast<size_t>(external_round++) % kModes.size()];
    const auto delay = aimed ? kRelayRoundRunsFor : externalKillDelay(rng);
    const std::vector<std::string> args{dir.path().string(), mode, std::to_string(rng()),
                                        std::to_string(aimed ? kRelayKillOneIn : 0)};
    auto run = testing::runUntilKilled(STAYLAB_PLATFORM_CRASH_CHILD_PATH, args, delay);
    ASSERT_TRUE(run.ready) << "round " << round << ": the child never opened the platform; "
                           << run.description;
    EXPECT_TRUE(run.died_of_sigkill) << "round " << round << ": " << run.description;
    const bool relay_kill =
        std::find(run.lines.begin(), run.lines.end(), "RELAY-KILL") != run.lines.end();
    const std::string phase = lastPhase(run.lines);
    std::string how;
    if (aimed) {
      EXPECT_TRUE(relay_kill && !run.killed_by_test)
          << "round " << round << " (" << mode << ") never reached the relay's window";
      relay_kills += relay_kill ? 1 : 0;
      relay_kills_by_mode[mode] += relay_kill ? 1 : 0;
      how = relay_kill ? "killed itself in the relay window in phase " + phase
                       : "missed the relay window";
    } else {
      // The child has no way to die by itself here: the kill is the test's.
      EXPECT_TRUE(run.killed_by_test && !relay_kill)
          << "round " << round << " (" << mode << ") ended before the test's kill; "
          << run.description;
      if (run.killed_by_test) {
        ++external_kills;
        ++external_kills_by_phase[phase];
      }
      how = "killed " + std::to_string(delay.count()) + " ms after READY in phase " + phase;
    }

    std::set<std::string> fresh;
    for (const auto& line : run.lines) {
      EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << "round " << round << ": " << line;
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
    std::cout << "round " << round << " (" << mode << "): " << how << ", " << fresh.size()
              << " acknowledged\n";

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
        EXPECT_TRUE(check.passed) << "round " << round << " (" << mode << ", " << how
                                  << "): " << check.name << ": " << check.detail;
      }
      expectAcknowledgedEverywhere(**platform, acknowledged, fresh, round);
    }
    if (::testing::Test::HasFailure()) {
      return;  // Later rounds would only repeat the first failure.
    }
  }
  std::cout << "killed by the test " << external_kills << " of " << kExternalRounds
            << " external rounds, by phase:";
  for (const auto& [phase, kills] : external_kills_by_phase) {
    std::cout << " " << phase << " " << kills;
  }
  std::cout << "; killed in the relay window " << relay_kills << " of " << kRelayRounds
            << " relay rounds, by mode:";
  for (const auto& [mode, kills] : relay_kills_by_mode) {
    std::cout << " " << mode << " " << kills;
  }
  std::cout << "; acknowledged bookings checked " << acknowledged.size() << "\n";
  EXPECT_GE(external_kills, kMinExternalKills);
  for (const char* phase : kModes) {
    EXPECT_GE(external_kills_by_phase[phase], kMinKillsPerPhase)
        << "too few kills from outside landed in phase " << phase;
  }
  EXPECT_EQ(relay_kills, kRelayRounds);
  EXPECT_GT(acknowledged.size(), 0u);
}

}  // namespace
}  // namespace staylab
