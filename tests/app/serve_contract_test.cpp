// Drives a real `staylab-cli serve` over loopback HTTP with a real client:
// every route, auth and roles, idempotent retries, 409 on taken nights,
// pagination, the rate limit, SIGTERM and the data directory's lock.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "tests/app/serve_server.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using staylab::testing::ServerProcess;
using staylab::testing::TempDir;

struct Answer {
  int status = 0;
  nlohmann::json body;
  httplib::Headers headers;
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
};

// Sends one request; `key` empty sends no Authorization header.
Answer send(httplib::Client& client, const std::string& method, const std::string& path,
            const std::string& key, const nlohmann::json& body = nullptr,
            httplib::Headers headers = {}) {
  if (!key.empty()) {
    headers.emplace("Authorization", "Bearer " + key);
  }
  const std::string text = body.is_null() ? std::string() : body.dump();
  auto result = [&]() -> httplib::Result {
    if (method == "POST") {
      return client.Post(path.c_str(), headers, text, "application/json");
    }
    if (method == "PATCH") {
      return client.Patch(path.c_str(), headers, text, "application/json");
    }
    return client.Get(path.c_str(), headers);
  }();
  if (!result) {
    ADD_FAILURE() << method << " " << path << ": " << httplib::to_string(result.error());
    return {};
  }
  return Answer{result->status, staylab::testing::parseBody(result->body), result->headers};
}

// One server for the suite, on a data directory with a key per role.
class ServeContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    s_dir = new TempDir();
    const fs::path data = s_dir->path() / "data";
    s_admin = staylab::testing::addKey(data, "ops", "admin");
    s_anna = staylab::testing::addKey(data, "host-anna", "host");
    s_kenji = staylab::testing::addKey(data, "host-kenji", "host");
    s_bob = staylab::testing::addKey(data, "guest-bob", "guest");
    s_cho = staylab::testing::addKey(data, "guest-cho", "guest");
    s_fraud = staylab::testing::addKey(data, "fraud-bot", "fraud-service");
    s_server = new ServerProcess(data);
  }
  static void TearDownTestSuite() {
    delete s_server;
    delete s_dir;
  }

  void SetUp() override { m_client = s_server->client(); }

  Answer call(const std::string& method, const std::string& path, const std::string& key,
              const nlohmann::json& body = nullptr, httplib::Headers headers = {}) {
    return send(*m_client, method, path, key, body, std::move(headers));
  }

  // Creates a listing of host-anna's in `city` and returns its id.
  std::string createListing(const std::string& city, const std::string& title = "Sunny flat") {
    Answer created = call("POST", "/properties", s_anna,
                          {{"host", "host-anna"},
                           {"title", title},
                           {"city", city},
                           {"price", "120.50"},
                           {"currency", "EUR"},
                           {"capacity", 4},
                           {"amenities", {"wifi"}}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.body.value("id", "");
  }

  // Waits until /health shows every outbox relayed and every consumer at the
  // end of the log: listings reach search eventually, not at once.
  void waitUntilQuiet() {
    for (int attempt = 0; attempt < 500; ++attempt) {
      Answer health = call("GET", "/health", "");
      bool quiet = health.body["outbox_depth"] == 0;
      for (const auto& [name, consumer] : health.body["consumers"].items()) {
        quiet = quiet && consumer["lag_events"] == 0;
      }
      if (quiet) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "the pipeline did not catch up within 10 s";
  }

  nlohmann::json booking(const std::string& property, const std::string& guest,
                         const std::string& from, const std::string& to) {
    return {{"property", property}, {"guest", guest}, {"from", from}, {"to", to}, {"guests", 2}};
  }

  static inline TempDir* s_dir = nullptr;
  static inline ServerProcess* s_server = nullptr;
  static inline std::string s_admin, s_anna, s_kenji, s_bob, s_cho, s_fraud;
  std::unique_ptr<httplib::Client> m_client;
};

TEST_F(ServeContractTest, HealthIsReadyAndMetricsAreprometheusText) {
  Answer health = call("GET", "/health", "");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.body["status"], "ready");
  for (const char* consumer : {"search", "history", "fraud"}) {
    EXPECT_TRUE(health.body["consumers"].contains(consumer)) << health.body;
  }
  auto metrics = m_client->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  for (const char* series :
       {"# TYPE staylab_http_requests_total counter",
        "staylab_http_requests_total{route=\"/health\",method=\"GET\",status=\"200\"}",
        "# TYPE staylab_http_request_duration_seconds histogram",
        "staylab_http_request_duration_seconds_bucket{route=\"/"
        "health\",method=\"GET\",le=\"+Inf\"}",
        "staylab_consumer_lag_events{consumer=\"search\"}", "staylab_outbox_depth "}) {
    EXPECT_NE(metrics->body.find(series), std::string::npos) << series << "\n" << metrics->body;
  }
}

TEST_F(ServeContractTest, HostCreatesShowsUpdatesAndListsItsListing) {
  Answer created = call("POST", "/properties", s_anna,
                        {{"host", "host-anna"},
                         {"title", "Loft by the canal"},
                         {"city", "Amsterdam"},
                         {"price", 99.5},
                         {"currency", "EUR"},
                         {"capacity", 3}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.body["id"];
  EXPECT_EQ(created.header("Location"), "/properties/" + id);
  EXPECT_EQ(created.body["price"], "99.50");

  Answer shown = call("GET", "/properties/" + id, s_bob);
  EXPECT_EQ(shown.status, 200);
  EXPECT_EQ(shown.body["title"], "Loft by the canal");

  Answer updated = call("PATCH", "/properties/" + id, s_anna, {{"title", "Loft on the canal"}});
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.body["title"], "Loft on the canal");
  EXPECT_EQ(updated.body["version"], 2);
  EXPECT_EQ(updated.body["city"], "Amsterdam");

  Answer listed = call("GET", "/properties?city=amsterdam", s_cho);
  EXPECT_EQ(listed.status, 200);
  ASSERT_EQ(listed.body["items"].size(), 1u) << listed.body;
  EXPECT_EQ(listed.body["items"][0]["id"], id);
}

TEST_F(ServeContractTest, WaitedBookingShowsInSearchAndHistory) {
  const std::string id = createListing("Bruges", "Canal house with garden");
  Answer placed = call("POST", "/bookings?consistency=wait", s_bob,
                       booking(id, "guest-bob", "2031-03-01", "2031-03-04"));
  ASSERT_EQ(placed.status, 201) << placed.body;
  EXPECT_EQ(placed.body["status"], "confirmed");
  EXPECT_EQ(placed.body["consistency"]["mode"], "wait");
  EXPECT_EQ(placed.body["consistency"]["search"], true);
  EXPECT_EQ(placed.body["consistency"]["history"], true);

  // Search sees the nights taken at once: the listing is not free on 03-02.
  Answer taken = call("GET", "/search?city=Bruges&from=2031-03-02&to=2031-03-03", s_cho);
  EXPECT_EQ(taken.status, 200);
  EXPECT_TRUE(taken.body["items"].empty()) << taken.body;
  Answer free = call("GET", "/search?q=garden&city=Bruges&from=2031-03-04&to=2031-03-06", s_cho);
  ASSERT_EQ(free.body["items"].size(), 1u) << free.body;
  EXPECT_EQ(free.body["items"][0]["id"], id);

  Answer history = call("GET", "/history?guest=guest-bob", s_bob);
  EXPECT_EQ(history.status, 200);
  bool found = false;
  for (const auto& item : history.body["items"]) {
    found = found || item["booking_id"] == placed.body["booking_id"];
  }
  EXPECT_TRUE(found) << history.body;
  Answer by_property = call("GET", "/history?property=" + id, s_anna);
  EXPECT_EQ(by_property.status, 200) << by_property.body;
  EXPECT_EQ(by_property.body["items"].size(), 1u);
}

TEST_F(ServeContractTest, RetryWithIdempotencyKeyReturnsTheFirstAnswerAndBooksOnce) {
  const std::string id = createListing("Ghent");
  const httplib::Headers key{{"Idempotency-Key", "retry-7f3a"}};
  Answer first =
      call("POST", "/bookings", s_cho, booking(id, "guest-cho", "2031-04-01", "2031-04-03"), key);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.body["replayed"], false);
  Answer again =
      call("POST", "/bookings", s_cho, booking(id, "guest-cho", "2031-04-01", "2031-04-03"), key);
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body["replayed"], true);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body["booking_id"], first.body["booking_id"]);

  Answer other =
      call("POST", "/bookings", s_cho, booking(id, "guest-cho", "2031-05-01", "2031-05-03"), key);
  EXPECT_EQ(other.status, 400) << other.body;

  Answer listed = call("GET", "/bookings?property=" + id, s_admin);
  EXPECT_EQ(listed.body["total"], 1) << listed.body;
}

TEST_F(ServeContractTest, TakenNightsAre409AndCancelFreesThem) {
  const std::string id = createListing("Antwerp");
  Answer first =
      call("POST", "/bookings", s_bob, booking(id, "guest-bob", "2031-06-10", "2031-06-13"));
  ASSERT_EQ(first.status, 201) << first.body;
  Answer clash =
      call("POST", "/bookings", s_cho, booking(id, "guest-cho", "2031-06-12", "2031-06-14"));
  EXPECT_EQ(clash.status, 409) << clash.body;
  EXPECT_EQ(clash.body["error"]["code"], "booking.nights_taken");
  // The check-out day is free for the next guest.
  Answer after =
      call("POST", "/bookings", s_cho, booking(id, "guest-cho", "2031-06-13", "2031-06-14"));
  EXPECT_EQ(after.status, 201) << after.body;

  const std::string booking_id = first.body["booking_id"];
  Answer foreign = call("POST", "/bookings/" + booking_id + "/cancel", s_cho);
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  Answer cancelled = call("POST", "/bookings/" + booking_id + "/cancel", s_bob);
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(cancelled.body["status"], "cancelled");
  Answer twice = call("POST", "/bookings/" + booking_id + "/cancel", s_bob);
  EXPECT_EQ(twice.status, 409) << twice.body;
  Answer rebooked =
      call("POST", "/bookings", s_cho, booking(id, "guest-cho", "2031-06-10", "2031-06-12"));
  EXPECT_EQ(rebooked.status, 201) << rebooked.body;
}

TEST_F(ServeContractTest, RolesDecideWhoMayDoWhat) {
  const std::string id = createListing("Lyon");
  struct Case {
    std::string method, path, key;
    nlohmann::json body;
    int status;
  };
  const std::vector<Case> cases = {
      {"POST",
       "/properties",
       s_bob,
       {{"host", "guest-bob"},
        {"title", "x"},
        {"city", "Lyon"},
        {"price", "1"},
        {"currency", "EUR"},
        {"capacity", 1}},
       403},
      {"POST",
       "/properties",
       s_kenji,
       {{"host", "host-anna"},
        {"title", "x"},
        {"city", "Lyon"},
        {"price", "1"},
        {"currency", "EUR"},
        {"capacity", 1}},
       403},
      {"PATCH", "/properties/" + id, s_kenji, {{"title", "Mine now"}}, 403},
      {"POST", "/bookings", s_anna, booking(id, "guest-bob", "2031-07-01", "2031-07-02"), 403},
      {"POST", "/bookings", s_bob, booking(id, "guest-cho", "2031-07-01", "2031-07-02"), 403},
      {"GET", "/bookings?guest=guest-cho", s_bob, nullptr, 403},
      {"GET", "/bookings?property=" + id, s_kenji, nullptr, 403},
      {"GET", "/bookings?property=" + id, s_anna, nullptr, 200},
      {"GET", "/bookings", s_fraud, nullptr, 200},
      {"GET", "/history?guest=guest-cho", s_bob, nullptr, 403},
      {"GET", "/events", s_bob, nullptr, 403},
      {"GET", "/events?topic=booking&limit=5", s_fraud, nullptr, 200},
      {"GET", "/fraud/suspicions", s_anna, nullptr, 403},
      {"GET", "/fraud/suspicions", s_fraud, nullptr, 200},
      {"GET", "/fraud/suspicions", s_admin, nullptr, 200},
      {"GET", "/properties/" + id, "", nullptr, 401},
      {"GET", "/properties/" + id, "sk_00000000000000000000000000000000", nullptr, 401},
  };
  for (const Case& test : cases) {
    Answer answer = call(test.method, test.path, test.key, test.body);
    EXPECT_EQ(answer.status, test.status) << test.method << " " << test.path << " " << answer.body;
    if (answer.status >= 400) {
      EXPECT_TRUE(answer.body["error"].is_object()) << answer.body;
    }
    if (answer.status == 401) {
      EXPECT_EQ(answer.header("WWW-Authenticate"), "Bearer realm=\"staylab\"");
    }
  }
  Answer events = call("GET", "/events?topic=booking&limit=5", s_fraud);
  EXPECT_LE(events.body["items"].size(), 5u);
  for (const auto& item : events.body["items"]) {
    EXPECT_EQ(item["topic"], "booking");
  }
}

TEST_F(ServeContractTest, TheAuditTrailShowsAdminsWhatOneCallerDid) {
  const std::string id = createListing("Arles", "Audited flat");
  waitUntilQuiet();
  Answer trail = call("GET", "/audit?caller=host-anna", s_admin);
  ASSERT_EQ(trail.status, 200) << trail.body;
  EXPECT_EQ(trail.body["caller"], "host-anna");
  bool created = false;
  for (const auto& item : trail.body["items"]) {
    EXPECT_EQ(item["caller"], "host-anna") << item;
    created = created || (item["type"] == "PropertyCreated" && item["aggregate_id"] == id);
  }
  EXPECT_TRUE(created) << trail.body;
  EXPECT_EQ(call("GET", "/audit?caller=nobody", s_admin).body["items"], nlohmann::json::array());
  EXPECT_EQ(call("GET", "/audit?caller=host-anna", s_fraud).status, 403);
  Answer missing = call("GET", "/audit", s_admin);
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body["error"]["field"], "caller") << missing.body;
}

TEST_F(ServeContractTest, PagesWalkEveryListingOnce) {
  std::set<std::string> created;
  for (int index = 0; index < 5; ++index) {
    created.insert(createListing("Namur", fmt::format("Stone cottage {}", index)));
  }
  std::set<std::string> seen;
  int page = 1;
  for (; page < 10; ++page) {
    Answer answer =
        call("GET", fmt::format("/properties?city=Namur&per_page=2&page={}", page), s_bob);
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body["total"], 5);
    EXPECT_LE(answer.body["items"].size(), 2u);
    for (const auto& item : answer.body["items"]) {
      EXPECT_TRUE(seen.insert(item["id"].get<std::string>()).second) << "seen twice: " << item;
    }
    if (answer.body["next_page"].is_null()) {
      break;
    }
    EXPECT_EQ(answer.body["next_page"], page + 1);
  }
  EXPECT_EQ(page, 3);
  EXPECT_EQ(seen, created);

  // Search pages hold 20 hits; page 2 of 5 hits is empty and has no next.
  waitUntilQuiet();
  Answer first = call("GET", "/search?city=Namur&sort=price", s_bob);
  EXPECT_EQ(first.body["items"].size(), 5u) << first.body;
  EXPECT_TRUE(first.body["next_page"].is_null());
  Answer second = call("GET", "/search?city=Namur&page=2", s_bob);
  EXPECT_EQ(second.status, 200);
  EXPECT_TRUE(second.body["items"].empty());
}

TEST(ServeRateLimitTest, TooManyRequestsGet429WithRetryAfter) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  const std::string key = staylab::testing::addKey(data, "guest-eve", "guest");
  ServerProcess server(data, {"--rate-limit", "3"});
  auto client = server.client();
  int limited = 0;
  for (int request = 0; request < 10; ++request) {
    Answer answer = send(*client, "GET", "/properties", key);
    if (answer.status == 429) {
      ++limited;
      EXPECT_EQ(answer.body["error"]["code"], "http.rate_limited");
      EXPECT_GE(std::stoi(answer.header("Retry-After")), 1);
    } else {
      EXPECT_EQ(answer.status, 200);
    }
  }
  EXPECT_GE(limited, 6);
  EXPECT_EQ(server.terminate(), 0);
}

TEST(ServeLifecycleTest, SecondServerOnTheSameDataDirectoryIsRefused) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  staylab::testing::addKey(data, "ops", "admin");
  ServerProcess first(data);
  auto second =
      staylab::testing::runProcess(staylab::testing::cliUnderTest(),
                                   {"--data", data.string(), "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(second.exit_code, 3) << second.describe();
  EXPECT_NE(second.err.find(fmt::format("is in use by pid {}, staylab-cli serve", first.pid())),
            std::string::npos)
      << second.err;
  EXPECT_EQ(first.terminate(), 0);
  // Once the first has stopped, a new server may take the directory.
  ServerProcess third(data);
  EXPECT_EQ(third.terminate(), 0);
}

TEST(ServeLifecycleTest, SigtermAnswersWhatWasAcceptedAndExitsZero) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  const std::string key = staylab::testing::addKey(data, "host-anna", "host");
  ServerProcess server(data);
  auto client = server.client();
  Answer created = send(*client, "POST", "/properties", key,
                        {{"host", "host-anna"},
                         {"title", "Last one"},
                         {"city", "Oslo"},
                         {"price", "80"},
                         {"currency", "NOK"},
                         {"capacity", 2}});
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(server.terminate(), 0) << server.output();
  EXPECT_NE(server.output().find("stopped"), std::string::npos);
  // Everything was drained: the listing is in the search index, check passes.
  auto check = staylab::testing::runProcess(staylab::testing::cliUnderTest(),
                                            {"--data", data.string(), "--json", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.describe();
  auto found = staylab::testing::cliJson(data, {"search", "--city", "Oslo"});
  EXPECT_EQ(found.size(), 1u);
}

}  // namespace
}  // namespace staylab
