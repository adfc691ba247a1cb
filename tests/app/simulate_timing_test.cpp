// Where a simulated run's wall time goes: staylab-cli simulate times every
// call into the real platform (sim::TimedSystem) and writes timing.json
// beside the report, and the engine's share is what is left. Wall time
// differs from run to run, so summary.json never holds it.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/app/simulate_cli.h"
#include "tests/simulator/engine_support.h"

namespace staylab::app {
namespace {

namespace fs = std::filesystem;
using testing::readFile;
using testing::SimulateCliTest;

nlohmann::json timingIn(const fs::path& report_dir) {
  return nlohmann::json::parse(readFile(report_dir / "timing.json"));
}

// The figures add up: the engine's seconds are the wall's less the
// platform's, and its share is that over the wall.
void expectConsistent(const nlohmann::json& timing) {
  const double wall = timing.at("wall_seconds");
  const double platform = timing.at("platform_seconds");
  const double engine = timing.at("engine_seconds");
  EXPECT_GT(wall, 0.0);
  EXPECT_GE(platform, 0.0);
  EXPECT_LE(platform, wall);
  EXPECT_NEAR(engine, wall - platform, 1e-9);
  EXPECT_NEAR(timing.at("engine_share").get<double>(), engine / wall, 1e-9);
}

TEST_F(SimulateCliTest, RealPlatformRunWritesWhereItsWallTimeWentBesideTheSummary) {
  const fs::path scenario = sim::testing::assetsDir() / "scenarios" / "steady-state.yaml";
  const fs::path report_dir = m_dir.path() / "report";
  const auto result =
      cli({"simulate", scenario.string(), "--until", "5s", "--report", report_dir.string()});
  // Cut at 5 s, an expectation over the whole run may fail (exit 1): the
  // report, timing included, is written either way.
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1) << result.describe();
  const nlohmann::json timing = timingIn(report_dir);
  expectConsistent(timing);
  // Seeding, every request, every consumer step and the final check.
  EXPECT_GT(timing.at("platform_calls").get<int64_t>(), 100);
  EXPECT_GT(timing.at("platform_seconds").get<double>(), 0.0);
  // The printed line reports the same wall time as timing.json.
  EXPECT_NE(
      result.out.find(fmt::format("wall time {:.2f} s", timing.at("wall_seconds").get<double>())),
      std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("the platform's code"), std::string::npos) << result.out;
  const std::string summary = readFile(report_dir / "summary.json");
  EXPECT_EQ(summary.find("wall"), std::string::npos) << "summary.json stays deterministic";
  EXPECT_EQ(summary.find("platform_seconds"), std::string::npos);
}

TEST_F(SimulateCliTest, ModelOnlyRunSpendsNoTimeInThePlatform) {
  const std::string scenario = write("model.yaml", R"(schema: 1
name: model
description: Ten seconds of an M/M/c station.
duration: 10s
topology: { file: mmc }
load:
  - { phase: p, for: 10s, arrivals: { kind: poisson, rate: 9/s },
      mix: { search: 100, view: 0, book: 0, cancel: 0, edit: 0 } }
)");
  const fs::path report_dir = m_dir.path() / "model-report";
  const auto result = cli({"simulate", scenario, "--report", report_dir.string()});
  ASSERT_EQ(result.exit_code, 0) << result.describe();
  const nlohmann::json timing = timingIn(report_dir);
  expectConsistent(timing);
  EXPECT_EQ(timing.at("platform_calls").get<int64_t>(), 0);
  EXPECT_EQ(timing.at("platform_seconds").get<double>(), 0.0);
  EXPECT_EQ(timing.at("engine_share").get<double>(), 1.0);
}

}  // namespace
}  // namespace staylab::app
