// The BookingStore contract against the SQLite adapter and the in-memory
// twin (booking_store_contract.h), then what only the SQLite adapter promises.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/stores/booking_store_contract.h"

namespace staylab {
namespace {

using booking::BookingStatus;
using contract::makeBooking;
using contract::makeEvent;

using EmbeddedStores =
    ::testing::Types<testing::SqliteBookingStoreFactory, testing::MemoryBookingStoreFactory>;
}  // namespace
}  // namespace staylab

// gtest instantiates a type-parameterised suite from its own namespace.
namespace staylab::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, BookingStoreContract, EmbeddedStores, FactoryNames);
INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, BookingConcurrency, EmbeddedStores, FactoryNames);
}  // namespace staylab::contract

namespace staylab {
namespace {

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
