// libFuzzer target for the scenario parser (tests/CMakeLists.txt
// staylab_add_fuzz_target: built as scenario_parser_fuzz with STAYLAB_FUZZ,
// always as scenario_parser_fuzz_replay).
//
// Beyond "does not crash", every input checks two properties:
//   - a rejected scenario names a position "fuzz.yaml:<line>:<column>"
//     (both from 1) and a reason short enough to read (input quoted in it
//     is abbreviated);
//   - an accepted scenario written back with toYaml() parses to an equal
//     Scenario, and writing that again gives the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"
#include "tests/support/fuzz_checks.h"

using staylab::fuzz::violated;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace staylab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<sim::Scenario> scenario = sim::parseScenarioText(text, "fuzz.yaml");
  if (!scenario) {
    fuzz::expectBadInput(scenario.error(), "scenario.", "fuzz.yaml");
    return 0;
  }
  const std::string canonical = sim::toYaml(*scenario);
  const Result<sim::Scenario> again = sim::parseScenarioText(canonical, "canonical.yaml");
  if (!again) {
    violated("toYaml output parses", again.error().describe() + "\n" + canonical);
  }
  if (*again != *scenario) {
    violated("toYaml output parses to an equal scenario", canonical);
  }
  if (sim::toYaml(*again) != canonical) {
    violated("toYaml is stable", canonical);
  }
  return 0;
}
