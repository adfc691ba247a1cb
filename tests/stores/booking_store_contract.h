#pragma once

// The BookingStore contract, as type-parameterised tests, with the race of
// 8 threads x 1,000 PlaceBooking commands: each suite that tests an adapter
// instantiates both with a factory type F, which provides
//   static constexpr const char* kName;
//   std::unique_ptr<BookingStore> make();  // a fresh, empty store
// The embedded adapters run them in booking_store_contract_test.cpp, the
// PostgreSQL one in postgres_booking_store_test.cpp.

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/booking/booking_service.h"
#include "domain/ports/booking_store.h"
#include "tests/support/booking_fixtures.h"

namespace staylab::contract {

using booking::Booking;
using booking::BookingStatus;
using testing::FixedPropertyDirectory;

inline Date day(const char* text) {
  return Date::parse(text).value();
}

inline Booking makeBooking(std::string id, std::string property, const char* from, const char* to,
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

inline EventEnvelope makeEvent(std::string id) {
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

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

template <typename Factory>
class BookingStoreContract : public ::testing::Test {
 protected:
  Factory m_factory;
  std::unique_ptr<BookingStore> m_store = m_factory.make();
};
TYPED_TEST_SUITE_P(BookingStoreContract);

template <typename Factory>
class BookingConcurrency : public ::testing::Test {
 protected:
  Factory m_factory;
};
TYPED_TEST_SUITE_P(BookingConcurrency);

TYPED_TEST_P(BookingStoreContract, ConfirmedBookingHoldsExactlyItsNights) {
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

TYPED_TEST_P(BookingStoreContract, StoreRefusesASecondHolderOfANightAndRollsBackEverything) {
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

TYPED_TEST_P(BookingStoreContract, CheckOutDayIsFreeForTheNextStay) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Confirmed)));
    return tx.insertBooking(
        makeBooking("b2", "p1", "2027-03-04", "2027-03-06", BookingStatus::Confirmed));
  }));
  EXPECT_EQ(store.bookedNights().value().size(), 5u);
}

TYPED_TEST_P(BookingStoreContract, SameNightOnAnotherPropertyIsIndependent) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    STAYLAB_TRY(tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-02", BookingStatus::Confirmed)));
    return tx.insertBooking(
        makeBooking("b2", "p2", "2027-03-01", "2027-03-02", BookingStatus::Confirmed));
  }));
  EXPECT_EQ(store.bookedNights().value().size(), 2u);
}

TYPED_TEST_P(BookingStoreContract, RejectedBookingHoldsNoNights) {
  auto& store = *this->m_store;
  ASSERT_TRUE(store.transact([](BookingTransaction& tx) {
    return tx.insertBooking(
        makeBooking("b1", "p1", "2027-03-01", "2027-03-04", BookingStatus::Rejected));
  }));
  EXPECT_TRUE(store.bookedNights().value().empty());
  EXPECT_EQ(store.find("b1").value()->status, BookingStatus::Rejected);
}

TYPED_TEST_P(BookingStoreContract, CancellingReleasesTheNightsForOthers) {
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

TYPED_TEST_P(BookingStoreContract, TakenNightsListsOnlyNightsInsideTheRange) {
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

TYPED_TEST_P(BookingStoreContract, BookedAmongNamesThePropertiesHoldingANightOfTheStay) {
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

TYPED_TEST_P(BookingStoreContract, BookedAmongFollowsCancellations) {
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

TYPED_TEST_P(BookingStoreContract, BookedAmongAnswersForMoreCandidatesThanOneStatementBinds) {
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

TYPED_TEST_P(BookingStoreContract, FailedBodyLeavesNoTrace) {
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

TYPED_TEST_P(BookingStoreContract, IdempotencyRecordIsFoundAndCannotBeOverwritten) {
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

TYPED_TEST_P(BookingStoreContract, OutboxKeepsCommitOrderAndRemovesUpToASequence) {
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

TYPED_TEST_P(BookingStoreContract, ListFiltersByPropertyAndGuestInCreationOrder) {
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

TYPED_TEST_P(BookingStoreContract, PendingBookingHoldsItsNightsUntilRejected) {
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

TYPED_TEST_P(BookingStoreContract, SagaRowsCommitWithTheTransactionAndOnlyChargingOnesAreOpen) {
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

// 8 threads race 8,000 random PlaceBooking commands over 20 properties and 60
// nights. The store must end with no night held twice, every accepted booking
// holding exactly its nights, and one outbox event per stored booking.
TYPED_TEST_P(BookingConcurrency, RacingPlaceBookingsNeverDoubleBookANight) {
  auto store = this->m_factory.make();
  staylab::testing::FixedPropertyDirectory directory;
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

REGISTER_TYPED_TEST_SUITE_P(
    BookingStoreContract, ConfirmedBookingHoldsExactlyItsNights,
    StoreRefusesASecondHolderOfANightAndRollsBackEverything, CheckOutDayIsFreeForTheNextStay,
    SameNightOnAnotherPropertyIsIndependent, RejectedBookingHoldsNoNights,
    CancellingReleasesTheNightsForOthers, TakenNightsListsOnlyNightsInsideTheRange,
    BookedAmongNamesThePropertiesHoldingANightOfTheStay, BookedAmongFollowsCancellations,
    BookedAmongAnswersForMoreCandidatesThanOneStatementBinds, FailedBodyLeavesNoTrace,
    IdempotencyRecordIsFoundAndCannotBeOverwritten, OutboxKeepsCommitOrderAndRemovesUpToASequence,
    ListFiltersByPropertyAndGuestInCreationOrder, PendingBookingHoldsItsNightsUntilRejected,
    SagaRowsCommitWithTheTransactionAndOnlyChargingOnesAreOpen);
REGISTER_TYPED_TEST_SUITE_P(BookingConcurrency, RacingPlaceBookingsNeverDoubleBookANight);

}  // namespace staylab::contract
