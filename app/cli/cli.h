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

// Runs staylab-cli with `argv`, printing results to `out` and errors to `err`.
// Returns the exit code.
int runCli(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace staylab::app
