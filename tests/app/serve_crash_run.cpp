#include "tests/app/serve_crash_run.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "tests/support/cli_under_test.h"
#include "tests/support/run_process.h"

namespace staylab::testing {
namespace {

constexpr int kProperties = 3;

// The test books only in 2032 (a leap year).
constexpr std::array<int, 12> kMonthDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// Returns the day of 2032 (0 for 2032-01-01) of "2032-MM-DD".
int dayOf2032(const std::string& date) {
  int month = std::stoi(date.substr(5, 2));
  int day = std::stoi(date.substr(8, 2)) - 1;
  for (int before = 0; before + 1 < month; ++before) {
    day += kMonthDays[static_cast<size_t>(before)];
  }
  return day;
}

struct Acknowledged {
  std::string booking_id;
  std::string property;
  std::string from, to;
};

// Books over HTTP until the server stops answering; keeps every 201 and
// counts the requests.
void bookUntilTheServerDies(int port, const std::string& key, const std::string& guest,
                            const std::vector<std::string>& properties, uint32_t seed,
                            std::vector<Acknowledged>& acknowledged, size_t& requests) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  std::mt19937 random(seed);
  const httplib::Headers base{{"Authorization", "Bearer " + key}};
  for (int attempt = 0;; ++attempt) {
    const int first = static_cast<int>(random() % 300);
    const int nights = 1 + static_cast<int>(random() % 3);
    auto day = [](int offset) {
      int month = 0;
      while (offset >= kMonthDays[static_cast<size_t>(month)]) {
        offset -= kMonthDays[static_cast<size_t>(month)];
        ++month;
      }
      return fmt::format("2032-{:02}-{:02}", month + 1, offset + 1);
    };
    const std::string property = properties[random() % properties.size()];
    nlohmann::json body{{"property", property},
                        {"guest", guest},
                        {"from", day(first)},
                        {"to", day(first + nights)}};
    httplib::Headers headers = base;
    headers.emplace("Idempotency-Key", fmt::format("{}-{}-{}", guest, seed, attempt));
    auto result = client.Post("/bookings", headers, body.dump(), "application/json");
    ++requests;
    if (!result) {
      return;  // Killed (or the connection was cut): the request is not acknowledged.
    }
    if (result->status == 201) {
      auto answer = nlohmann::json::parse(result->body);
      acknowledged.push_back({answer["booking_id"], property, body["from"], body["to"]});
    } else if (result->status != 409 && result->status != 429) {
      ADD_FAILURE() << "unexpected " << result->status << ": " << result->body;
      return;
    }
  }
}

// Returns every booking the server holds, walking the pages as the admin.
std::map<std::string, nlohmann::json> allBookings(const ServerProcess& server,
                                                  const std::string& admin) {
  std::map<std::string, nlohmann::json> bookings;
  auto client = server.client();
  const httplib::Headers headers{{"Authorization", "Bearer " + admin}};
  for (int page = 1;; ++page) {
    auto result = client->Get(fmt::format("/bookings?per_page=100&page={}", page).c_str(), headers);
    if (!result || result->status != 200) {
      ADD_FAILURE() << "cannot list bookings";
      return bookings;
    }
    auto json = nlohmann::json::parse(result->body);
    for (const auto& item : json["items"]) {
      bookings[item["booking_id"].get<std::string>()] = item;
    }
    if (json["next_page"].is_null()) {
      return bookings;
    }
  }
}

}  // namespace

ServeCrashRun killServeWhileBooking(const DataDir& data, int kills,
                                    const std::function<void(int kill)>& between) {
  const std::string admin = staylab::testing::addKey(data, "ops", "admin");
  const std::string ana = staylab::testing::addKey(data, "guest-ana", "guest");
  const std::string ben = staylab::testing::addKey(data, "guest-ben", "guest");
  std::vector<std::string> properties;
  for (int index = 0; index < kProperties; ++index) {
    properties.push_back(
        staylab::testing::cliJson(data, {"property", "create", "--host", "host-hal", "--title",
                                         fmt::format("Cabin {}", index), "--city", "Bergen",
                                         "--price", "90", "--currency", "NOK", "--capacity", "4"})
            .at("id"));
  }

  std::vector<Acknowledged> acknowledged;
  std::mt19937 random(20261207);
  ServeCrashRun run;
  auto server = std::make_unique<ServerProcess>(data);
  for (int kill = 0; kill < kills; ++kill) {
    std::vector<Acknowledged> by_ana, by_ben;
    size_t requests_ana = 0;
    size_t requests_ben = 0;
    const auto started = std::chrono::steady_clock::now();
    std::thread first(bookUntilTheServerDies, server->port(), ana, "guest-ana", properties,
                      static_cast<uint32_t>(kill * 2), std::ref(by_ana), std::ref(requests_ana));
    std::thread second(bookUntilTheServerDies, server->port(), ben, "guest-ben", properties,
                       static_cast<uint32_t>(kill * 2 + 1), std::ref(by_ben),
                       std::ref(requests_ben));
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 400));
    server->kill();
    first.join();
    second.join();
    run.booking_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.requests += requests_ana + requests_ben;
    ++run.kills;
    acknowledged.insert(acknowledged.end(), by_ana.begin(), by_ana.end());
    acknowledged.insert(acknowledged.end(), by_ben.begin(), by_ben.end());
    between(kill);

    server = std::make_unique<ServerProcess>(data);
    const auto held = allBookings(*server, admin);
    for (const Acknowledged& booking : acknowledged) {
      auto found = held.find(booking.booking_id);
      if (found == held.end()) {
        ADD_FAILURE() << "after kill " << kill << ": lost " << booking.booking_id;
        continue;
      }
      EXPECT_EQ(found->second["status"], "confirmed");
      EXPECT_EQ(found->second["property_id"], booking.property);
      EXPECT_EQ(found->second["from"], booking.from);
    }
  }
  EXPECT_EQ(server->terminate(), 0);
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(kills));
  run.acknowledged = acknowledged.size();

  // No night is held twice, by what the booking store says.
  auto bookings = staylab::testing::cliJson(data, {"bookings", "list"});
  std::set<std::pair<std::string, int>> nights;
  size_t confirmed = 0;
  for (const auto& booking : bookings) {
    if (booking["status"] != "confirmed") {
      continue;
    }
    ++confirmed;
    for (int night = dayOf2032(booking["from"]); night < dayOf2032(booking["to"]); ++night) {
      EXPECT_TRUE(nights.insert({booking["property_id"], night}).second)
          << "night " << night << " of " << booking["property_id"] << " is held twice";
    }
  }
  EXPECT_GE(confirmed, acknowledged.size());
  std::vector<std::string> check_args = data.arguments();
  check_args.insert(check_args.end(), {"--json", "check"});
  auto check = staylab::testing::runProcess(staylab::testing::cliUnderTest(), check_args);
  EXPECT_EQ(check.exit_code, 0) << check.describe();
  return run;
}

}  // namespace staylab::testing
