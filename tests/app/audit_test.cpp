// The audit trail: every command carries its caller into its events (on a
// real platform in a temporary directory), the pipeline's own events carry
// the service that wrote them, and `staylab-cli audit --caller NAME` lists
// exactly that caller's events, for admins only (through the real binary).

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/platform/audit.h"
#include "app/platform/platform.h"
#include "app/platform/seed.h"
#include "events/memory_event_log.h"
#include "events/rocksdb_event_log.h"
#include "fraud/fraud_detector.h"
#include "tests/app/command_fixtures.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/result_assertions.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using staylab::testing::must;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

constexpr int64_t kStartNanos = 21'915 * 86'400'000'000'000LL;  // 2030-01-01.

const Caller kGina{"gina", Role::Guest};
const Caller kGus{"gus", Role::Guest};
const Caller kHana{"hana", Role::Host};
const Caller kSentinel{"sentinel", Role::FraudService};
const Caller kRoot{"root", Role::Admin};

using testing::listingFor;
using testing::stayFor;

// Every record of every topic of `log`, in log order.
std::vector<LogRecord> wholeLog(EventLog& log) {
  std::vector<LogRecord> records;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      auto read = must(log.read(topic, partition, 0, 1'000'000), "read the log");
      records.insert(records.end(), read.begin(), read.end());
    }
  }
  return records;
}

class AuditTrailTest : public ::testing::Test {
 protected:
  std::unique_ptr<Platform> open(BookingIntake intake = BookingIntake::Synchronous) {
    PlatformOptions options;
    options.data_dir = m_dir / "data";
    options.mode = OpenMode::InitialiseIfEmpty;
    options.clock = &m_clock;
    options.random = &m_random;
    options.patterns.booking_intake = intake;
    return must(Platform::open(options), "open the platform");
  }

  TempDir m_dir;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{11};
};

TEST_F(AuditTrailTest, EveryCommandKindCarriesItsAuthenticatedCallerIntoItsEvents) {
  auto platform = open();
  Gateway& gateway = platform->gateway();
  const auto property = must(gateway.createProperty(kHana, listingFor("hana")), "create");
  listing::UpdateProperty retitle;
  retitle.property_id = property.id;
  retitle.title = "Sunnier loft";
  must(gateway.updateProperty(kHana, retitle), "update");
  const auto placed =
      must(gateway.placeBooking(kGina, stayFor("gina", property.id, "2030-05-10", "2030-05-12")),
           "gina books");
  // The same nights for another guest: a refusal, whose event is gus's.
  EXPECT_FALSE(gateway.placeBooking(kGus, stayFor("gus", property.id, "2030-05-11", "2030-05-13")));
  must(gateway.cancelBooking(kGina, booking::CancelBooking{placed.booking.id}), "cancel");
  must(gateway.placeBooking(kRoot, stayFor("gus", property.id, "2030-06-01", "2030-06-03")),
       "an admin books for gus");
  listing::MarkPropertyFraud suspend;
  suspend.property_id = property.id;
  suspend.reason = "test";
  must(gateway.markPropertyFraud(kSentinel, suspend), "suspend");
  must(platform->pump().drain(), "drain");

  std::vector<std::pair<std::string, std::string>> seen;  // (type, caller), in log order.
  for (const LogRecord& record : wholeLog(platform->eventLog())) {
    if (record.event.aggregate_id == property.id || record.event.aggregate_type == "booking") {
      seen.emplace_back(record.event.type, record.event.caller);
    }
  }
  std::multiset<std::pair<std::string, std::string>> got(seen.begin(), seen.end());
  const std::multiset<std::pair<std::string, std::string>> expected = {
      {"PropertyCreated", "hana"},      {"PropertyUpdated", "hana"},  {"BookingPlaced", "gina"},
      {"BookingRejected", "gus"},       {"BookingCancelled", "gina"}, {"BookingPlaced", "root"},
      {"PropertySuspended", "sentinel"}};
  EXPECT_EQ(got, expected);
}

TEST_F(AuditTrailTest, AQueuedBookingKeepsItsCallerFromRequestToBooking) {
  auto platform = open(BookingIntake::Queued);
  Gateway& gateway = platform->gateway();
  const auto property = must(gateway.createProperty(kRoot, listingFor("hana")), "create");
  must(gateway.submitBooking(kGina, stayFor("gina", property.id, "2030-05-10", "2030-05-12")),
       "submit");
  EXPECT_EQ(must(platform->bookingQueue()->drain(10), "work the queue"), 1u);
  must(platform->pump().drain(), "drain");
  AuditRequest request;
  request.caller = "gina";
  std::vector<std::string> types;
  for (const LogRecord& record : must(auditTrail(platform->eventLog(), request), "audit")) {
    types.push_back(record.event.type);
  }
  EXPECT_EQ(types.size(), 2u);
  EXPECT_EQ(std::set<std::string>(types.begin(), types.end()),
            (std::set<std::string>{"PlaceBookingRequested", "BookingPlaced"}));
}

TEST_F(AuditTrailTest, ThePipelinesOwnEventsCarryTheServiceThatWroteThem) {
  auto platform = open();
  SeedOptions options;
  options.properties = 12;
  options.seed = 3;
  options.first_night = must(Date::parse("2030-01-02"), "date");
  must(seedDemoData(platform->gateway(), m_clock, options), "seed");
  must(platform->pump().drain(), "drain");

  std::map<std::string, std::set<std::string>> callers_of;  // type -> callers.
  for (const LogRecord& record : wholeLog(platform->eventLog())) {
    callers_of[record.event.type].insert(record.event.caller);
  }
  ASSERT_TRUE(callers_of.contains("FraudSuspected"));
  EXPECT_EQ(callers_of["FraudSuspected"], std::set<std::string>{std::string(fraud::kFraudCaller)});
  // The fraud service suspends what it suspects, through the gateway.
  ASSERT_TRUE(callers_of.contains("PropertySuspended"));
  EXPECT_EQ(callers_of["PropertySuspended"],
            std::set<std::string>{std::string(fraud::kFraudCaller)});
  for (const char* type : {"PropertyCreated", "BookingPlaced"}) {
    EXPECT_EQ(callers_of[type], std::set<std::string>{"seed"}) << type;
  }
  for (const auto& [type, callers] : callers_of) {
    EXPECT_FALSE(callers.contains("")) << type << " has an event without a caller";
  }
}

TEST_F(AuditTrailTest, ListsExactlyOneCallersEventsInLogOrder) {
  auto platform = open();
  Gateway& gateway = platform->gateway();
  const auto property = must(gateway.createProperty(kHana, listingFor("hana")), "create");
  auto day = [](int day_of_may) { return fmt::format("2030-05-{:02}", day_of_may); };
  for (int week = 0; week < 3; ++week) {
    m_clock.advance(1'000'000'000);
    const int monday = 1 + week * 7;
    must(gateway.placeBooking(kGina, stayFor("gina", property.id, day(monday), day(monday + 2))),
         "gina");
    must(gateway.placeBooking(kGus, stayFor("gus", property.id, day(monday + 3), day(monday + 5))),
         "gus");
  }
  must(platform->pump().drain(), "drain");
  AuditRequest request;
  request.caller = "gina";
  auto trail = must(auditTrail(platform->eventLog(), request), "audit");
  ASSERT_EQ(trail.size(), 3u);
  for (size_t index = 0; index < trail.size(); ++index) {
    EXPECT_EQ(trail[index].event.caller, "gina");
    EXPECT_EQ(trail[index].event.type, "BookingPlaced");
    if (index > 0) {
      EXPECT_LT(trail[index - 1].event.occurred_at_nanos, trail[index].event.occurred_at_nanos);
    }
  }
  EXPECT_NE(auditSummary(trail[0].event).find("check_in=2030-05-01"), std::string::npos)
      << auditSummary(trail[0].event);
  request.caller = "nobody";
  EXPECT_TRUE(must(auditTrail(platform->eventLog(), request), "audit nobody").empty());
}

TEST(AuditRequestTest, AMissingEmptyOrMalformedCallerIsBadInputNamingIt) {
  MemoryEventLog log({{"booking", 1}});
  for (const std::optional<std::string>& caller :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>("a b")}) {
    AuditRequest request;
    request.caller = caller;
    auto trail = auditTrail(log, request);
    ASSERT_FALSE(trail.has_value());
    EXPECT_EQ(trail.error().kind, ErrorKind::InvalidInput);
    EXPECT_EQ(trail.error().field, "caller");
  }
}

// ---------------------------------------------------------------------------
// staylab-cli audit

class AuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_keys["gina"] = issue("gina", "guest");
    m_keys["hana"] = issue("hana", "host");
    m_keys["sentinel"] = issue("sentinel", "fraud-service");
    m_listing = answer({"property", "create", "--host", "hana", "--title", "Loft", "--city",
                        "Utrecht", "--price", "80", "--currency", "EUR", "--capacity", "4"},
                       "hana")["id"];
    m_booking = answer({"book", "--property", m_listing, "--guest", "gina", "--from", "2031-01-10",
                        "--to", "2031-01-12"},
                       "gina")["booking_id"];
    answer({"cancel", m_booking}, "gina");
    // The local admin, without a key.
    answer({"property", "update", m_listing, "--title", "Loft by the canal"});
  }

  ProcessResult cli(std::vector<std::string> args, const std::string& as = {}) {
    if (!as.empty()) {
      args.insert(args.begin(), {"--api-key", m_keys.at(as)});
    }
    return staylab::testing::runCliOn(m_dir / "data", std::move(args));
  }

  nlohmann::json answer(std::vector<std::string> args, const std::string& as = {}) {
    if (!as.empty()) {
      args.insert(args.begin(), {"--api-key", m_keys.at(as)});
    }
    return staylab::testing::cliAnswer(m_dir / "data", std::move(args));
  }

  std::string issue(const std::string& caller, const std::string& role) {
    return answer({"keys", "add", "--caller", caller, "--role", role})["key"];
  }

  std::vector<std::string> typesOf(const nlohmann::json& trail) {
    std::vector<std::string> types;
    for (const auto& entry : trail) {
      types.push_back(entry.at("type"));
    }
    return types;
  }

  TempDir m_dir;
  std::map<std::string, std::string> m_keys;
  std::string m_listing, m_booking;
};

TEST_F(AuditCliTest, ListsWhatEachCallerDidAndNothingElse) {
  const nlohmann::json gina = answer({"audit", "--caller", "gina"});
  EXPECT_EQ(typesOf(gina), (std::vector<std::string>{"BookingPlaced", "BookingCancelled"}));
  for (const auto& entry : gina) {
    EXPECT_EQ(entry.at("caller"), "gina");
    EXPECT_EQ(entry.at("aggregate_id"), m_booking);
  }
  EXPECT_EQ(typesOf(answer({"audit", "--caller", "hana"})),
            std::vector<std::string>{"PropertyCreated"});
  EXPECT_EQ(typesOf(answer({"audit", "--caller", "admin"})),
            std::vector<std::string>{"PropertyUpdated"});

  // The same events as the log holds for that caller, none left out.
  size_t in_log = 0;
  for (const auto& record : answer({"events", "tail", "--limit", "100000"})) {
    in_log += record.at("event").value("caller", "") == "gina" ? 1 : 0;
  }
  EXPECT_EQ(in_log, gina.size());

  ProcessResult table = cli({"audit", "--caller", "gina"});
  ASSERT_EQ(table.exit_code, 0) << table.describe();
  EXPECT_NE(table.out.find("BookingCancelled"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("2 events by gina"), std::string::npos) << table.out;
}

TEST_F(AuditCliTest, AnUnknownCallerListsNothing) {
  ProcessResult result = cli({"--json", "audit", "--caller", "nobody"});
  EXPECT_EQ(result.exit_code, 0) << result.describe();
  EXPECT_EQ(nlohmann::json::parse(result.out), nlohmann::json::array());
}

TEST_F(AuditCliTest, AMissingOrEmptyCallerIsBadInputNamingTheOption) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--json", "audit"}, {"--json", "audit", "--caller", ""}}) {
    ProcessResult result = cli(args);
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    auto error = nlohmann::json::parse(result.err, nullptr, false);
    ASSERT_TRUE(error.is_object()) << result.err;
    EXPECT_EQ(error["error"]["field"], "caller") << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

TEST_F(AuditCliTest, OnlyAdminsMayReadTheTrail) {
  for (const char* who : {"gina", "hana", "sentinel"}) {
    ProcessResult result = cli({"audit", "--caller", "gina"}, who);
    EXPECT_EQ(result.exit_code, 1) << who << ": " << result.describe();
    EXPECT_NE(result.err.find("may not run 'audit'"), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

TEST_F(AuditCliTest, ReadsTheLogAloneSoALostWriteStoreDoesNotHideTheTrail) {
  std::filesystem::remove(m_dir / "data" / "booking.db");
  EXPECT_EQ(cli({"bookings", "list"}).exit_code, 3);
  EXPECT_EQ(typesOf(answer({"audit", "--caller", "gina"})),
            (std::vector<std::string>{"BookingPlaced", "BookingCancelled"}));
}

TEST_F(AuditCliTest, EventsOfAnOlderLogWithoutACallerStillDecodeAndBelongToNoTrail) {
  {
    // An event as versions before the audit trail wrote it: no caller.
    RocksDbEventLog::Options options;
    options.directory = m_dir / "data" / "events";
    auto log = must(RocksDbEventLog::open(options), "open the log");
    EventEnvelope old;
    old.event_id = "evt_old";
    old.type = "PropertySuspended";
    old.aggregate_type = "property";
    old.aggregate_id = "prop_old";
    old.aggregate_version = 1;
    old.occurred_at_nanos = 1;
    old.correlation_id = "cmd_old";
    old.causation_id = "cmd_old";
    old.payload = nlohmann::json{{"property_id", "prop_old"}, {"reason", "old"}};
    ASSERT_FALSE(old.toJson().contains("caller"));
    must(log->append({old}), "append an old-format event");
  }
  EXPECT_EQ(typesOf(answer({"audit", "--caller", "gina"})),
            (std::vector<std::string>{"BookingPlaced", "BookingCancelled"}));
  bool found = false;
  for (const auto& record : answer({"events", "tail", "--limit", "100000"})) {
    if (record.at("event").at("event_id") == "evt_old") {
      found = true;
      EXPECT_FALSE(record.at("event").contains("caller"));
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace staylab::app
