#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <thread>

#include "domain/booking/booking_service.h"
#include "tests/support/booking_fixtures.h"

namespace staylab {
namespace {

using booking::BookingStatus;

constexpr int kThreads = 8;
constexpr int kCommandsPerThread = 1000;
constexpr int kProperties = 20;
constexpr int kNights = 60;

struct Outcome {
  std::string booking_id;  // Empty when refused without a stored booking.
  BookingStatus status = BookingStatus::Pending;
  std::string property_id;
  Date check_in;
  Date check_out;
};

template <typename Factory>
class BookingConcurrency : public ::testing::Test {
 protected:
  Factory m_factory;
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Factories =
    ::testing::Types<testing::SqliteBookingStoreFactory, testing::MemoryBookingStoreFactory>;
TYPED_TEST_SUITE(BookingConcurrency, Factories, FactoryNames);

// 8 threads race 8,000 random PlaceBooking commands over 20 properties and 60
// nights. The store must end with no night held twice, every accepted booking
// holding exactly its nights, and one outbox event per stored booking.
TYPED_TEST(BookingConcurrency, RacingPlaceBookingsNeverDoubleBookANight) {
  auto store = this->m_factory.make();
  testing::FixedPropertyDirectory directory;
  for (int index = 0; index < kProperties; ++index) {
    directory.add(PropertySnapshot{fmt::format("p{}", index), "host", 4, 10000, "EUR", true});
  }
  ManualClock clock(1'000'000);
  SeededRandom random(42);
  booking::BookingService service(*store, directory, clock, random);
  const Date first_night = Date::parse("2027-06-01").value();

  std::vector<std::vector<Outcome>> outcomes(kThreads);
  std::vector<std::thread> threads;
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    threads.emplace_back([&, thread_index] {
      std::mt19937_64 rng(static_cast<uint64_t>(thread_index) + 1);
      for (int command_index = 0; command_index < kCommandsPerThread; ++command_index) {
        int property = static_cast<int>(rng() % kProperties);
        int start = static_cast<int>(rng() % (kNights - 1));
        int length = 1 + static_cast<int>(rng() % 5);
        int end = std::min(start + length, kNights);
        booking::PlaceBooking command;
        command.property_id = fmt::format("p{}", property);
        command.guest = fmt::format("guest-{}-{}", thread_index, command_index);
        command.from = first_night.plusDays(start).toString();
        command.to = first_night.plusDays(end).toString();
        auto answer = service.place(command, CommandContext{"cmd", "corr", "test"});
        Outcome outcome;
        outcome.property_id = command.property_id;
        outcome.check_in = first_night.plusDays(start);
        outcome.check_out = first_night.plusDays(end);
        if (answer) {
          outcome.booking_id = answer->booking.id;
          outcome.status = answer->booking.status;
        } else {
          ASSERT_EQ(answer.error().code, "booking.nights_taken") << answer.error().describe();
          outcome.status = BookingStatus::Rejected;
        }
        outcomes[static_cast<size_t>(thread_index)].push_back(outcome);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  // No night is held twice, by construction of the query and checked again here.
  auto nights = store->bookedNights().value();
  std::set<std::pair<std::string, Date>> seen;
  for (const auto& night : nights) {
    EXPECT_TRUE(seen.insert({night.property_id, night.night}).second)
        << night.property_id << " " << night.night.toString() << " held twice";
  }

  // Every accepted booking holds exactly its nights, and nothing else is held.
  std::map<std::string, std::set<Date>> held_by;
  for (const auto& night : nights) {
    held_by[night.booking_id].insert(night.night);
  }
  size_t accepted = 0;
  size_t total_nights = 0;
  for (const auto& per_thread : outcomes) {
    for (const auto& outcome : per_thread) {
      if (outcome.status != BookingStatus::Confirmed) {
        continue;
      }
      ++accepted;
      std::set<Date> expected;
      for (Date night = outcome.check_in; night < outcome.check_out; night = night.plusDays(1)) {
        expected.insert(night);
      }
      total_nights += expected.size();
      EXPECT_EQ(held_by[outcome.booking_id], expected) << outcome.booking_id;
      auto stored = store->find(outcome.booking_id).value();
      ASSERT_TRUE(stored);
      EXPECT_EQ(stored->status, BookingStatus::Confirmed);
    }
  }
  EXPECT_EQ(total_nights, nights.size());
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, static_cast<size_t>(kThreads * kCommandsPerThread));

  // Every command produced exactly its one outbox event: BookingPlaced for each
  // confirmed booking, BookingRejected for each refused one.
  auto outbox = store->peekOutbox(100'000).value();
  ASSERT_EQ(outbox.size(), static_cast<size_t>(kThreads * kCommandsPerThread));
  std::map<std::string, std::string> type_by_booking;
  for (const auto& entry : outbox) {
    EXPECT_TRUE(type_by_booking.emplace(entry.event.aggregate_id, entry.event.type).second);
  }
  auto all = store->list({}).value();
  ASSERT_EQ(all.size(), outbox.size());
  for (const auto& booking : all) {
    EXPECT_EQ(type_by_booking[booking.id],
              booking.status == BookingStatus::Confirmed ? "BookingPlaced" : "BookingRejected");
  }
  size_t placed_events = 0;
  for (const auto& [id, type] : type_by_booking) {
    placed_events += type == "BookingPlaced";
  }
  EXPECT_EQ(placed_events, accepted);
}

}  // namespace
}  // namespace staylab
