// The strangler fig's migration pipeline on the real platform: the legacy
// monolith's changes captured by its triggers, published by the CDC
// connector, translated and applied by the CDC processor through the new
// handlers, retried and given up through cdc.retry and cdc.error, and the
// new side's changes synced back; measured as the case studies measure it.

#include <gtest/gtest.h>

#include <memory>

#include "app/migration/anti_corruption.h"
#include "app/migration/cdc_layout.h"
#include "app/migration/migration.h"
#include "tests/app/platform_fixtures.h"

namespace staylab::migration {
namespace {

using app::testing::kNanosPerDay;
using app::testing::kToday;
using app::testing::SeededPlatform;
using staylab::testing::must;

app::PlatformOptions optionsFor(CdcStrategy strategy) {
  app::PlatformOptions options;
  options.extra_topics = Migration::topics(strategy);
  return options;
}

legacy::PropertyEdit titleEdit(std::string title) {
  legacy::PropertyEdit edit;
  edit.title = std::move(title);
  return edit;
}

legacy::PropertyEdit priceEdit(std::string price) {
  legacy::PropertyEdit edit;
  edit.price = std::move(price);
  return edit;
}

// A booking of the new side, from `days` after today for `nights` nights.
booking::PlaceBooking newSideBooking(const std::string& property_id, int days, int nights) {
  booking::PlaceBooking command;
  command.property_id = property_id;
  command.guest = "guest-new";
  command.from = must(Date::fromDays(kToday + days), "from").toString();
  command.to = must(Date::fromDays(kToday + days + nights), "to").toString();
  return command;
}

std::string legacyDay(int days_from_today) {
  return legacyDateText(must(Date::fromDays(kToday + days_from_today), "date"));
}

class MigrationTest : public ::testing::Test {
 protected:
  void open(MigrationSettings settings) {
    m_settings = settings;
    m_seeded = std::make_unique<SeededPlatform>(7, optionsFor(settings.strategy));
    m_migration = must(Migration::open(platform(), settings, StoreCreation::CreateIfMissing),
                       "open the migration");
    must(m_migration->loadLegacyFromPlatform(), "initial load");
  }
  app::Platform& platform() { return m_seeded->platform(); }
  legacy::LegacyMonolith& legacy() { return m_migration->legacy(); }
  Migration& migration() { return *m_migration; }

  size_t drain() {
    return must(migration().drain([this](int64_t nanos) { m_seeded->clock().advance(nanos); }),
                "drain");
  }
  MigrationMeasures measure() { return must(migration().measure(), "measure"); }

  // A property both systems hold, and its PROP_NO.
  std::pair<std::string, int64_t> someProperty(int index = 0) {
    auto properties = must(platform().listing().list(std::nullopt), "list");
    const std::string id = properties.at(static_cast<size_t>(index)).id;
    return {id, must(migration().legacyProperty(id), "prop_no")};
  }
  // A stay of `nights` nights `days` from today that the property is free for.
  int64_t bookLegacy(int64_t prop_no, int days, int nights = 2) {
    return must(
        legacy().book(prop_no, "guest-legacy", legacyDay(days), legacyDay(days + nights), 1),
        "legacy book");
  }

  MigrationSettings m_settings;
  std::unique_ptr<SeededPlatform> m_seeded;
  std::unique_ptr<Migration> m_migration;
};

TEST_F(MigrationTest, InitialLoadLeavesBothSystemsEqualAndCapturesNothing) {
  open({});
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.divergent_listings, 0);
  EXPECT_EQ(measures.divergent_bookings, 0);
  EXPECT_EQ(measures.cross_system_double_bookings, 0);
  EXPECT_EQ(measures.changes_captured, 0);  // The load is the sync's: not captured.
  EXPECT_EQ(must(legacy().properties(), "rows").size(),
            must(platform().listing().list(std::nullopt), "list").size());
}

TEST_F(MigrationTest, ALegacyBookingReachesTheNewStoresAndTheReadModels) {
  open({});
  const auto [property_id, prop_no] = someProperty();
  const int64_t res_no = bookLegacy(prop_no, 400);
  drain();
  const std::string booking_id = must(migration().newBooking(res_no), "mapped");
  const booking::Booking booking = must(platform().bookings().get(booking_id), "booking");
  EXPECT_EQ(booking.property_id, property_id);
  EXPECT_EQ(booking.check_in.daysSinceEpoch(), kToday + 400);
  EXPECT_TRUE(booking.holdsNights());
  // The history projection saw it as it sees the new side's own bookings.
  EXPECT_EQ(must(platform().historyProjection().lag(), "lag"), 0);
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.changes_captured, 1);
  EXPECT_EQ(measures.changes_applied, 1);
  EXPECT_EQ(measures.divergent_bookings, 0);
  EXPECT_EQ(measures.cdc_unaccounted, 0);
  EXPECT_EQ(measures.echo_changes, 0);
}

TEST_F(MigrationTest, EverythingTheMigrationWritesCarriesTheCdcCaller) {
  open({});
  const int64_t res_no = bookLegacy(someProperty().second, 400);
  drain();
  const std::string booking_id = must(migration().newBooking(res_no), "mapped");
  size_t of_the_migration = 0;
  bool booking_seen = false;
  EventLog& log = platform().eventLog();
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      for (const LogRecord& record : must(log.read(topic, partition, 0, 100'000), "read")) {
        if (!record.event.correlation_id.starts_with("cdc/")) {
          continue;  // The seed's own events.
        }
        ++of_the_migration;
        EXPECT_EQ(record.event.caller, kCdcCaller) << topic << " " << record.event.type;
        booking_seen = booking_seen || record.event.aggregate_id == booking_id;
      }
    }
  }
  EXPECT_GE(of_the_migration, 2u);  // The change on its CDC topic and the booking it became.
  EXPECT_TRUE(booking_seen);
}

TEST_F(MigrationTest, ALegacyEditAndCancellationAreAppliedOnce) {
  open({});
  const auto [property_id, prop_no] = someProperty(1);
  legacy::PropertyEdit edit = titleEdit("Renamed by the legacy screens");
  edit.price = "99.50";
  must(legacy().edit(prop_no, edit), "edit");
  const int64_t res_no = bookLegacy(prop_no, 420);
  must(legacy().cancel(res_no), "cancel");
  drain();
  drain();  // A second drain finds nothing more to do.
  const listing::Property property = must(platform().listing().get(property_id), "property");
  EXPECT_EQ(property.title, "Renamed by the legacy screens");
  EXPECT_EQ(property.price_minor, 9950);
  const booking::Booking booking =
      must(platform().bookings().get(must(migration().newBooking(res_no), "mapped")), "booking");
  EXPECT_FALSE(booking.holdsNights());
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.changes_captured, 3);
  EXPECT_EQ(measures.changes_applied, 3);
  EXPECT_EQ(measures.duplicates, 0);
  EXPECT_EQ(measures.divergent_listings, 0);
  EXPECT_EQ(measures.divergent_bookings, 0);
}

TEST_F(MigrationTest, ANewSideBookingIsSyncedBackAndTheLegacyRefusesItsNights) {
  open({});
  const auto [property_id, prop_no] = someProperty(2);
  const auto placed = must(platform().bookings().place(newSideBooking(property_id, 430, 3),
                                                       platform().newCommand("admin")),
                           "place");
  drain();
  auto row = must(legacy().reservationByExtRef(placed.booking.id), "row");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->check_in, legacyDay(430));
  EXPECT_EQ(row->status, 'C');
  auto refused = legacy().book(prop_no, "someone", legacyDay(431), legacyDay(432), 1);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "legacy.overlap");
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.synced_back, 1);
  EXPECT_EQ(measures.changes_captured, 0);  // The sync's write is not captured.
  EXPECT_EQ(measures.divergent_bookings, 0);
}

TEST_F(MigrationTest, BothSystemsSellingOneNightIsCountedAndTheChangeEndsInTheErrorTopic) {
  open({});
  const auto [property_id, prop_no] = someProperty(3);
  bookLegacy(prop_no, 440, 3);  // Not migrated yet when the new side sells the same nights.
  must(platform().bookings().place(newSideBooking(property_id, 441, 1),
                                   platform().newCommand("admin")),
       "place");
  drain();
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.cross_system_double_bookings, 1);
  EXPECT_EQ(measures.sync_conflicts, 1);
  EXPECT_EQ(measures.errors, 1);  // The legacy reservation, refused by the new side every try.
  EXPECT_EQ(measures.retried, m_settings.attempts - 1);
  EXPECT_EQ(measures.cdc_unaccounted, 0);
}

TEST_F(MigrationTest, AMalformedLegacyPriceGoesThroughTheRetryTopicToTheErrorTopic) {
  open({.attempts = 3});
  const auto [property_id, prop_no] = someProperty(4);
  must(legacy().edit(prop_no, priceEdit("12,50")), "edit");
  drain();
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.changes_captured, 1);
  EXPECT_EQ(measures.errors, 1);
  EXPECT_EQ(measures.retried, 2);
  EXPECT_EQ(measures.pending_retry, 0);
  EXPECT_EQ(measures.cdc_unaccounted, 0);
  EXPECT_EQ(measures.divergent_listings, 1);  // The legacy holds what the new side cannot.
  auto letters = must(platform().eventLog().read(std::string(kErrorTopic), 0, 0, 10), "read");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_NE(must(changeRecordOf(letters[0].event), "record").reason.find("PRICE"),
            std::string::npos);
}

TEST_F(MigrationTest, AReservationArrivingBeforeItsPropertyIsRetriedAndThenApplied) {
  open({.strategy = CdcStrategy::PerTable});
  // The legacy onboards a host and takes a booking at once; the two changes
  // reach the processor in the wrong order, as two topics may deliver them.
  legacy::PropertyRow row;
  row.title = "Cabin onboarded in the legacy system";
  row.city = "Lisbon";
  row.price = "80.00";
  row.curr = "EUR";
  row.max_guests = 2;
  row.host_ref = "host-legacy";
  const int64_t before = must(legacy().lastChangeId(), "last change");
  const int64_t prop_no = must(legacy().createProperty(row), "create");
  const int64_t res_no = bookLegacy(prop_no, 450);
  auto changes = must(legacy().changesAfter(before, 10), "changes");
  ASSERT_EQ(changes.size(), 2u);
  const int64_t now = m_seeded->clock().nowNanos();
  must(platform().eventLog().append({changeEvent(changes[1], CdcStrategy::PerTable, now)}),
       "reservation first");
  ASSERT_EQ(must(migration().step(kProcessorPart, 100), "processor"), 1u);
  must(platform().eventLog().append({changeEvent(changes[0], CdcStrategy::PerTable, now)}),
       "then its property");
  drain();
  const booking::Booking booking =
      must(platform().bookings().get(must(migration().newBooking(res_no), "mapped")), "booking");
  EXPECT_EQ(booking.property_id, importedPropertyId(prop_no));
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.ordering_violations, 1);
  EXPECT_EQ(measures.retried, 1);
  EXPECT_EQ(measures.errors, 0);
  EXPECT_EQ(measures.changes_applied, 2);
  EXPECT_EQ(measures.cdc_unaccounted, 0);
  EXPECT_EQ(measures.divergent_listings, 0);
  EXPECT_EQ(measures.divergent_bookings, 0);
}

TEST_F(MigrationTest, CrashesOfTheConnectorAndProcessorLoseNoChangeAndApplyNoneTwice) {
  open({.strategy = CdcStrategy::ByKey});
  std::vector<int64_t> reservations;
  for (int round = 0; round < 12; ++round) {
    const auto [property_id, prop_no] = someProperty(10 + round);
    must(legacy().edit(prop_no, titleEdit(fmt::format("Edited in round {}", round))), "edit");
    reservations.push_back(bookLegacy(prop_no, 500 + round));
    must(migration().step(kConnectorPart, 1 + round % 3), "connector");
    if (round % 3 == 0)
      must(migration().crash(kConnectorPart), "crash connector");
    if (round % 3 == 1) {
      must(migration().step(kProcessorPart, 2), "processor");
      must(migration().crash(kProcessorPart), "crash processor");
    }
    must(migration().restart(kConnectorPart), "restart connector");
    must(migration().restart(kProcessorPart), "restart processor");
  }
  drain();
  const MigrationMeasures measures = measure();
  EXPECT_EQ(measures.changes_captured, 24);
  EXPECT_EQ(measures.changes_applied, 24);
  EXPECT_EQ(measures.cdc_unaccounted, 0);
  EXPECT_EQ(measures.divergent_listings, 0);
  EXPECT_EQ(measures.divergent_bookings, 0);
  // Each reservation became exactly one booking.
  std::set<std::string> placed;
  for (const int64_t res_no : reservations)
    placed.insert(must(migration().newBooking(res_no), "mapped"));
  EXPECT_EQ(placed.size(), reservations.size());
  size_t cdc_bookings = 0;
  for (const auto& booking : must(platform().bookingStore().list({}), "list"))
    cdc_bookings += booking.guest_id == "guest-legacy" ? 1 : 0;
  EXPECT_EQ(cdc_bookings, reservations.size());
}

TEST_F(MigrationTest, WithoutLoopPreventionEveryChangeEchoesBackOnce) {
  open({.loop_prevention = false});
  const auto [property_id, prop_no] = someProperty(5);
  must(legacy().edit(prop_no, titleEdit("Echo me")), "edit");
  bookLegacy(prop_no, 460);
  drain();
  const MigrationMeasures off = measure();
  EXPECT_GT(off.echo_changes, 0);
  EXPECT_EQ(off.divergent_listings, 0);
  EXPECT_EQ(off.divergent_bookings, 0);
  EXPECT_EQ(off.cdc_unaccounted, 0);
}

TEST_F(MigrationTest, WithLoopPreventionNothingEchoes) {
  open({.loop_prevention = true});
  const auto [property_id, prop_no] = someProperty(5);
  must(legacy().edit(prop_no, titleEdit("Echo me")), "edit");
  bookLegacy(prop_no, 460);
  drain();
  EXPECT_EQ(measure().echo_changes, 0);
}

}  // namespace
}  // namespace staylab::migration
