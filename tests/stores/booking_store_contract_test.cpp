#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/booking/booking_service.h"
#include "tests/support/booking_fixtures.h"

namespace staylab {
namespace {

using booking::Booking;
using booking::BookingStatus;
using testing::FixedPropertyDirectory;

Date day(const char* text) {
  return Date::parse(text).value();
}

Booking makeBooking(std::string id, std::string property, const char* from, const char* to,
                    BookingStatus status) {
  Booking booking;
  booking.id = std::move(id);
  booking.property_id = std::move(property);
  booking.guest_id = "guest-1";
  booking.check_in = day(from);
  booking.check_out = day(to);
  booking.total_minor = 1000;
  booking.currency = "EUR";
  booking.status = status;
  booking.created_at_nanos = 1;
  return booking;
}

EventEnvelope makeEvent(std::string id) {
  EventEnvelope event;
  event.event_id = std::move(id);
  event.type = "Test";
  event.aggregate_type = "booking";
  event.aggregate_id = "b";
  event.correlation_id = "c";
  event.causation_id = "c";
  event.payload = nlohmann::json::object();
  return event;
}

template <typename Factory>
class BookingStoreContract : public ::testing::Test {
 protected:
  Factory m_factory;
  std::unique_ptr<BookingStore> m_store = m_factory.make();
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Factories =
    ::testing::Types<testing::SqliteBookingStoreFactory, testing::MemoryBookingStoreFactory>;
TYPED_TEST_SUITE(BookingStoreContract, Factories, FactoryNames);

TYPED_TEST(BookingStoreContract, ConfirmedBookingHoldsExactlyItsNights) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed));
  }));
  auto nights = store.bookedNights().value();
  ASSERT_EQ(nights.size(), 3u);
  EXPECT_EQ(nights[0], (BookedNight{"p1", day("2027-03-01"), "b1"}));
  EXPECT_EQ(nights[2], (BookedNight{"p1", day("2027-03-03"), "b1"}));
  auto found = store.find("b1").value();
  ASSERT_TRUE(found);
  EXPECT_EQ(found->check_out, day("2027-03-04"));
  EXPECT_EQ(found->status, BookingStatus::Confirmed);
}

TYPED_TEST(BookingStoreContract, StoreRefusesASecondHolderOfANightAndRollsBackEverything) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed));
  }));
  auto second = store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.appendOutbox({makeEvent("e-lost")}));
    return tx.insertBooking(
        makeBooking("b2", "p1", "2027-03-03", "2027-03-05", BookingStatus::Confirmed));
  });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(second.error().code, "booking.night_taken");
  EXPECT_FALSE(store.find("b2").value());
  EXPECT_EQ(store.bookedNights().value().size(), 3u);
  EXPECT_EQ(store.outboxSize().value(), 0u);
}

TYPED_TEST(BookingStoreContract, CheckOutDayIsFreeForTheNextStay) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed)));
    return tx.insertBooking(
        makeBooking("b2", "p1", "2027-03-04", "2027-03-06", BookingStatus::Confirmed));
  }));
  EXPECT_EQ(store.bookedNights().value().size(), 5u);
}

TYPED_TEST(BookingStoreContract, SameNightOnAnotherPropertyIsIndependent) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-02", BookingStatus::Confirmed)));
    return tx.insertBooking(
        makeBooking("b2", "p2", "2027-03-01", "2027-03-02", BookingStatus::Confirmed));
  }));
  EXPECT_EQ(store.bookedNights().value().size(), 2u);
}

TYPED_TEST(BookingStoreContract, RejectedBookingHoldsNoNights) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Rejected));
  }));
  EXPECT_TRUE(store.bookedNights().value().empty());
  EXPECT_EQ(store.find("b1").value()->status, BookingStatus::Rejected);
}

TYPED_TEST(BookingStoreContract, CancellingReleasesTheNightsForOthers) {
  auto& store = *this->m_store;
  auto first = makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed);
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) { return tx.insertBooking(first); }));
  first.status = BookingStatus::Cancelled;
  first.version = 2;
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) { return tx.updateBooking(first); }));
  EXPECT_TRUE(store.bookedNights().value().empty());
  EXPECT_EQ(store.find("b1").value()->version, 2);
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b2", "p1", "2027-03-02", "2027-03-03", BookingStatus::Confirmed));
  }));
}

TYPED_TEST(BookingStoreContract, TakenNightsListsOnlyNightsInsideTheRange) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed));
  }));
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    auto taken = STAYLAB_TRY(tx.takenNights("p1", day("2027-03-03"), day("2027-03-10")));
    EXPECT_EQ(taken, std::vector<Date>{day("2027-03-03")});
    auto none = STAYLAB_TRY(tx.takenNights("p1", day("2027-03-04"), day("2027-03-10")));
    EXPECT_TRUE(none.empty());
    return {};
  }));
}

TYPED_TEST(BookingStoreContract, BookedAmongNamesThePropertiesHoldingANightOfTheStay) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed)));
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b2", "p2", "2027-03-04", "2027-03-06", BookingStatus::Confirmed)));
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b3", "p3", "2027-03-01", "2027-03-10", BookingStatus::Rejected)));
    return tx.insertBooking(
        makeBooking("b4", "p4", "2027-02-20", "2027-03-02", BookingStatus::Confirmed));
  }));
  const std::vector<std::string> candidates{"p4", "p3", "p2", "p1", "unknown"};
  auto booked = [&](const char* from, const char* to) {
    auto answer = store.bookedAmong(candidates, Stay::parse(from, to).value());
    EXPECT_TRUE(answer) << answer.error().describe();
    return answer.value_or(std::vector<std::string>{"(failed)"});
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(booked("2027-03-03", "2027-03-05"), (Ids{"p1", "p2"}));
  EXPECT_EQ(booked("2027-03-01", "2027-03-02"), (Ids{"p1", "p4"}));
  EXPECT_EQ(booked("2027-03-06", "2027-03-09"), Ids{}) << "check-out days are free";
  EXPECT_EQ(booked("2027-02-01", "2027-02-20"), Ids{});
  EXPECT_EQ(store.bookedAmong({}, Stay::parse("2027-03-01", "2027-03-05").value()).value(), Ids{});
  EXPECT_EQ(store.bookedAmong({"p2"}, Stay::parse("2027-03-01", "2027-03-05").value()).value(),
            Ids{"p2"})
      << "only the candidates asked about";
}

TYPED_TEST(BookingStoreContract, BookedAmongFollowsCancellations) {
  auto& store = *this->m_store;
  Booking booking = makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed);
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) { return tx.insertBooking(booking); }));
  const Stay stay = Stay::parse("2027-03-02", "2027-03-03").value();
  EXPECT_EQ(store.bookedAmong({"p1"}, stay).value(), std::vector<std::string>{"p1"});
  booking.status = BookingStatus::Cancelled;
  booking.version = 2;
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) { return tx.updateBooking(booking); }));
  EXPECT_TRUE(store.bookedAmong({"p1"}, stay).value().empty());
}

TYPED_TEST(BookingStoreContract, BookedAmongAnswersForMoreCandidatesThanOneStatementBinds) {
  auto& store = *this->m_store;
  std::vector<std::string> candidates;
  for (int index = 0; index < 1234; ++index) {
    candidates.push_back(fmt::format("p{:04}", index));
  }
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    for (const char* property : {"p0003", "p0600", "p1233"}) {
      STAYLAB_TRY(
          tx.insertBooking(makeBooking(fmt::format("b-{}", property), property, "2027-03-01",
                                       "2027-03-04", BookingStatus::Confirmed)));
    }
    return ok();
  }));
  auto booked = store.bookedAmong(candidates, Stay::parse("2027-03-02", "2027-03-03").value());
  ASSERT_TRUE(booked) << booked.error().describe();
  EXPECT_EQ(*booked, (std::vector<std::string>{"p0003", "p0600", "p1233"}));
}

TYPED_TEST(BookingStoreContract, FailedBodyLeavesNoTrace) {
  auto& store = *this->m_store;
  auto result = store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed)));
    STAYLAB_TRY(tx.appendOutbox({makeEvent("e1")}));
    STAYLAB_TRY(
        tx.saveIdempotency(IdempotencyRecord{"k1", "f", "b1", BookingStatus::Confirmed, ""}));
    return invalidInput("test", "body failed on purpose");
  });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
  EXPECT_FALSE(store.find("b1").value());
  EXPECT_TRUE(store.bookedNights().value().empty());
  EXPECT_EQ(store.outboxSize().value(), 0u);
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    EXPECT_FALSE(STAYLAB_TRY(tx.findIdempotency("k1")));
    return {};
  }));
}

TYPED_TEST(BookingStoreContract, IdempotencyRecordIsFoundAndCannotBeOverwritten) {
  auto& store = *this->m_store;
  IdempotencyRecord record{"key-1", "fp", "b1", BookingStatus::Rejected, "nights taken"};
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) { return tx.saveIdempotency(record); }));
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) -> Result<void> {
    auto found = STAYLAB_TRY(tx.findIdempotency("key-1"));
    EXPECT_EQ(found, record);
    return {};
  }));
  auto again = store.transact([&](BookingTransaction& tx) { return tx.saveIdempotency(record); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::Conflict);
}

TYPED_TEST(BookingStoreContract, OutboxKeepsCommitOrderAndRemovesUpToASequence) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.appendOutbox({makeEvent("e1"), makeEvent("e2")});
  }));
  ASSERT_TRUE(
      store.transact([](BookingTransaction& tx) { return tx.appendOutbox({makeEvent("e3")}); }));
  auto entries = store.peekOutbox(2).value();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].event.event_id, "e1");
  EXPECT_EQ(entries[1].event.event_id, "e2");
  EXPECT_LT(entries[0].sequence, entries[1].sequence);
  ASSERT_TRUE(store.removeOutbox(entries[1].sequence));
  auto rest = store.peekOutbox(10).value();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].event.event_id, "e3");
  EXPECT_EQ(rest[0].event, makeEvent("e3"));
}

TYPED_TEST(BookingStoreContract, ListFiltersByPropertyAndGuestInCreationOrder) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    auto a = makeBooking("b-a", "p1", "2027-03-01", "2027-03-02", BookingStatus::Confirmed);
    a.created_at_nanos = 30;
    auto b = makeBooking("b-b", "p1", "2027-03-02", "2027-03-03", BookingStatus::Confirmed);
    b.created_at_nanos = 10;
    b.guest_id = "guest-2";
    auto c = makeBooking("b-c", "p2", "2027-03-01", "2027-03-02", BookingStatus::Confirmed);
    c.created_at_nanos = 20;
    STAYLAB_TRY(tx.insertBooking(a));
    STAYLAB_TRY(tx.insertBooking(b));
    return tx.insertBooking(c);
  }));
  auto all = store.list({}).value();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "b-b");
  EXPECT_EQ(all[1].id, "b-c");
  auto p1 = store.list({.property_id = "p1", .guest_id = {}}).value();
  ASSERT_EQ(p1.size(), 2u);
  auto guest2 = store.list({.property_id = {}, .guest_id = "guest-2"}).value();
  ASSERT_EQ(guest2.size(), 1u);
  EXPECT_EQ(guest2[0].id, "b-b");
  EXPECT_TRUE(store.list({.property_id = "p1", .guest_id = "nobody"}).value().empty());
}

TEST(SqliteBookingStore, CommittedBookingsSurviveReopen) {
  testing::SqliteBookingStoreFactory factory;
  {
    auto store = factory.make();
    ASSERT_TRUE(store->transact([](BookingTransaction& tx) -> Result<void> {
      STAYLAB_TRY(tx.insertBooking(
          makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed)));
      return tx.appendOutbox({makeEvent("e1")});
    }));
  }
  auto store = factory.reopen();
  EXPECT_TRUE(store->find("b1").value());
  EXPECT_EQ(store->bookedNights().value().size(), 3u);
  EXPECT_EQ(store->outboxSize().value(), 1u);
  auto* sqlite_store = dynamic_cast<SqliteBookingStore*>(store.get());
  ASSERT_NE(sqlite_store, nullptr);
  EXPECT_EQ(sqlite_store->testIntegrityCheck().value(), "ok");
}

TEST(SqliteBookingStore, UniqueConstraintHoldsEvenForRawSql) {
  // The guarantee lives in the schema: a second row for a (property, night) is
  // refused by SQLite itself, not only by the code above it.
  testing::TempDir dir;
  {
    auto store = SqliteBookingStore::open(
                     {dir / "b.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing})
                     .value();
    ASSERT_TRUE(store->transact([](BookingTransaction& tx) {
      return tx.insertBooking(
          makeBooking("b1", "p1", "2027-03-01", "2027-03-02", BookingStatus::Confirmed));
    }));
  }
  auto db = sqlite::Database::open({dir / "b.db"}).value();
  auto night = Date::parse("2027-03-01").value().daysSinceEpoch();
  auto raw = db->exec(fmt::format(
      "INSERT INTO bookings VALUES ('b2','p1','g',{0},{1},1,1,'EUR','confirmed','','','','',1,1);"
      "INSERT INTO booked_nights VALUES ('p1', {0}, 'b2');",
      night, night + 1));
  ASSERT_FALSE(raw);
  EXPECT_NE(raw.error().message.find("UNIQUE"), std::string::npos) << raw.error().message;
}

}  // namespace
}  // namespace staylab

namespace staylab {
namespace {

TYPED_TEST(BookingStoreContract, PendingBookingHoldsItsNightsUntilRejected) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-03", BookingStatus::Pending));
  }));
  EXPECT_EQ(store.bookedNights().value().size(), 2u);
  // Confirming keeps the nights; rejecting a pending one releases them.
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    auto held = tx.findBooking("b1").value().value();
    EXPECT_TRUE(held.reject("payment: declined"));
    return tx.updateBooking(held);
  }));
  EXPECT_TRUE(store.bookedNights().value().empty());
  EXPECT_EQ(store.find("b1").value()->status, BookingStatus::Rejected);
}

TYPED_TEST(BookingStoreContract, SagaRowsCommitWithTheTransactionAndOnlyChargingOnesAreOpen) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-03", BookingStatus::Pending)));
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b2", "p1", "2027-04-01", "2027-04-03", BookingStatus::Pending)));
    STAYLAB_TRY(tx.saveSaga(SagaRecord{"b2", SagaStep::Charging, "host-2", 20}));
    return tx.saveSaga(SagaRecord{"b1", SagaStep::Charging, "host-1", 10});
  }));
  // A failed transaction leaves its saga rows out.
  EXPECT_FALSE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.saveSaga(SagaRecord{"b1", SagaStep::Confirmed, "host-1", 30}));
    return storeFailure("test.abort", "abort");
  }));
  std::vector<SagaRecord> open;
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) -> Result<void> {
    open = STAYLAB_TRY(tx.openSagas());
    return {};
  }));
  EXPECT_EQ(open, (std::vector<SagaRecord>{{"b1", SagaStep::Charging, "host-1", 10},
                                           {"b2", SagaStep::Charging, "host-2", 20}}));
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.saveSaga(SagaRecord{"b1", SagaStep::Compensated, "", 40});
  }));
  ASSERT_TRUE(store.transact([&](BookingTransaction& tx) -> Result<void> {
    open = STAYLAB_TRY(tx.openSagas());
    return {};
  }));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].booking_id, "b2");
}

}  // namespace
}  // namespace staylab
