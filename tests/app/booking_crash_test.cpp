// Kills a process that is placing bookings with SIGKILL at random moments and
// checks, after each kill, that every acknowledged booking survived intact.
#include <gtest/gtest.h>

#include <chrono>
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

struct Acknowledged {
  std::string property_id;
  std::string from;
  std::string to;
};

// Starts the child, reads its acknowledgements for `run_for`, kills it with
// SIGKILL and returns every complete acknowledgement line it wrote.
std::vector<std::string> runAndKill(const std::string& data_dir, uint64_t seed,
                                    std::chrono::milliseconds run_for) {
  auto killed =
      testing::runUntilKilled(STAYLAB_CRASH_CHILD_PATH, {data_dir, std::to_string(seed)}, run_for);
  EXPECT_TRUE(killed.killed_by_test && killed.died_of_sigkill)
      << "the child was not killed by the test; " << killed.description;

  std::vector<std::string> lines;
  for (const auto& line : killed.lines) {
    EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << line;
    if (line.rfind("ACK ", 0) == 0) {
      lines.push_back(line.substr(4));
    }
  }
  return lines;
}

TEST(BookingCrash, AcknowledgedBookingsSurviveSigkillAtRandomMoments) {
  testing::TempDir dir;
  std::mt19937_64 rng(20261121);
  std::map<std::string, Acknowledged> acknowledged;
  size_t rounds_with_acks = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto run_for = std::chrono::milliseconds(5 + static_cast<int>(rng() % 250));
    auto lines = runAndKill(dir.path().string(), rng(), run_for);
    rounds_with_acks += lines.empty() ? 0 : 1;
    for (const auto& line : lines) {
      std::istringstream fields(line);
      std::string id;
      Acknowledged ack;
      fields >> id >> ack.property_id >> ack.from >> ack.to;
      acknowledged[id] = ack;
    }

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
  EXPECT_GT(acknowledged.size(), 0u);
  EXPECT_GE(rounds_with_acks, static_cast<size_t>(kRounds / 2));
  std::cout << "acknowledged bookings checked: " << acknowledged.size() << " over " << kRounds
            << " kills\n";
}

}  // namespace
}  // namespace staylab
