// Regression tests for data lost or hidden by the command line, as a hostile
// tester found it: emptied and removed stores, a lost RocksDB CURRENT file,
// a damaged page, a deleted index table, an older copy of a write store, data
// directories that do not exist, files that pile up per command, and stays in
// the past. Each drives the real staylab-cli binary (STAYLAB_TEST_CLI, when
// set, names another build of it, e.g. an older one to see a test fail).

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/cli_under_test.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

ProcessResult cli(const fs::path& data_dir, std::vector<std::string> args) {
  return staylab::testing::runCliOn(data_dir, std::move(args));
}

nlohmann::json answer(const fs::path& data_dir, std::vector<std::string> args) {
  return staylab::testing::cliAnswer(data_dir, std::move(args));
}

std::set<std::string> filesIn(const fs::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

class DataLossTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessResult seeded = cli(data(), {"seed", "--properties", "50", "--seed", "1"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.describe();
    for (const auto& booking : answer(data(), {"bookings", "list"})) {
      if (booking["status"] == "confirmed") {
        m_taken = booking;
        break;
      }
    }
    ASSERT_FALSE(m_taken.is_null());
  }

  fs::path data() const { return m_dir / "v"; }

  // Books the nights of a confirmed booking again, as another guest.
  ProcessResult bookTakenNights() {
    return cli(data(), {"book", "--property", m_taken["property_id"], "--guest", "mallory",
                        "--from", m_taken["from"], "--to", m_taken["to"]});
  }

  void expectStoreFailureNaming(const ProcessResult& result, const std::string& what) {
    EXPECT_EQ(result.exit_code, 3) << result.describe();
    EXPECT_TRUE(result.out.empty()) << result.out;
    EXPECT_NE(result.err.find(what), std::string::npos) << result.err;
  }

  TempDir m_dir;
  nlohmann::json m_taken;
};

TEST_F(DataLossTest, EmptiedBookingStoreIsNeverRecreatedAndNoNightIsBookedAgain) {
  fs::resize_file(data() / "booking.db", 0);
  expectStoreFailureNaming(cli(data(), {"bookings", "list"}), "booking.db");
  expectStoreFailureNaming(cli(data(), {"check"}), "booking.db");
  expectStoreFailureNaming(bookTakenNights(), "booking.db");
  EXPECT_EQ(fs::file_size(data() / "booking.db"), 0u) << "the emptied file stays as it was";
}

TEST_F(DataLossTest, RemovedStoresAreNeverRecreated) {
  for (const char* store : {"booking.db", "listing.db"}) {
    TempDir copy;
    fs::copy(data(), copy / "v", fs::copy_options::recursive);
    fs::remove(copy / "v" / store);
    for (std::vector<std::string> command : std::vector<std::vector<std::string>>{
             {"property", "list"}, {"bookings", "list"}, {"check"}, {"drain"}}) {
      command.insert(command.begin(), {"--data", (copy / "v").string()});
      ProcessResult result =
          staylab::testing::runProcess(staylab::testing::cliUnderTest(), command);
      expectStoreFailureNaming(result, store);
    }
    EXPECT_FALSE(fs::exists(copy / "v" / store)) << store;
  }
}

// A command opens the stores it reads: a read of the write stores answers
// as before while every read model and the log are gone, a read of one of
// those fails naming it, and nothing is re-created.
TEST_F(DataLossTest, ReadCommandsOpenOnlyTheStoresTheyRead) {
  const std::string property = m_taken["property_id"];
  const std::vector<std::vector<std::string>> write_store_reads = {
      {"property", "get", property}, {"property", "list"}, {"bookings", "list"}, {"keys", "list"}};
  std::vector<std::string> before;
  for (const auto& command : write_store_reads) {
    before.push_back(cli(data(), command).out);
  }
  for (const char* store : {"events", "history", "search", "fraud"}) {
    fs::rename(data() / store, m_dir / store);
  }
  for (size_t index = 0; index < write_store_reads.size(); ++index) {
    ProcessResult result = cli(data(), write_store_reads[index]);
    EXPECT_EQ(result.exit_code, 0) << result.describe();
    EXPECT_EQ(result.out, before[index]);
  }
  expectStoreFailureNaming(cli(data(), {"search", "flat"}), "search");
  expectStoreFailureNaming(cli(data(), {"history", "--property", property}), "history");
  expectStoreFailureNaming(cli(data(), {"events", "tail"}), "events");
  expectStoreFailureNaming(cli(data(), {"check"}), "events");
  for (const char* store : {"events", "history", "search", "fraud"}) {
    EXPECT_FALSE(fs::exists(data() / store)) << store << " was re-created";
  }
  // Fraud detection's report reads the log and its own state.
  fs::rename(m_dir / "events", data() / "events");
  expectStoreFailureNaming(cli(data(), {"fraud", "report"}), "fraud");
  EXPECT_FALSE(fs::exists(data() / "fraud"));
}

TEST_F(DataLossTest, EmptiedListingStoreIsAStoreFailureNotAnEmptyList) {
  fs::resize_file(data() / "listing.db", 0);
  expectStoreFailureNaming(cli(data(), {"property", "list"}), "listing.db");
  expectStoreFailureNaming(cli(data(), {"check"}), "listing.db");
}

// An older copy of booking.db opens (it is a sound booking store) but holds
// fewer bookings than the log recorded: check must see the disagreement.
TEST_F(DataLossTest, CheckFailsWhenAWriteStoreIsOlderThanTheLog) {
  fs::copy_file(data() / "booking.db", m_dir / "booking.db.old");
  ProcessResult booked = cli(data(), {"book", "--property", m_taken["property_id"], "--guest",
                                      "late", "--from", "2029-03-01", "--to", "2029-03-04"});
  ASSERT_EQ(booked.exit_code, 0) << booked.describe();
  fs::copy_file(m_dir / "booking.db.old", data() / "booking.db",
                fs::copy_options::overwrite_existing);
  ProcessResult check = cli(data(), {"check"});
  EXPECT_EQ(check.exit_code, 1) << check.describe();
  EXPECT_NE(check.out.find("FAIL    booking store equals the log"), std::string::npos) << check.out;
}

TEST_F(DataLossTest, EventLogWithoutCurrentFailsEveryTimeAndLosesNoFile) {
  fs::remove(data() / "events" / "CURRENT");
  const auto before = filesIn(data() / "events");
  for (int attempt = 0; attempt < 2; ++attempt) {
    expectStoreFailureNaming(cli(data(), {"events", "tail"}), "events");
    EXPECT_EQ(filesIn(data() / "events"), before) << "attempt " << attempt;
  }
}

TEST_F(DataLossTest, CheckRunsTheEnginesOwnIntegrityChecks) {
  // A page of booking.db with one byte of a guest handle changed.
  const std::string guest = m_taken["guest"];
  const std::vector<std::vector<std::string>> reads = {{"bookings", "list"},
                                                       {"bookings", "list", "--guest", guest}};
  std::vector<ProcessResult> before;
  for (const auto& command : reads) {
    before.push_back(cli(data(), command));
  }
  std::fstream file(data() / "booking.db", std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto at = bytes.find(guest);
  ASSERT_NE(at, std::string::npos);
  file.seekp(static_cast<std::streamoff>(at + guest.size() - 1));
  file.put(guest.back() == '9' ? '8' : '9');
  file.close();
  ProcessResult check = cli(data(), {"check"});
  EXPECT_EQ(check.exit_code, 1) << check.describe();
  EXPECT_NE(check.out.find("FAIL    booking.db intact"), std::string::npos) << check.out;
  // A read that meets the damaged page fails; one that does not answers as before.
  for (size_t index = 0; index < reads.size(); ++index) {
    ProcessResult after = cli(data(), reads[index]);
    if (after.exit_code != 0) {
      expectStoreFailureNaming(after, "booking.db");
    } else {
      EXPECT_EQ(after.out, before[index].out);
    }
  }
}

TEST_F(DataLossTest, DeletedSearchTableIsAStoreFailureUntilRebuilt) {
  fs::remove(data() / "search" / "postlist.glass");
  expectStoreFailureNaming(cli(data(), {"search", "flat"}), "search");
  expectStoreFailureNaming(cli(data(), {"check"}), "search");
  ProcessResult rebuilt = cli(data(), {"rebuild"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.describe();
  ProcessResult search = cli(data(), {"search", "flat"});
  EXPECT_EQ(search.exit_code, 0) << search.describe();
  EXPECT_EQ(search.out.find("(0 matches)"), std::string::npos) << search.out;
  EXPECT_EQ(cli(data(), {"check"}).exit_code, 0);
}

TEST_F(DataLossTest, RebuildWithAWriteStoreMissingDeletesNoReadModel) {
  fs::remove(data() / "booking.db");
  const auto search = filesIn(data() / "search");
  expectStoreFailureNaming(cli(data(), {"rebuild"}), "booking.db");
  EXPECT_EQ(filesIn(data() / "search"), search);
  EXPECT_TRUE(fs::exists(data() / "fraud" / "fraud.db"));
}

TEST_F(DataLossTest, WritesInitialiseOnlyAnEmptyDirectoryNeverAForeignOne) {
  const fs::path foreign = m_dir / "photos";
  fs::create_directories(foreign);
  std::ofstream(foreign / "holiday.jpg") << "not a store";
  ProcessResult seeded = cli(foreign, {"seed", "--properties", "5"});
  EXPECT_EQ(seeded.exit_code, 2) << seeded.describe();
  EXPECT_EQ(filesIn(foreign), std::set<std::string>{"holiday.jpg"});
  const fs::path empty = m_dir / "empty";
  fs::create_directories(empty);
  EXPECT_EQ(cli(empty, {"property", "list"}).exit_code, 2) << "a read initialises nothing";
  EXPECT_TRUE(filesIn(empty).empty());
  ProcessResult initialised = cli(empty, {"seed", "--properties", "5"});
  EXPECT_EQ(initialised.exit_code, 0) << initialised.describe();
  EXPECT_EQ(cli(empty, {"check"}).exit_code, 0);
}

TEST_F(DataLossTest, ReadOnlyCommandsNeverCreateADataDirectory) {
  const fs::path missing = m_dir / "nonexist" / "data";
  for (std::vector<std::string> command : std::vector<std::vector<std::string>>{
           {"property", "list"}, {"bookings", "list"}, {"search", "x"}, {"events", "tail"}}) {
    ProcessResult result = cli(missing, command);
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_NE(result.err.find(": data: "), std::string::npos) << result.err;
  }
  EXPECT_FALSE(fs::exists(m_dir / "nonexist"));
}

TEST_F(DataLossTest, AnEmptyDataOptionIsBadInputNotTheDefaultDirectory) {
  TempDir home;
  std::vector<std::string> environment{"HOME=" + home.path().string(),
                                       "XDG_DATA_HOME=" + (home / "xdg").string()};
  staylab::testing::ProcessOptions options;
  options.environment = environment;
  ProcessResult result = staylab::testing::runProcess(
      staylab::testing::cliUnderTest(),
      {"--data", "", "property", "create", "--host", "h", "--title", "t", "--city", "Lisbon",
       "--price", "10", "--currency", "EUR", "--capacity", "2"},
      options);
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_NE(result.err.find(": data: "), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(home / "xdg")) << "nothing was written to the default directory";
}

TEST_F(DataLossTest, CommandsLeaveNoFilesBehindInTheRocksDbFolders) {
  // `history` opens history/, `events tail` events/ (both RocksDB).
  const std::string guest = m_taken["guest"];
  const std::vector<std::vector<std::string>> reads = {{"history", "--guest", guest},
                                                       {"events", "tail", "--limit", "1"}};
  for (int warm = 0; warm < 3; ++warm) {
    for (const auto& read : reads) {
      ASSERT_EQ(cli(data(), read).exit_code, 0);
    }
  }
  const size_t events = filesIn(data() / "events").size();
  const size_t history = filesIn(data() / "history").size();
  for (int run = 0; run < 20; ++run) {
    for (const auto& read : reads) {
      ASSERT_EQ(cli(data(), read).exit_code, 0);
    }
  }
  EXPECT_LE(filesIn(data() / "events").size(), events);
  EXPECT_LE(filesIn(data() / "history").size(), history);
}

TEST_F(DataLossTest, StaysThatStartBeforeTodayAreRefused) {
  ProcessResult result = cli(data(), {"book", "--property", m_taken["property_id"], "--guest",
                                      "late", "--from", "2001-01-01", "--to", "2001-01-03"});
  EXPECT_EQ(result.exit_code, 2) << result.describe();
  EXPECT_NE(result.err.find(": from: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("in the past"), std::string::npos) << result.err;
}

TEST_F(DataLossTest, EveryTextOptionHasALengthRule) {
  const std::string huge(120'000, 'x');
  for (std::vector<std::string> command :
       std::vector<std::vector<std::string>>{{"property", "list", "--city", huge},
                                             {"property", "get", huge},
                                             {"bookings", "list", "--guest", huge},
                                             {"history", "--guest", huge},
                                             {"cancel", huge}}) {
    ProcessResult result = cli(data(), command);
    EXPECT_EQ(result.exit_code, 2) << fmt::format("{}", command[0]) << ": " << result.describe();
    EXPECT_LT(result.err.size(), 1000u) << "the error quotes no 120 KB value";
  }
}

}  // namespace
}  // namespace staylab
