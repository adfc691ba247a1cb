// Queue-based load leveling with asynchronous request-reply on a real
// platform: the gateway queues PlaceBooking on the event log and answers
// with a status id; the worker drains the queue in order through the
// booking service; the status tells the outcome, once.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "app/platform/platform.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using staylab::testing::failsWith;
using staylab::testing::must;
using staylab::testing::TempDir;

constexpr int64_t kStartNanos = 21'915 * 86'400'000'000'000LL;  // 2030-01-01.
const Caller kGina{"gina", Role::Guest};
const Caller kGus{"gus", Role::Guest};
const Caller kAdmin{"root", Role::Admin};

booking::PlaceBooking stay(const std::string& guest, const std::string& property) {
  booking::PlaceBooking command;
  command.property_id = property;
  command.guest = guest;
  command.from = "2030-05-10";
  command.to = "2030-05-12";
  return command;
}

class BookingQueueTest : public ::testing::Test {
 protected:
  std::unique_ptr<Platform> open(BookingIntake intake) {
    PlatformOptions options;
    options.data_dir = m_dir / "data";
    options.mode = OpenMode::InitialiseIfEmpty;
    options.clock = &m_clock;
    options.random = &m_random;
    options.patterns.booking_intake = intake;
    return must(Platform::open(options), "open the platform");
  }

  std::string listing(Platform& platform) {
    listing::CreateProperty command;
    command.host = "hana";
    command.title = "Sunny loft by the canal";
    command.city = "Utrecht";
    command.price = "80";
    command.currency = "EUR";
    command.capacity = 2;
    return must(platform.gateway().createProperty(kAdmin, command), "create").id;
  }

  TempDir m_dir;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{11};
};

TEST_F(BookingQueueTest, AcceptedBookingsWaitInTheQueueUntilTheWorkerPlacesThemInOrder) {
  auto platform = open(BookingIntake::Queued);
  const std::string property = listing(*platform);
  Gateway& gateway = platform->gateway();
  const std::string first = must(gateway.submitBooking(kGina, stay("gina", property)), "gina");
  const std::string second = must(gateway.submitBooking(kGus, stay("gus", property)), "gus");
  EXPECT_NE(first, second);

  // Accepted, not booked: nothing reached the booking store yet.
  EXPECT_TRUE(must(gateway.listBookings(kAdmin, {}), "bookings").empty());
  EXPECT_EQ(must(gateway.bookingStatus(first), "status").state,
            BookingRequestStatus::State::Waiting);
  EXPECT_EQ(must(platform->bookingQueue()->depth(), "depth").waiting, 2);

  // The worker takes one at a time, in the order they came.
  EXPECT_EQ(must(platform->bookingQueue()->drain(1), "drain"), 1u);
  const BookingRequestStatus won = must(gateway.bookingStatus(first), "status");
  ASSERT_EQ(won.state, BookingRequestStatus::State::Done);
  ASSERT_TRUE(won.answer->has_value());
  EXPECT_EQ((*won.answer)->booking.guest_id, "gina");
  EXPECT_EQ((*won.answer)->booking.status, booking::BookingStatus::Confirmed);
  EXPECT_EQ(must(gateway.bookingStatus(second), "status").state,
            BookingRequestStatus::State::Waiting);

  // The second asked for the same nights: its outcome is the refusal.
  EXPECT_EQ(must(platform->bookingQueue()->drain(10), "drain"), 1u);
  const BookingRequestStatus lost = must(gateway.bookingStatus(second), "status");
  ASSERT_EQ(lost.state, BookingRequestStatus::State::Done);
  EXPECT_TRUE(failsWith(*lost.answer, ErrorKind::Refused, "booking.nights_taken"));
  EXPECT_EQ(must(platform->bookingQueue()->depth(), "depth").waiting, 0);
  EXPECT_EQ(must(platform->bookingQueue()->drain(10), "drain"), 0u);
}

TEST_F(BookingQueueTest, TheQueueIsATopicOfTheEventLogAndARestartedWorkerBooksNothingTwice) {
  std::string property;
  {
    auto platform = open(BookingIntake::Queued);
    property = listing(*platform);
    ASSERT_TRUE(platform->eventLog().topics().contains(std::string(BookingQueue::kTopic)));
    must(platform->gateway().submitBooking(kGina, stay("gina", property)), "gina");
    EXPECT_EQ(must(platform->bookingQueue()->drain(10), "drain"), 1u);
  }
  // A new worker starts from the queue's first command again: the status id
  // is the booking's idempotency key, so the replay books nothing new.
  auto platform = open(BookingIntake::Queued);
  EXPECT_EQ(must(platform->bookingQueue()->depth(), "depth").waiting, 1);
  EXPECT_EQ(must(platform->bookingQueue()->drain(10), "drain"), 1u);
  EXPECT_EQ(must(platform->gateway().listBookings(kAdmin, {}), "bookings").size(), 1u);
}

TEST_F(BookingQueueTest, TheGatewayChecksTheCallerBeforeQueueingAndRefusesWithoutAQueue) {
  auto platform = open(BookingIntake::Queued);
  const std::string property = listing(*platform);
  EXPECT_TRUE(failsWith(platform->gateway().submitBooking(kGina, stay("gus", property)),
                        ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_EQ(must(platform->bookingQueue()->depth(), "depth").end, 0);
  EXPECT_TRUE(failsWith(platform->gateway().bookingStatus("req-unknown"), ErrorKind::NotFound,
                        "booking.request_unknown"));
  platform.reset();

  auto synchronous = open(BookingIntake::Synchronous);
  EXPECT_EQ(synchronous->bookingQueue(), nullptr);
  EXPECT_TRUE(failsWith(synchronous->gateway().submitBooking(kGina, stay("gina", property)),
                        ErrorKind::InvalidInput, "input.invalid"));
}

}  // namespace
}  // namespace staylab::app
