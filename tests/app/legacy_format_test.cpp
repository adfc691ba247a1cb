#include <gtest/gtest.h>

#include "app/legacy/legacy_format.h"
#include "app/legacy/legacy_monolith.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"

#include <sqlite3.h>

namespace staylab::legacy {
namespace {

using staylab::testing::failsWith;
using staylab::testing::invalidInputOn;

TEST(LegacyFormat, DatesAreYyyymmddDaysOfTheCalendar) {
  EXPECT_EQ(parseDate("19700101", "check_in"), 0);
  EXPECT_EQ(*parseDate("20280301", "d") - *parseDate("20280228", "d"), 2);  // 2028 is leap.
  EXPECT_EQ(*parseDate("20270301", "d") - *parseDate("20270228", "d"), 1);
  EXPECT_TRUE(invalidInputOn(parseDate("20270229", "check_in"), "check_in"));
  EXPECT_TRUE(invalidInputOn(parseDate("20271301", "check_out"), "check_out"));
  EXPECT_TRUE(invalidInputOn(parseDate("2027-01-01", "check_in"), "check_in"));
  EXPECT_TRUE(invalidInputOn(parseDate("2027011", "check_in"), "check_in"));
  EXPECT_TRUE(invalidInputOn(parseDate("2027O101", "check_in"), "check_in"));
  EXPECT_TRUE(invalidInputOn(parseDate("", "check_in"), "check_in"));
}

TEST(LegacyFormat, AmountsAreExactHundredthsWithAtMostTwoPlaces) {
  EXPECT_EQ(parseAmount("120.50", "price"), 12050);
  EXPECT_EQ(parseAmount("120.5", "price"), 12050);
  EXPECT_EQ(parseAmount("0120", "price"), 12000);
  EXPECT_EQ(parseAmount("0.07", "price"), 7);
  EXPECT_EQ(parseAmount("0", "price"), 0);
  EXPECT_EQ(parseAmount("100000000000.00", "price"), kMaxHundredths);
  for (const char* bad : {"", "1.234", "12,50", "-1", "+1", "1e3", " 1", "1 ", "1.", ".5",
                          "100000000000.01", "9999999999999999"}) {
    EXPECT_TRUE(invalidInputOn(parseAmount(bad, "price"), "price")) << bad;
  }
  EXPECT_EQ(formatAmount(24100), "241.00");
  EXPECT_EQ(formatAmount(7), "0.07");
  EXPECT_EQ(formatAmount(0), "0.00");
}

TEST(LegacyOpen, AnotherSqliteDatabaseIsNotTheLegacyDatabase) {
  staylab::testing::TempDir dir;
  auto path = dir / "other.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE bookings (id TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_TRUE(failsWith(LegacyMonolith::open({path, StoreCreation::OpenExisting}),
                        ErrorKind::StoreFailure, "sqlite.not_a_store"));
}

}  // namespace
}  // namespace staylab::legacy
