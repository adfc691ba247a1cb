// Kills a process that is placing bookings with SIGKILL at random moments and
// checks, after each kill, that every acknowledged booking survived intact.
// Each round books listings of its own, so that every kill lands among
// accepted writes, not only refused ones.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "stores/relational/sqlite_booking_store.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

constexpr int kRounds = 24;
// Each kill comes this long after the child said READY.
constexpr int kMinKillDelayMs = 30;
constexpr int kMaxKillDelayMs = 400;
// New bookings every round must have acknowledged before its kill.
constexpr size_t kMinAcknowledgedPerRound = 3;

struct Acknowledged {
  std::string property_id;
  std::string from;
  std::string to;
};

TEST(BookingCrash, AcknowledgedBookingsSurviveSigkillAtRandomMoments) {
  testing::TempDir dir;
  std::mt19937_64 rng(20261121);
  std::uniform_int_distribution<int> kill_delay_ms(kMinKillDelayMs, kMaxKillDelayMs);
  std::map<std::string, Acknowledged> acknowledged;
  size_t refused = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto delay = std::chrono::milliseconds(kill_delay_ms(rng));
    auto run = testing::runUntilKilled(
        STAYLAB_CRASH_CHILD_PATH,
        {dir.path().string(), std::to_string(rng()), std::to_string(round)}, delay);
    ASSERT_TRUE(run.ready) << "round " << round << ": " << run.description;
    EXPECT_TRUE(run.killed_by_test && run.died_of_sigkill)
        << "round " << round << ": the child was not killed by the test; " << run.description;
    size_t round_acknowledged = 0;
    size_t round_refused = 0;
    for (const auto& line : run.lines) {
      EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << "round " << round << ": " << line;
      if (line.rfind("REFUSED ", 0) == 0) {
        ++round_refused;
      }
      if (line.rfind("ACK ", 0) != 0) {
        continue;
      }
      std::istringstream fields(line.substr(4));
      std::string id;
      Acknowledged ack;
      fields >> id >> ack.property_id >> ack.from >> ack.to;
      ASSERT_TRUE(fields) << "malformed acknowledgement: " << line;
      EXPECT_TRUE(acknowledged.emplace(id, ack).second) << "acknowledged twice: " << id;
      ++round_acknowledged;
    }
    refused += round_refused;
    std::cout << "round " << round << ": killed " << delay.count() << " ms after READY, "
              << round_acknowledged << " acknowledged, " << round_refused << " refused\n";
    EXPECT_GE(round_acknowledged, kMinAcknowledgedPerRound)
        << "round " << round << " was killed among refused writes only";

    auto store = SqliteBookingStore::open({dir / "booking.db"});
    ASSERT_TRUE(store) << store.error().describe();
    EXPECT_EQ((*store)->testIntegrityCheck().value(), "ok") << "round " << round;

    // No night is held twice.
    auto nights = (*store)->bookedNights().value();
    std::set<std::pair<std::string, Date>> seen;
    std::map<std::string, size_t> nights_by_booking;
    for (const auto& night : nights) {
      EXPECT_TRUE(seen.insert({night.property_id, night.night}).second) << "round " << round;
      ++nights_by_booking[night.booking_id];
    }

    // Every acknowledged booking is there, confirmed, with exactly its nights,
    // and its BookingPlaced event waits in the outbox.
    std::set<std::string> placed_events;
    auto outbox = (*store)->peekOutbox(1'000'000).value();
    for (const auto& entry : outbox) {
      if (entry.event.type == "BookingPlaced") {
        placed_events.insert(entry.event.aggregate_id);
      }
    }
    for (const auto& [id, ack] : acknowledged) {
      auto booking = (*store)->find(id).value();
      ASSERT_TRUE(booking) << "acknowledged booking " << id << " lost in round " << round;
      EXPECT_EQ(booking->status, booking::BookingStatus::Confirmed);
      EXPECT_EQ(booking->property_id, ack.property_id);
      EXPECT_EQ(booking->check_in.toString(), ack.from);
      EXPECT_EQ(booking->check_out.toString(), ack.to);
      EXPECT_EQ(nights_by_booking[id], static_cast<size_t>(booking->nights())) << id;
      EXPECT_TRUE(placed_events.contains(id)) << "no BookingPlaced event for " << id;
    }
  }
  std::cout << "acknowledged bookings checked: " << acknowledged.size() << ", refused " << refused
            << ", over " << kRounds << " kills\n";
  EXPECT_GT(acknowledged.size(), refused) << "most writes the kills landed among were refused";
}

}  // namespace
}  // namespace staylab
