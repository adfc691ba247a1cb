#pragma once

#include <cstdlib>
#include <filesystem>

namespace staylab::testing {

// Returns the staylab-cli binary the suite drives: STAYLAB_TEST_CLI when set
// (another build, e.g. an older one, to see a regression test fail on it),
// else the build's own (STAYLAB_CLI_PATH, defined by the suite's target).
inline std::filesystem::path cliUnderTest() {
  const char* other = std::getenv("STAYLAB_TEST_CLI");
  return other && *other ? std::filesystem::path(other) : std::filesystem::path(STAYLAB_CLI_PATH);
}

}  // namespace staylab::testing
