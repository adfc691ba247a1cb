#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/booking/booking_service.h"
#include "domain/ports/clock.h"
#include "domain/ports/random.h"
#include "tests/support/booking_fixtures.h"
#include "tests/support/recording_publisher.h"
#include "tests/support/result_assertions.h"

namespace staylab::booking {
namespace {

using staylab::testing::failsWith;
using staylab::testing::FixedPropertyDirectory;
using staylab::testing::invalidInputOn;

constexpr int64_t kStartNanos = 1'800'000'000'000'000'000;

Date day(std::string_view text) {
  return Date::parse(text).value();
}

PlaceBooking request(std::string property, std::string guest, std::string from, std::string to,
                     int64_t guests = 2) {
  PlaceBooking command;
  command.property_id = std::move(property);
  command.guest = std::move(guest);
  command.from = std::move(from);
  command.to = std::move(to);
  command.guests = guests;
  command.payment = "card:4242";
  command.device = "device-7";
  command.ip = "198.51.100.7";
  return command;
}

PlaceBooking withKey(PlaceBooking command, std::string key) {
  command.idempotency_key = std::move(key);
  return command;
}

// The same service behaviour must hold over the real SQLite store and its twin.
template <typename Factory>
class BookingServiceTest : public ::testing::Test {
 protected:
  BookingServiceTest() {
    m_properties.add(PropertySnapshot{"prop_a", "host-a", 4, 12050, "EUR", true});
    m_properties.add(PropertySnapshot{"prop_b", "host-b", 2, 9000, "EUR", true});
    m_properties.add(PropertySnapshot{"prop_suspended", "host-c", 4, 5000, "EUR", false});
  }

  // Places a booking that must be confirmed; the clock moves on afterwards so
  // bookings list in placement order.
  Booking placeConfirmed(const PlaceBooking& command) {
    auto answer = m_service.place(command, m_context);
    EXPECT_TRUE(answer) << answer.error().describe();
    m_clock.advance(1000);
    if (!answer) {
      return Booking{};
    }
    EXPECT_EQ(answer->booking.status, BookingStatus::Confirmed);
    EXPECT_FALSE(answer->replayed);
    return answer->booking;
  }

  std::vector<EventEnvelope> outbox() {
    std::vector<EventEnvelope> events;
    // Kept in a local: a range-for over a temporary's value() would dangle.
    auto entries = m_store->peekOutbox(1000).value();
    for (auto& entry : entries) {
      events.push_back(std::move(entry.event));
    }
    return events;
  }

  std::vector<Booking> all() { return m_service.list(BookingFilter{}).value(); }

  // Expects that nothing at all was written.
  void expectNothingStored() {
    EXPECT_TRUE(all().empty());
    EXPECT_EQ(m_store->outboxSize().value(), 0u);
    EXPECT_TRUE(m_store->bookedNights().value().empty());
  }

  Factory m_factory;
  std::unique_ptr<BookingStore> m_store = m_factory.make();
  FixedPropertyDirectory m_properties;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{11};
  BookingService m_service{*m_store, m_properties, m_clock, m_random};
  CommandContext m_context{"cmd-1", "corr-1", "guest"};
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Factories = ::testing::Types<staylab::testing::MemoryBookingStoreFactory,
                                   staylab::testing::SqliteBookingStoreFactory>;
TYPED_TEST_SUITE(BookingServiceTest, Factories, FactoryNames);

// ---------------------------------------------------------------------------
// place

TYPED_TEST(BookingServiceTest, PlaceConfirmsAndChargesNightsTimesPrice) {
  auto answer = this->m_service.place(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"),
                                      this->m_context);
  ASSERT_TRUE(answer) << answer.error().describe();
  const Booking& booking = answer->booking;
  EXPECT_FALSE(answer->replayed);
  EXPECT_TRUE(booking.id.starts_with("bkg_")) << booking.id;
  EXPECT_EQ(booking.status, BookingStatus::Confirmed);
  EXPECT_EQ(booking.property_id, "prop_a");
  EXPECT_EQ(booking.guest_id, "guest-1");
  EXPECT_EQ(booking.check_in, day("2027-03-01"));
  EXPECT_EQ(booking.check_out, day("2027-03-04"));
  EXPECT_EQ(booking.nights(), 3);
  EXPECT_EQ(booking.guests, 2);
  EXPECT_EQ(booking.total_minor, 3 * 12050);
  EXPECT_EQ(booking.currency, "EUR");
  EXPECT_EQ(booking.version, 1);
  EXPECT_EQ(booking.created_at_nanos, kStartNanos);
  EXPECT_EQ(booking.signals, (GuestSignals{"card:4242", "device-7", "198.51.100.7"}));

  auto stored = this->m_service.get(booking.id);
  ASSERT_TRUE(stored) << stored.error().describe();
  EXPECT_EQ(*stored, booking);

  auto nights = this->m_store->bookedNights().value();
  ASSERT_EQ(nights.size(), 3u);
  EXPECT_EQ(nights[0], (BookedNight{"prop_a", day("2027-03-01"), booking.id}));
  EXPECT_EQ(nights[2], (BookedNight{"prop_a", day("2027-03-03"), booking.id}));
}

TYPED_TEST(BookingServiceTest, PlaceEmitsBookingPlacedWithGuestPropertyNightsSignalsAndHost) {
  Booking booking = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"));
  auto events = this->outbox();
  ASSERT_EQ(events.size(), 1u);
  const EventEnvelope& event = events[0];
  EXPECT_EQ(event.type, "BookingPlaced");
  EXPECT_EQ(event.schema_version, 1);
  EXPECT_EQ(event.aggregate_type, "booking");
  EXPECT_EQ(event.aggregate_id, booking.id);
  EXPECT_EQ(event.aggregate_version, 1);
  EXPECT_EQ(event.occurred_at_nanos, kStartNanos);
  EXPECT_EQ(event.correlation_id, "corr-1");
  EXPECT_EQ(event.causation_id, "cmd-1");

  const nlohmann::json& payload = event.payload;
  EXPECT_EQ(payload.at("booking_id"), booking.id);
  EXPECT_EQ(payload.at("guest_id"), "guest-1");
  EXPECT_EQ(payload.at("property_id"), "prop_a");
  EXPECT_EQ(payload.at("check_in"), "2027-03-01");
  EXPECT_EQ(payload.at("check_out"), "2027-03-04");
  EXPECT_EQ(payload.at("nights"), 3);
  EXPECT_EQ(payload.at("guests"), 2);
  EXPECT_EQ(payload.at("total_minor"), 36150);
  EXPECT_EQ(payload.at("currency"), "EUR");
  EXPECT_EQ(payload.at("payment_fingerprint"), "card:4242");
  EXPECT_EQ(payload.at("device"), "device-7");
  EXPECT_EQ(payload.at("ip"), "198.51.100.7");
  EXPECT_EQ(payload.at("host_id"), "host-a");
  EXPECT_EQ(EventEnvelope::fromJson(event.toJson()).value(), event);
}

TYPED_TEST(BookingServiceTest, OverlappingStayIsRefusedAndRecordedAsRejected) {
  Booking first = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"));
  this->m_clock.set(kStartNanos + 777);
  CommandContext context{"cmd-2", "corr-2", "guest"};
  auto refused =
      this->m_service.place(request("prop_a", "guest-2", "2027-03-03", "2027-03-07"), context);
  ASSERT_TRUE(failsWith(refused, ErrorKind::Refused, "booking.nights_taken"));
  EXPECT_NE(refused.error().message.find("2027-03-03, 2027-03-04"), std::string::npos)
      << refused.error().message;

  auto bookings = this->all();
  ASSERT_EQ(bookings.size(), 2u);
  EXPECT_EQ(bookings[0].id, first.id);
  const Booking& rejected = bookings[1];
  EXPECT_EQ(rejected.status, BookingStatus::Rejected);
  EXPECT_EQ(rejected.guest_id, "guest-2");
  EXPECT_EQ(rejected.rejection_reason, refused.error().message);

  // The rejected booking holds no night; the first still holds its four.
  auto nights = this->m_store->bookedNights().value();
  ASSERT_EQ(nights.size(), 4u);
  for (const auto& night : nights) {
    EXPECT_EQ(night.booking_id, first.id);
  }

  auto events = this->outbox();
  ASSERT_EQ(events.size(), 2u);
  const EventEnvelope& event = events[1];
  EXPECT_EQ(event.type, "BookingRejected");
  EXPECT_EQ(event.aggregate_id, rejected.id);
  EXPECT_EQ(event.aggregate_version, 1);
  EXPECT_EQ(event.occurred_at_nanos, kStartNanos + 777);
  EXPECT_EQ(event.causation_id, "cmd-2");
  EXPECT_EQ(event.correlation_id, "corr-2");
  EXPECT_EQ(event.payload.at("reason"), "nights_taken");
  EXPECT_EQ(event.payload.at("guest_id"), "guest-2");
  EXPECT_EQ(event.payload.at("property_id"), "prop_a");
  EXPECT_EQ(event.payload.at("taken_nights"), nlohmann::json::array({"2027-03-03", "2027-03-04"}));
}

TYPED_TEST(BookingServiceTest, StayStartingOnAnotherStaysCheckOutDayIsAccepted) {
  this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"));
  Booking next = this->placeConfirmed(request("prop_a", "guest-2", "2027-03-05", "2027-03-08"));
  EXPECT_EQ(next.status, BookingStatus::Confirmed);
  Booking before = this->placeConfirmed(request("prop_a", "guest-3", "2027-02-25", "2027-03-01"));
  EXPECT_EQ(before.status, BookingStatus::Confirmed);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 11u);
}

TYPED_TEST(BookingServiceTest, SameStayOnAnotherPropertyIsAccepted) {
  this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"));
  Booking other = this->placeConfirmed(request("prop_b", "guest-1", "2027-03-01", "2027-03-05"));
  EXPECT_EQ(other.property_id, "prop_b");
  EXPECT_EQ(other.total_minor, 4 * 9000);
}

TYPED_TEST(BookingServiceTest, UnknownPropertyIsNotFound) {
  EXPECT_TRUE(
      failsWith(this->m_service.place(request("prop_nope", "guest-1", "2027-03-01", "2027-03-02"),
                                      this->m_context),
                ErrorKind::NotFound, "listing.property_not_found"));
  this->expectNothingStored();
}

TYPED_TEST(BookingServiceTest, SuspendedPropertyIsRefused) {
  EXPECT_TRUE(failsWith(
      this->m_service.place(request("prop_suspended", "guest-1", "2027-03-01", "2027-03-02"),
                            this->m_context),
      ErrorKind::Refused, "listing.property_suspended"));
  this->expectNothingStored();
}

TYPED_TEST(BookingServiceTest, MoreGuestsThanCapacityIsRefused) {
  auto refused = this->m_service.place(request("prop_a", "guest-1", "2027-03-01", "2027-03-02", 5),
                                       this->m_context);
  EXPECT_TRUE(failsWith(refused, ErrorKind::Refused, "booking.too_many_guests"));
  this->expectNothingStored();
  Booking full = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-02", 4));
  EXPECT_EQ(full.guests, 4);
}

TYPED_TEST(BookingServiceTest, GuestCountOutsideOneToFiftyIsInvalid) {
  for (int64_t guests : {int64_t{0}, int64_t{-1}, int64_t{51}, int64_t{1} << 40}) {
    EXPECT_TRUE(invalidInputOn(
        this->m_service.place(request("prop_a", "guest-1", "2027-03-01", "2027-03-02", guests),
                              this->m_context),
        "guests"))
        << guests;
  }
  this->expectNothingStored();
}

TYPED_TEST(BookingServiceTest, BadDatesAreInvalidNamingFromOrTo) {
  struct Case {
    const char* from;
    const char* to;
    const char* field;
  };
  const Case cases[] = {
      {"2027-02-30", "2027-03-02", "from"},  // Not a day.
      {"2027/03/01", "2027-03-02", "from"},  // Wrong shape.
      {"", "2027-03-02", "from"},           {"2027-03-01", "2027-13-01", "to"},
      {"2027-03-01", "2027-3-2", "to"},     {"2027-03-01", "2027-03-01", "to"},  // No night.
      {"2027-03-05", "2027-03-01", "to"},                                        // Reversed.
      {"2027-01-01", "2028-01-02", "to"},                                        // 366 nights.
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(fmt::format("{} -> {}", test_case.from, test_case.to));
    EXPECT_TRUE(invalidInputOn(
        this->m_service.place(request("prop_a", "guest-1", test_case.from, test_case.to),
                              this->m_context),
        test_case.field));
  }
  this->expectNothingStored();
}

TYPED_TEST(BookingServiceTest, OtherInvalidFieldsAreNamed) {
  auto expectInvalid = [&](PlaceBooking command, std::string_view field) {
    EXPECT_TRUE(invalidInputOn(this->m_service.place(command, this->m_context), field)) << field;
  };
  expectInvalid(request("", "guest-1", "2027-03-01", "2027-03-02"), "property");
  expectInvalid(request("prop a", "guest-1", "2027-03-01", "2027-03-02"), "property");
  expectInvalid(request("prop_a", "", "2027-03-01", "2027-03-02"), "guest");
  expectInvalid(request("prop_a", "guest 1", "2027-03-01", "2027-03-02"), "guest");
  PlaceBooking bad_ip = request("prop_a", "guest-1", "2027-03-01", "2027-03-02");
  bad_ip.ip = "1.2.3.4.5";
  expectInvalid(bad_ip, "ip");
  PlaceBooking bad_payment = request("prop_a", "guest-1", "2027-03-01", "2027-03-02");
  bad_payment.payment = "4242 4242";
  expectInvalid(bad_payment, "payment");
  expectInvalid(withKey(request("prop_a", "guest-1", "2027-03-01", "2027-03-02"), "key with space"),
                "key");
  this->expectNothingStored();
}

// ---------------------------------------------------------------------------
// idempotency

TYPED_TEST(BookingServiceTest, RetryWithTheSameKeyReplaysTheFirstBooking) {
  PlaceBooking command = withKey(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"), "k-1");
  Booking first = this->placeConfirmed(command);
  auto retry = this->m_service.place(command, this->m_context);
  ASSERT_TRUE(retry) << retry.error().describe();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->booking.id, first.id);
  EXPECT_EQ(retry->booking.status, BookingStatus::Confirmed);
  EXPECT_EQ(retry->booking.total_minor, first.total_minor);
  EXPECT_EQ(this->all().size(), 1u);
  EXPECT_EQ(this->m_store->outboxSize().value(), 1u);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 3u);
}

TYPED_TEST(BookingServiceTest, RetryOfARefusedRequestReplaysTheRefusal) {
  this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"));
  PlaceBooking command = withKey(request("prop_a", "guest-2", "2027-03-04", "2027-03-06"), "k-2");
  auto first = this->m_service.place(command, this->m_context);
  ASSERT_TRUE(failsWith(first, ErrorKind::Refused, "booking.nights_taken"));
  auto retry = this->m_service.place(command, this->m_context);
  ASSERT_TRUE(failsWith(retry, ErrorKind::Refused, "booking.nights_taken"));
  EXPECT_EQ(retry.error().message, first.error().message);
  EXPECT_EQ(this->all().size(), 2u);
  EXPECT_EQ(this->m_store->outboxSize().value(), 2u);
}

TYPED_TEST(BookingServiceTest, RetryOfARefusedRequestStaysRefusedAfterTheNightsFreeUp) {
  Booking blocker = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"));
  PlaceBooking command = withKey(request("prop_a", "guest-2", "2027-03-04", "2027-03-06"), "k-3");
  ASSERT_TRUE(failsWith(this->m_service.place(command, this->m_context), ErrorKind::Refused,
                        "booking.nights_taken"));
  ASSERT_TRUE(this->m_service.cancel(CancelBooking{blocker.id}, this->m_context));
  // The key already has its answer; a retry gets that answer, not a new booking.
  EXPECT_TRUE(failsWith(this->m_service.place(command, this->m_context), ErrorKind::Refused,
                        "booking.nights_taken"));
  EXPECT_EQ(this->all().size(), 2u);
  EXPECT_TRUE(this->m_store->bookedNights().value().empty());
}

TYPED_TEST(BookingServiceTest, SameKeyWithADifferentRequestIsInvalid) {
  PlaceBooking command = withKey(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"), "k-4");
  this->placeConfirmed(command);
  PlaceBooking other_dates = command;
  other_dates.to = "2027-03-05";
  PlaceBooking other_guests = command;
  other_guests.guests = 3;
  PlaceBooking other_property = command;
  other_property.property_id = "prop_b";
  for (const PlaceBooking& different : {other_dates, other_guests, other_property}) {
    auto result = this->m_service.place(different, this->m_context);
    EXPECT_TRUE(failsWith(result, ErrorKind::InvalidInput, "booking.idempotency_key_reused"));
    EXPECT_TRUE(invalidInputOn(result, "key"));
  }
  EXPECT_EQ(this->all().size(), 1u);
  EXPECT_EQ(this->m_store->outboxSize().value(), 1u);
}

TYPED_TEST(BookingServiceTest, RequestsWithoutAKeyAreNotDeduplicated) {
  this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"));
  EXPECT_TRUE(
      failsWith(this->m_service.place(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"),
                                      this->m_context),
                ErrorKind::Refused, "booking.nights_taken"));
  EXPECT_EQ(this->all().size(), 2u);
}

// ---------------------------------------------------------------------------
// cancel

TYPED_TEST(BookingServiceTest, CancelFreesTheNightsAndEmitsBookingCancelledVersionTwo) {
  Booking booking = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"));
  CommandContext context{"cmd-c", "corr-c", "guest"};
  auto cancelled = this->m_service.cancel(CancelBooking{booking.id}, context);
  ASSERT_TRUE(cancelled) << cancelled.error().describe();
  EXPECT_EQ(cancelled->status, BookingStatus::Cancelled);
  EXPECT_EQ(cancelled->version, 2);
  EXPECT_EQ(this->m_service.get(booking.id).value().status, BookingStatus::Cancelled);
  EXPECT_EQ(this->m_service.get(booking.id).value().version, 2);
  EXPECT_TRUE(this->m_store->bookedNights().value().empty());

  auto events = this->outbox();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "BookingCancelled");
  EXPECT_EQ(events[1].aggregate_id, booking.id);
  EXPECT_EQ(events[1].aggregate_version, 2);
  EXPECT_EQ(events[1].causation_id, "cmd-c");
  EXPECT_EQ(events[1].correlation_id, "corr-c");
  EXPECT_EQ(events[1].payload.at("nights"), 3);
  EXPECT_EQ(events[1].payload.at("check_in"), "2027-03-01");

  Booking rebooked = this->placeConfirmed(request("prop_a", "guest-2", "2027-03-02", "2027-03-03"));
  EXPECT_NE(rebooked.id, booking.id);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 1u);
}

TYPED_TEST(BookingServiceTest, CancellingTwiceIsRefused) {
  Booking booking = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"));
  ASSERT_TRUE(this->m_service.cancel(CancelBooking{booking.id}, this->m_context));
  EXPECT_TRUE(failsWith(this->m_service.cancel(CancelBooking{booking.id}, this->m_context),
                        ErrorKind::Refused, "booking.invalid_transition"));
  EXPECT_EQ(this->m_service.get(booking.id).value().version, 2);
  EXPECT_EQ(this->m_store->outboxSize().value(), 2u);
}

TYPED_TEST(BookingServiceTest, CancellingARejectedBookingIsRefused) {
  this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"));
  ASSERT_FALSE(this->m_service.place(request("prop_a", "guest-2", "2027-03-01", "2027-03-02"),
                                     this->m_context));
  Booking rejected = this->all().at(1);
  ASSERT_EQ(rejected.status, BookingStatus::Rejected);
  EXPECT_TRUE(failsWith(this->m_service.cancel(CancelBooking{rejected.id}, this->m_context),
                        ErrorKind::Refused, "booking.invalid_transition"));
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 3u);
}

TYPED_TEST(BookingServiceTest, CancellingAnUnknownBookingIsNotFound) {
  EXPECT_TRUE(failsWith(this->m_service.cancel(CancelBooking{"bkg_nope"}, this->m_context),
                        ErrorKind::NotFound, "booking.not_found"));
  EXPECT_TRUE(
      invalidInputOn(this->m_service.cancel(CancelBooking{""}, this->m_context), "booking"));
  this->expectNothingStored();
}

// ---------------------------------------------------------------------------
// queries

TYPED_TEST(BookingServiceTest, GetOfAnUnknownBookingIsNotFound) {
  EXPECT_TRUE(failsWith(this->m_service.get("bkg_nope"), ErrorKind::NotFound, "booking.not_found"));
}

TYPED_TEST(BookingServiceTest, ListFiltersByPropertyAndGuestInPlacementOrder) {
  Booking a1 = this->placeConfirmed(request("prop_a", "guest-1", "2027-03-01", "2027-03-02"));
  Booking b1 = this->placeConfirmed(request("prop_b", "guest-1", "2027-03-01", "2027-03-02"));
  Booking a2 = this->placeConfirmed(request("prop_a", "guest-2", "2027-03-02", "2027-03-03"));
  Booking b2 = this->placeConfirmed(request("prop_b", "guest-2", "2027-03-02", "2027-03-03"));
  auto ids = [&](BookingFilter filter) {
    std::vector<std::string> result;
    auto bookings = this->m_service.list(filter).value();
    for (const auto& booking : bookings) {
      result.push_back(booking.id);
    }
    return result;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids(BookingFilter{}), (Ids{a1.id, b1.id, a2.id, b2.id}));
  EXPECT_EQ(ids(BookingFilter{"prop_a", std::nullopt}), (Ids{a1.id, a2.id}));
  EXPECT_EQ(ids(BookingFilter{std::nullopt, "guest-2"}), (Ids{a2.id, b2.id}));
  EXPECT_EQ(ids(BookingFilter{"prop_b", "guest-1"}), (Ids{b1.id}));
  EXPECT_TRUE(ids(BookingFilter{"prop_b", "guest-3"}).empty());
  EXPECT_TRUE(ids(BookingFilter{"prop_nope", std::nullopt}).empty());
}

// ---------------------------------------------------------------------------
// dual write (EventPublication::DualWrite)

TYPED_TEST(BookingServiceTest, DualWritePublishesEachCommittedChangesEventsAndNoOutboxRow) {
  staylab::testing::RecordingPublisher publisher;
  BookingService service(*this->m_store, this->m_properties, this->m_clock, this->m_random,
                         EventPublishing::dualWrite(publisher));
  auto placed =
      service.place(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"), this->m_context);
  ASSERT_TRUE(placed) << placed.error().describe();
  EXPECT_TRUE(failsWith(
      service.place(request("prop_a", "guest-2", "2027-03-03", "2027-03-07"), this->m_context),
      ErrorKind::Refused, "booking.nights_taken"));
  ASSERT_TRUE(service.cancel(CancelBooking{placed->booking.id}, this->m_context));
  auto group = service.placeMany({request("prop_a", "guest-3", "2027-04-01", "2027-04-03"),
                                  request("prop_a", "guest-4", "2027-04-02", "2027-04-04"),
                                  request("prop_b", "guest-5", "2027-04-01", "2027-04-03")},
                                 {this->m_context, this->m_context, this->m_context});
  ASSERT_EQ(group.size(), 3u);
  EXPECT_TRUE(group[0]);
  EXPECT_FALSE(group[1]);
  EXPECT_TRUE(group[2]);

  std::vector<std::string> types;
  for (const auto& event : publisher.published()) {
    types.push_back(event.type);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"BookingPlaced", "BookingRejected", "BookingCancelled",
                                             "BookingPlaced", "BookingRejected", "BookingPlaced"}));
  EXPECT_EQ(publisher.calls(), 4u) << "a group commit publishes once, after its commit";
  EXPECT_EQ(publisher.published().front().aggregate_id, placed->booking.id);
  EXPECT_EQ(this->m_store->outboxSize().value(), 0u);
}

TYPED_TEST(BookingServiceTest, DualWritePublishesTheEventsTheOutboxWouldHold) {
  TypeParam factory;
  auto store = factory.make();
  ManualClock clock{kStartNanos};
  SeededRandom random{11};
  staylab::testing::RecordingPublisher publisher;
  BookingService dual(*store, this->m_properties, clock, random,
                      EventPublishing::dualWrite(publisher));
  for (BookingService* service : {&this->m_service, &dual}) {
    ASSERT_TRUE(
        service->place(request("prop_a", "guest-1", "2027-03-01", "2027-03-05"), this->m_context));
    ASSERT_FALSE(
        service->place(request("prop_a", "guest-2", "2027-03-02", "2027-03-03"), this->m_context));
  }
  EXPECT_EQ(publisher.published(), this->outbox());
}

TYPED_TEST(BookingServiceTest, DualWriteKeepsTheChangeAndAnswersWhenPublishingFails) {
  staylab::testing::RecordingPublisher publisher;
  publisher.setOutcome(staylab::testing::RecordingPublisher::Outcome::Fail);
  BookingService service(*this->m_store, this->m_properties, this->m_clock, this->m_random,
                         EventPublishing::dualWrite(publisher));
  auto placed =
      service.place(request("prop_a", "guest-1", "2027-03-01", "2027-03-04"), this->m_context);
  ASSERT_TRUE(placed) << placed.error().describe();
  EXPECT_EQ(placed->booking.status, BookingStatus::Confirmed);
  EXPECT_EQ(service.get(placed->booking.id).value().status, BookingStatus::Confirmed);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 3u);
  ASSERT_TRUE(service.cancel(CancelBooking{placed->booking.id}, this->m_context));
  EXPECT_EQ(publisher.lost(), 2u);
  EXPECT_TRUE(publisher.published().empty());
  EXPECT_EQ(this->m_store->outboxSize().value(), 0u) << "nothing is left to relay later";
}

}  // namespace
}  // namespace staylab::booking
