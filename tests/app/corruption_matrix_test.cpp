// A hostile tester's matrix: every store of a seeded data directory is made
// missing, empty, truncated, or has a byte flipped at several places, and
// every command then runs over it through the real staylab-cli binary. No
// command may exit 0 with a wrong or empty answer: it must answer exactly as
// over the undamaged copy, or fail with exit 3 (a store failure) - and
// `check`, whose verdict is its exit code 1, may say so instead. And no
// write or maintenance command may hide the damage: after one that goes
// through, `check` still fails where it failed before (only `rebuild` may
// repair a damaged read model, and must).

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/cli_under_test.h"
#include "tests/support/largest_file.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

using staylab::testing::cliAnswer;

ProcessResult runCli(const fs::path& data_dir, const std::vector<std::string>& args) {
  return staylab::testing::runCliOn(data_dir, args);
}

enum class Damage { Missing, Empty, Truncated, Flipped };

struct Corruption {
  std::string store;  // A file or folder of the data directory.
  Damage damage;
  int flip_at = 0;  // For Flipped: the byte at flip_at / (kFlipPlaces + 1) of the file.
};

constexpr int kFlipPlaces = 6;
const std::vector<std::string> kStores = {"listing.db", "booking.db", "events",
                                          "history",    "search",     "fraud"};

std::vector<Corruption> everyCorruption() {
  std::vector<Corruption> all;
  for (const auto& store : kStores) {
    all.push_back({store, Damage::Missing});
    all.push_back({store, Damage::Empty});
    all.push_back({store, Damage::Truncated});
    for (int place = 1; place <= kFlipPlaces; ++place) {
      all.push_back({store, Damage::Flipped, place});
    }
  }
  return all;
}

bool isReadModel(const std::string& store) {
  return store == "history" || store == "search" || store == "fraud";
}

// The date `days` from today, as the CLI takes it.
std::string daysFromToday(int days) {
  using namespace std::chrono;
  const year_month_day date{floor<std::chrono::days>(system_clock::now()) +
                            std::chrono::days(days)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

std::string nameOf(const Corruption& corruption) {
  std::string store;
  for (char c : corruption.store) {
    store += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  switch (corruption.damage) {
    case Damage::Missing:
      return store + "_missing";
    case Damage::Empty:
      return store + "_empty";
    case Damage::Truncated:
      return store + "_truncated";
    case Damage::Flipped:
      return fmt::format("{}_flipped_at_{}_of_{}", store, corruption.flip_at, kFlipPlaces + 1);
  }
  return store;
}

// Returns the file of `store` that holds its data: the file itself, or the
// largest file of a folder.
fs::path dataFileOf(const fs::path& path) {
  return fs::is_directory(path) ? staylab::testing::largestFileIn(path) : path;
}

void damage(const fs::path& data_dir, const Corruption& corruption) {
  const fs::path path = data_dir / corruption.store;
  const fs::path file = dataFileOf(path);
  switch (corruption.damage) {
    case Damage::Missing:
      fs::remove_all(path);
      return;
    case Damage::Empty:
      if (fs::is_directory(path)) {
        for (const auto& entry : fs::directory_iterator(path)) {
          fs::remove_all(entry.path());
        }
      } else {
        fs::resize_file(path, 0);
      }
      return;
    case Damage::Truncated:
      fs::resize_file(file, fs::file_size(file) / 2);
      return;
    case Damage::Flipped: {
      const auto size = static_cast<std::streamoff>(fs::file_size(file));
      const std::streamoff at = size * corruption.flip_at / (kFlipPlaces + 1);
      std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
      stream.seekg(at);
      char byte = 0;
      stream.read(&byte, 1);
      byte = static_cast<char>(byte ^ 0x5a);
      stream.seekp(at);
      stream.write(&byte, 1);
      return;
    }
  }
}

// Seeds the data set once; runs every command over the undamaged copy once.
class CorruptionMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path data = m_pristine / "data";
    ProcessResult seeded = runCli(data, {"seed", "--properties", "60", "--seed", "3"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.describe();
    auto properties = cliAnswer(data, {"property", "list"});
    auto bookings = cliAnswer(data, {"bookings", "list"});
    ASSERT_FALSE(properties.empty());
    nlohmann::json taken;
    for (const auto& booking : bookings) {
      if (booking["status"] == "confirmed") {
        taken = booking;
        break;
      }
    }
    ASSERT_FALSE(taken.is_null());
    const std::string property = properties[0]["id"];
    const std::string booked = taken["property_id"];
    const std::string guest = taken["guest"];
    m_commands = {
        {"property", "list"},
        {"property", "get", property},
        {"bookings", "list"},
        {"bookings", "list", "--property", booked},
        {"search", "flat"},
        {"search", "--city", "Lisbon", "--sort", "price"},
        {"history", "--property", booked},
        {"history", "--guest", guest},
        {"events", "tail", "--limit", "40"},
        {"fraud", "report"},
        {"check"},
        // The nights of a confirmed booking: refused over sound stores.
        {"book", "--property", booked, "--guest", "mallory", "--from", taken["from"], "--to",
         taken["to"]},
    };
    m_writes = {
        // Nights far ahead, free over sound stores.
        {"book", "--property", property, "--guest", "gina", "--from", daysFromToday(200), "--to",
         daysFromToday(203)},
        {"cancel", taken["booking_id"]},
        {"property", "create", "--host", "hana", "--title", "Loft by the river", "--city", "Lisbon",
         "--price", "95.00", "--currency", "EUR", "--capacity", "3"},
        {"property", "update", property, "--price", "101.50"},
        {"drain"},
        {"rebuild"},
        {"seed", "--properties", "3", "--seed", "9"},
        {"keys", "add", "--caller", "gina", "--role", "guest"},
    };
    for (const auto& command : m_commands) {
      TempDir copy;
      fs::copy(data, copy / "data", fs::copy_options::recursive);
      m_expected.push_back(runCli(copy / "data", command));
    }
  }

  TempDir m_pristine;
  std::vector<std::vector<std::string>> m_commands;
  std::vector<std::vector<std::string>> m_writes;
  std::vector<ProcessResult> m_expected;  // Per command, over the undamaged copy.
};

TEST_F(CorruptionMatrixTest, NoCommandAnswersWronglyOverADamagedStore) {
  size_t cases = 0, failures = 0, same = 0;
  for (const Corruption& corruption : everyCorruption()) {
    for (size_t index = 0; index < m_commands.size(); ++index) {
      const auto& command = m_commands[index];
      TempDir copy;
      fs::copy(m_pristine / "data", copy / "data", fs::copy_options::recursive);
      damage(copy / "data", corruption);
      ProcessResult result = runCli(copy / "data", command);
      ++cases;
      const ProcessResult& expected = m_expected[index];
      const bool unchanged = result.exit_code == expected.exit_code && result.out == expected.out;
      const bool store_failure = result.exit_code == 3 && result.out.empty();
      const bool check_failed = command.front() == "check" && result.exit_code == 1;
      same += unchanged ? 1 : 0;
      failures += store_failure ? 1 : 0;
      EXPECT_TRUE(unchanged || store_failure || check_failed)
          << "staylab-cli " << fmt::format("{}", fmt::join(command, " ")) << " over "
          << nameOf(corruption) << " answered " << result.describe() << "\nstdout:\n"
          << result.out.substr(0, 600) << "\nundamaged it answered exit " << expected.exit_code;
      if (store_failure) {
        EXPECT_NE(result.err.find(corruption.store), std::string::npos)
            << "a store failure names the damaged store (" << nameOf(corruption)
            << "): " << result.err;
      }
    }
  }
  std::cout << fmt::format(
      "{} cases ({} damages x {} commands): {} store failures, {} answers as undamaged, "
      "{} failed checks\n",
      cases, everyCorruption().size(), m_commands.size(), failures, same, cases - failures - same);
  EXPECT_GE(cases, 100u);
}

TEST_F(CorruptionMatrixTest, NoWriteOrMaintenanceHidesTheDamage) {
  size_t cases = 0, refused = 0, repaired = 0;
  for (const Corruption& corruption : everyCorruption()) {
    TempDir damaged;
    fs::copy(m_pristine / "data", damaged / "data", fs::copy_options::recursive);
    damage(damaged / "data", corruption);
    const bool seen_before = runCli(damaged / "data", {"check"}).exit_code != 0;
    for (const auto& command : m_writes) {
      TempDir copy;
      fs::copy(damaged / "data", copy / "data", fs::copy_options::recursive);
      ProcessResult result = runCli(copy / "data", command);
      ++cases;
      const std::string what =
          fmt::format("staylab-cli {} over {}", fmt::join(command, " "), nameOf(corruption));
      if (result.exit_code == 3) {
        ++refused;
        EXPECT_NE(result.err.find(corruption.store), std::string::npos)
            << what << ": a store failure names the damaged store: " << result.err;
        continue;
      }
      ProcessResult after = runCli(copy / "data", {"check"});
      const bool repairs = command.front() == "rebuild" && isReadModel(corruption.store);
      if (seen_before && !repairs) {
        EXPECT_NE(after.exit_code, 0) << what << " answered " << result.describe()
                                      << "\nand check passes after it, though it failed before";
      } else {
        repaired += seen_before ? 1 : 0;
        EXPECT_EQ(after.exit_code, 0)
            << what << " answered " << result.describe() << "\nand check fails after it:\n"
            << after.out.substr(0, 600) << after.err.substr(0, 600);
      }
    }
  }
  std::cout << fmt::format(
      "{} cases ({} damages x {} writes): {} store failures, {} damaged read models repaired by "
      "rebuild\n",
      cases, everyCorruption().size(), m_writes.size(), refused, repaired);
  EXPECT_GE(cases, 100u);
  EXPECT_GT(repaired, 0u);
}

}  // namespace
}  // namespace staylab
