#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/booking/booking.h"
#include "domain/common/date.h"
#include "domain/common/event_envelope.h"
#include "domain/common/money.h"
#include "domain/common/text.h"
#include "tests/support/result_assertions.h"

namespace staylab {
namespace {

using testing::failsWith;
using testing::invalidInputOn;

Date day(std::string_view text) {
  return Date::parse(text).value();
}

Currency currency(std::string_view code) {
  return Currency::parse(code).value();
}

// Returns `count` copies of `piece`.
std::string repeat(std::string_view piece, size_t count) {
  std::string text;
  for (size_t index = 0; index < count; ++index) {
    text += piece;
  }
  return text;
}

// ---------------------------------------------------------------------------
// Date

TEST(DateParse, AcceptsZeroPaddedIsoDays) {
  auto date = Date::parse("2027-03-01");
  ASSERT_TRUE(date) << date.error().describe();
  EXPECT_EQ(date->daysSinceEpoch(), 20878);
  EXPECT_EQ(day("1970-01-01").daysSinceEpoch(), 0);
  EXPECT_EQ(day("9999-12-31").daysSinceEpoch(), 2932896);
}

TEST(DateParse, RefusesDaysThatAreNotInTheCalendar) {
  EXPECT_TRUE(invalidInputOn(Date::parse("2027-02-30"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("2027-13-01"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("2027-00-10"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("2027-01-00"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("2027-04-31"), "date"));
}

TEST(DateParse, AcceptsFebruary29OnlyInLeapYears) {
  EXPECT_TRUE(invalidInputOn(Date::parse("2026-02-29"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("2100-02-29"), "date"));
  auto leap = Date::parse("2028-02-29");
  ASSERT_TRUE(leap) << leap.error().describe();
  EXPECT_EQ(leap->daysSinceEpoch(), 21243);
  EXPECT_TRUE(Date::parse("2000-02-29"));
}

TEST(DateParse, RefusesAnythingButTheExactYyyyMmDdShape) {
  for (const char* text : {"2027-1-01", "2027-01-1", "27-01-01", "2027/01/01", "20270101", "",
                           " 2027-01-01", "2027-01-01 ", "2027-01-01T00:00", "2027-0a-01",
                           "abcd-01-01", "2027-+1-01", "2027--1-01", "+027-01-01"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(invalidInputOn(Date::parse(text), "date"));
  }
}

TEST(DateParse, RefusesYearsOutsideTheSupportedRange) {
  EXPECT_TRUE(invalidInputOn(Date::parse("1969-12-31"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("0000-01-01"), "date"));
  EXPECT_TRUE(invalidInputOn(Date::parse("10000-01-01"), "date"));
}

TEST(DateParse, NamesTheGivenFieldInErrors) {
  EXPECT_TRUE(invalidInputOn(Date::parse("2027-02-30", "from"), "from"));
}

TEST(DateToString, RoundTripsThroughParse) {
  for (const char* text : {"1970-01-01", "2027-03-01", "2028-02-29", "9999-12-31"}) {
    EXPECT_EQ(day(text).toString(), text);
  }
  for (int32_t days : {0, 1, 59, 20878, 2932896}) {
    Date date = Date::fromDays(days).value();
    EXPECT_EQ(day(date.toString()), date);
  }
}

TEST(DateFromDays, RefusesDaysOutsideTheRange) {
  EXPECT_TRUE(invalidInputOn(Date::fromDays(-1), "date"));
  EXPECT_TRUE(invalidInputOn(Date::fromDays(2932897), "date"));
  EXPECT_EQ(Date::fromDays(2932896).value(), day("9999-12-31"));
}

// ---------------------------------------------------------------------------
// Stay

TEST(Stay, AcceptsOneNight) {
  auto stay = Stay::parse("2027-03-01", "2027-03-02");
  ASSERT_TRUE(stay) << stay.error().describe();
  EXPECT_EQ(stay->nights(), 1);
  EXPECT_EQ(stay->checkIn(), day("2027-03-01"));
  EXPECT_EQ(stay->checkOut(), day("2027-03-02"));
}

TEST(Stay, AcceptsExactly365NightsAndRefuses366) {
  Date start = day("2027-01-01");
  auto longest = Stay::create(start, start.plusDays(365));
  ASSERT_TRUE(longest) << longest.error().describe();
  EXPECT_EQ(longest->nights(), 365);
  EXPECT_TRUE(invalidInputOn(Stay::create(start, start.plusDays(366)), "to"));
}

TEST(Stay, RefusesEqualDates) {
  EXPECT_TRUE(invalidInputOn(Stay::parse("2027-03-01", "2027-03-01"), "to"));
}

TEST(Stay, RefusesCheckOutBeforeCheckIn) {
  EXPECT_TRUE(invalidInputOn(Stay::parse("2027-03-05", "2027-03-01"), "to"));
}

TEST(Stay, ParseNamesFromAndToForBadDates) {
  EXPECT_TRUE(invalidInputOn(Stay::parse("2027-02-30", "2027-03-02"), "from"));
  EXPECT_TRUE(invalidInputOn(Stay::parse("2027-03-01", "2027-3-2"), "to"));
}

TEST(Stay, NightDatesRunFromCheckInAndExcludeCheckOut) {
  auto stay = Stay::parse("2027-02-27", "2027-03-02").value();
  std::vector<Date> expected{day("2027-02-27"), day("2027-02-28"), day("2027-03-01")};
  EXPECT_EQ(stay.nightDates(), expected);
}

TEST(Stay, OverlapsIsHalfOpen) {
  auto stay = Stay::parse("2027-03-05", "2027-03-10").value();
  // Touching at either end shares no night.
  EXPECT_FALSE(stay.overlaps(Stay::parse("2027-03-10", "2027-03-12").value()));
  EXPECT_FALSE(stay.overlaps(Stay::parse("2027-03-01", "2027-03-05").value()));
  // One shared night at either end overlaps.
  EXPECT_TRUE(stay.overlaps(Stay::parse("2027-03-09", "2027-03-12").value()));
  EXPECT_TRUE(stay.overlaps(Stay::parse("2027-03-01", "2027-03-06").value()));
  // Containment both ways, and itself.
  EXPECT_TRUE(stay.overlaps(Stay::parse("2027-03-06", "2027-03-07").value()));
  EXPECT_TRUE(stay.overlaps(Stay::parse("2027-03-01", "2027-03-20").value()));
  EXPECT_TRUE(stay.overlaps(stay));
  // Symmetric.
  auto after = Stay::parse("2027-03-10", "2027-03-12").value();
  EXPECT_EQ(stay.overlaps(after), after.overlaps(stay));
}

// ---------------------------------------------------------------------------
// Currency and Money

TEST(CurrencyParse, AcceptsAllowListedCodes) {
  auto eur = Currency::parse("EUR");
  ASSERT_TRUE(eur) << eur.error().describe();
  EXPECT_EQ(eur->code(), "EUR");
  EXPECT_EQ(eur->minorDigits(), 2);
}

TEST(CurrencyParse, RefusesLowerCaseAndUnlistedCodes) {
  EXPECT_TRUE(invalidInputOn(Currency::parse("eur"), "currency"));
  EXPECT_TRUE(invalidInputOn(Currency::parse("XXX"), "currency"));
  EXPECT_TRUE(invalidInputOn(Currency::parse(""), "currency"));
  EXPECT_TRUE(invalidInputOn(Currency::parse("EURO"), "currency"));
  EXPECT_TRUE(invalidInputOn(Currency::parse(" EUR"), "currency"));
}

TEST(CurrencyParse, KnowsTheMinorDigitsOfEachCurrency) {
  EXPECT_EQ(currency("JPY").minorDigits(), 0);
  EXPECT_EQ(currency("KWD").minorDigits(), 3);
  EXPECT_EQ(currency("USD").minorDigits(), 2);
}

TEST(MoneyParse, AcceptsPlainDecimals) {
  Currency eur = currency("EUR");
  EXPECT_EQ(Money::parse("120", eur).value().minorUnits(), 12000);
  EXPECT_EQ(Money::parse("120.5", eur).value().minorUnits(), 12050);
  EXPECT_EQ(Money::parse("120.50", eur).value().minorUnits(), 12050);
  EXPECT_EQ(Money::parse("0.01", eur).value().minorUnits(), 1);
  EXPECT_EQ(Money::parse("007.10", eur).value().minorUnits(), 710);
  EXPECT_EQ(Money::parse("120.5", eur).value().currency(), eur);
}

TEST(MoneyParse, ScalesByTheCurrencysMinorDigits) {
  EXPECT_EQ(Money::parse("1500", currency("JPY")).value().minorUnits(), 1500);
  EXPECT_EQ(Money::parse("1.234", currency("KWD")).value().minorUnits(), 1234);
  EXPECT_EQ(Money::parse("1.2", currency("KWD")).value().minorUnits(), 1200);
}

TEST(MoneyParse, RefusesSignsExponentsSeparatorsAndSpaces) {
  Currency eur = currency("EUR");
  for (const char* text : {"-1", "+1", "1e3", "1,5", "1.", ".5", " 1", "1 ", "", "1.2.3", "abc",
                           "0x10", "1_000", "١٢"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(invalidInputOn(Money::parse(text, eur), "price"));
  }
}

TEST(MoneyParse, RefusesMoreDecimalsThanTheCurrencyHas) {
  EXPECT_TRUE(invalidInputOn(Money::parse("1.234", currency("EUR")), "price"));
  EXPECT_TRUE(invalidInputOn(Money::parse("1.5", currency("JPY")), "price"));
  EXPECT_TRUE(invalidInputOn(Money::parse("1.2345", currency("KWD")), "price"));
}

TEST(MoneyParse, RefusesAmountsThatWouldOverflow) {
  EXPECT_TRUE(invalidInputOn(Money::parse("99999999999999999999", currency("EUR")), "price"));
  EXPECT_TRUE(
      invalidInputOn(Money::parse("99999999999999999999999999999999", currency("KWD")), "price"));
}

TEST(MoneyParse, AcceptsUpToTenToTheThirteenMinorUnitsAndNoMore) {
  auto largest = Money::parse("100000000000", currency("EUR"));
  ASSERT_TRUE(largest) << largest.error().describe();
  EXPECT_EQ(largest->minorUnits(), Money::kMaxMinorUnits);
  EXPECT_TRUE(invalidInputOn(Money::parse("100000000000.01", currency("EUR")), "price"));
  EXPECT_TRUE(Money::parse("10000000000000", currency("JPY")));
  EXPECT_TRUE(invalidInputOn(Money::parse("10000000000001", currency("JPY")), "price"));
}

TEST(MoneyParse, NamesTheGivenField) {
  EXPECT_TRUE(invalidInputOn(Money::parse("-1", currency("EUR"), "total"), "total"));
}

TEST(MoneyFromMinor, RefusesNegativeAndTooLargeAmounts) {
  EXPECT_TRUE(invalidInputOn(Money::fromMinor(-1, currency("EUR")), "price"));
  EXPECT_TRUE(
      invalidInputOn(Money::fromMinor(Money::kMaxMinorUnits + 1, currency("EUR")), "price"));
  EXPECT_TRUE(Money::fromMinor(0, currency("EUR")));
  EXPECT_TRUE(Money::fromMinor(Money::kMaxMinorUnits, currency("EUR")));
}

TEST(MoneyToDecimalString, PadsMinorUnitsToTheCurrencysDigits) {
  EXPECT_EQ(Money::fromMinor(12050, currency("EUR")).value().toDecimalString(), "120.50");
  EXPECT_EQ(Money::fromMinor(5, currency("EUR")).value().toDecimalString(), "0.05");
  EXPECT_EQ(Money::fromMinor(0, currency("EUR")).value().toDecimalString(), "0.00");
  EXPECT_EQ(Money::fromMinor(1500, currency("JPY")).value().toDecimalString(), "1500");
  EXPECT_EQ(Money::fromMinor(1005, currency("KWD")).value().toDecimalString(), "1.005");
  EXPECT_EQ(Money::fromMinor(12050, currency("EUR")).value().toString(), "120.50 EUR");
}

TEST(MoneyToDecimalString, RoundTripsThroughParse) {
  for (const char* code : {"EUR", "JPY", "KWD"}) {
    Currency unit = currency(code);
    for (int64_t minor :
         {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{123456}, Money::kMaxMinorUnits}) {
      Money money = Money::fromMinor(minor, unit).value();
      EXPECT_EQ(Money::parse(money.toDecimalString(), unit).value(), money) << code << " " << minor;
    }
  }
}

TEST(MoneyTimes, MultipliesWithinTheBound) {
  Money nightly = Money::fromMinor(12050, currency("EUR")).value();
  EXPECT_EQ(nightly.times(3).value().minorUnits(), 36150);
  EXPECT_EQ(nightly.times(0).value().minorUnits(), 0);
  Money one = Money::fromMinor(1, currency("EUR")).value();
  EXPECT_EQ(one.times(Money::kMaxMinorUnits).value().minorUnits(), Money::kMaxMinorUnits);
}

TEST(MoneyTimes, RefusesResultsAboveTheBoundAndNegativeCounts) {
  Money large = Money::fromMinor(Money::kMaxMinorUnits / 2 + 1, currency("EUR")).value();
  EXPECT_TRUE(invalidInputOn(large.times(2), "price"));
  Money max = Money::fromMinor(Money::kMaxMinorUnits, currency("EUR")).value();
  EXPECT_TRUE(invalidInputOn(max.times(INT64_MAX), "price"));
  EXPECT_TRUE(invalidInputOn(max.times(365), "price"));
  Money one = Money::fromMinor(1, currency("EUR")).value();
  EXPECT_TRUE(invalidInputOn(one.times(-1), "price"));
}

// ---------------------------------------------------------------------------
// Text

TEST(IsValidUtf8, AcceptsAsciiAndMultiByteSequences) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("caf\xC3\xA9"));       // é, 2 bytes
  EXPECT_TRUE(isValidUtf8("\xE2\x82\xAC"));      // €, 3 bytes
  EXPECT_TRUE(isValidUtf8("\xF0\x9F\x98\x80"));  // 😀, 4 bytes
  EXPECT_TRUE(isValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
  EXPECT_TRUE(isValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
}

TEST(IsValidUtf8, RefusesOverlongForms) {
  EXPECT_FALSE(isValidUtf8("\xC0\xAF"));
  EXPECT_FALSE(isValidUtf8("\xC1\xBF"));
  EXPECT_FALSE(isValidUtf8("\xE0\x80\xAF"));
  EXPECT_FALSE(isValidUtf8("\xF0\x80\x80\xAF"));
}

TEST(IsValidUtf8, RefusesSurrogates) {
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));  // U+D800
  EXPECT_FALSE(isValidUtf8("\xED\xBF\xBF"));  // U+DFFF
}

TEST(IsValidUtf8, RefusesTruncatedSequences) {
  EXPECT_FALSE(isValidUtf8("\xC3"));
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));
  EXPECT_FALSE(isValidUtf8("\xF0\x9F\x98"));
  EXPECT_FALSE(isValidUtf8("ok\xE2\x82 then"));
}

TEST(IsValidUtf8, RefusesCodePointsAboveU10FFFF) {
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(isValidUtf8("\xF7\xBF\xBF\xBF"));
  EXPECT_FALSE(isValidUtf8("\xF8\x88\x80\x80\x80"));
}

TEST(IsValidUtf8, RefusesStrayContinuationAndInvalidBytes) {
  EXPECT_FALSE(isValidUtf8("\x80"));
  EXPECT_FALSE(isValidUtf8("a\xBF"));
  EXPECT_FALSE(isValidUtf8("\xFF"));
  EXPECT_FALSE(isValidUtf8("\xC3\x28"));  // Lead byte followed by ASCII.
}

TEST(BoundedText, TrimsSurroundingWhiteSpace) {
  auto text = boundedText("  \t Sea view \r\n ", "title", 120);
  ASSERT_TRUE(text) << text.error().describe();
  EXPECT_EQ(*text, "Sea view");
}

TEST(BoundedText, RefusesEmptyAndWhiteSpaceOnlyText) {
  EXPECT_TRUE(invalidInputOn(boundedText("", "title", 120), "title"));
  EXPECT_TRUE(invalidInputOn(boundedText(" \t\r\n ", "title", 120), "title"));
  EXPECT_TRUE(invalidInputOn(boundedText(" \n ", "description", 120, Lines::Multi), "description"));
}

TEST(BoundedText, RefusesControlCharacters) {
  for (std::string text : {std::string("a\x01z"), std::string("a\x1Bz"), std::string("a\x7Fz"),
                           std::string("a\0z", 3)}) {
    EXPECT_TRUE(invalidInputOn(boundedText(text, "title", 120), "title"));
    EXPECT_TRUE(invalidInputOn(boundedText(text, "title", 120, Lines::Multi), "title"));
  }
}

TEST(BoundedText, RefusesC1ControlCharacters) {
  // U+0085 (NEL) and U+009B (the 8-bit CSI that starts terminal escape sequences).
  EXPECT_TRUE(invalidInputOn(boundedText("a\xC2\x85z", "title", 120), "title"));
  EXPECT_TRUE(invalidInputOn(boundedText("a\xC2\x9B"
                                         "31mz",
                                         "title", 120, Lines::Multi),
                             "title"));
  // Their neighbours U+00A0 and U+007E are ordinary text.
  EXPECT_TRUE(boundedText("a\xC2\xA0z~", "title", 120));
}

TEST(BoundedText, AllowsLineBreaksAndTabsOnlyInMultiLineText) {
  std::string text = "first line\n\tsecond line\r\nthird";
  auto multi = boundedText(text, "description", 5000, Lines::Multi);
  ASSERT_TRUE(multi) << multi.error().describe();
  EXPECT_EQ(*multi, text);
  EXPECT_TRUE(invalidInputOn(boundedText(text, "title", 120), "title"));
  EXPECT_TRUE(invalidInputOn(boundedText("a\tb", "title", 120), "title"));
}

TEST(BoundedText, RefusesMalformedUtf8) {
  EXPECT_TRUE(invalidInputOn(boundedText("caf\xC3", "title", 120), "title"));
  EXPECT_TRUE(invalidInputOn(boundedText("\xC0\xAF", "title", 120), "title"));
}

TEST(BoundedText, CountsCodePointsNotBytesAtTheLimit) {
  std::string four_bytes = repeat("\xF0\x9F\x98\x80", 10);  // 10 code points, 40 bytes.
  auto at_limit = boundedText(four_bytes, "title", 10);
  ASSERT_TRUE(at_limit) << at_limit.error().describe();
  EXPECT_EQ(*at_limit, four_bytes);
  EXPECT_TRUE(invalidInputOn(boundedText(four_bytes + "x", "title", 10), "title"));
  EXPECT_TRUE(boundedText(repeat("\xC3\xA9", 120), "title", 120));
  EXPECT_TRUE(invalidInputOn(boundedText(repeat("\xC3\xA9", 121), "title", 120), "title"));
}

TEST(BoundedText, CountsTheLimitAfterTrimming) {
  EXPECT_TRUE(boundedText("   abc   ", "title", 3));
  EXPECT_TRUE(invalidInputOn(boundedText("abcd", "title", 3), "title"));
}

TEST(BoundedText, KeepsQuotesAndQuerySyntaxVerbatim) {
  std::string text = R"(Robert'); DROP TABLE properties;-- {"$ne": null} title:"x" OR 1=1)";
  EXPECT_EQ(boundedText(text, "title", 120).value(), text);
}

TEST(Handle, AcceptsLettersDigitsAndTheAllowedPunctuation) {
  EXPECT_EQ(handle("guest.1_a:b@c-d", "guest").value(), "guest.1_a:b@c-d");
  EXPECT_TRUE(handle(repeat("a", 64), "guest"));
}

TEST(Handle, RefusesEmptyTooLongAndOtherCharacters) {
  EXPECT_TRUE(invalidInputOn(handle("", "guest"), "guest"));
  EXPECT_TRUE(invalidInputOn(handle(repeat("a", 65), "guest"), "guest"));
  for (const char* text :
       {"a b", "a/b", "a'b", "a\"b", "caf\xC3\xA9", "a\nb", " a", "a;b", "\xC0\xAF"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(invalidInputOn(handle(text, "guest"), "guest"));
  }
}

// ---------------------------------------------------------------------------
// EventEnvelope

EventEnvelope sampleEvent() {
  EventEnvelope event;
  event.event_id = "evt_1";
  event.type = "BookingPlaced";
  event.schema_version = 3;
  event.aggregate_type = "booking";
  event.aggregate_id = "bkg_1";
  event.aggregate_version = 7;
  event.occurred_at_nanos = 1'800'000'000'123'456'789;
  event.correlation_id = "corr-1";
  event.causation_id = "cmd-1";
  event.caller = "guest-1";
  event.payload = nlohmann::json{{"guest_id", "g"}, {"nights", 3}, {"nested", {{"a", {1, 2}}}}};
  return event;
}

TEST(EventEnvelope, RoundTripsThroughJson) {
  EventEnvelope event = sampleEvent();
  nlohmann::json json = event.toJson();
  EXPECT_EQ(json.at("occurred_at"), event.occurred_at_nanos);
  auto back = EventEnvelope::fromJson(json);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(*back, event);
  // Also through text, as the log stores it.
  auto reparsed = EventEnvelope::fromJson(nlohmann::json::parse(json.dump()));
  ASSERT_TRUE(reparsed) << reparsed.error().describe();
  EXPECT_EQ(*reparsed, event);
}

TEST(EventEnvelope, RefusesANonObject) {
  EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(nlohmann::json::array()), "event"));
  EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(nlohmann::json("x")), "event"));
}

TEST(EventEnvelope, RefusesEachMissingFieldNamingIt) {
  for (const char* field :
       {"event_id", "type", "schema_version", "aggregate_type", "aggregate_id", "aggregate_version",
        "occurred_at", "correlation_id", "causation_id", "payload"}) {
    SCOPED_TRACE(field);
    nlohmann::json json = sampleEvent().toJson();
    json.erase(field);
    EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(json), fmt::format("event.{}", field)));
  }
}

TEST(EventEnvelope, RefusesEachMistypedFieldNamingIt) {
  const char* string_fields[] = {"event_id",       "type",         "aggregate_type", "aggregate_id",
                                 "correlation_id", "causation_id", "caller"};
  for (const char* field : string_fields) {
    SCOPED_TRACE(field);
    for (const nlohmann::json& bad :
         {nlohmann::json(42), nlohmann::json(""), nlohmann::json(nullptr),
          nlohmann::json::array({"x"}), nlohmann::json{{"x", 1}}}) {
      nlohmann::json json = sampleEvent().toJson();
      json[field] = bad;
      EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(json), fmt::format("event.{}", field)))
          << bad.dump();
    }
  }
  const char* integer_fields[] = {"schema_version", "aggregate_version", "occurred_at"};
  for (const char* field : integer_fields) {
    SCOPED_TRACE(field);
    for (const nlohmann::json& bad :
         {nlohmann::json("1"), nlohmann::json(1.5), nlohmann::json(nullptr), nlohmann::json(true),
          nlohmann::json::array({1})}) {
      nlohmann::json json = sampleEvent().toJson();
      json[field] = bad;
      EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(json), fmt::format("event.{}", field)))
          << bad.dump();
    }
  }
  for (const nlohmann::json& bad : {nlohmann::json("{}"), nlohmann::json::array(),
                                    nlohmann::json(nullptr), nlohmann::json(1)}) {
    nlohmann::json json = sampleEvent().toJson();
    json["payload"] = bad;
    EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(json), "event.payload")) << bad.dump();
  }
}

TEST(EventEnvelope, CarriesItsCallerThroughJson) {
  auto back = EventEnvelope::fromJson(nlohmann::json::parse(sampleEvent().toJson().dump()));
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(back->caller, "guest-1");
}

TEST(EventEnvelope, DecodesAnEventOfTheOlderFormatWithoutACallerAsUnknown) {
  // A record as the log stored it before envelopes carried their caller.
  const std::string old_record =
      R"({"aggregate_id":"bkg_1","aggregate_type":"booking","aggregate_version":1,)"
      R"("causation_id":"cmd-1","correlation_id":"cmd-1","event_id":"evt_1",)"
      R"("occurred_at":1800000000000000000,"payload":{"guest_id":"g"},)"
      R"("schema_version":1,"type":"BookingPlaced"})";
  auto decoded = EventEnvelope::fromJson(nlohmann::json::parse(old_record));
  ASSERT_TRUE(decoded) << decoded.error().describe();
  EXPECT_EQ(decoded->caller, "");
  EXPECT_EQ(decoded->type, "BookingPlaced");
  // Unknown, it is written as before: the record keeps its bytes.
  EXPECT_EQ(decoded->toJson().dump(), old_record);
}

TEST(EventEnvelope, WritesNoCallerFieldWhenTheCallerIsUnknown) {
  EventEnvelope event = sampleEvent();
  event.caller.clear();
  EXPECT_FALSE(event.toJson().contains("caller"));
  EXPECT_EQ(sampleEvent().toJson().at("caller"), "guest-1");
}

TEST(EventEnvelope, RefusesSchemaVersionsOutsideOneToThousand) {
  for (int version : {0, -1, 1001}) {
    nlohmann::json json = sampleEvent().toJson();
    json["schema_version"] = version;
    EXPECT_TRUE(invalidInputOn(EventEnvelope::fromJson(json), "event.schema_version")) << version;
  }
  nlohmann::json json = sampleEvent().toJson();
  json["schema_version"] = 1000;
  EXPECT_TRUE(EventEnvelope::fromJson(json));
}

TEST(EventEnvelope, RefusesIntegersBeyondInt64InsteadOfWrappingThem) {
  for (const char* field : {"aggregate_version", "occurred_at"}) {
    nlohmann::json json = sampleEvent().toJson();
    json[field] = UINT64_MAX;
    auto parsed = EventEnvelope::fromJson(json);
    EXPECT_TRUE(invalidInputOn(parsed, fmt::format("event.{}", field)));
  }
  nlohmann::json json = sampleEvent().toJson();
  json["occurred_at"] = static_cast<uint64_t>(INT64_MAX);
  EXPECT_EQ(EventEnvelope::fromJson(json).value().occurred_at_nanos, INT64_MAX);
}

// ---------------------------------------------------------------------------
// Booking state machine

using booking::Booking;
using booking::BookingStatus;

Booking bookingIn(BookingStatus status) {
  Booking booking;
  booking.id = "bkg_1";
  booking.status = status;
  return booking;
}

enum class Transition { Confirm, Reject, Cancel };

Result<void> applyTransition(Booking& booking, Transition transition) {
  switch (transition) {
    case Transition::Confirm:
      return booking.confirm();
    case Transition::Reject:
      return booking.reject("nights taken");
    case Transition::Cancel:
      return booking.cancel();
  }
  return ok();
}

TEST(BookingStateMachine, PendingBecomesConfirmed) {
  Booking booking = bookingIn(BookingStatus::Pending);
  ASSERT_TRUE(booking.confirm());
  EXPECT_EQ(booking.status, BookingStatus::Confirmed);
  EXPECT_EQ(booking.version, 1);
}

TEST(BookingStateMachine, PendingBecomesRejectedWithItsReason) {
  Booking booking = bookingIn(BookingStatus::Pending);
  ASSERT_TRUE(booking.reject("nights taken"));
  EXPECT_EQ(booking.status, BookingStatus::Rejected);
  EXPECT_EQ(booking.rejection_reason, "nights taken");
  EXPECT_EQ(booking.version, 1);
}

TEST(BookingStateMachine, ConfirmedBecomesCancelledAndBumpsItsVersion) {
  Booking booking = bookingIn(BookingStatus::Confirmed);
  ASSERT_TRUE(booking.cancel());
  EXPECT_EQ(booking.status, BookingStatus::Cancelled);
  EXPECT_EQ(booking.version, 2);
}

TEST(BookingStateMachine, RefusesEveryOtherTransitionAndChangesNothing) {
  struct Case {
    BookingStatus from;
    Transition transition;
  };
  const Case refused[] = {
      {BookingStatus::Pending, Transition::Cancel},
      {BookingStatus::Confirmed, Transition::Confirm},
      {BookingStatus::Confirmed, Transition::Reject},
      {BookingStatus::Rejected, Transition::Confirm},
      {BookingStatus::Rejected, Transition::Reject},
      {BookingStatus::Rejected, Transition::Cancel},
      {BookingStatus::Cancelled, Transition::Confirm},
      {BookingStatus::Cancelled, Transition::Reject},
      {BookingStatus::Cancelled, Transition::Cancel},
  };
  for (const Case& test_case : refused) {
    SCOPED_TRACE(fmt::format("from {} by transition {}", toString(test_case.from),
                             static_cast<int>(test_case.transition)));
    Booking booking = bookingIn(test_case.from);
    Booking before = booking;
    EXPECT_TRUE(failsWith(applyTransition(booking, test_case.transition), ErrorKind::Refused,
                          "booking.invalid_transition"));
    EXPECT_EQ(booking, before);
  }
}

TEST(BookingStatus, RoundTripsThroughItsName) {
  for (auto status : {BookingStatus::Pending, BookingStatus::Confirmed, BookingStatus::Rejected,
                      BookingStatus::Cancelled}) {
    EXPECT_EQ(booking::parseStatus(booking::toString(status)).value(), status);
  }
  EXPECT_TRUE(invalidInputOn(booking::parseStatus("Confirmed"), "status"));
}

}  // namespace
}  // namespace staylab
