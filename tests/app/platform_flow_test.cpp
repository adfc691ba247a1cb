// The whole platform through its composition root, on real stores in a
// temporary directory: commands through the gateway, the pump moving events
// to the log and into every read model, fraud detection suspending listings,
// and the invariants `staylab-cli check` verifies. Time and ids come from a
// ManualClock and a SeededRandom, so every run is the same run.

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "app/platform/seed.h"
#include "events/history_projection.h"
#include "fraud/fraud_detector.h"
#include "tests/app/platform_fixtures.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using staylab::testing::failsWith;
using staylab::testing::TempDir;
using testing::allChecksPass;
using testing::Digests;
using testing::digestsOf;
using testing::kNanosPerDay;
using testing::kNanosPerMinute;
using testing::kToday;
using testing::must;
using testing::SeededPlatform;

// Returns every event of `topic`, partition by partition.
std::vector<EventEnvelope> eventsIn(EventLog& log, const std::string& topic) {
  std::vector<EventEnvelope> events;
  const int partitions = log.topics().at(topic);
  for (int partition = 0; partition < partitions; ++partition) {
    auto records = must(log.read(topic, partition, 0, 1'000'000), "read the log");
    for (const auto& record : records) {
      events.push_back(record.event);
    }
  }
  return events;
}

// Returns the number of events in the whole log.
int64_t logSize(EventLog& log) {
  int64_t size = 0;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      size += must(log.endOffset(topic, partition), "end offset");
    }
  }
  return size;
}

std::vector<EventEnvelope> eventsOfType(const std::vector<EventEnvelope>& events,
                                        std::string_view type) {
  std::vector<EventEnvelope> found;
  std::copy_if(events.begin(), events.end(), std::back_inserter(found),
               [&](const EventEnvelope& event) { return event.type == type; });
  return found;
}

std::vector<fraud::Suspicion> suspicionsOf(Platform& platform, fraud::FraudRule rule) {
  std::vector<fraud::Suspicion> found;
  const auto all = platform.fraudDetection().detector().suspicions().value();
  for (const auto& suspicion : all) {
    if (suspicion.rule == rule) {
      found.push_back(suspicion);
    }
  }
  return found;
}

class PlatformFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PlatformOptions options;
    options.data_dir = m_dir / "data";
    options.mode = OpenMode::InitialiseIfEmpty;
    options.clock = &m_clock;
    options.random = &m_random;
    m_platform = must(Platform::open(options), "open the platform");
  }

  Platform& platform() { return *m_platform; }
  Gateway& gateway() { return m_platform->gateway(); }

  void drain() { must(m_platform->pump().drain(), "drain"); }

  // Creates a listing as its host; `payout`, `device` and `ip` are the host's signals.
  listing::Property createListing(const std::string& host, const std::string& title,
                                  const std::string& city, const std::string& payout,
                                  const std::string& device, const std::string& ip) {
    m_clock.advance(kNanosPerMinute);
    listing::CreateProperty command;
    command.host = host;
    command.title = title;
    command.description = "Fresh linen and towels are included.";
    command.city = city;
    command.price = "80";
    command.currency = "EUR";
    command.capacity = 4;
    command.amenities = {"wifi", "kitchen"};
    command.payment = payout;
    command.device = device;
    command.ip = ip;
    return must(gateway().createProperty(Caller{host, Role::Host}, command), "create a listing");
  }

  // Places a booking as the guest itself.
  Result<booking::PlaceBookingAnswer> book(const std::string& guest, const std::string& property,
                                           const std::string& from, const std::string& to,
                                           const std::string& payment = "",
                                           const std::string& device = "",
                                           const std::string& ip = "") {
    m_clock.advance(kNanosPerMinute);
    booking::PlaceBooking command;
    command.property_id = property;
    command.guest = guest;
    command.from = from;
    command.to = to;
    command.payment = payment;
    command.device = device;
    command.ip = ip;
    return gateway().placeBooking(Caller{guest, Role::Guest}, command);
  }

  // Returns the ids of the listings `query` finds.
  std::vector<std::string> search(const SearchQuery& query) {
    auto page = must(m_platform->searchIndex().search(query), "search");
    std::vector<std::string> ids;
    for (const auto& hit : page.hits) {
      ids.push_back(hit.id);
    }
    return ids;
  }

  std::vector<std::string> searchText(const std::string& text) {
    SearchQuery query;
    query.text = text;
    return search(query);
  }

  // Returns the ids of the listings with `text` free for the stay [from, to).
  std::vector<std::string> availableFor(const std::string& text, const std::string& from,
                                        const std::string& to) {
    SearchQuery query;
    query.text = text;
    query.stay = must(Stay::parse(from, to), "stay");
    return search(query);
  }

  // Returns the history cells of `row` in `family`, values parsed.
  std::vector<std::pair<Cell, nlohmann::json>> history(const std::string& row, const char* family) {
    std::vector<std::pair<Cell, nlohmann::json>> cells;
    for (auto& cell : must(m_platform->historyStore().scanRow(row, family), "scan history")) {
      auto value = nlohmann::json::parse(cell.value);
      cells.emplace_back(std::move(cell), std::move(value));
    }
    return cells;
  }

  listing::PropertyStatus statusOf(const std::string& property_id) {
    return must(gateway().getProperty(property_id), "get property").status;
  }

  // Plants a host booking its own listing with its payout fingerprint;
  // returns the listing and the booking.
  std::pair<listing::Property, booking::Booking> plantSelfDealing() {
    auto own = createListing("hana", "Canal house with a roof terrace", "Amsterdam", "payout-hana",
                             "device-hana", "192.0.2.10");
    auto placed = must(book("hana", own.id, "2030-04-01", "2030-04-03", "payout-hana",
                            "device-hana-phone", "192.0.2.11"),
                       "self-dealing booking");
    return {own, placed.booking};
  }

  // Plants a ring of four accounts: guests a and b share a device, b and c an
  // IP, and c pays with the ring host's payout fingerprint; a books the ring
  // host's listing, b and c book an unrelated host's listings. Returns the
  // ring host's listing and the two unrelated ones.
  struct Ring {
    listing::Property ring_listing;
    std::vector<listing::Property> innocent;
  };
  Ring plantRing() {
    Ring ring;
    ring.ring_listing = createListing("rhost", "Harbour view loft, instant booking", "Lisbon",
                                      "payout-rhost", "device-rhost", "203.0.113.5");
    ring.innocent.push_back(createListing("olga", "Quiet courtyard studio", "Porto", "payout-olga",
                                          "device-olga", "203.0.113.6"));
    ring.innocent.push_back(createListing("olga", "Riverside flat near the station", "Porto",
                                          "payout-olga", "device-olga", "203.0.113.6"));
    must(book("ring-a", ring.ring_listing.id, "2030-06-01", "2030-06-04", "card-ring-a",
              "device-ring-1", "192.0.2.51"),
         "ring-a books the ring host's listing");
    must(book("ring-b", ring.innocent[0].id, "2030-06-01", "2030-06-04", "card-ring-b",
              "device-ring-1", "198.51.100.51"),
         "ring-b books");
    must(book("ring-c", ring.innocent[1].id, "2030-06-10", "2030-06-12", "payout-rhost",
              "device-ring-c", "198.51.100.51"),
         "ring-c books");
    return ring;
  }

  TempDir m_dir;
  ManualClock m_clock{kToday * kNanosPerDay};
  SeededRandom m_random{42};
  std::unique_ptr<Platform> m_platform;
};

TEST_F(PlatformFlowTest, CreatedListingBecomesSearchableByTitleWordAndCityOnceDrained) {
  auto canal = createListing("host-ada", "Sunny loft by the canal", "Utrecht", "payout-ada",
                             "device-ada", "192.0.2.1");
  createListing("host-bo", "Quiet cottage with a garden", "Lisbon", "payout-bo", "device-bo",
                "192.0.2.2");

  EXPECT_TRUE(searchText("canal").empty()) << "the read model is fed by the log, not the command";
  drain();

  EXPECT_EQ(searchText("canal"), std::vector<std::string>{canal.id});
  EXPECT_EQ(searchText("lofts"), std::vector<std::string>{canal.id}) << "stemmed";
  SearchQuery by_city;
  by_city.city = "utrecht";
  EXPECT_EQ(search(by_city), std::vector<std::string>{canal.id});
  SearchQuery wrong_city;
  wrong_city.text = "canal";
  wrong_city.city = "Lisbon";
  EXPECT_TRUE(search(wrong_city).empty());
}

TEST_F(PlatformFlowTest, BookingHoldsItsNightsInSearchAndIsWrittenToHistory) {
  auto loft = createListing("host-ada", "Sunny loft by the canal", "Utrecht", "payout-ada",
                            "device-ada", "192.0.2.1");
  drain();
  auto placed = must(book("gina", loft.id, "2030-05-10", "2030-05-13"), "book");
  drain();

  const std::vector<std::string> only_loft{loft.id};
  EXPECT_TRUE(availableFor("canal", "2030-05-12", "2030-05-14").empty()) << "last night taken";
  EXPECT_TRUE(availableFor("canal", "2030-05-08", "2030-05-11").empty()) << "first night taken";
  EXPECT_TRUE(availableFor("canal", "2030-05-11", "2030-05-12").empty()) << "inside the stay";
  EXPECT_EQ(availableFor("canal", "2030-05-13", "2030-05-15"), only_loft)
      << "a stay may start on the check-out day";
  EXPECT_EQ(availableFor("canal", "2030-05-05", "2030-05-10"), only_loft)
      << "a stay may end on the check-in day";

  auto by_property = history(loft.id, HistoryProjection::kByProperty);
  ASSERT_EQ(by_property.size(), 1u);
  EXPECT_EQ(by_property[0].first.qualifier, placed.booking.id);
  EXPECT_EQ(by_property[0].first.timestamp, 1);
  EXPECT_EQ(by_property[0].second.at("status"), "confirmed");
  EXPECT_EQ(by_property[0].second.at("guest_id"), "gina");
  EXPECT_EQ(by_property[0].second.at("check_in"), "2030-05-10");
  EXPECT_EQ(by_property[0].second.at("nights"), 3);
  auto by_guest = history("gina", HistoryProjection::kByGuest);
  ASSERT_EQ(by_guest.size(), 1u);
  EXPECT_EQ(by_guest[0].first.qualifier, placed.booking.id);
  EXPECT_EQ(by_guest[0].second.at("property_id"), loft.id);
}

TEST_F(PlatformFlowTest, ConflictingBookingIsRefusedAndRecordedAsRejected) {
  auto loft = createListing("host-ada", "Sunny loft by the canal", "Utrecht", "payout-ada",
                            "device-ada", "192.0.2.1");
  must(book("gina", loft.id, "2030-05-10", "2030-05-13"), "book");

  EXPECT_TRUE(failsWith(book("gus", loft.id, "2030-05-12", "2030-05-15"), ErrorKind::Refused,
                        "booking.nights_taken"));
  drain();

  auto nights = must(platform().bookingStore().bookedNights(), "booked nights");
  EXPECT_EQ(nights.size(), 3u) << "only the first booking holds nights";
  auto rejected = history("gus", HistoryProjection::kByGuest);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].second.at("status"), "rejected");
  EXPECT_EQ(history(loft.id, HistoryProjection::kByProperty).size(), 2u);
}

TEST_F(PlatformFlowTest, CancellingReleasesTheNightsAndAddsHistoryVersionTwo) {
  auto loft = createListing("host-ada", "Sunny loft by the canal", "Utrecht", "payout-ada",
                            "device-ada", "192.0.2.1");
  auto placed = must(book("gina", loft.id, "2030-05-10", "2030-05-13"), "book");
  drain();
  ASSERT_TRUE(availableFor("canal", "2030-05-11", "2030-05-12").empty());

  auto cancelled = must(gateway().cancelBooking(Caller{"gina", Role::Guest},
                                                booking::CancelBooking{placed.booking.id}),
                        "cancel");
  EXPECT_EQ(cancelled.status, booking::BookingStatus::Cancelled);
  drain();

  EXPECT_EQ(availableFor("canal", "2030-05-11", "2030-05-12"), std::vector<std::string>{loft.id});
  for (const auto& [row, family] : std::vector<std::pair<std::string, const char*>>{
           {loft.id, HistoryProjection::kByProperty}, {"gina", HistoryProjection::kByGuest}}) {
    auto versions = must(platform().historyStore().versions(row, family, placed.booking.id, 10),
                         "history versions");
    ASSERT_EQ(versions.size(), 2u) << family;
    EXPECT_EQ(versions[0].timestamp, 2) << family;
    EXPECT_EQ(nlohmann::json::parse(versions[0].value).at("status"), "cancelled") << family;
    EXPECT_EQ(versions[1].timestamp, 1) << family;
    EXPECT_EQ(nlohmann::json::parse(versions[1].value).at("status"), "confirmed") << family;
  }
  // The nights are free for another guest again.
  EXPECT_TRUE(book("gus", loft.id, "2030-05-11", "2030-05-12").has_value());
}

TEST_F(PlatformFlowTest, SelfDealingSuspendsTheListingAndTakesItOutOfSearch) {
  auto innocent = createListing("host-ada", "Canal loft with a balcony", "Amsterdam", "payout-ada",
                                "device-ada", "192.0.2.1");
  drain();
  auto [own, self_booking] = plantSelfDealing();
  drain();

  auto found = suspicionsOf(platform(), fraud::FraudRule::SelfDealing);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].subject.kind, fraud::SubjectKind::Booking);
  EXPECT_EQ(found[0].subject.id, self_booking.id);
  EXPECT_EQ(found[0].property_id, own.id);
  const auto& shared = found[0].evidence.at("shared_instruments");
  EXPECT_NE(std::find(shared.begin(), shared.end(), "payment:payout-hana"), shared.end())
      << found[0].evidence.dump();

  EXPECT_EQ(statusOf(own.id), listing::PropertyStatus::Suspended);
  EXPECT_EQ(statusOf(innocent.id), listing::PropertyStatus::Active);
  EXPECT_EQ(searchText("canal"), std::vector<std::string>{innocent.id});
  auto document = must(platform().searchIndex().get(own.id), "search document");
  ASSERT_TRUE(document.has_value());
  EXPECT_FALSE(document->listed);
  EXPECT_TRUE(failsWith(book("gina", own.id, "2030-07-01", "2030-07-02"), ErrorKind::Refused,
                        "listing.property_suspended"));
}

TEST_F(PlatformFlowTest, PlantedRingOfFourAccountsSuspendsTheRingHostsListingOnly) {
  auto ring = plantRing();
  drain();

  std::set<std::string> ring_accounts;
  std::vector<std::string> ring_properties;
  for (const auto& suspicion : suspicionsOf(platform(), fraud::FraudRule::Ring)) {
    if (suspicion.subject.kind == fraud::SubjectKind::Account) {
      ring_accounts.insert(suspicion.subject.id);
    } else if (suspicion.subject.kind == fraud::SubjectKind::Property) {
      ring_properties.push_back(suspicion.subject.id);
    }
  }
  EXPECT_EQ(ring_accounts, (std::set<std::string>{"ring-a", "ring-b", "ring-c", "rhost"}));
  EXPECT_EQ(ring_properties, std::vector<std::string>{ring.ring_listing.id});

  EXPECT_EQ(statusOf(ring.ring_listing.id), listing::PropertyStatus::Suspended);
  for (const auto& innocent : ring.innocent) {
    EXPECT_EQ(statusOf(innocent.id), listing::PropertyStatus::Active) << innocent.title;
  }
  EXPECT_TRUE(searchText("harbour").empty());
  EXPECT_EQ(searchText("courtyard"), std::vector<std::string>{ring.innocent[0].id});
}

TEST_F(PlatformFlowTest, RingNeedsFourAccounts) {
  // The same ring without ring-c: three accounts, no link to the ring host.
  auto ring_listing = createListing("rhost", "Harbour view loft, instant booking", "Lisbon",
                                    "payout-rhost", "device-rhost", "203.0.113.5");
  auto other = createListing("olga", "Quiet courtyard studio", "Porto", "payout-olga",
                             "device-olga", "203.0.113.6");
  must(book("ring-a", ring_listing.id, "2030-06-01", "2030-06-04", "card-ring-a", "device-ring-1",
            "192.0.2.51"),
       "ring-a");
  must(book("ring-b", other.id, "2030-06-01", "2030-06-04", "card-ring-b", "device-ring-1",
            "198.51.100.51"),
       "ring-b");
  drain();

  EXPECT_TRUE(suspicionsOf(platform(), fraud::FraudRule::Ring).empty());
  EXPECT_EQ(statusOf(ring_listing.id), listing::PropertyStatus::Active);
}

TEST_F(PlatformFlowTest, FraudEventsContinueTheCorrelationIdOfTheBookingCommand) {
  auto [own, self_booking] = plantSelfDealing();
  // The command's correlation id, as the gateway gave it, read before the pump runs.
  auto outbox = must(platform().bookingStore().peekOutbox(100), "booking outbox");
  ASSERT_EQ(outbox.size(), 1u);
  const EventEnvelope placed = outbox[0].event;
  ASSERT_EQ(placed.type, "BookingPlaced");
  ASSERT_EQ(placed.aggregate_id, self_booking.id);
  ASSERT_FALSE(placed.correlation_id.empty());
  drain();

  auto logged = eventsOfType(eventsIn(platform().eventLog(), "booking"), "BookingPlaced");
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0], placed) << "relayed unchanged";

  auto suspected = eventsOfType(eventsIn(platform().eventLog(), std::string(fraud::kFraudTopic)),
                                std::string(fraud::kFraudSuspectedType));
  ASSERT_EQ(suspected.size(), 1u);
  EXPECT_EQ(suspected[0].correlation_id, placed.correlation_id);
  EXPECT_EQ(suspected[0].causation_id, placed.event_id);
  EXPECT_EQ(suspected[0].payload.at("rule"), "self_dealing");

  auto suspended = eventsOfType(eventsIn(platform().eventLog(), "property"), "PropertySuspended");
  ASSERT_EQ(suspended.size(), 1u);
  EXPECT_EQ(suspended[0].aggregate_id, own.id);
  EXPECT_EQ(suspended[0].correlation_id, placed.correlation_id);

  auto created = eventsOfType(eventsIn(platform().eventLog(), "property"), "PropertyCreated");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_NE(created[0].correlation_id, placed.correlation_id) << "another command, another chain";
}

TEST_F(PlatformFlowTest, InvariantsHoldAfterTheWholeFlow) {
  auto loft = createListing("host-ada", "Sunny loft by the canal", "Utrecht", "payout-ada",
                            "device-ada", "192.0.2.1");
  auto placed = must(book("gina", loft.id, "2030-05-10", "2030-05-13"), "book");
  ASSERT_FALSE(book("gus", loft.id, "2030-05-12", "2030-05-15").has_value());
  must(gateway().cancelBooking(Caller{"gina", Role::Guest},
                               booking::CancelBooking{placed.booking.id}),
       "cancel");
  plantSelfDealing();
  plantRing();
  drain();

  ASSERT_EQ(suspicionsOf(platform(), fraud::FraudRule::SelfDealing).size(), 1u);
  ASSERT_FALSE(suspicionsOf(platform(), fraud::FraudRule::Ring).empty());
  EXPECT_TRUE(allChecksPass(platform()));
}

TEST(PlatformFlowSeededTest, SeededRunFindsEveryPlantedCaseAndPassesTheInvariants) {
  SeededPlatform run(7);
  EXPECT_EQ(run.report().planted.size(), 4u);
  EXPECT_GT(run.report().bookings, 0);
  for (auto rule : {fraud::FraudRule::SelfDealing, fraud::FraudRule::SharedPayment,
                    fraud::FraudRule::Velocity, fraud::FraudRule::Ring}) {
    EXPECT_FALSE(suspicionsOf(run.platform(), rule).empty()) << fraud::toString(rule);
  }
  EXPECT_TRUE(allChecksPass(run.platform()));
}

TEST(PlatformFlowSeededTest, RebuildingTheReadModelsKeepsEveryDigest) {
  SeededPlatform run(7);
  const Digests before = digestsOf(run.platform());

  ASSERT_TRUE(rebuildReadModels(run.platform()).has_value());
  EXPECT_EQ(digestsOf(run.platform()), before);
  ASSERT_TRUE(rebuildReadModels(run.platform()).has_value());
  EXPECT_EQ(digestsOf(run.platform()), before) << "a second replay of the log";
  EXPECT_TRUE(allChecksPass(run.platform()));
}

TEST(PlatformFlowSeededTest, RebuildRepairsReadModelsDamagedBehindTheirBack) {
  SeededPlatform run(7);
  const Digests before = digestsOf(run.platform());

  TextIndexBatch stray_document;
  SearchDocument stray;
  stray.id = "prop_stray";
  stray.title = "Not from the log";
  stray.city = "Nowhere";
  stray.currency = "EUR";
  stray.price_minor = 100;
  stray.capacity = 1;
  stray_document.upserts.push_back(stray);
  ASSERT_TRUE(run.platform().searchIndex().apply(stray_document).has_value());
  ASSERT_TRUE(run.platform()
                  .historyStore()
                  .put(Cell{"prop_stray", HistoryProjection::kByProperty, "bkg_stray", 1, "{}"})
                  .has_value());
  const Digests damaged = digestsOf(run.platform());
  ASSERT_NE(damaged.search, before.search);
  ASSERT_NE(damaged.history, before.history);

  ASSERT_TRUE(rebuildReadModels(run.platform()).has_value());
  EXPECT_EQ(digestsOf(run.platform()), before);
}

TEST(PlatformFlowSeededTest, SameSeedInAFreshDataDirectoryGivesIdenticalDigests) {
  SeededPlatform first(7);
  SeededPlatform second(7);
  const Digests digests = digestsOf(first.platform());
  EXPECT_EQ(digestsOf(second.platform()), digests);
  EXPECT_EQ(logSize(second.platform().eventLog()), logSize(first.platform().eventLog()));

  SeededPlatform other(8);
  const Digests other_digests = digestsOf(other.platform());
  EXPECT_NE(other_digests.search, digests.search) << "the digests tell data sets apart";
  EXPECT_NE(other_digests.history, digests.history);
  EXPECT_NE(other_digests.fraud, digests.fraud);
}

TEST(PlatformFlowSeededTest, DuplicateDeliveryOfRelayedEventsChangesNoReadModel) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  const Digests before = digestsOf(platform);
  const size_t suspicions = platform.fraudDetection().detector().suspicions().value().size();

  std::vector<EventEnvelope> copies;
  for (const std::string topic : {"property", "booking", "fraud"}) {
    auto events = eventsIn(platform.eventLog(), topic);
    copies.insert(copies.end(), events.begin(), events.end());
  }
  ASSERT_FALSE(copies.empty());
  const int64_t size_before = logSize(platform.eventLog());
  ASSERT_TRUE(platform.eventLog().append(copies).has_value());
  ASSERT_EQ(logSize(platform.eventLog()), size_before + static_cast<int64_t>(copies.size()));

  auto report = platform.pump().drain();
  ASSERT_TRUE(report.has_value()) << report.error().describe();
  EXPECT_GT(report->consumed, 0u) << "the consumers read the copies";
  EXPECT_EQ(report->relayed, 0u);
  EXPECT_EQ(report->delivered, 0u) << "no suspicion is raised twice";

  EXPECT_EQ(digestsOf(platform), before);
  EXPECT_EQ(platform.fraudDetection().detector().suspicions().value().size(), suspicions);
  EXPECT_TRUE(allChecksPass(platform));
}

}  // namespace
}  // namespace staylab::app
