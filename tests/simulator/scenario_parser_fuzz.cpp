// libFuzzer target for the scenario parser. Built with Clang's
// -fsanitize=fuzzer as `scenario_parser_fuzz` (option STAYLAB_FUZZ), and
// always as part of `scenario_parser_fuzz_replay` (fuzz_replay_main.cpp),
// which GCC can build too.
//
// Beyond "does not crash", every input checks two properties:
//   - a rejected scenario names a position "fuzz.yaml:<line>:<column>"
//     (both from 1) and a reason short enough to read (input quoted in it
//     is abbreviated);
//   - an accepted scenario written back with toYaml() parses to an equal
//     Scenario, and writing that again gives the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "simulator/scenario/scenario_parser.h"
#include "simulator/scenario/scenario_yaml.h"

namespace {

constexpr std::size_t kMaxMessageBytes = 1024;

[[noreturn]] void violated(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "scenario parser property violated: %.*s\n%.*s\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

// Returns true for "<file>:<line>:<column>" with positive line and column.
bool isPosition(std::string_view field, std::string_view file) {
  if (!field.starts_with(file) || field.size() <= file.size() || field[file.size()] != ':') {
    return false;
  }
  std::string_view rest = field.substr(file.size() + 1);
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  const auto positive = [](std::string_view digits) {
    return !digits.empty() && digits.front() != '0' &&
           digits.find_first_not_of("0123456789") == std::string_view::npos;
  };
  return positive(rest.substr(0, colon)) && positive(rest.substr(colon + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace staylab;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<sim::Scenario> scenario = sim::parseScenarioText(text, "fuzz.yaml");
  if (!scenario) {
    const Error& error = scenario.error();
    if (error.kind != ErrorKind::InvalidInput || !error.code.starts_with("scenario.") ||
        !isPosition(error.field, "fuzz.yaml") || error.message.empty() ||
        error.message.size() > kMaxMessageBytes) {
      violated("a rejection names a position and a reason", error.describe());
    }
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
