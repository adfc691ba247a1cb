// staylab-cli commands started at once on one data directory: each waits its
// turn for the data directory's lock (app/platform/data_dir_lock.h) instead
// of failing at RocksDB's, and a wait that runs out is a clear exit 3.

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/platform/data_dir_lock.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using staylab::testing::cliAnswer;
using staylab::testing::ProcessResult;
using staylab::testing::runCliOn;
using staylab::testing::TempDir;

constexpr int kCommands = 8;

std::string createListing(const std::filesystem::path& data, int index) {
  return cliAnswer(
      data, {"property", "create", "--host", "hana", "--title", fmt::format("Flat {}", index),
             "--city", "Utrecht", "--price", "80", "--currency", "EUR", "--capacity", "2"})["id"];
}

std::vector<std::string> bookArgs(const std::string& listing, int guest) {
  return {
      "--json", "book",       "--property", listing,     "--guest", fmt::format("guest{}", guest),
      "--from", "2031-05-01", "--to",       "2031-05-04"};
}

TEST(CliParallelTest, EightBookCommandsStartedAtOnceAllSucceedEachInTurn) {
  TempDir dir;
  const std::filesystem::path data = dir.path() / "data";
  std::vector<std::string> listings;
  for (int index = 0; index < kCommands; ++index) {
    listings.push_back(createListing(data, index));
  }
  std::vector<ProcessResult> results(kCommands);
  std::vector<std::thread> racers;
  for (int index = 0; index < kCommands; ++index) {
    racers.emplace_back([&, index] {
      results[static_cast<size_t>(index)] =
          runCliOn(data, bookArgs(listings[static_cast<size_t>(index)], index));
    });
  }
  for (auto& racer : racers) {
    racer.join();
  }
  std::set<std::string> ids;
  for (const ProcessResult& result : results) {
    ASSERT_EQ(result.exit_code, 0) << result.describe();
    ids.insert(nlohmann::json::parse(result.out)["booking_id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCommands));
  for (const std::string& listing : listings) {
    EXPECT_EQ(cliAnswer(data, {"bookings", "list", "--property", listing}).size(), 1u);
  }
  EXPECT_EQ(runCliOn(data, {"check"}).exit_code, 0);
}

TEST(CliParallelTest, AWaitThatRunsOutIsExitThreeNamingTheHolder) {
  TempDir dir;
  const std::filesystem::path data = dir.path() / "data";
  const std::string listing = createListing(data, 0);
  auto held = DataDirLock::acquire(data, "a test holding the stores", std::chrono::seconds(0));
  ASSERT_TRUE(held.has_value()) << held.error().describe();

  ProcessResult refused = runCliOn(data, {"--lock-wait", "0", "property", "get", listing});
  EXPECT_EQ(refused.exit_code, 3) << refused.describe();
  EXPECT_NE(
      refused.err.find(fmt::format("is in use by pid {}, a test holding the stores", ::getpid())),
      std::string::npos)
      << refused.err;
  ProcessResult waited =
      runCliOn(data, {"--lock-wait", "1", "book", "--property", listing, "--guest", "gus", "--from",
                      "2031-05-01", "--to", "2031-05-02"});
  EXPECT_EQ(waited.exit_code, 3) << waited.describe();
  EXPECT_NE(waited.err.find("(waited 1000 ms)"), std::string::npos) << waited.err;
  held->reset();
  // Nothing was booked while the stores were held.
  EXPECT_EQ(cliAnswer(data, {"bookings", "list", "--property", listing}).size(), 0u);
}

TEST(CliParallelTest, ACommandWaitingForTheLockGoesOnOnceItIsReleased) {
  TempDir dir;
  const std::filesystem::path data = dir.path() / "data";
  const std::string listing = createListing(data, 0);
  auto held = DataDirLock::acquire(data, "a test holding the stores", std::chrono::seconds(0));
  ASSERT_TRUE(held.has_value()) << held.error().describe();
  ProcessResult booked;
  std::thread waiter([&] { booked = runCliOn(data, bookArgs(listing, 1)); });
  // The command has started and is waiting; let go of the stores.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  held->reset();
  waiter.join();
  EXPECT_EQ(booked.exit_code, 0) << booked.describe();
  EXPECT_EQ(cliAnswer(data, {"bookings", "list", "--property", listing}).size(), 1u);
}

TEST(CliParallelTest, LockWaitIsBoundedAndWholeSeconds) {
  TempDir dir;
  for (const char* bad : {"-1", "86401", "soon", ""}) {
    ProcessResult result =
        runCliOn(dir.path() / "data", {"--lock-wait", bad, "bookings", "list", "--guest", "g"});
    EXPECT_EQ(result.exit_code, 2) << bad << ": " << result.describe();
    EXPECT_NE(result.err.find("lock-wait"), std::string::npos) << bad << ": " << result.err;
  }
}

}  // namespace
}  // namespace staylab::app
