#pragma once

// What the suites of staylab-cli simulate share: a fixture that runs the CLI
// over scenario files written into a scratch directory.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_under_test.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab::testing {

class SimulateCliTest : public ::testing::Test {
 protected:
  ProcessResult cli(const std::vector<std::string>& args) {
    ProcessOptions options;
    options.timeout = std::chrono::minutes(5);
    // Default output paths (staylab-reports/, calibrated.yaml) land in the scratch directory.
    options.working_directory = m_dir.path();
    return runProcess(cliUnderTest(), args, options);
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto file = m_dir.path() / name;
    std::ofstream(file) << text;
    return file.string();
  }
  TempDir m_dir;
};

// Returns the bytes of `file`.
inline std::string readFile(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

}  // namespace staylab::testing
