#pragma once

#include <iosfwd>

namespace staylab::app {

// Exit codes of staylab-cli, part of its scripting contract.
enum ExitCode : int {
  kExitOk = 0,
  kExitRefused = 1,       // Refused by the domain: nights taken, unknown id, suspended property.
  kExitBadInput = 2,      // Bad input; stderr names the field and the rule.
  kExitStoreFailure = 3,  // A store failed.
};

// How far runCli goes with a command line.
enum class CliStage {
  Run,  // Everything: parse, check, open the data directory, run the command.
  // Parse and check the command line as Run does (CLI11, option lengths,
  // options given empty, the local admin's right to the command), print what
  // Run prints for --help or bad input, then return kExitOk instead of
  // running anything: no data directory, key file or scenario is touched.
  // The seam the argument fuzzer drives (tests/app/cli_args_fuzz.cpp).
  ParseOnly,
};

// Runs staylab-cli with `argv`, printing results to `out` and errors to `err`.
// Returns the exit code. Default stage: CliStage::Run.
int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
           CliStage stage = CliStage::Run);

}  // namespace staylab::app
