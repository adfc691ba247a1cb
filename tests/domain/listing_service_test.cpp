#include <algorithm>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/listing/listing_service.h"
#include "domain/ports/clock.h"
#include "domain/ports/random.h"
#include "stores/document/memory_document_store.h"
#include "tests/support/recording_publisher.h"
#include "tests/support/result_assertions.h"

namespace staylab::listing {
namespace {

using staylab::testing::failsWith;
using staylab::testing::invalidInputOn;

constexpr int64_t kStartNanos = 1'700'000'000'000'000'000;

CreateProperty validCreate() {
  CreateProperty command;
  command.host = "host-1";
  command.title = "Sea view flat";
  command.description = "Two rooms.\nBalcony.";
  command.city = "Lisbon";
  command.price = "120.50";
  command.currency = "EUR";
  command.capacity = 4;
  command.amenities = {"wifi", "kitchen"};
  command.payment = "pay:host-1";
  command.device = "dev-1";
  command.ip = "192.0.2.10";
  return command;
}

std::string repeat(std::string_view piece, size_t count) {
  std::string text;
  for (size_t index = 0; index < count; ++index) {
    text += piece;
  }
  return text;
}

std::vector<std::string> numberedAmenities(size_t count) {
  std::vector<std::string> amenities;
  for (size_t index = 0; index < count; ++index) {
    amenities.push_back(fmt::format("amenity-{:02}", index));
  }
  return amenities;
}

class ListingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(m_service.prepare()); }

  Property create(CreateProperty command = validCreate()) {
    auto property = m_service.create(command, m_context);
    EXPECT_TRUE(property) << property.error().describe();
    return property.value_or(Property{});
  }

  std::vector<EventEnvelope> outbox() {
    std::vector<EventEnvelope> events;
    // Kept in a local: a range-for over a temporary's value() would dangle.
    auto entries = m_store.peekOutbox(1000).value();
    for (auto& entry : entries) {
      events.push_back(std::move(entry.event));
    }
    return events;
  }

  size_t storedCount() { return m_store.all(kCollection).value().size(); }

  MemoryDocumentStore m_store;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{42};
  ListingService m_service{m_store, m_clock, m_random};
  CommandContext m_context{"cmd-1", "corr-1", "host-1"};
};

// ---------------------------------------------------------------------------
// create

TEST_F(ListingServiceTest, CreateStoresThePropertyWithVersionOne) {
  Property created = create();
  EXPECT_EQ(created.version, 1);
  EXPECT_EQ(created.status, PropertyStatus::Active);
  EXPECT_TRUE(created.id.starts_with("prop_")) << created.id;
  EXPECT_EQ(created.host_id, "host-1");
  EXPECT_EQ(created.price_minor, 12050);
  EXPECT_EQ(created.currency, "EUR");
  EXPECT_EQ(created.capacity, 4);
  EXPECT_EQ(created.host_signals.payout_fingerprint, "pay:host-1");
  EXPECT_EQ(created.host_signals.device, "dev-1");
  EXPECT_EQ(created.host_signals.ip, "192.0.2.10");

  auto stored = m_service.get(created.id);
  ASSERT_TRUE(stored) << stored.error().describe();
  EXPECT_EQ(*stored, created);
}

TEST_F(ListingServiceTest, CreateWritesExactlyOnePropertyCreatedEventWithAFullEnvelope) {
  Property created = create();
  auto events = outbox();
  ASSERT_EQ(events.size(), 1u);
  const EventEnvelope& event = events[0];
  EXPECT_TRUE(event.event_id.starts_with("evt_")) << event.event_id;
  EXPECT_EQ(event.type, "PropertyCreated");
  EXPECT_EQ(event.schema_version, 1);
  EXPECT_EQ(event.aggregate_type, "property");
  EXPECT_EQ(event.aggregate_id, created.id);
  EXPECT_EQ(event.aggregate_version, 1);
  EXPECT_EQ(event.occurred_at_nanos, kStartNanos);
  EXPECT_EQ(event.correlation_id, "corr-1");
  EXPECT_EQ(event.causation_id, "cmd-1");

  const nlohmann::json& payload = event.payload;
  EXPECT_EQ(payload.at("property_id"), created.id);
  EXPECT_EQ(payload.at("host_id"), "host-1");
  EXPECT_EQ(payload.at("title"), "Sea view flat");
  EXPECT_EQ(payload.at("description"), "Two rooms.\nBalcony.");
  EXPECT_EQ(payload.at("city"), "Lisbon");
  EXPECT_EQ(payload.at("price_minor"), 12050);
  EXPECT_EQ(payload.at("currency"), "EUR");
  EXPECT_EQ(payload.at("capacity"), 4);
  EXPECT_EQ(payload.at("amenities"), nlohmann::json::array({"kitchen", "wifi"}));
  EXPECT_EQ(payload.at("status"), "active");
  EXPECT_EQ(payload.at("host_signals").at("ip"), "192.0.2.10");
  EXPECT_FALSE(payload.contains("city_key"));
  EXPECT_FALSE(payload.contains("id"));
  // The envelope survives the log's JSON form.
  EXPECT_EQ(EventEnvelope::fromJson(event.toJson()).value(), event);
}

TEST_F(ListingServiceTest, CreateAcceptsTheBoundaryValues) {
  CreateProperty command = validCreate();
  command.title = repeat("\xC3\xA9", kMaxTitle);
  command.description = repeat("d", kMaxDescription);
  command.city = repeat("c", kMaxCity);
  command.price = "100000";
  command.capacity = kMaxCapacity;
  command.amenities = numberedAmenities(kMaxAmenities);
  Property created = create(command);
  EXPECT_EQ(created.price_minor, 10'000'000);
  EXPECT_EQ(created.capacity, 50);
  EXPECT_EQ(created.amenities.size(), kMaxAmenities);

  command.price = "0.01";
  command.capacity = 1;
  command.description = "";
  command.payment = "";
  command.device = "";
  command.ip = "2001:db8::1";
  Property smallest = create(command);
  EXPECT_EQ(smallest.price_minor, 1);
  EXPECT_EQ(smallest.description, "");
  EXPECT_EQ(smallest.host_signals.ip, "2001:db8::1");
}

TEST_F(ListingServiceTest, CreateLowerCasesDeduplicatesAndSortsAmenities) {
  CreateProperty command = validCreate();
  command.amenities = {"WiFi", "  Pool ", "wifi", "kitchen", "POOL", "Air Con"};
  Property created = create(command);
  std::vector<std::string> expected{"air con", "kitchen", "pool", "wifi"};
  EXPECT_EQ(created.amenities, expected);
  EXPECT_EQ(m_service.get(created.id).value().amenities, expected);
}

TEST_F(ListingServiceTest, CreateCountsAmenitiesAfterDeduplication) {
  CreateProperty command = validCreate();
  command.amenities = numberedAmenities(kMaxAmenities);
  command.amenities.push_back("AMENITY-00");  // The 31st entry repeats the first.
  EXPECT_EQ(create(command).amenities.size(), kMaxAmenities);
}

TEST_F(ListingServiceTest, CreateTrimsTextFields) {
  CreateProperty command = validCreate();
  command.title = "  Sea view flat \t";
  command.city = " Lisbon ";
  Property created = create(command);
  EXPECT_EQ(created.title, "Sea view flat");
  EXPECT_EQ(created.city, "Lisbon");
}

TEST_F(ListingServiceTest, CreateStoresQuotesSqlAndJsonFragmentsVerbatim) {
  CreateProperty command = validCreate();
  command.title = R"(O'Brien's "flat"'); DROP TABLE properties; --)";
  command.description = "{\"$set\": {\"status\": \"active\"}}\n' OR '1'='1\n$.city_key \\u0000";
  command.city = R"(Z\u00fcrich", "city_key": "x)";
  Property created = create(command);
  auto stored = m_service.get(created.id).value();
  EXPECT_EQ(stored.title, command.title);
  EXPECT_EQ(stored.description, command.description);
  EXPECT_EQ(stored.city, command.city);
  EXPECT_EQ(outbox().at(0).payload.at("title"), command.title);
  // The injected "city_key" did not become the index key.
  EXPECT_TRUE(m_service.list("x").value().empty());
  EXPECT_EQ(m_service.list(command.city).value().size(), 1u);
}

TEST_F(ListingServiceTest, CreateTakesOccurredAtFromTheClock) {
  m_clock.set(kStartNanos + 12345);
  create();
  EXPECT_EQ(outbox().at(0).occurred_at_nanos, kStartNanos + 12345);
}

struct InvalidCreateCase {
  std::string name;
  std::function<void(CreateProperty&)> mutate;
  std::string field;
};

void PrintTo(const InvalidCreateCase& test_case, std::ostream* out) {
  *out << test_case.name;
}

class ListingServiceInvalidCreateTest : public ListingServiceTest,
                                        public ::testing::WithParamInterface<InvalidCreateCase> {};

TEST_P(ListingServiceInvalidCreateTest, RefusesTheFieldAndStoresNothing) {
  CreateProperty command = validCreate();
  GetParam().mutate(command);
  auto result = m_service.create(command, m_context);
  EXPECT_TRUE(invalidInputOn(result, GetParam().field));
  EXPECT_EQ(storedCount(), 0u);
  EXPECT_EQ(m_store.outboxSize().value(), 0u);
}

// clang-format off
INSTANTIATE_TEST_SUITE_P(
    Fields, ListingServiceInvalidCreateTest,
    ::testing::Values(
        InvalidCreateCase{"EmptyHost", [](CreateProperty& c) { c.host = ""; }, "host"},
        InvalidCreateCase{"HostWithSpace", [](CreateProperty& c) { c.host = "host 1"; }, "host"},
        InvalidCreateCase{"HostTooLong", [](CreateProperty& c) { c.host = repeat("h", 65); }, "host"},
        InvalidCreateCase{"EmptyTitle", [](CreateProperty& c) { c.title = ""; }, "title"},
        InvalidCreateCase{"BlankTitle", [](CreateProperty& c) { c.title = " \t "; }, "title"},
        InvalidCreateCase{"TitleTooLong", [](CreateProperty& c) { c.title = repeat("t", kMaxTitle + 1); }, "title"},
        InvalidCreateCase{"TitleWithControlChar", [](CreateProperty& c) { c.title = "Sea\x1b[31m view"; }, "title"},
        InvalidCreateCase{"TitleWithNewline", [](CreateProperty& c) { c.title = "Sea\nview"; }, "title"},
        InvalidCreateCase{"TitleNotUtf8", [](CreateProperty& c) { c.title = "Sea \xC0\xAF view"; }, "title"},
        InvalidCreateCase{"DescriptionTooLong", [](CreateProperty& c) { c.description = repeat("d", kMaxDescription + 1); }, "description"},
        InvalidCreateCase{"DescriptionWithControlChar", [](CreateProperty& c) { c.description = "a\x07z"; }, "description"},
        InvalidCreateCase{"EmptyCity", [](CreateProperty& c) { c.city = ""; }, "city"},
        InvalidCreateCase{"CityTooLong", [](CreateProperty& c) { c.city = repeat("c", kMaxCity + 1); }, "city"},
        InvalidCreateCase{"ZeroPrice", [](CreateProperty& c) { c.price = "0"; }, "price"},
        InvalidCreateCase{"ZeroPriceWithDecimals", [](CreateProperty& c) { c.price = "0.00"; }, "price"},
        InvalidCreateCase{"NegativePrice", [](CreateProperty& c) { c.price = "-5"; }, "price"},
        InvalidCreateCase{"OverPrecisePrice", [](CreateProperty& c) { c.price = "10.555"; }, "price"},
        InvalidCreateCase{"FractionalYen", [](CreateProperty& c) { c.price = "100.5"; c.currency = "JPY"; }, "price"},
        InvalidCreateCase{"PriceOverCeiling", [](CreateProperty& c) { c.price = "100000.01"; }, "price"},
        InvalidCreateCase{"HugePrice", [](CreateProperty& c) { c.price = "99999999999999999999"; }, "price"},
        InvalidCreateCase{"EmptyPrice", [](CreateProperty& c) { c.price = ""; }, "price"},
        InvalidCreateCase{"LowerCaseCurrency", [](CreateProperty& c) { c.currency = "eur"; }, "currency"},
        InvalidCreateCase{"UnknownCurrency", [](CreateProperty& c) { c.currency = "XXX"; }, "currency"},
        InvalidCreateCase{"EmptyCurrency", [](CreateProperty& c) { c.currency = ""; }, "currency"},
        InvalidCreateCase{"ZeroCapacity", [](CreateProperty& c) { c.capacity = 0; }, "capacity"},
        InvalidCreateCase{"CapacityOver50", [](CreateProperty& c) { c.capacity = 51; }, "capacity"},
        InvalidCreateCase{"NegativeCapacity", [](CreateProperty& c) { c.capacity = -1; }, "capacity"},
        InvalidCreateCase{"TooManyAmenities", [](CreateProperty& c) { c.amenities = numberedAmenities(kMaxAmenities + 1); }, "amenity"},
        InvalidCreateCase{"EmptyAmenity", [](CreateProperty& c) { c.amenities = {"wifi", " "}; }, "amenity"},
        InvalidCreateCase{"AmenityTooLong", [](CreateProperty& c) { c.amenities = {repeat("a", kMaxAmenity + 1)}; }, "amenity"},
        InvalidCreateCase{"BadPaymentHandle", [](CreateProperty& c) { c.payment = "card 4242"; }, "payment"},
        InvalidCreateCase{"BadDevice", [](CreateProperty& c) { c.device = "dev/1"; }, "device"},
        InvalidCreateCase{"BadIpv4", [](CreateProperty& c) { c.ip = "999.1.1.1"; }, "ip"},
        InvalidCreateCase{"IpWithPort", [](CreateProperty& c) { c.ip = "192.0.2.1:80"; }, "ip"},
        InvalidCreateCase{"HostnameAsIp", [](CreateProperty& c) { c.ip = "example.com"; }, "ip"}),
    [](const ::testing::TestParamInfo<InvalidCreateCase>& info) { return info.param.name; });
// clang-format on

// ---------------------------------------------------------------------------
// update

TEST_F(ListingServiceTest, UpdateChangesOnlyTheGivenFieldsAndBumpsTheVersion) {
  Property created = create();
  m_clock.advance(1000);
  UpdateProperty command;
  command.property_id = created.id;
  command.title = "Sea view loft";
  command.capacity = 6;
  CommandContext context{"cmd-2", "corr-2", "host-1"};
  auto updated = m_service.update(command, context);
  ASSERT_TRUE(updated) << updated.error().describe();

  Property expected = created;
  expected.title = "Sea view loft";
  expected.capacity = 6;
  expected.version = 2;
  EXPECT_EQ(*updated, expected);
  EXPECT_EQ(m_service.get(created.id).value(), expected);

  auto events = outbox();
  ASSERT_EQ(events.size(), 2u);
  const EventEnvelope& event = events[1];
  EXPECT_EQ(event.type, "PropertyUpdated");
  EXPECT_EQ(event.aggregate_id, created.id);
  EXPECT_EQ(event.aggregate_version, 2);
  EXPECT_EQ(event.occurred_at_nanos, kStartNanos + 1000);
  EXPECT_EQ(event.correlation_id, "corr-2");
  EXPECT_EQ(event.causation_id, "cmd-2");
  EXPECT_EQ(event.payload.at("title"), "Sea view loft");
  EXPECT_EQ(event.payload.at("capacity"), 6);
  EXPECT_EQ(event.payload.at("city"), "Lisbon");
  EXPECT_NE(event.event_id, events[0].event_id);
}

TEST_F(ListingServiceTest, UpdateThatChangesNothingEmitsNothing) {
  Property created = create();
  UpdateProperty same;
  same.property_id = created.id;
  same.title = "  Sea view flat ";  // Equal once trimmed.
  same.city = "Lisbon";
  same.host = "host-1";
  same.price = "120.5";
  same.amenities = std::vector<std::string>{"KITCHEN", "wifi"};
  auto result = m_service.update(same, m_context);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(*result, created);
  EXPECT_EQ(m_service.get(created.id).value().version, 1);
  EXPECT_EQ(m_store.outboxSize().value(), 1u);

  UpdateProperty empty;
  empty.property_id = created.id;
  ASSERT_TRUE(m_service.update(empty, m_context));
  EXPECT_EQ(m_service.get(created.id).value().version, 1);
  EXPECT_EQ(m_store.outboxSize().value(), 1u);
}

TEST_F(ListingServiceTest, UpdateRefusesAChangeOfHost) {
  Property created = create();
  UpdateProperty command;
  command.property_id = created.id;
  command.host = "host-2";
  command.title = "Stolen";
  EXPECT_TRUE(invalidInputOn(m_service.update(command, m_context), "host"));
  EXPECT_EQ(m_service.get(created.id).value(), created);
  EXPECT_EQ(m_store.outboxSize().value(), 1u);
}

TEST_F(ListingServiceTest, UpdateOfAnUnknownPropertyIsNotFound) {
  create();
  UpdateProperty command;
  command.property_id = "prop_does_not_exist";
  command.title = "New title";
  EXPECT_TRUE(failsWith(m_service.update(command, m_context), ErrorKind::NotFound,
                        "listing.property_not_found"));
  EXPECT_EQ(m_store.outboxSize().value(), 1u);
}

TEST_F(ListingServiceTest, UpdateRefusesInvalidFieldsAndChangesNothing) {
  Property created = create();
  auto refuse = [&](std::function<void(UpdateProperty&)> mutate, std::string_view field) {
    UpdateProperty command;
    command.property_id = created.id;
    command.title = "Would change";
    mutate(command);
    EXPECT_TRUE(invalidInputOn(m_service.update(command, m_context), field));
  };
  refuse([](UpdateProperty& c) { c.title = ""; }, "title");
  refuse([](UpdateProperty& c) { c.description = repeat("d", kMaxDescription + 1); },
         "description");
  refuse([](UpdateProperty& c) { c.city = "\x01"; }, "city");
  refuse([](UpdateProperty& c) { c.capacity = 0; }, "capacity");
  refuse([](UpdateProperty& c) { c.capacity = 51; }, "capacity");
  refuse([](UpdateProperty& c) { c.amenities = numberedAmenities(kMaxAmenities + 1); }, "amenity");
  refuse([](UpdateProperty& c) { c.price = "0"; }, "price");
  refuse([](UpdateProperty& c) { c.price = "100000.01"; }, "price");
  refuse([](UpdateProperty& c) { c.price = "1.234"; }, "price");
  refuse([](UpdateProperty& c) { c.currency = "eur"; }, "currency");
  refuse([](UpdateProperty& c) { c.payment = "bad payment"; }, "payment");
  refuse([](UpdateProperty& c) { c.ip = "300.0.0.1"; }, "ip");
  refuse([](UpdateProperty& c) { c.host = "bad host"; }, "host");
  EXPECT_EQ(m_service.get(created.id).value(), created);
  EXPECT_EQ(m_store.outboxSize().value(), 1u);
}

TEST_F(ListingServiceTest, PriceOnlyUpdateKeepsTheCurrency) {
  Property created = create();
  UpdateProperty command;
  command.property_id = created.id;
  command.price = "99.99";
  Property updated = m_service.update(command, m_context).value();
  EXPECT_EQ(updated.price_minor, 9999);
  EXPECT_EQ(updated.currency, "EUR");
  EXPECT_EQ(updated.version, 2);
  EXPECT_EQ(outbox().at(1).payload.at("price_minor"), 9999);
}

TEST_F(ListingServiceTest, PriceOnlyUpdateIsCheckedAgainstThePropertysOwnCurrency) {
  CreateProperty kwd = validCreate();
  kwd.price = "40.125";
  kwd.currency = "KWD";
  Property dinar = create(kwd);
  EXPECT_EQ(dinar.price_minor, 40125);

  UpdateProperty three_decimals;
  three_decimals.property_id = dinar.id;
  three_decimals.price = "41.375";  // Three decimals are right for KWD.
  auto updated = m_service.update(three_decimals, m_context);
  ASSERT_TRUE(updated) << updated.error().describe();
  EXPECT_EQ(updated->price_minor, 41375);
  EXPECT_EQ(updated->currency, "KWD");

  CreateProperty jpy = validCreate();
  jpy.price = "15000";
  jpy.currency = "JPY";
  Property yen = create(jpy);
  UpdateProperty fractional;
  fractional.property_id = yen.id;
  fractional.price = "15000.5";  // Two decimals would do for EUR, none for JPY.
  EXPECT_TRUE(invalidInputOn(m_service.update(fractional, m_context), "price"));
  EXPECT_EQ(m_service.get(yen.id).value().price_minor, 15000);
}

TEST_F(ListingServiceTest, UpdateWithPriceAndCurrencyChangesBoth) {
  Property created = create();
  UpdateProperty command;
  command.property_id = created.id;
  command.price = "18000";
  command.currency = "JPY";
  Property updated = m_service.update(command, m_context).value();
  EXPECT_EQ(updated.price_minor, 18000);
  EXPECT_EQ(updated.currency, "JPY");
}

TEST_F(ListingServiceTest, UpdateNormalisesAmenitiesLikeCreate) {
  Property created = create();
  UpdateProperty command;
  command.property_id = created.id;
  command.amenities = std::vector<std::string>{"Sauna", "SAUNA", "garden"};
  Property updated = m_service.update(command, m_context).value();
  EXPECT_EQ(updated.amenities, (std::vector<std::string>{"garden", "sauna"}));
}

// ---------------------------------------------------------------------------
// markFraud

TEST_F(ListingServiceTest, MarkFraudSuspendsAndEmitsPropertySuspendedOnce) {
  Property created = create();
  m_clock.advance(5);
  CommandContext fraud{"cmd-f", "corr-f", "fraud-service"};
  MarkPropertyFraud command{created.id, "payout fingerprint shared by 12 hosts"};
  auto suspended = m_service.markFraud(command, fraud);
  ASSERT_TRUE(suspended) << suspended.error().describe();
  EXPECT_EQ(suspended->status, PropertyStatus::Suspended);
  EXPECT_EQ(suspended->suspension_reason, "payout fingerprint shared by 12 hosts");
  EXPECT_EQ(suspended->version, 2);
  EXPECT_EQ(m_service.get(created.id).value().status, PropertyStatus::Suspended);

  auto events = outbox();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "PropertySuspended");
  EXPECT_EQ(events[1].aggregate_version, 2);
  EXPECT_EQ(events[1].causation_id, "cmd-f");
  EXPECT_EQ(events[1].correlation_id, "corr-f");
  EXPECT_EQ(events[1].occurred_at_nanos, kStartNanos + 5);
  EXPECT_EQ(events[1].payload,
            (nlohmann::json{{"property_id", created.id},
                            {"reason", "payout fingerprint shared by 12 hosts"}}));

  auto again = m_service.markFraud(MarkPropertyFraud{created.id, "another reason"}, fraud);
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(again->status, PropertyStatus::Suspended);
  EXPECT_EQ(again->version, 2);
  EXPECT_EQ(again->suspension_reason, "payout fingerprint shared by 12 hosts");
  EXPECT_EQ(m_store.outboxSize().value(), 2u);
  EXPECT_EQ(m_service.get(created.id).value().version, 2);
}

TEST_F(ListingServiceTest, MarkFraudOfAnUnknownPropertyIsNotFound) {
  EXPECT_TRUE(failsWith(m_service.markFraud(MarkPropertyFraud{"prop_nope", "reason"}, m_context),
                        ErrorKind::NotFound, "listing.property_not_found"));
  EXPECT_EQ(m_store.outboxSize().value(), 0u);
}

TEST_F(ListingServiceTest, MarkFraudRequiresAReason) {
  Property created = create();
  EXPECT_TRUE(
      invalidInputOn(m_service.markFraud(MarkPropertyFraud{created.id, " "}, m_context), "reason"));
  EXPECT_EQ(m_service.get(created.id).value().status, PropertyStatus::Active);
}

// ---------------------------------------------------------------------------
// queries

TEST_F(ListingServiceTest, GetOfAnUnknownIdIsNotFound) {
  EXPECT_TRUE(
      failsWith(m_service.get("prop_missing"), ErrorKind::NotFound, "listing.property_not_found"));
  EXPECT_TRUE(failsWith(m_service.get("not a valid id!"), ErrorKind::NotFound,
                        "listing.property_not_found"));
}

TEST_F(ListingServiceTest, ListByCityIsCaseInsensitiveAndOrderedById) {
  std::vector<std::string> lisbon_ids;
  for (const char* city : {"Lisbon", "LISBON", "Porto", "lisbon"}) {
    CreateProperty command = validCreate();
    command.city = city;
    Property created = create(command);
    if (std::string_view(city) != "Porto") {
      lisbon_ids.push_back(created.id);
    }
  }
  std::sort(lisbon_ids.begin(), lisbon_ids.end());

  auto found = m_service.list("lIsBoN");
  ASSERT_TRUE(found) << found.error().describe();
  std::vector<std::string> ids;
  for (const auto& property : *found) {
    ids.push_back(property.id);
  }
  EXPECT_EQ(ids, lisbon_ids);
  EXPECT_EQ(m_service.list("Porto").value().size(), 1u);
  EXPECT_TRUE(m_service.list("Faro").value().empty());

  auto all = m_service.list(std::nullopt).value();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const Property& a, const Property& b) { return a.id < b.id; }));
}

TEST_F(ListingServiceTest, ListReflectsUpdatesOfTheCity) {
  Property created = create();
  UpdateProperty command;
  command.property_id = created.id;
  command.city = "Porto";
  ASSERT_TRUE(m_service.update(command, m_context));
  EXPECT_TRUE(m_service.list("lisbon").value().empty());
  EXPECT_EQ(m_service.list("porto").value().at(0).id, created.id);
}

// ---------------------------------------------------------------------------
// determinism

struct SeededRun {
  std::vector<std::string> property_ids;
  std::vector<std::string> event_ids;
};

SeededRun runWithSeed(uint64_t seed) {
  MemoryDocumentStore store;
  ManualClock clock(kStartNanos);
  SeededRandom random(seed);
  ListingService service(store, clock, random);
  EXPECT_TRUE(service.prepare());
  CommandContext context{"cmd", "corr", "host"};
  SeededRun run;
  for (int index = 0; index < 3; ++index) {
    run.property_ids.push_back(service.create(validCreate(), context).value().id);
  }
  UpdateProperty update;
  update.property_id = run.property_ids[0];
  update.title = "Changed";
  EXPECT_TRUE(service.update(update, context));
  auto entries = store.peekOutbox(100).value();
  for (const auto& entry : entries) {
    run.event_ids.push_back(entry.event.event_id);
  }
  return run;
}

TEST(ListingServiceDeterminism, SameSeedGivesTheSameIds) {
  SeededRun first = runWithSeed(7);
  SeededRun second = runWithSeed(7);
  ASSERT_EQ(first.property_ids.size(), 3u);
  ASSERT_EQ(first.event_ids.size(), 4u);
  EXPECT_EQ(first.property_ids, second.property_ids);
  EXPECT_EQ(first.event_ids, second.event_ids);

  SeededRun other = runWithSeed(8);
  EXPECT_NE(first.property_ids, other.property_ids);
}

TEST(ListingServiceDeterminism, IdsWithinARunAreDistinct) {
  SeededRun run = runWithSeed(7);
  std::vector<std::string> all = run.property_ids;
  all.insert(all.end(), run.event_ids.begin(), run.event_ids.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

// ---------------------------------------------------------------------------
// dual write (EventPublication::DualWrite)

TEST_F(ListingServiceTest, DualWriteCommitsWithoutOutboxRowsThenPublishesTheSameEvents) {
  MemoryDocumentStore store;
  SeededRandom random{42};
  staylab::testing::RecordingPublisher publisher;
  ListingService dual(store, m_clock, random, EventPublishing::dualWrite(publisher));
  ASSERT_TRUE(dual.prepare());
  for (ListingService* service : {&m_service, &dual}) {
    auto created = service->create(validCreate(), m_context);
    ASSERT_TRUE(created) << created.error().describe();
    UpdateProperty update;
    update.property_id = created->id;
    update.title = "Sea view loft";
    ASSERT_TRUE(service->update(update, m_context));
    ASSERT_TRUE(service->markFraud(MarkPropertyFraud{created->id, "shared card"}, m_context));
    ASSERT_TRUE(service->markFraud(MarkPropertyFraud{created->id, "again"}, m_context));
  }
  EXPECT_EQ(store.outboxSize().value(), 0u);
  ASSERT_EQ(publisher.published().size(), 3u);
  EXPECT_EQ(publisher.published(), outbox());
  EXPECT_EQ(publisher.calls(), 3u) << "a change that changes nothing publishes nothing";
}

TEST_F(ListingServiceTest, DualWriteKeepsTheChangeAndAnswersWhenPublishingFails) {
  staylab::testing::RecordingPublisher publisher;
  publisher.setOutcome(staylab::testing::RecordingPublisher::Outcome::Fail);
  ListingService dual(m_store, m_clock, m_random, EventPublishing::dualWrite(publisher));
  auto created = dual.create(validCreate(), m_context);
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(dual.get(created->id).value(), *created);
  auto suspended = dual.markFraud(MarkPropertyFraud{created->id, "shared card"}, m_context);
  ASSERT_TRUE(suspended) << suspended.error().describe();
  EXPECT_EQ(dual.get(created->id).value().status, PropertyStatus::Suspended);
  EXPECT_EQ(publisher.lost(), 2u);
  EXPECT_TRUE(outbox().empty()) << "nothing is left to relay later";
}

}  // namespace
}  // namespace staylab::listing
