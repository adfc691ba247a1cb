#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace staylab::testing {

struct ProcessOptions {
  // Written to the child's stdin, which is then closed. Default: empty.
  std::string input;
  // The child's environment as "NAME=value" entries; nullopt inherits ours.
  std::optional<std::vector<std::string>> environment;
  // After this long the child is killed with SIGKILL and `timed_out` is set.
  // Default: 60 s.
  std::chrono::milliseconds timeout{60'000};
  // The child's working directory; nullopt keeps ours.
  std::optional<std::filesystem::path> working_directory;
};

struct ProcessResult {
  int exit_code = -1;   // The exit status when the child exited; -1 when a signal ended it.
  int term_signal = 0;  // The signal that ended the child; 0 when it exited.
  bool timed_out = false;
  std::string out;  // Everything the child wrote to stdout.
  std::string err;  // Everything the child wrote to stderr.

  bool exited() const { return term_signal == 0; }
  // Returns a one-line summary for assertion messages.
  std::string describe() const;
};

// Runs `program` with `args` as argv[1..] and waits for it, capturing stdout
// and stderr. No shell is involved: each argument reaches the child byte for
// byte (any bytes but NUL, valid UTF-8 or not). Throws std::runtime_error
// when the child cannot be started (a test-setup failure, not a result).
// Thread safety: safe to call from several threads at once.
ProcessResult runProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
                         const ProcessOptions& options = {});

}  // namespace staylab::testing
