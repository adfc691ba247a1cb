// The gateway's role rules, its API keys and its correlation ids, on a real
// platform in a temporary directory; then the same rules through the real
// staylab-cli binary with --api-key.

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "tests/app/command_fixtures.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/result_assertions.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

namespace fs = std::filesystem;
using staylab::testing::failsWith;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

constexpr int64_t kStartNanos = 21'915 * 86'400'000'000'000LL;  // 2030-01-01.

using staylab::testing::must;

const Caller kGina{"gina", Role::Guest};
const Caller kGus{"gus", Role::Guest};
const Caller kHana{"hana", Role::Host};
const Caller kHugo{"hugo", Role::Host};
const Caller kFraudService{"fraud-service", Role::FraudService};
const Caller kAdmin{"root", Role::Admin};

using testing::listingFor;
using testing::stayFor;

listing::UpdateProperty retitle(const std::string& property, const std::string& title) {
  listing::UpdateProperty command;
  command.property_id = property;
  command.title = title;
  return command;
}

listing::MarkPropertyFraud suspend(const std::string& property) {
  listing::MarkPropertyFraud command;
  command.property_id = property;
  command.reason = "test";
  return command;
}

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PlatformOptions options;
    options.data_dir = m_dir / "data";
    options.mode = OpenMode::InitialiseIfEmpty;
    options.clock = &m_clock;
    options.random = &m_random;
    m_platform = must(Platform::open(options), "open the platform");
  }

  Gateway& gateway() { return m_platform->gateway(); }

  listing::Property hanasListing() {
    return must(gateway().createProperty(kHana, listingFor("hana")), "create hana's listing");
  }

  booking::Booking ginasBooking(const std::string& property) {
    return must(gateway().placeBooking(kGina, stayFor("gina", property)), "gina books").booking;
  }

  // Returns the newest event in `outbox` (nothing is drained in these tests).
  EventEnvelope newestEvent(OutboxSource& outbox) {
    auto entries = must(outbox.peekOutbox(100'000), "peek outbox");
    if (entries.empty()) {
      throw std::runtime_error("the outbox is empty");
    }
    return entries.back().event;
  }

  size_t outboxSizes() {
    return must(m_platform->listingStore().outboxSize(), "listing outbox") +
           must(m_platform->bookingStore().outboxSize(), "booking outbox");
  }

  TempDir m_dir;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{11};
  std::unique_ptr<Platform> m_platform;
};

TEST_F(GatewayTest, GuestBooksForItselfOnly) {
  auto property = hanasListing();

  auto own = gateway().placeBooking(kGina, stayFor("gina", property.id));
  ASSERT_TRUE(own.has_value()) << own.error().describe();
  EXPECT_EQ(own->booking.guest_id, "gina");

  const size_t events_before = outboxSizes();
  EXPECT_TRUE(failsWith(
      gateway().placeBooking(kGina, stayFor("gus", property.id, "2030-06-01", "2030-06-02")),
      ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_EQ(outboxSizes(), events_before) << "a forbidden command writes nothing";
  EXPECT_EQ(must(gateway().listBookings(kAdmin, {}), "bookings").size(), 1u);
}

TEST_F(GatewayTest, GuestCannotCreateListings) {
  EXPECT_TRUE(failsWith(gateway().createProperty(kGina, listingFor("gina")), ErrorKind::Refused,
                        "gateway.forbidden"));
  EXPECT_TRUE(must(gateway().listProperties(std::nullopt), "list").empty());
  EXPECT_EQ(outboxSizes(), 0u);
}

TEST_F(GatewayTest, HostCreatesListingsOnlyForItself) {
  auto own = gateway().createProperty(kHana, listingFor("hana"));
  ASSERT_TRUE(own.has_value()) << own.error().describe();
  EXPECT_EQ(own->host_id, "hana");

  EXPECT_TRUE(failsWith(gateway().createProperty(kHana, listingFor("hugo")), ErrorKind::Refused,
                        "gateway.forbidden"));
  EXPECT_EQ(must(gateway().listProperties(std::nullopt), "list").size(), 1u);
}

TEST_F(GatewayTest, HostEditsOnlyItsOwnListings) {
  auto property = hanasListing();

  auto edited = gateway().updateProperty(kHana, retitle(property.id, "Bright loft"));
  ASSERT_TRUE(edited.has_value()) << edited.error().describe();
  EXPECT_EQ(edited->title, "Bright loft");

  EXPECT_TRUE(failsWith(gateway().updateProperty(kHugo, retitle(property.id, "Hugo's now")),
                        ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_TRUE(failsWith(gateway().updateProperty(kGina, retitle(property.id, "Gina's now")),
                        ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_TRUE(
      failsWith(gateway().updateProperty(kFraudService, retitle(property.id, "Fraud's now")),
                ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_EQ(must(gateway().getProperty(property.id), "get").title, "Bright loft");
}

TEST_F(GatewayTest, OnlyFraudServiceAndAdminSuspendListings) {
  auto first = hanasListing();
  auto second = hanasListing();

  for (const Caller& caller : {kGina, kHana, kHugo}) {
    EXPECT_TRUE(failsWith(gateway().markPropertyFraud(caller, suspend(first.id)),
                          ErrorKind::Refused, "gateway.forbidden"))
        << caller.name;
  }
  EXPECT_EQ(must(gateway().getProperty(first.id), "get").status, listing::PropertyStatus::Active);

  auto by_fraud_service = gateway().markPropertyFraud(kFraudService, suspend(first.id));
  ASSERT_TRUE(by_fraud_service.has_value()) << by_fraud_service.error().describe();
  EXPECT_EQ(by_fraud_service->status, listing::PropertyStatus::Suspended);
  auto by_admin = gateway().markPropertyFraud(kAdmin, suspend(second.id));
  ASSERT_TRUE(by_admin.has_value()) << by_admin.error().describe();
  EXPECT_EQ(by_admin->status, listing::PropertyStatus::Suspended);
}

TEST_F(GatewayTest, FraudServiceNeitherCreatesListingsNorBooks) {
  auto property = hanasListing();
  EXPECT_TRUE(failsWith(gateway().createProperty(kFraudService, listingFor("fraud-service")),
                        ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_TRUE(
      failsWith(gateway().placeBooking(kFraudService, stayFor("fraud-service", property.id)),
                ErrorKind::Refused, "gateway.forbidden"));
}

TEST_F(GatewayTest, GuestCancelsOnlyItsOwnBooking) {
  auto property = hanasListing();
  auto booking = ginasBooking(property.id);
  const booking::CancelBooking cancel{booking.id};

  EXPECT_TRUE(
      failsWith(gateway().cancelBooking(kGus, cancel), ErrorKind::Refused, "gateway.forbidden"));
  EXPECT_TRUE(
      failsWith(gateway().cancelBooking(kHana, cancel), ErrorKind::Refused, "gateway.forbidden"))
      << "not even the listing's host";
  EXPECT_TRUE(failsWith(gateway().cancelBooking(kFraudService, cancel), ErrorKind::Refused,
                        "gateway.forbidden"));
  EXPECT_EQ(must(gateway().listBookings(kAdmin, {}), "bookings").at(0).status,
            booking::BookingStatus::Confirmed);

  auto cancelled = gateway().cancelBooking(kGina, cancel);
  ASSERT_TRUE(cancelled.has_value()) << cancelled.error().describe();
  EXPECT_EQ(cancelled->status, booking::BookingStatus::Cancelled);
}

TEST_F(GatewayTest, AdminMayDoEverything) {
  auto property = gateway().createProperty(kAdmin, listingFor("hana"));
  ASSERT_TRUE(property.has_value()) << property.error().describe();
  EXPECT_EQ(property->host_id, "hana");
  EXPECT_TRUE(gateway().updateProperty(kAdmin, retitle(property->id, "Admin's title")).has_value());
  auto placed = gateway().placeBooking(kAdmin, stayFor("gina", property->id));
  ASSERT_TRUE(placed.has_value()) << placed.error().describe();
  EXPECT_EQ(placed->booking.guest_id, "gina");
  EXPECT_TRUE(
      gateway().cancelBooking(kAdmin, booking::CancelBooking{placed->booking.id}).has_value());
  EXPECT_TRUE(gateway().markPropertyFraud(kAdmin, suspend(property->id)).has_value());
}

TEST_F(GatewayTest, EveryCommandGetsAFreshCorrelationIdCarriedByItsEvents) {
  std::vector<EventEnvelope> events;
  auto property = hanasListing();
  events.push_back(newestEvent(m_platform->listingStore()));
  must(gateway().updateProperty(kHana, retitle(property.id, "Bright loft")), "update");
  events.push_back(newestEvent(m_platform->listingStore()));
  auto booking = ginasBooking(property.id);
  events.push_back(newestEvent(m_platform->bookingStore()));
  EXPECT_FALSE(gateway().placeBooking(kGus, stayFor("gus", property.id)).has_value());
  events.push_back(newestEvent(m_platform->bookingStore()));
  must(gateway().cancelBooking(kGina, booking::CancelBooking{booking.id}), "cancel");
  events.push_back(newestEvent(m_platform->bookingStore()));
  must(gateway().markPropertyFraud(kFraudService, suspend(property.id)), "suspend");
  events.push_back(newestEvent(m_platform->listingStore()));

  const std::vector<std::string> types{"PropertyCreated", "PropertyUpdated",  "BookingPlaced",
                                       "BookingRejected", "BookingCancelled", "PropertySuspended"};
  std::set<std::string> correlations;
  std::set<std::string> causations;
  for (size_t index = 0; index < events.size(); ++index) {
    EXPECT_EQ(events[index].type, types[index]);
    EXPECT_FALSE(events[index].correlation_id.empty()) << types[index];
    EXPECT_FALSE(events[index].causation_id.empty()) << types[index];
    correlations.insert(events[index].correlation_id);
    causations.insert(events[index].causation_id);
  }
  EXPECT_EQ(correlations.size(), events.size()) << "one chain per command";
  EXPECT_EQ(causations.size(), events.size()) << "one command id per command";
}

TEST_F(GatewayTest, MarkPropertyFraudWithAContextContinuesThatChain) {
  auto property = hanasListing();
  const CommandContext chain{"cmd_fraud_given", "cmd_original_request", "whoever"};

  must(gateway().markPropertyFraud(kFraudService, suspend(property.id), chain), "suspend");

  auto event = newestEvent(m_platform->listingStore());
  EXPECT_EQ(event.type, "PropertySuspended");
  EXPECT_EQ(event.correlation_id, "cmd_original_request");
  EXPECT_EQ(event.causation_id, "cmd_fraud_given");
}

TEST_F(GatewayTest, ForbiddenCallerCannotSuspendEvenWithAContext) {
  auto property = hanasListing();
  const CommandContext chain{"cmd_fraud_given", "cmd_original_request", "fraud-service"};
  EXPECT_TRUE(failsWith(gateway().markPropertyFraud(kHana, suspend(property.id), chain),
                        ErrorKind::Refused, "gateway.forbidden"));
}

// ---- KeyRing ----

class GatewayKeyRingTest : public ::testing::Test {
 protected:
  fs::path file() const { return m_dir / "api-keys.json"; }
  void write(const std::string& text) const { std::ofstream(file()) << text; }

  TempDir m_dir;
};

TEST_F(GatewayKeyRingTest, IssuedKeyAuthenticatesAsItsCaller) {
  auto ring = must(KeyRing::open(file()), "open");
  auto guest_key = must(ring->issue(kGina), "issue");
  auto host_key = must(ring->issue(kHana), "issue");
  EXPECT_NE(guest_key, host_key);

  auto guest = must(ring->authenticate(guest_key), "authenticate");
  EXPECT_EQ(guest.name, "gina");
  EXPECT_EQ(guest.role, Role::Guest);
  auto host = must(ring->authenticate(host_key), "authenticate");
  EXPECT_EQ(host.name, "hana");
  EXPECT_EQ(host.role, Role::Host);
}

TEST_F(GatewayKeyRingTest, UnknownKeyIsUnauthenticated) {
  auto ring = must(KeyRing::open(file()), "open");
  auto key = must(ring->issue(kGina), "issue");
  EXPECT_TRUE(
      failsWith(ring->authenticate("sk_wrong"), ErrorKind::Refused, "gateway.unauthenticated"));
  EXPECT_TRUE(
      failsWith(ring->authenticate(key + "x"), ErrorKind::Refused, "gateway.unauthenticated"));
  EXPECT_TRUE(failsWith(ring->authenticate(""), ErrorKind::Refused, "gateway.unauthenticated"));
}

TEST_F(GatewayKeyRingTest, KeysPersistAcrossReopening) {
  std::string guest_key, admin_key;
  {
    auto ring = must(KeyRing::open(file()), "open");
    guest_key = must(ring->issue(kGina), "issue");
    admin_key = must(ring->issue(kFraudService), "issue");
  }
  auto reopened = must(KeyRing::open(file()), "reopen");
  EXPECT_EQ(reopened->keys().size(), 2u);
  auto guest = must(reopened->authenticate(guest_key), "authenticate");
  EXPECT_EQ(guest.name, "gina");
  EXPECT_EQ(guest.role, Role::Guest);
  auto fraud = must(reopened->authenticate(admin_key), "authenticate");
  EXPECT_EQ(fraud.role, Role::FraudService);
}

TEST_F(GatewayKeyRingTest, CorruptKeyFileIsAStoreFailure) {
  const std::string salt = std::string(32, 'a');
  const std::string digest = std::string(64, 'b');
  auto entry = [&](std::string id, std::string caller, std::string role, std::string entry_salt) {
    return fmt::format(R"({{"keys": [{{"id": "{}", "caller": "{}", "role": "{}", "salt": "{}", )"
                       R"("sha256": "{}"}}]}})",
                       id, caller, role, entry_salt, digest);
  };
  for (const std::string& text :
       {std::string("not json at all"), std::string("[]"), std::string(R"({"keys": 3})"),
        std::string(R"({"keys": [{"id": "0011aabb"}]})"),
        entry("0011aabb", "gina", "superuser", salt), entry("", "gina", "guest", salt),
        entry("0011aabb", "", "guest", salt), entry("0011aabb", "gina", "guest", ""),
        entry("0011aabb", "gina", "guest", "zz")}) {
    write(text);
    fs::permissions(file(), fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_TRUE(failsWith(KeyRing::open(file()), ErrorKind::StoreFailure, "gateway.keys_corrupt"))
        << text;
  }
}

TEST_F(GatewayKeyRingTest, MissingKeyFileIsAnEmptyRing) {
  auto ring = must(KeyRing::open(file()), "open");
  EXPECT_TRUE(ring->keys().empty());
  EXPECT_FALSE(fs::exists(file())) << "opening writes nothing";
}

// ---- Through the staylab-cli binary ----

class GatewayCliTest : public ::testing::Test {
 protected:
  ProcessResult cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"--data", (m_dir / "data").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return staylab::testing::runProcess(staylab::testing::cliUnderTest(), argv);
  }

  nlohmann::json mustSucceed(const std::vector<std::string>& args) {
    ProcessResult result = cli(args);
    if (result.exit_code != 0) {
      throw std::runtime_error(
          fmt::format("staylab-cli {} failed: {}", fmt::join(args, " "), result.describe()));
    }
    return nlohmann::json::parse(result.out);
  }

  // Returns the error code of a --json failure on stderr.
  static std::string errorCode(const ProcessResult& result) {
    auto json = nlohmann::json::parse(result.err, nullptr, false);
    if (json.is_discarded() || !json.contains("error")) {
      return "(no JSON error: " + result.err + ")";
    }
    return json["error"].value("code", std::string("(no code)"));
  }

  std::string issueKey(const std::string& caller, const std::string& role) {
    ProcessResult result = cli({"keys", "add", "--caller", caller, "--role", role});
    if (result.exit_code != 0) {
      throw std::runtime_error("keys add failed: " + result.describe());
    }
    std::string key = result.out;
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) {
      key.pop_back();
    }
    return key;
  }

  std::string createListingAsAdmin() {
    return mustSucceed({"--json", "property", "create", "--host", "hana", "--title",
                        "Sunny loft by the canal", "--city", "Utrecht", "--price", "80",
                        "--currency", "EUR", "--capacity", "2"})
        .at("id")
        .get<std::string>();
  }

  size_t bookingCount() { return mustSucceed({"--json", "bookings", "list"}).size(); }

  TempDir m_dir;
};

TEST_F(GatewayCliTest, KeysAddPrintsAKeyForTheCaller) {
  ProcessResult result = cli({"keys", "add", "--caller", "gina", "--role", "guest"});
  ASSERT_EQ(result.exit_code, 0) << result.describe();
  std::string key = result.out.substr(0, result.out.find('\n'));
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(result.out, key + "\n") << "just the key";

  auto ring = must(KeyRing::open(m_dir / "data" / "api-keys.json"), "open the key file");
  auto caller = must(ring->authenticate(key), "authenticate");
  EXPECT_EQ(caller.name, "gina");
  EXPECT_EQ(caller.role, Role::Guest);
}

TEST_F(GatewayCliTest, GuestKeyCannotCreateAListing) {
  std::string key = issueKey("gina", "guest");
  ProcessResult result = cli({"--json", "--api-key", key, "property", "create", "--host", "gina",
                              "--title", "Gina's flat", "--city", "Utrecht", "--price", "80",
                              "--currency", "EUR", "--capacity", "2"});
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  EXPECT_EQ(errorCode(result), "gateway.forbidden");
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_TRUE(mustSucceed({"--json", "property", "list"}).empty());
}

TEST_F(GatewayCliTest, GuestKeyBooksForItselfButNotForOthers) {
  std::string property = createListingAsAdmin();
  std::string key = issueKey("gina", "guest");

  ProcessResult own = cli({"--json", "--api-key", key, "book", "--property", property, "--guest",
                           "gina", "--from", "2031-01-10", "--to", "2031-01-12"});
  ASSERT_EQ(own.exit_code, 0) << own.describe();
  auto answer = nlohmann::json::parse(own.out);
  EXPECT_EQ(answer.at("guest"), "gina");
  EXPECT_EQ(answer.at("status"), "confirmed");

  ProcessResult other = cli({"--json", "--api-key", key, "book", "--property", property, "--guest",
                             "gus", "--from", "2031-02-10", "--to", "2031-02-12"});
  EXPECT_EQ(other.exit_code, 1) << other.describe();
  EXPECT_EQ(errorCode(other), "gateway.forbidden");
  EXPECT_EQ(bookingCount(), 1u);
}

TEST_F(GatewayCliTest, UnknownKeyIsUnauthenticatedAndChangesNothing) {
  std::string property = createListingAsAdmin();
  issueKey("gina", "guest");

  ProcessResult result = cli({"--json", "--api-key", "sk_wrong", "book", "--property", property,
                              "--guest", "gina", "--from", "2031-01-10", "--to", "2031-01-12"});
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  EXPECT_EQ(errorCode(result), "gateway.unauthenticated");
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_EQ(bookingCount(), 0u);
}

TEST_F(GatewayCliTest, EmptyKeyIsUnauthenticatedNotTheLocalAdmin) {
  // `--api-key "$KEY"` with KEY unset must not fall back to the admin.
  ProcessResult create = cli({"--json", "--api-key", "", "property", "create", "--host", "hana",
                              "--title", "Sunny loft by the canal", "--city", "Utrecht", "--price",
                              "80", "--currency", "EUR", "--capacity", "2"});
  EXPECT_EQ(create.exit_code, 1) << create.describe();
  EXPECT_EQ(errorCode(create), "gateway.unauthenticated");
  ProcessResult issue =
      cli({"--json", "--api-key", "", "keys", "add", "--caller", "mallory", "--role", "admin"});
  EXPECT_EQ(issue.exit_code, 1) << issue.describe();
  EXPECT_EQ(errorCode(issue), "gateway.unauthenticated");
  EXPECT_FALSE(fs::exists(m_dir / "data")) << "a refused caller initialises nothing";
}

TEST_F(GatewayCliTest, NonAdminKeyCannotIssueKeys) {
  std::string key = issueKey("gina", "guest");
  ProcessResult result =
      cli({"--json", "--api-key", key, "keys", "add", "--caller", "mallory", "--role", "admin"});
  EXPECT_EQ(result.exit_code, 1) << result.describe();
  EXPECT_EQ(errorCode(result), "gateway.forbidden");
  auto ring = must(KeyRing::open(m_dir / "data" / "api-keys.json"), "open the key file");
  EXPECT_EQ(ring->keys().size(), 1u);
}

}  // namespace
}  // namespace staylab::app
