// staylab-cli simulate's and calibrate's option values and output paths, as a
// careless script gives them: a flag given empty (an unset variable) is bad
// input naming the flag, never its default; a --report or --keep-data that
// cannot become a folder is bad input naming the flag before the run, not a
// store failure after it. Each runs the CLI in a scratch working directory,
// where the defaults (staylab-reports/, calibrated.yaml) would land.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/app/simulate_cli.h"

namespace staylab::app {
namespace {

namespace fs = std::filesystem;
using testing::SimulateCliTest;

constexpr const char* kShort = R"(schema: 1
name: short
description: Two seconds of an M/M/c station.
duration: 2s
topology: { file: mmc }
load:
  - { phase: p, for: 2s, arrivals: { kind: poisson, rate: 5/s },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
)";

// Returns every entry below `dir`, relative to it.
std::vector<std::string> entriesBelow(const fs::path& dir) {
  std::vector<std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    entries.push_back(fs::relative(entry.path(), dir).string());
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

TEST_F(SimulateCliTest, AFlagGivenEmptyIsBadInputNamingItNotItsDefault) {
  const std::string scenario = write("short.yaml", kShort);
  const auto before = entriesBelow(m_dir.path());
  const std::vector<std::vector<std::string>> commands = {
      {"simulate", scenario, "--report", ""},
      {"simulate", scenario, "--keep-data", ""},
      {"simulate", scenario, "--seed", ""},
      {"simulate", scenario, "--until", ""},
      {"simulate", scenario, "--interval", ""},
      {"calibrate", "--properties", "12", "--samples", "20", "--out", ""},
  };
  for (const auto& command : commands) {
    const std::string flag = command[command.size() - 2];
    const auto result = cli(command);
    EXPECT_EQ(result.exit_code, 2) << flag << ": " << result.describe();
    EXPECT_TRUE(result.out.empty()) << flag << ": " << result.out;
    EXPECT_NE(result.err.find(flag), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("must not be empty"), std::string::npos) << result.err;
  }
  EXPECT_EQ(entriesBelow(m_dir.path()), before) << "nothing was written to a default path";
}

TEST_F(SimulateCliTest, AnOutputFolderThatCannotBeMadeIsBadInputBeforeTheRun) {
  const std::string scenario = write("short.yaml", kShort);
  const std::string file = write("notes.txt", "not a folder\n");
  for (const std::string& flag : {std::string("--report"), std::string("--keep-data")}) {
    for (const fs::path& target : {fs::path(file), fs::path(file) / "inside"}) {
      const auto result = cli({"simulate", scenario, flag, target.string()});
      EXPECT_EQ(result.exit_code, 2) << flag << " " << target << ": " << result.describe();
      EXPECT_TRUE(result.out.empty()) << "the run was not started: " << result.out;
      EXPECT_NE(result.err.find(": " + flag + ": "), std::string::npos) << result.err;
    }
  }
  std::ifstream kept(file);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "not a folder\n");

  // A folder that does not exist yet is made, as before.
  const fs::path fresh = m_dir.path() / "new" / "reports";
  const auto made = cli({"simulate", scenario, "--report", fresh.string()});
  EXPECT_EQ(made.exit_code, 0) << made.describe();
  EXPECT_TRUE(fs::exists(fresh / "summary.json"));
}

}  // namespace
}  // namespace staylab::app
