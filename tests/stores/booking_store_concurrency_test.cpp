// Separate processes racing on one booking.db, as parallel staylab-cli calls
// do. (The race of threads in one process is in booking_store_contract.h.)

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/booking_fixtures.h"
#include "tests/support/child_process.h"

namespace staylab {
namespace {

using booking::BookingStatus;

// Processes racing on one booking.db, as parallel staylab-cli calls do: each
// has its own connection, its own BookingService, no mutex in common; only
// SQLite's locking and the service's check stand between them.
constexpr int kRacers = 4;
constexpr int kAttemptsPerRacer = 150;
constexpr int kFirstSeed = 1000;  // Racer r runs with seed kFirstSeed + r.

struct RacedStay {
  int racer = 0;
  std::string booking_id;  // Empty when refused.
  std::string property_id;
  Date check_in;
  Date check_out;
};

// Parses "ACK id property from to" or "REFUSED property from to".
RacedStay parseRaced(int racer, const std::string& line) {
  std::istringstream fields(line);
  std::string verdict;
  RacedStay stay;
  stay.racer = racer;
  std::string from;
  std::string to;
  fields >> verdict;
  if (verdict == "ACK") {
    fields >> stay.booking_id;
  }
  fields >> stay.property_id >> from >> to;
  EXPECT_TRUE(fields) << "malformed line from racer " << racer << ": " << line;
  stay.check_in = Date::parse(from).value_or(Date());
  stay.check_out = Date::parse(to).value_or(Date());
  return stay;
}

TEST(BookingStoreProcessRace, SeparateProcessesOnOneDatabaseNeverDoubleBookANight) {
  testing::TempDir dir;
  const auto path = dir / "booking.db";
  // Initialised once, as `staylab-cli init` does; the racers only open it.
  ASSERT_TRUE(
      SqliteBookingStore::open({path, sqlite::Sync::Normal, StoreCreation::CreateIfMissing}));

  // Every racer opens the store and says READY; then all are let go at once.
  std::vector<std::unique_ptr<testing::ChildProcess>> racers;
  const auto deadline = testing::ChildProcess::Clock::now() + std::chrono::seconds(30);
  for (int racer = 0; racer < kRacers; ++racer) {
    racers.push_back(std::make_unique<testing::ChildProcess>(
        STAYLAB_BOOKING_RACE_CHILD_PATH,
        std::vector<std::string>{path.string(), std::to_string(kFirstSeed + racer),
                                 std::to_string(kAttemptsPerRacer)}));
  }
  for (auto& racer : racers) {
    ASSERT_TRUE(racer->waitForLine("READY", deadline)) << racer->describe();
  }
  for (auto& racer : racers) {
    ASSERT_TRUE(racer->send("G")) << racer->describe();
  }

  std::vector<RacedStay> accepted;
  std::vector<RacedStay> refused;
  for (int racer = 0; racer < kRacers; ++racer) {
    auto& child = *racers[static_cast<size_t>(racer)];
    child.wait();
    ASSERT_EQ(child.exitCode(), 0) << child.describe();
    const auto lines = child.completeLines();
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), "DONE") << child.describe();
    size_t answered = 0;
    for (const auto& line : lines) {
      EXPECT_EQ(line.rfind("ERROR", 0), std::string::npos) << "racer " << racer << ": " << line;
      if (line.rfind("ACK ", 0) == 0) {
        accepted.push_back(parseRaced(racer, line));
        ++answered;
      } else if (line.rfind("REFUSED ", 0) == 0) {
        refused.push_back(parseRaced(racer, line));
        ++answered;
      }
    }
    EXPECT_EQ(answered, static_cast<size_t>(kAttemptsPerRacer)) << "racer " << racer;
  }

  auto store = SqliteBookingStore::open({path});
  ASSERT_TRUE(store) << store.error().describe();
  EXPECT_EQ((*store)->testIntegrityCheck().value(), "ok");

  // No night is held twice.
  auto nights = (*store)->bookedNights().value();
  std::set<std::pair<std::string, Date>> seen;
  std::map<std::string, std::set<Date>> held_by;
  for (const auto& night : nights) {
    EXPECT_TRUE(seen.insert({night.property_id, night.night}).second)
        << night.property_id << " " << night.night.toString() << " held twice";
    held_by[night.booking_id].insert(night.night);
  }

  // Every acknowledged booking is stored, confirmed, holding exactly its
  // nights; no other booking holds any.
  std::map<std::pair<std::string, Date>, const RacedStay*> acknowledged_nights;
  std::set<std::string> acknowledged_ids;
  for (const auto& stay : accepted) {
    EXPECT_TRUE(acknowledged_ids.insert(stay.booking_id).second) << stay.booking_id;
    auto booking = (*store)->find(stay.booking_id).value();
    ASSERT_TRUE(booking) << "acknowledged booking " << stay.booking_id << " is not stored";
    EXPECT_EQ(booking->status, BookingStatus::Confirmed) << stay.booking_id;
    EXPECT_EQ(booking->property_id, stay.property_id) << stay.booking_id;
    EXPECT_EQ(booking->check_in, stay.check_in) << stay.booking_id;
    EXPECT_EQ(booking->check_out, stay.check_out) << stay.booking_id;
    std::set<Date> expected;
    for (Date night = stay.check_in; night < stay.check_out; night = night.plusDays(1)) {
      expected.insert(night);
      acknowledged_nights.emplace(std::pair{stay.property_id, night}, &stay);
    }
    EXPECT_EQ(held_by[stay.booking_id], expected) << stay.booking_id;
  }
  for (const auto& [booking_id, held] : held_by) {
    EXPECT_TRUE(acknowledged_ids.contains(booking_id))
        << booking_id << " holds nights but was never acknowledged";
  }

  // As many confirmed bookings as acknowledgements, a rejected one per
  // refusal, and one outbox event for each.
  size_t confirmed = 0;
  size_t rejected = 0;
  const auto stored = (*store)->list({}).value();
  for (const auto& booking : stored) {
    confirmed += booking.status == BookingStatus::Confirmed ? 1 : 0;
    rejected += booking.status == BookingStatus::Rejected ? 1 : 0;
  }
  EXPECT_EQ(confirmed, accepted.size());
  EXPECT_EQ(rejected, refused.size());
  EXPECT_EQ((*store)->outboxSize().value(), accepted.size() + refused.size());

  // Every refusal is justified: an accepted booking, of any racer, holds one
  // of its nights. Count those that another racer's booking justifies.
  size_t refused_by_another_racer = 0;
  for (const auto& stay : refused) {
    bool justified = false;
    bool by_another = false;
    for (Date night = stay.check_in; night < stay.check_out; night = night.plusDays(1)) {
      auto holder = acknowledged_nights.find({stay.property_id, night});
      if (holder != acknowledged_nights.end()) {
        justified = true;
        by_another = by_another || holder->second->racer != stay.racer;
      }
    }
    EXPECT_TRUE(justified) << "racer " << stay.racer << " was refused " << stay.property_id << " "
                           << stay.check_in.toString() << ".." << stay.check_out.toString()
                           << " though no accepted booking holds any of its nights";
    refused_by_another_racer += by_another ? 1 : 0;
  }

  // The racers really raced: more than one won nights, some lost nights to
  // another, and their commits interleave: in commit (outbox) order the
  // committing racer changes more than kRacers times (racers that ran one
  // after another would change it kRacers - 1 times). A commit's guest names
  // its racer's seed.
  std::map<int, size_t> accepted_by_racer;
  for (const auto& stay : accepted) {
    ++accepted_by_racer[stay.racer];
  }
  size_t interleavings = 0;
  std::string last_racer;
  const auto outbox = (*store)->peekOutbox(1'000'000).value();
  for (const auto& entry : outbox) {
    const std::string guest = entry.event.payload.value("guest_id", "");
    const std::string racer = guest.substr(0, guest.rfind('-'));
    interleavings += !last_racer.empty() && racer != last_racer ? 1 : 0;
    last_racer = racer;
  }
  std::cout << kRacers << " racers, " << accepted.size() << " accepted (";
  const char* separator = "";
  for (const auto& [racer, count] : accepted_by_racer) {
    std::cout << separator << "racer " << racer << ": " << count;
    separator = ", ";
  }
  std::cout << "), " << refused.size() << " refused, " << refused_by_another_racer
            << " of them by another racer's booking; " << nights.size()
            << " nights held; the committing racer changed " << interleavings << " times\n";
  EXPECT_GT(refused.size(), 0u);
  EXPECT_GT(refused_by_another_racer, 0u);
  EXPECT_GT(accepted_by_racer.size(), 1u);
  EXPECT_GT(interleavings, static_cast<size_t>(kRacers));
}

}  // namespace
}  // namespace staylab
