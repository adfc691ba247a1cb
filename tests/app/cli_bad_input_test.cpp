// Drives the real staylab-cli binary with bad input and checks its contract:
// the documented exit code, a message on stderr naming the field and the rule,
// nothing on stdout, and no change to any store. Arguments reach the child
// byte for byte (no shell), so non-UTF-8 and control bytes are tested as given.

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "tests/app/store_snapshot.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/result_assertions.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

// The seeded stays; the case table books around them.
constexpr const char* kSeedKey = "seed-key-1";
constexpr const char* kFreshKey = "fresh-key-1";

// Runs staylab-cli on `data_dir` with `args`.
ProcessResult runCli(const fs::path& data_dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"--data", data_dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return staylab::testing::runProcess(staylab::testing::cliUnderTest(), argv);
}

// Runs a command that must succeed and returns its --json answer.
nlohmann::json mustSucceed(const fs::path& data_dir, const std::vector<std::string>& args) {
  ProcessResult result = runCli(data_dir, args);
  if (result.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("staylab-cli {} failed: {}", fmt::join(args, " "), result.describe()));
  }
  return nlohmann::json::parse(result.out);
}

using staylab::testing::must;

using staylab::testing::State;

// Reads every store of `data_dir`, with the seed's idempotency keys.
State snapshot(const fs::path& data_dir) {
  return staylab::testing::snapshotStores(data_dir, {kSeedKey, kFreshKey});
}

// A data directory seeded once through the CLI; each test works on a copy.
struct Seed {
  TempDir dir;
  fs::path data;
  std::map<std::string, std::string> ids;  // "{P1}" -> "prop_...", ...

  Seed() : data(dir / "data") {
    auto create = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--json", "property", "create"});
      return mustSucceed(data, args).at("id").get<std::string>();
    };
    auto book = [&](std::vector<std::string> args) {
      args.insert(args.begin(), {"--json", "book"});
      return mustSucceed(data, args).at("booking_id").get<std::string>();
    };
    ids["{P1}"] = create({"--host", "host-anna", "--title", "Sunny flat", "--city", "Paris",
                          "--price", "120.50", "--currency", "EUR", "--capacity", "4", "--amenity",
                          "wifi", "--payment", "payout-anna", "--ip", "10.0.0.1"});
    ids["{P2}"] = create({"--host", "host-kenji", "--title", "Quiet room", "--city", "Tokyo",
                          "--price", "9000", "--currency", "JPY", "--capacity", "2"});
    ids["{B_CONFIRMED}"] =
        book({"--property", ids["{P1}"], "--guest", "guest-bob", "--from", "2027-05-01", "--to",
              "2027-05-04", "--guests", "2", "--key", kSeedKey});
    ids["{B_CANCELLED}"] = book({"--property", ids["{P2}"], "--guest", "guest-cho", "--from",
                                 "2027-06-10", "--to", "2027-06-12"});
    mustSucceed(data, {"--json", "cancel", ids["{B_CANCELLED}"]});
  }
};

const Seed& seed() {
  static const Seed instance;
  return instance;
}

// Replaces the seed's tokens ("{P1}", "{B_CANCELLED}"...) in `text`.
std::string expand(std::string text) {
  for (const auto& [token, id] : seed().ids) {
    for (size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + id.size())) {
      text.replace(at, token.size(), id);
    }
  }
  return text;
}

// A fresh copy of the seeded data directory.
class SeededDataDir : public ::testing::Test {
 protected:
  void SetUp() override { fs::copy(seed().data, data(), fs::copy_options::recursive); }

  fs::path data() const { return m_dir / "data"; }

  ProcessResult run(const std::vector<std::string>& args) const {
    std::vector<std::string> expanded;
    for (const auto& arg : args) {
      expanded.push_back(expand(arg));
    }
    return runCli(data(), expanded);
  }

 private:
  TempDir m_dir;
};

// ---------------------------------------------------------------------------
// Bad input: refused with the documented exit code and no change.

enum class Effect {
  None,             // Nothing in any store changes.
  RejectedBooking,  // Exactly one Rejected booking and its BookingRejected event are added.
};

struct BadInputCase {
  std::string name;
  std::vector<std::string> args;  // After --data DIR; seed tokens are expanded.
  int exit_code = 2;
  std::string kind;   // The error kind as printed: "invalid input", "not found", "refused".
  std::string field;  // The field the error names; empty when it names none.
  std::vector<std::string> mentions;  // Further text the message must contain (the rule).
  Effect effect = Effect::None;
};

void PrintTo(const BadInputCase& bad, std::ostream* os) {
  *os << bad.name;
}

BadInputCase invalid(std::string name, std::vector<std::string> args, std::string field,
                     std::vector<std::string> mentions) {
  BadInputCase bad;
  bad.name = std::move(name);
  bad.args = std::move(args);
  bad.exit_code = 2;
  bad.kind = "invalid input";
  bad.field = std::move(field);
  bad.mentions = std::move(mentions);
  return bad;
}

BadInputCase notFound(std::string name, std::vector<std::string> args, std::string field,
                      std::vector<std::string> mentions) {
  BadInputCase bad =
      invalid(std::move(name), std::move(args), std::move(field), std::move(mentions));
  bad.exit_code = 1;
  bad.kind = "not found";
  return bad;
}

BadInputCase refused(std::string name, std::vector<std::string> args, std::string field,
                     std::vector<std::string> mentions, Effect effect = Effect::None) {
  BadInputCase bad =
      invalid(std::move(name), std::move(args), std::move(field), std::move(mentions));
  bad.exit_code = 1;
  bad.kind = "refused";
  bad.effect = effect;
  return bad;
}

// `property create` with valid options, then `overrides` replacing or adding some.
std::vector<std::string> create(const std::map<std::string, std::string>& overrides,
                                const std::vector<std::string>& extra = {}) {
  std::map<std::string, std::string> options{
      {"--host", "host-new"}, {"--title", "Canal house"}, {"--city", "Amsterdam"},
      {"--price", "99.90"},   {"--currency", "EUR"},      {"--capacity", "3"},
  };
  for (const auto& [name, value] : overrides) {
    options[name] = value;
  }
  std::vector<std::string> args{"property", "create"};
  for (const auto& [name, value] : options) {
    if (value != "<omit>") {
      args.push_back(name);
      args.push_back(value);
    }
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// `book` on {P1} for free nights, with `overrides` replacing or adding options.
std::vector<std::string> book(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> options{
      {"--property", "{P1}"},
      {"--guest", "guest-eve"},
      {"--from", "2027-08-10"},
      {"--to", "2027-08-14"},
  };
  for (const auto& [name, value] : overrides) {
    options[name] = value;
  }
  std::vector<std::string> args{"book"};
  for (const auto& [name, value] : options) {
    if (value != "<omit>") {
      args.push_back(name);
      args.push_back(value);
    }
  }
  return args;
}

std::string repeat(std::string_view text, int count) {
  std::string result;
  for (int index = 0; index < count; ++index) {
    result += text;
  }
  return result;
}

std::vector<std::string> withJson(std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  return args;
}

std::vector<BadInputCase> badInputCases() {
  const std::string not_utf8 = "\xff\xfe";
  return {
      // Dates.
      invalid("ReversedDates", book({{"--from", "2027-08-14"}, {"--to", "2027-08-10"}}), "to",
              {"must be after check-in"}),
      invalid("EqualDates", book({{"--from", "2027-08-10"}, {"--to", "2027-08-10"}}), "to",
              {"must be after check-in"}),
      invalid("Stay366Nights", book({{"--from", "2027-01-01"}, {"--to", "2028-01-02"}}), "to",
              {"1 to 365 nights", "366 nights"}),
      invalid("Stay400Nights", book({{"--from", "2027-01-01"}, {"--to", "2028-02-05"}}), "to",
              {"1 to 365 nights", "400 nights"}),
      invalid("February30", book({{"--from", "2027-02-30"}}), "from",
              {"not a day of the calendar"}),
      invalid("Month13", book({{"--from", "2027-13-01"}}), "from", {"not a day of the calendar"}),
      invalid("April31AsCheckOut", book({{"--to", "2027-04-31"}}), "to",
              {"not a day of the calendar"}),
      invalid("SlashedDate", book({{"--from", "2027/05/01"}}), "from", {"YYYY-MM-DD"}),
      invalid("WordForDate", book({{"--from", "tomorrow"}}), "from", {"YYYY-MM-DD"}),
      invalid("UnpaddedDate", book({{"--from", "2027-8-1"}}), "from", {"YYYY-MM-DD"}),
      invalid("DateBefore1970", book({{"--from", "1969-12-31"}}), "from", {"1970-01-01"}),
      // Prices and currencies.
      invalid("NegativePrice", create({{"--price", "-5"}}), "price", {"negative"}),
      invalid("ExponentPrice", create({{"--price", "1e3"}}), "price", {"plain decimal"}),
      invalid("OverflowingPrice", create({{"--price", "99999999999999999999"}}), "price",
              {"too large"}),
      invalid("PriceAboveNightlyMaximum", create({{"--price", "100000.01"}}), "price",
              {"nightly maximum"}),
      invalid("ZeroPrice", create({{"--price", "0.00"}}), "price", {"greater than zero"}),
      invalid("ThreeDecimalsInEur", create({{"--price", "1.234"}}), "price",
              {"more than 2 decimal places for EUR"}),
      invalid("DecimalsInJpy", create({{"--price", "1.5"}, {"--currency", "JPY"}}), "price",
              {"more than 0 decimal places for JPY"}),
      invalid("UnknownCurrency", create({{"--currency", "XYZ"}}), "currency",
              {"'XYZ'", "ISO 4217"}),
      invalid("LowerCaseCurrency", create({{"--currency", "eur"}}), "currency",
              {"'eur'", "ISO 4217"}),
      // Capacity.
      invalid("ZeroCapacity", create({{"--capacity", "0"}}), "capacity", {"must be 1..50"}),
      invalid("NegativeCapacity", create({{"--capacity", "-3"}}), "capacity",
              {"must be 1..50", "-3"}),
      invalid("CapacityAboveMaximum", create({{"--capacity", "51"}}), "capacity",
              {"must be 1..50"}),
      invalid("HugeCapacity", create({{"--capacity", "99999999999999999999"}}), "capacity",
              {"99999999999999999999", "out of range"}),
      invalid("NonNumericCapacity", create({{"--capacity", "four"}}), "capacity",
              {"'four'", "whole number"}),
      invalid("HexCapacity", create({{"--capacity", "0x10"}}), "capacity", {"whole number"}),
      invalid("FractionalCapacity", create({{"--capacity", "2.5"}}), "capacity", {"whole number"}),
      // Text.
      invalid("EmptyTitle", create({{"--title", ""}}), "title", {"must not be empty"}),
      invalid("WhitespaceOnlyTitle", create({{"--title", " \t  \n "}}), "title",
              {"must not be empty"}),
      invalid("Title121Characters", create({{"--title", std::string(121, 'a')}}), "title",
              {"121 characters", "at most 120"}),
      invalid("Title121TwoByteCharacters", create({{"--title", repeat("\xc3\xa9", 121)}}),  // é
              "title", {"121 characters", "at most 120"}),
      invalid("Description5001Characters", create({{"--description", std::string(5001, 'd')}}),
              "description", {"5001 characters", "at most 5000"}),
      invalid("NonUtf8Title", create({{"--title", not_utf8}}), "title", {"UTF-8"}),
      invalid("NonUtf8Guest", book({{"--guest", not_utf8}}), "guest", {"(not UTF-8)"}),
      invalid("ControlCharacterInTitle", create({{"--title", "Nice\x01 flat"}}), "title",
              {"control character 0x01"}),
      invalid("EscapeSequenceInTitle", create({{"--title", "\x1b[31mRed flat"}}), "title",
              {"control character 0x1B"}),
      invalid("LineBreakInTitle", create({{"--title", "Two\nlines"}}), "title",
              {"control character 0x0A"}),
      invalid("EmptyAmenity", create({}, {"--amenity", ""}), "amenity", {"must not be empty"}),
      invalid("SpaceInHostHandle", create({{"--host", "host anna"}}), "host", {"letters, digits"}),
      // Network and payment signals.
      invalid("BadIpOnBook", book({{"--ip", "999.1.1.1"}}), "ip", {"'999.1.1.1'", "IPv4 or IPv6"}),
      invalid("BadIpOnCreate", create({{"--ip", "999.1.1.1"}}), "ip", {"IPv4 or IPv6"}),
      invalid("SpaceInPaymentFingerprint", book({{"--payment", "card 42"}}), "payment",
              {"letters, digits"}),
      // Guests.
      invalid("ZeroGuests", book({{"--guests", "0"}}), "guests", {"must be 1..50", "got 0"}),
      invalid("FiftyOneGuests", book({{"--guests", "51"}}), "guests", {"must be 1..50", "got 51"}),
      invalid("NonNumericGuests", book({{"--guests", "two"}}), "guests", {"whole number"}),
      refused("GuestsAboveCapacity", book({{"--property", "{P2}"}, {"--guests", "3"}}), "guests",
              {"sleeps 2 guests", "3 were requested"}),
      refused("LeadingZeroGuestsAreDecimal", book({{"--guests", "010"}}), "guests",
              {"sleeps 4 guests", "10 were requested"}),
      // Command-line shape.
      invalid("MissingHost", create({{"--host", "<omit>"}}), "host", {"--host is required"}),
      invalid("MissingTo", book({{"--to", "<omit>"}}), "to", {"--to is required"}),
      invalid("MissingPropertyIdOnGet", {"property", "get"}, "id", {"ID is required"}),
      invalid("UnknownOption", create({}, {"--colour", "blue"}), "", {"--colour"}),
      invalid("UnknownSubcommand", {"property", "frobnicate"}, "",
              {"unknown command 'frobnicate'"}),
      invalid("UnknownTopLevelCommand", {"reboot"}, "", {"unknown command 'reboot'"}),
      invalid("NoCommand", {}, "", {"subcommand is required"}),
      invalid("EmptyPropertyIdOnBook", book({{"--property", ""}}), "property",
              {"must not be empty"}),
      invalid("EmptyBookingIdOnCancel", {"cancel", ""}, "booking", {"must not be empty"}),
      // Unknown ids and refused transitions.
      notFound("UnknownPropertyOnBook", book({{"--property", "prop_0000000000000000"}}), "property",
               {"no property with id 'prop_0000000000000000'"}),
      notFound("UnknownPropertyOnGet", {"property", "get", "prop_0000000000000000"}, "property",
               {"no property with id"}),
      notFound("NonUtf8PropertyIdOnGet", {"property", "get", not_utf8}, "property",
               {"no property with id"}),
      notFound("UnknownBookingOnCancel", {"cancel", "bkg_0000000000000000"}, "booking",
               {"no booking with id 'bkg_0000000000000000'"}),
      refused("CancelAlreadyCancelled", {"cancel", "{B_CANCELLED}"}, "",
              {"is cancelled and cannot become cancelled"}),
      refused("NightsTaken",
              book({{"--guest", "guest-dan"}, {"--from", "2027-05-03"}, {"--to", "2027-05-06"}}),
              "", {"is already booked on 2027-05-03"}, Effect::RejectedBooking),
      // Updates.
      invalid("UpdateWithBadPrice", {"property", "update", "{P1}", "--price", "12.345"}, "price",
              {"more than 2 decimal places for EUR"}),
      invalid("UpdateWithDecimalsInJpy", {"property", "update", "{P2}", "--price", "8000.5"},
              "price", {"more than 0 decimal places for JPY"}),
      invalid("UpdateWithBadCapacity", {"property", "update", "{P1}", "--capacity", "0"},
              "capacity", {"must be 1..50"}),
      invalid("UpdateChangingHost", {"property", "update", "{P1}", "--host", "host-mallory"},
              "host", {"cannot change"}),
      notFound("UpdateOfUnknownId",
               {"property", "update", "prop_0000000000000000", "--price", "10"}, "property",
               {"no property with id"}),
      // Idempotency.
      invalid("IdempotencyKeyReusedForAnotherRequest",
              book({{"--guest", "guest-bob"}, {"--key", kSeedKey}}), "key",
              {"already used for a different booking request"}),
      // The same errors as JSON objects on stderr.
      invalid("JsonExponentPrice", withJson(create({{"--price", "1e3"}})), "price",
              {"plain decimal"}),
      invalid("JsonNonUtf8Title", withJson(create({{"--title", not_utf8}})), "title", {"UTF-8"}),
      invalid("JsonNonUtf8Date", withJson(book({{"--from", "2027-05-0\xff"}})), "from",
              {"YYYY-MM-DD"}),
      invalid("JsonMissingHost", withJson(create({{"--host", "<omit>"}})), "host",
              {"--host is required"}),
      invalid("JsonNonNumericCapacity", withJson(create({{"--capacity", "lots"}})), "capacity",
              {"whole number"}),
      notFound("JsonUnknownPropertyOnGet", withJson({"property", "get", "prop_0000000000000000"}),
               "property", {"no property with id"}),
      notFound("JsonNonUtf8PropertyIdOnGet", withJson({"property", "get", not_utf8}), "property",
               {"no property with id"}),
      refused("JsonGuestsAboveCapacity",
              withJson(book({{"--property", "{P2}"}, {"--guests", "3"}})), "guests",
              {"sleeps 2 guests"}),
  };
}

class CliBadInputTest : public SeededDataDir, public ::testing::WithParamInterface<BadInputCase> {};

// Checks that `after` is `before` plus one Rejected booking for the case's
// request, its BookingRejected event in the log (the CLI drains after every
// write, so the outbox is empty again) and its history rows, and nothing else.
void expectOneRejectedBooking(const State& before, const State& after) {
  State before_rest = before, after_rest = after;
  for (const char* section : {"booking.bookings", "events.log", "history.by_property",
                              "history.by_guest", "history.meta"}) {
    before_rest.sections.erase(section);
    after_rest.sections.erase(section);
  }
  EXPECT_EQ(before_rest.toString(), after_rest.toString());
  EXPECT_TRUE(after.sections.at("booking.outbox").empty());

  const auto& bookings_before = before.sections.at("booking.bookings");
  const auto& bookings_after = after.sections.at("booking.bookings");
  ASSERT_EQ(bookings_after.size(), bookings_before.size() + 1);
  EXPECT_TRUE(std::equal(bookings_before.begin(), bookings_before.end(), bookings_after.begin()));
  auto rejected = nlohmann::json::parse(bookings_after.back());
  EXPECT_EQ(rejected["status"], "rejected");
  EXPECT_EQ(rejected["guest_id"], "guest-dan");
  EXPECT_EQ(rejected["check_in"], "2027-05-03");
  EXPECT_EQ(rejected["check_out"], "2027-05-06");
  EXPECT_EQ(rejected["property_id"], seed().ids.at("{P1}"));

  const auto& log_before = before.sections.at("events.log");
  const auto& log_after = after.sections.at("events.log");
  ASSERT_EQ(log_after.size(), log_before.size() + 1);
  std::vector<std::string> sorted_before = log_before, sorted_after = log_after, added;
  std::sort(sorted_before.begin(), sorted_before.end());
  std::sort(sorted_after.begin(), sorted_after.end());
  std::set_difference(sorted_after.begin(), sorted_after.end(), sorted_before.begin(),
                      sorted_before.end(), std::back_inserter(added));
  ASSERT_EQ(added.size(), 1u);
  const std::string& line = added.front();
  auto event = nlohmann::json::parse(line.substr(line.find(' ') + 1));
  EXPECT_EQ(event["type"], "BookingRejected");
  EXPECT_EQ(event["aggregate_id"], rejected["id"]);
  for (const char* section : {"history.by_property", "history.by_guest"}) {
    EXPECT_EQ(after.sections.at(section).size(), before.sections.at(section).size() + 1) << section;
  }
  EXPECT_EQ(event["payload"]["reason"], "nights_taken");
}

TEST_P(CliBadInputTest, RefusesWithDocumentedExitCodeAndNamesTheField) {
  const BadInputCase& bad = GetParam();
  ASSERT_FALSE(bad.field.empty() && bad.mentions.empty()) << "the case checks no message";
  State before = snapshot(data());

  ProcessResult result = run(bad.args);

  EXPECT_TRUE(result.exited()) << result.describe();
  EXPECT_EQ(result.exit_code, bad.exit_code) << result.describe();
  EXPECT_EQ(result.out, "") << result.describe();
  ASSERT_FALSE(result.err.empty());
  bool json = !bad.args.empty() && bad.args.front() == "--json";
  if (json) {
    auto error = nlohmann::json::parse(result.err, nullptr, false);
    ASSERT_TRUE(error.is_object()) << "stderr is not one JSON object: " << result.err;
    ASSERT_TRUE(error.contains("error") && error["error"].is_object()) << result.err;
    EXPECT_EQ(error["error"].value("kind", ""), bad.kind) << result.err;
    EXPECT_EQ(error["error"].value("field", "<none>"), bad.field) << result.err;
    EXPECT_FALSE(error["error"].value("code", "").empty()) << result.err;
    std::string message = error["error"].value("message", "");
    for (const auto& mention : bad.mentions) {
      EXPECT_NE(message.find(mention), std::string::npos)
          << "message lacks '" << mention << "': " << result.err;
    }
  } else {
    EXPECT_EQ(result.err.rfind(fmt::format("staylab-cli: {}: ", bad.kind), 0), 0u) << result.err;
    if (!bad.field.empty()) {
      EXPECT_NE(result.err.find(fmt::format(": {}: ", bad.field)), std::string::npos)
          << "stderr does not name field '" << bad.field << "': " << result.err;
    }
    for (const auto& mention : bad.mentions) {
      EXPECT_NE(result.err.find(mention), std::string::npos)
          << "stderr lacks '" << mention << "': " << result.err;
    }
  }

  State after = snapshot(data());
  if (bad.effect == Effect::None) {
    EXPECT_EQ(before.toString(), after.toString());
  } else {
    expectOneRejectedBooking(before, after);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, CliBadInputTest, ::testing::ValuesIn(badInputCases()),
                         [](const ::testing::TestParamInfo<BadInputCase>& info) {
                           return info.param.name;
                         });

// The same rejected request retried with its key gets the stored refusal and
// adds nothing more.
TEST_F(SeededDataDir, RetriedRejectedRequestWithKeyAddsNothingMore) {
  std::vector<std::string> args = book({{"--guest", "guest-dan"},
                                        {"--from", "2027-05-03"},
                                        {"--to", "2027-05-06"},
                                        {"--key", kFreshKey}});
  ProcessResult first = run(args);
  ASSERT_EQ(first.exit_code, 1) << first.describe();
  State before = snapshot(data());

  ProcessResult retry = run(args);

  EXPECT_EQ(retry.exit_code, 1) << retry.describe();
  EXPECT_EQ(retry.out, "");
  EXPECT_NE(retry.err.find("already booked on 2027-05-03"), std::string::npos) << retry.err;
  EXPECT_EQ(before.toString(), snapshot(data()).toString());
}

// A price update without a currency is checked against the property's own
// currency (KWD has three minor digits), not against a default one.
TEST_F(SeededDataDir, UpdatePriceFollowsThePropertysOwnCurrency) {
  ProcessResult created =
      run(withJson(create({{"--currency", "KWD"}, {"--price", "45.125"}, {"--city", "Kuwait"}})));
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  std::string id = nlohmann::json::parse(created.out).at("id").get<std::string>();

  ProcessResult updated = run({"--json", "property", "update", id, "--price", "47.375"});
  ASSERT_EQ(updated.exit_code, 0) << updated.describe();
  EXPECT_EQ(nlohmann::json::parse(updated.out).at("price_minor"), 47375);

  State before = snapshot(data());
  ProcessResult too_precise = run({"property", "update", id, "--price", "47.3751"});
  EXPECT_EQ(too_precise.exit_code, 2) << too_precise.describe();
  EXPECT_EQ(too_precise.out, "");
  EXPECT_NE(too_precise.err.find("price: '47.3751' has more than 3 decimal places for KWD"),
            std::string::npos)
      << too_precise.err;
  EXPECT_EQ(before.toString(), snapshot(data()).toString());
}

// ---------------------------------------------------------------------------
// Text is stored verbatim: quotes, SQL, JSON and query syntax are ordinary characters.

struct VerbatimCase {
  std::string name;
  std::string text;
};

void PrintTo(const VerbatimCase& verbatim, std::ostream* os) {
  *os << verbatim.name;
}

VerbatimCase verbatim(std::string name, std::string text) {
  VerbatimCase result;
  result.name = std::move(name);
  result.text = std::move(text);
  return result;
}

std::vector<VerbatimCase> verbatimCases() {
  return {
      verbatim("SqlDropTable", "'; DROP TABLE bookings; --"),
      verbatim("SqlDropTableWithParenthesis", "Robert'); DROP TABLE properties;--"),
      verbatim("SqlAlwaysTrue", "\" OR 1=1 --"),
      verbatim("JsonObject", "{\"json\": [1,2]}"),
      verbatim("JsonPath", "$.city_key == 'paris'"),
      verbatim("SearchQuerySyntax", "title:foo AND NOT bar*"),
      verbatim("LikeWildcardsAndBackslash", "100% _wild_ \\ back\\slash"),
      verbatim("Emoji",
               "Cosy loft \xf0\x9f\x8f\xa0\xf0\x9f\x98\x80 \xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd"),
      verbatim("Cjk",
               "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe9\x9d\x99\xe3\x81\x8b\xe3\x81\xaa"
               "\xe9\x83\xa8\xe5\xb1\x8b \xec\x84\x9c\xec\x9a\xb8"),  // 東京の静かな部屋 서울
      verbatim("RightToLeft",
               "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7"),
      // U+1F3E0 HOUSE BUILDING: 4 bytes, 1 character; 120 of them is the longest title.
      verbatim("HundredTwentyEmoji", repeat("\xf0\x9f\x8f\xa0", 120)),
  };
}

class CliStoresTextVerbatimTest : public SeededDataDir,
                                  public ::testing::WithParamInterface<VerbatimCase> {};

TEST_P(CliStoresTextVerbatimTest, GetReturnsExactlyTheTextAndStoresStillWork) {
  const std::string& text = GetParam().text;
  // A city is at most 80 characters; the long case keeps a plain one.
  std::string city = text.size() <= 80 ? text : "Paris";
  std::string description = fmt::format("{}\n\tsecond line: {}", text, text);

  ProcessResult created =
      run(withJson(create({{"--title", text}, {"--description", description}, {"--city", city}})));
  ASSERT_EQ(created.exit_code, 0) << created.describe();
  EXPECT_EQ(created.err, "");
  std::string id = nlohmann::json::parse(created.out).at("id").get<std::string>();

  ProcessResult got = run({"--json", "property", "get", id});
  ASSERT_EQ(got.exit_code, 0) << got.describe();
  auto property = nlohmann::json::parse(got.out);
  EXPECT_EQ(property.at("title").get<std::string>(), text);
  EXPECT_EQ(property.at("description").get<std::string>(), description);
  EXPECT_EQ(property.at("city").get<std::string>(), city);

  ProcessResult by_city = run({"--json", "property", "list", "--city", city});
  ASSERT_EQ(by_city.exit_code, 0) << by_city.describe();
  bool listed = false;
  for (const auto& item : nlohmann::json::parse(by_city.out)) {
    listed = listed || item.at("id") == id;
  }
  EXPECT_TRUE(listed) << by_city.out;

  // The stores still work: another listing, a booking on this one, the lists.
  ProcessResult another = run(create({{"--title", "Plain title"}}));
  EXPECT_EQ(another.exit_code, 0) << another.describe();
  ProcessResult booked = run(book({{"--property", id}}));
  EXPECT_EQ(booked.exit_code, 0) << booked.describe();
  ProcessResult listed_all = run({"--json", "property", "list"});
  ASSERT_EQ(listed_all.exit_code, 0) << listed_all.describe();
  EXPECT_EQ(nlohmann::json::parse(listed_all.out).size(), 4u);  // 2 seeded + 2 created.
  ProcessResult bookings = run({"--json", "bookings", "list"});
  ASSERT_EQ(bookings.exit_code, 0) << bookings.describe();
  EXPECT_EQ(nlohmann::json::parse(bookings.out).size(), 3u);  // 2 seeded + 1 placed.
  ProcessResult plain = run({"property", "list"});
  EXPECT_EQ(plain.exit_code, 0) << plain.describe();
  EXPECT_NO_THROW(snapshot(data()));
}

INSTANTIATE_TEST_SUITE_P(Texts, CliStoresTextVerbatimTest, ::testing::ValuesIn(verbatimCases()),
                         [](const ::testing::TestParamInfo<VerbatimCase>& info) {
                           return info.param.name;
                         });

// ---------------------------------------------------------------------------
// --help at every level.

struct HelpCase {
  std::string name;
  std::vector<std::string> args;
  std::string usage;   // The usage line it must print.
  std::string option;  // An option or subcommand its help must list.
};

void PrintTo(const HelpCase& help, std::ostream* os) {
  *os << help.name;
}

HelpCase help(std::string name, std::vector<std::string> args, std::string usage,
              std::string option) {
  HelpCase result;
  result.name = std::move(name);
  result.args = std::move(args);
  result.usage = std::move(usage);
  result.option = std::move(option);
  return result;
}

class CliHelpTest : public ::testing::TestWithParam<HelpCase> {};

TEST_P(CliHelpTest, ExitsZeroAndPrintsUsageOnStdout) {
  const HelpCase& expected = GetParam();
  TempDir dir;
  ProcessResult result = runCli(dir / "data", expected.args);

  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(result.err, "");
  EXPECT_NE(result.out.find(expected.usage), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(expected.option), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(dir / "data")) << "help must not open the stores";
}

INSTANTIATE_TEST_SUITE_P(
    Levels, CliHelpTest,
    ::testing::Values(
        help("Top", {"--help"}, "Usage: staylab-cli [OPTIONS] SUBCOMMAND", "bookings"),
        help("TopShort", {"-h"}, "Usage: staylab-cli [OPTIONS] SUBCOMMAND", "property"),
        help("Property", {"property", "--help"}, "Usage: staylab-cli property", "update"),
        help("PropertyCreate", {"property", "create", "--help"},
             "Usage: staylab-cli property create", "--capacity"),
        help("PropertyGet", {"property", "get", "--help"}, "Usage: staylab-cli property get", "ID"),
        help("PropertyList", {"property", "list", "--help"}, "Usage: staylab-cli property list",
             "--city"),
        help("PropertyUpdate", {"property", "update", "--help"},
             "Usage: staylab-cli property update", "--price"),
        help("Book", {"book", "--help"}, "Usage: staylab-cli book", "--from"),
        help("BookWithOtherOptions", {"book", "--from", "not-a-date", "--help"},
             "Usage: staylab-cli book", "--key"),
        help("Cancel", {"cancel", "--help"}, "Usage: staylab-cli cancel", "BOOKING_ID"),
        help("Bookings", {"bookings", "--help"}, "Usage: staylab-cli bookings", "list"),
        help("BookingsList", {"bookings", "list", "--help"}, "Usage: staylab-cli bookings list",
             "--guest")),
    [](const ::testing::TestParamInfo<HelpCase>& info) { return info.param.name; });

}  // namespace
}  // namespace staylab
