// libFuzzer target for staylab-cli's argument parsing: the real CLI11 set-up
// of runCli, stopped before it runs anything (CliStage::ParseOnly), so no
// data directory is touched (tests/CMakeLists.txt staylab_add_fuzz_target:
// cli_args_fuzz, cli_args_fuzz_replay). The input is the command line, one
// argument a line, without the program name.
//
// Beyond "does not crash" (runCli must neither throw nor exit), every
// command line checks:
//   - the exit code is 0 (parsed), 1 (refused) or 2 (bad input): nothing
//     else is possible before a store is opened;
//   - a failure prints one error on stderr: "staylab-cli: ..." or, with
//     --json, a JSON object {"error": {kind, code, field, message}} with a
//     message, as scripts read it.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/cli.h"
#include "tests/support/fuzz_checks.h"

namespace {

using staylab::fuzz::violated;

// Arguments beyond this say nothing new and only slow the search down.
constexpr std::size_t kMaxArguments = 64;

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() < kMaxArguments) {
    const std::size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return lines;
}

void checkError(const std::string& error, int code, const std::string& shown) {
  if (error.starts_with("staylab-cli: ") && error.size() > 13) {
    return;
  }
  const nlohmann::json json = nlohmann::json::parse(error, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("error") ||
      !json["error"].is_object() || !json["error"].value("message", nlohmann::json()).is_string() ||
      json["error"]["message"].get<std::string>().empty()) {
    violated("a failure prints one readable error",
             "exit " + std::to_string(code) + "\n" + shown + "\nstderr: " + error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::string> arguments =
      splitLines(std::string_view(reinterpret_cast<const char*>(data), size));
  std::vector<const char*> argv{"staylab-cli"};
  std::string shown = "staylab-cli";
  for (const std::string& argument : arguments) {
    argv.push_back(argument.c_str());  // An argument ends at its first NUL, as in a real argv.
    shown += " '" + std::string(argument.c_str()) + "'";
  }
  std::ostringstream out;
  std::ostringstream err;
  const int code = staylab::app::runCli(static_cast<int>(argv.size()), argv.data(), out, err,
                                        staylab::app::CliStage::ParseOnly);
  if (code != staylab::app::kExitOk && code != staylab::app::kExitRefused &&
      code != staylab::app::kExitBadInput) {
    violated("parsing ends in exit 0, 1 or 2", "exit " + std::to_string(code) + "\n" + shown);
  }
  if (code != staylab::app::kExitOk) {
    checkError(err.str(), code, shown);
  }
  return 0;
}
