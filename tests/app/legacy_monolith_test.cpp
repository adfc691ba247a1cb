#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "tests/app/legacy_test_fixture.h"

namespace staylab::legacy::testing {
namespace {

using staylab::testing::failsWith;
using staylab::testing::invalidInputOn;

TEST_F(LegacyTest, CreatedPropertyIsViewedAsWritten) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  PropertyRow expected = sampleProperty("Loft");
  expected.prop_no = prop_no;
  EXPECT_EQ(must(m_legacy->view(prop_no), "view"), expected);
  EXPECT_TRUE(failsWith(m_legacy->view(prop_no + 1), ErrorKind::NotFound, "legacy.not_found"));
}

TEST_F(LegacyTest, CreatePropertyRefusesWhatTheScreensRefuseAndWritesNothing) {
  auto with = [](auto change) {
    PropertyRow row = sampleProperty("Loft");
    change(row);
    return row;
  };
  LegacyContents before = contentsOf(*m_legacy);
  EXPECT_TRUE(invalidInputOn(
      m_legacy->createProperty(with([](PropertyRow& row) { row.price = ""; })), "price"));
  EXPECT_TRUE(invalidInputOn(
      m_legacy->createProperty(with([](PropertyRow& row) { row.title = ""; })), "title"));
  EXPECT_TRUE(invalidInputOn(
      m_legacy->createProperty(with([](PropertyRow& row) { row.max_guests = 0; })), "max_guests"));
  EXPECT_TRUE(invalidInputOn(
      m_legacy->createProperty(with([](PropertyRow& row) { row.status = 'Z'; })), "status"));
  EXPECT_TRUE(invalidInputOn(
      m_legacy->createProperty(with([](PropertyRow& row) { row.prop_no = 9; })), "prop_no"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
}

TEST_F(LegacyTest, MalformedPriceTextIsStoredButABookingOfItIsRefused) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft", "12,50")), "create");
  EXPECT_EQ(must(m_legacy->view(prop_no), "view").price, "12,50");
  LegacyContents before = contentsOf(*m_legacy);
  EXPECT_TRUE(invalidInputOn(m_legacy->book(prop_no, "Ana", "20270101", "20270103", 2), "price"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
  must(m_legacy->edit(prop_no, anEdit([](PropertyEdit& e) { e.price = "1.234"; })), "edit");
  before = contentsOf(*m_legacy);
  EXPECT_TRUE(invalidInputOn(m_legacy->book(prop_no, "Ana", "20270101", "20270103", 2), "price"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
}

TEST_F(LegacyTest, BookingComputesTheAmountExactlyFromPriceAndNights) {
  int64_t cheap = must(m_legacy->createProperty(sampleProperty("Room", "0.10")), "create");
  int64_t loft = must(m_legacy->createProperty(sampleProperty("Loft", "120.5")), "create");
  int64_t res_cheap = must(m_legacy->book(cheap, "Ana", "20270101", "20270104", 1), "book");
  int64_t res_loft = must(m_legacy->book(loft, "Bo", "20270228", "20270302", 2), "book");
  ReservationRow row = must(m_legacy->reservation(res_cheap), "read");
  EXPECT_EQ(row.amount, "0.30");  // Three nights at 0.10, not 0.30000000000000004.
  EXPECT_EQ(row.status, 'C');
  EXPECT_EQ(row.guest_name, "Ana");
  EXPECT_EQ(row.prop_no, cheap);
  EXPECT_EQ(must(m_legacy->reservation(res_loft), "read").amount, "241.00");  // 2027: 2 nights.
}

TEST_F(LegacyTest, BookingRefusesAnOverlapWithAConfirmedReservationOnly) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  int64_t other = must(m_legacy->createProperty(sampleProperty("Other")), "create");
  int64_t first = must(m_legacy->book(prop_no, "Ana", "20270101", "20270105", 2), "book");
  LegacyContents before = contentsOf(*m_legacy);
  auto overlap = m_legacy->book(prop_no, "Bo", "20270104", "20270106", 2);
  EXPECT_TRUE(failsWith(overlap, ErrorKind::Refused, "legacy.overlap"));
  EXPECT_TRUE(failsWith(m_legacy->book(prop_no, "Bo", "20261231", "20270110", 2),
                        ErrorKind::Refused, "legacy.overlap"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
  // Check-out is exclusive; another property is another calendar.
  must(m_legacy->book(prop_no, "Bo", "20270105", "20270107", 2), "adjacent");
  must(m_legacy->book(other, "Cy", "20270101", "20270105", 2), "other property");
  must(m_legacy->cancel(first), "cancel");
  must(m_legacy->book(prop_no, "Di", "20270102", "20270104", 2), "after the cancel");
}

TEST_F(LegacyTest, BookingErrorsNameTheFieldOrRuleAndWriteNothing) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  PropertyRow suspended = sampleProperty("Closed");
  suspended.status = 'S';
  int64_t closed = must(m_legacy->createProperty(suspended), "create");
  LegacyContents before = contentsOf(*m_legacy);
  EXPECT_TRUE(failsWith(m_legacy->book(prop_no + 100, "Ana", "20270101", "20270103", 1),
                        ErrorKind::NotFound, "legacy.not_found"));
  EXPECT_EQ(m_legacy->book(prop_no + 100, "Ana", "20270101", "20270103", 1).error().field,
            "prop_no");
  EXPECT_TRUE(failsWith(m_legacy->book(closed, "Ana", "20270101", "20270103", 1),
                        ErrorKind::Refused, "legacy.suspended"));
  EXPECT_TRUE(invalidInputOn(m_legacy->book(prop_no, "Ana", "20270101", "20270103", 5), "guests"));
  EXPECT_TRUE(invalidInputOn(m_legacy->book(prop_no, "Ana", "20270101", "20270103", 0), "guests"));
  EXPECT_TRUE(invalidInputOn(m_legacy->book(prop_no, "", "20270101", "20270103", 1), "guest_name"));
  EXPECT_TRUE(
      invalidInputOn(m_legacy->book(prop_no, "Ana", "2027-01-01", "20270103", 1), "check_in"));
  EXPECT_TRUE(
      invalidInputOn(m_legacy->book(prop_no, "Ana", "20270230", "20270303", 1), "check_in"));
  EXPECT_TRUE(
      invalidInputOn(m_legacy->book(prop_no, "Ana", "20270101", "2027013", 1), "check_out"));
  EXPECT_TRUE(
      invalidInputOn(m_legacy->book(prop_no, "Ana", "20270103", "20270103", 1), "check_out"));
  EXPECT_TRUE(
      invalidInputOn(m_legacy->book(prop_no, "Ana", "20270105", "20270103", 1), "check_out"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
}

TEST_F(LegacyTest, CancelSetsStatusXOnceAndNamesAnUnknownReservation) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  int64_t res_no = must(m_legacy->book(prop_no, "Ana", "20270101", "20270103", 1), "book");
  must(m_legacy->cancel(res_no), "cancel");
  EXPECT_EQ(must(m_legacy->reservation(res_no), "read").status, 'X');
  int64_t last = must(m_legacy->lastChangeId(), "last");
  must(m_legacy->cancel(res_no), "cancel again");  // Changes nothing, captures nothing.
  EXPECT_EQ(must(m_legacy->lastChangeId(), "last"), last);
  auto unknown = m_legacy->cancel(res_no + 1);
  EXPECT_TRUE(failsWith(unknown, ErrorKind::NotFound, "legacy.not_found"));
  EXPECT_EQ(unknown.error().field, "res_no");
}

TEST_F(LegacyTest, EditKeepsUnsetFieldsAndRefusesBadValuesWritingNothing) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  PropertyRow edited = must(m_legacy->edit(prop_no, anEdit([](PropertyEdit& e) {
                                             e.title = "Big loft";
                                             e.max_guests = 6;
                                           })),
                            "edit");
  PropertyRow expected = sampleProperty("Big loft");
  expected.prop_no = prop_no;
  expected.max_guests = 6;
  EXPECT_EQ(edited, expected);
  EXPECT_EQ(must(m_legacy->view(prop_no), "view"), expected);
  LegacyContents before = contentsOf(*m_legacy);
  EXPECT_TRUE(invalidInputOn(
      m_legacy->edit(prop_no, anEdit([](PropertyEdit& e) { e.status = 'Q'; })), "status"));
  EXPECT_TRUE(invalidInputOn(m_legacy->edit(prop_no, anEdit([](PropertyEdit& e) { e.price = ""; })),
                             "price"));
  EXPECT_TRUE(invalidInputOn(
      m_legacy->edit(prop_no, anEdit([](PropertyEdit& e) { e.max_guests = 0; })), "max_guests"));
  EXPECT_TRUE(failsWith(m_legacy->edit(prop_no + 1, anEdit([](PropertyEdit& e) { e.title = "x"; })),
                        ErrorKind::NotFound, "legacy.not_found"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
}

TEST_F(LegacyTest, SearchMatchesTextCityGuestsAndFreeDatesInPropNoOrder) {
  PropertyRow sea = sampleProperty("Sea view flat");
  sea.descr = "balcony over the ocean";
  PropertyRow garden = sampleProperty("Garden house");
  garden.descr = "quiet, SEA breeze";
  garden.max_guests = 8;
  PropertyRow porto = sampleProperty("Sea loft");
  porto.city = "Porto";
  PropertyRow closed = sampleProperty("Sea shack");
  closed.status = 'S';
  PropertyRow percent = sampleProperty("100% sea");
  int64_t sea_no = must(m_legacy->createProperty(sea), "create");
  int64_t garden_no = must(m_legacy->createProperty(garden), "create");
  int64_t porto_no = must(m_legacy->createProperty(porto), "create");
  must(m_legacy->createProperty(closed), "create");
  int64_t percent_no = must(m_legacy->createProperty(percent), "create");
  must(m_legacy->book(sea_no, "Ana", "20270110", "20270115", 2), "book");

  auto prop_nos = [&](const SearchRequest& request) {
    std::vector<int64_t> found;
    for (const auto& row : must(m_legacy->search(request), "search")) {
      found.push_back(row.prop_no);
    }
    return found;
  };
  using Found = std::vector<int64_t>;
  EXPECT_EQ(prop_nos(request("sea", "", "", "", 1, 20)),
            (Found{sea_no, garden_no, porto_no, percent_no}));
  EXPECT_EQ(prop_nos(request("sea", "lisbon", "", "", 1, 20)),
            (Found{sea_no, garden_no, percent_no}));
  EXPECT_EQ(prop_nos(request("sea", "", "", "", 5, 20)), (Found{garden_no}));
  EXPECT_EQ(prop_nos(request("%", "", "", "", 1, 20)),
            (Found{percent_no}));  // Typed text is literal.
  EXPECT_EQ(prop_nos(request("sea", "", "", "", 1, 2)), (Found{sea_no, garden_no}));
  EXPECT_EQ(prop_nos(request("sea", "Lisbon", "20270114", "20270120", 1, 20)),
            (Found{garden_no, percent_no}));
  EXPECT_EQ(prop_nos(request("sea", "Lisbon", "20270115", "20270120", 1, 20)),
            (Found{sea_no, garden_no, percent_no}));
  EXPECT_EQ(prop_nos(request("", "", "", "", 1, 20)).size(), 4U);

  EXPECT_TRUE(invalidInputOn(m_legacy->search(request("", "", "", "", 1, 0)), "limit"));
  EXPECT_TRUE(invalidInputOn(m_legacy->search(request("", "", "", "", 1, 101)), "limit"));
  EXPECT_TRUE(invalidInputOn(m_legacy->search(request("", "", "", "", 0, 20)), "guests"));
  EXPECT_TRUE(
      invalidInputOn(m_legacy->search(request("", "", "20270101", "", 1, 20)), "check_out"));
  EXPECT_TRUE(invalidInputOn(m_legacy->search(request("", "", "20270105", "20270101", 1, 20)),
                             "check_out"));
}

TEST_F(LegacyTest, TriggersCaptureEveryWriteInCommitOrderWithSourceAndDependency) {
  int64_t loft = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  int64_t res_1 = must(m_legacy->book(loft, "Ana", "20270101", "20270103", 2), "book");
  int64_t room = must(m_legacy->createProperty(sampleProperty("Room")), "create");
  must(m_legacy->edit(loft, anEdit([](PropertyEdit& e) { e.price = "99.00"; })), "edit");
  int64_t res_2 = must(m_legacy->book(loft, "Bo", "20270105", "20270106", 1), "book");
  must(m_legacy->cancel(res_1), "cancel");
  must(m_legacy->edit(room, PropertyEdit{}), "edit that changes nothing");

  auto changes = must(m_legacy->changesAfter(0, 100), "changes");
  ASSERT_EQ(changes.size(), 7U);
  struct Expected {
    std::string table;
    char op;
    int64_t row_key;
    int64_t prop_no;
    int64_t depends_on;
  };
  std::vector<Expected> expected{
      {"PROPERTY", 'I', loft, loft, 0},     {"RESERVATION", 'I', res_1, loft, 1},
      {"PROPERTY", 'I', room, room, 0},     {"PROPERTY", 'U', loft, loft, 0},
      {"RESERVATION", 'I', res_2, loft, 4}, {"RESERVATION", 'U', res_1, loft, 4},
      {"PROPERTY", 'U', room, room, 0},
  };
  for (size_t index = 0; index < changes.size(); ++index) {
    SCOPED_TRACE(index);
    EXPECT_EQ(changes[index].change_id, static_cast<int64_t>(index) + 1);
    EXPECT_EQ(changes[index].table, expected[index].table);
    EXPECT_EQ(changes[index].op, expected[index].op);
    EXPECT_EQ(changes[index].row_key, expected[index].row_key);
    EXPECT_EQ(changes[index].prop_no, expected[index].prop_no);
    EXPECT_EQ(changes[index].depends_on, expected[index].depends_on);
    EXPECT_EQ(changes[index].source, Source::Legacy);
  }
  auto edited = nlohmann::json::parse(changes[3].image);
  EXPECT_EQ(edited["PRICE"], "99.00");
  EXPECT_EQ(edited["MAX_GUESTS"], 4);
  EXPECT_EQ(edited["TITLE"], "Loft");
  EXPECT_EQ(edited["LAST_SRC"], "L");
  auto cancelled = nlohmann::json::parse(changes[5].image);
  EXPECT_EQ(cancelled["STATUS"], "X");
  EXPECT_EQ(cancelled["CHECK_IN"], "20270101");
  EXPECT_EQ(cancelled["AMOUNT"], "241.00");
  EXPECT_EQ(cancelled.size(), 10U);  // Every column of RESERVATION.
  EXPECT_EQ(edited.size(), 12U);     // Every column of PROPERTY.

  EXPECT_EQ(must(m_legacy->lastChangeId(), "last"), 7);
  auto tail = must(m_legacy->changesAfter(5, 1), "tail");
  ASSERT_EQ(tail.size(), 1U);
  EXPECT_EQ(tail.front(), changes[5]);
}

TEST_F(LegacyTest, PutWritesInsertOrUpdateAndTheSyncSourceIsMarked) {
  PropertyRow row = sampleProperty("Loft");
  row.prop_no = 42;
  row.ext_ref = "prop-7f";
  EXPECT_EQ(must(m_legacy->putProperty(row, Source::Legacy), "put"), 42);
  row.price = "130.00";
  EXPECT_EQ(must(m_legacy->putProperty(row, Source::Sync), "put again"), 42);
  EXPECT_EQ(must(m_legacy->view(42), "view"), row);
  int64_t fresh = must(m_legacy->putProperty(sampleProperty("Room"), Source::Sync), "put new");
  EXPECT_EQ(fresh, 43);

  ReservationRow reservation = aReservation(42, "Ana", "20270101", "20270104", "390.00");
  reservation.guests = 2;
  reservation.ext_ref = "bk-1";
  int64_t res_no = must(m_legacy->putReservation(reservation, Source::Sync), "put reservation");
  reservation.res_no = res_no;
  EXPECT_EQ(must(m_legacy->reservation(res_no), "read"), reservation);

  auto changes = must(m_legacy->changesAfter(0, 100), "changes");
  ASSERT_EQ(changes.size(), 4U);
  EXPECT_EQ(changes[0].op, 'I');
  EXPECT_EQ(changes[0].source, Source::Legacy);
  EXPECT_EQ(changes[1].op, 'U');
  EXPECT_EQ(changes[1].source, Source::Sync);
  EXPECT_EQ(nlohmann::json::parse(changes[1].image)["LAST_SRC"], "S");
  EXPECT_EQ(changes[2].op, 'I');
  EXPECT_EQ(changes[2].source, Source::Sync);
  EXPECT_EQ(changes[3].table, "RESERVATION");
  EXPECT_EQ(changes[3].source, Source::Sync);
  EXPECT_EQ(changes[3].depends_on, 1);  // The monolith's own change, not the sync's.

  EXPECT_EQ(must(m_legacy->propertyByExtRef("prop-7f"), "by ref"), std::optional(row));
  EXPECT_EQ(must(m_legacy->propertyByExtRef("nope"), "by ref"), std::nullopt);
  EXPECT_EQ(must(m_legacy->propertyByExtRef(""), "by ref"), std::nullopt);
  EXPECT_EQ(must(m_legacy->reservationByExtRef("bk-1"), "by ref"), std::optional(reservation));
  EXPECT_EQ(must(m_legacy->reservationByExtRef("bk-2"), "by ref"), std::nullopt);
}

TEST_F(LegacyTest, PutReservationChecksOverlapExcludingTheRowItself) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  ReservationRow row = aReservation(prop_no, "Ana", "20270101", "20270105", "482.00");
  row.res_no = must(m_legacy->putReservation(row, Source::Sync), "put");
  row.check_out = "20270107";  // Extending itself is no overlap.
  must(m_legacy->putReservation(row, Source::Sync), "extend");
  LegacyContents before = contentsOf(*m_legacy);
  ReservationRow other = aReservation(prop_no, "Bo", "20270106", "20270108", "241.00");
  EXPECT_TRUE(failsWith(m_legacy->putReservation(other, Source::Sync), ErrorKind::Refused,
                        "legacy.overlap"));
  ReservationRow unknown = other;
  unknown.prop_no = prop_no + 1;
  EXPECT_TRUE(failsWith(m_legacy->putReservation(unknown, Source::Sync), ErrorKind::NotFound,
                        "legacy.not_found"));
  ReservationRow bad_date = other;
  bad_date.check_in = "20271306";
  EXPECT_TRUE(invalidInputOn(m_legacy->putReservation(bad_date, Source::Sync), "check_in"));
  ReservationRow bad_status = other;
  bad_status.status = 'P';
  EXPECT_TRUE(invalidInputOn(m_legacy->putReservation(bad_status, Source::Sync), "status"));
  EXPECT_EQ(contentsOf(*m_legacy), before);
  other.status = 'X';  // A cancelled row holds no night.
  must(m_legacy->putReservation(other, Source::Sync), "cancelled overlap");
}

TEST_F(LegacyTest, AReopenedFileKeepsRowsAndChanges) {
  int64_t prop_no = must(m_legacy->createProperty(sampleProperty("Loft")), "create");
  must(m_legacy->book(prop_no, "Ana", "20270101", "20270103", 1), "book");
  LegacyContents before = contentsOf(*m_legacy);
  m_legacy.reset();
  auto reopened = openLegacy();
  EXPECT_EQ(contentsOf(*reopened), before);
  must(reopened->integrityCheck(), "integrity");
  EXPECT_TRUE(failsWith(reopened->book(prop_no, "Bo", "20270102", "20270104", 1),
                        ErrorKind::Refused, "legacy.overlap"));
  // Reopening with CreateIfMissing keeps it too.
  reopened.reset();
  EXPECT_EQ(contentsOf(*openLegacy(StoreCreation::CreateIfMissing)), before);
}

TEST(LegacyOpen, OpenExistingRefusesAMissingOrEmptyFileAndCreatesNone) {
  staylab::testing::TempDir dir;
  auto missing = LegacyMonolith::open({dir / "legacy.db"});
  EXPECT_TRUE(failsWith(missing, ErrorKind::StoreFailure, "sqlite.missing"));
  EXPECT_FALSE(std::filesystem::exists(dir / "legacy.db"));
  { std::ofstream touch(dir / "empty.db"); }
  EXPECT_TRUE(
      failsWith(LegacyMonolith::open({dir / "empty.db"}), ErrorKind::StoreFailure, "sqlite.empty"));
  EXPECT_EQ(std::filesystem::file_size(dir / "empty.db"), 0U);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

}  // namespace
}  // namespace staylab::legacy::testing
