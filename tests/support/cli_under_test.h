#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "tests/support/run_process.h"

namespace staylab::testing {

// Returns the staylab-cli binary the suite drives: STAYLAB_TEST_CLI when set
// (another build, e.g. an older one, to see a regression test fail on it),
// else the build's own (STAYLAB_CLI_PATH, defined by the suite's target).
inline std::filesystem::path cliUnderTest() {
  const char* other = std::getenv("STAYLAB_TEST_CLI");
  return other && *other ? std::filesystem::path(other) : std::filesystem::path(STAYLAB_CLI_PATH);
}

// Runs `staylab-cli --data DATA_DIR ARGS...`.
inline ProcessResult runCliOn(const std::filesystem::path& data_dir,
                              std::vector<std::string> args) {
  args.insert(args.begin(), {"--data", data_dir.string()});
  return runProcess(cliUnderTest(), args);
}

// Runs `staylab-cli --data DATA_DIR --json ARGS...`, which must succeed, and
// returns its answer; throws with the process's result otherwise.
inline nlohmann::json cliAnswer(const std::filesystem::path& data_dir,
                                std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  ProcessResult result = runCliOn(data_dir, args);
  if (result.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("staylab-cli {} failed: {}", fmt::join(args, " "), result.describe()));
  }
  return nlohmann::json::parse(result.out);
}

}  // namespace staylab::testing
