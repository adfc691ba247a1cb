#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace staylab::testing {

// A child program the test talks to through pipes: the test writes to its
// stdin and reads its stdout line by line; its stderr is the test's. For
// crash tests (kill it at a chosen moment, keep what it said before dying)
// and races (start several, release them together).
// Thread safety: one object is used by one thread; separate objects may be
// used from separate threads.
class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts `program` with `args` as argv[1..] and the test's environment,
  // with each "NAME=value" of `environment` added (replacing a variable of
  // that name). Throws std::runtime_error when it cannot be started (a
  // test-setup failure, not a result).
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
               const std::vector<std::string>& environment = {});
  // Kills a child still running (SIGKILL) and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return m_pid; }

  // Reads the child's output until it has written the complete line `line`
  // (true), or until `deadline` or the end of its output (false).
  bool waitForLine(std::string_view line, Clock::time_point deadline);
  // Reads the child's output until it has written a complete line that
  // starts with `prefix` (true), or until `deadline` or the end of its
  // output (false). Looks only past the line the last call matched, so that
  // successive calls follow the child's output in order.
  bool waitForLineStartingWith(std::string_view prefix, Clock::time_point deadline);
  // Reads the child's output until `deadline`; returns true when its output
  // ended first (the child closed it, normally by dying).
  bool readUntil(Clock::time_point deadline);
  // Writes `bytes` to the child's stdin; false when the child no longer reads it.
  bool send(std::string_view bytes);

  // Sends SIGKILL unless the child has already ended. Returns true when the
  // test's signal found it alive, false when it had died or exited by itself.
  bool kill();
  // Reads the rest of the output and waits for the child to end.
  void wait();

  // After wait(): the signal that ended the child (0 when it exited) and its
  // exit status (-1 when a signal ended it).
  int termSignal() const { return m_term_signal; }
  int exitCode() const { return m_exit_code; }
  bool diedOfSigkill() const;

  // Everything the child wrote so far.
  const std::string& output() const { return m_output; }
  // Every complete line so far, in order, without its newline. A last line
  // with no newline is left out: a kill cut it, so it was never said.
  std::vector<std::string> completeLines() const;
  // Returns a summary (pid, how it ended, the start of its output) for
  // assertion messages.
  std::string describe() const;

 private:
  // Reads once, waiting until `deadline` at most; false at the end of output.
  bool readSome(Clock::time_point deadline);
  // Reaps the child if it has ended (or, with `block`, once it ends).
  bool reap(bool block);

  pid_t m_pid = -1;
  int m_stdin = -1;
  int m_stdout = -1;
  bool m_reaped = false;
  int m_term_signal = 0;
  int m_exit_code = -1;
  std::string m_output;
  size_t m_matched_end = 0;  // Where the line waitForLineStartingWith() last matched ends.
};

// How a child run by runUntilKilled() ended and what it said.
struct KilledChild {
  std::vector<std::string> lines;  // Complete lines only (see completeLines()).
  bool ready = false;              // It said READY.
  bool killed_by_test = false;     // The test's SIGKILL found it alive.
  bool died_of_sigkill = false;    // SIGKILL ended it (the test's or its own).
  std::string description;         // ChildProcess::describe(), for messages.
};

// Starts `program` with `args`, waits for its line "READY" (at most
// `ready_within`), lets it work `after_ready` more, then kills it with
// SIGKILL and returns what it said. A child that dies by itself before that
// is not signalled: `killed_by_test` stays false.
KilledChild runUntilKilled(const std::filesystem::path& program,
                           const std::vector<std::string>& args,
                           std::chrono::milliseconds after_ready,
                           std::chrono::milliseconds ready_within = std::chrono::seconds(30));

// Starts `program` with `args` and `environment` (as ChildProcess does),
// waits for its line "READY", then for `count` more lines starting with
// `prefix` (a child that acknowledges its work line by line), then kills it
// with SIGKILL and returns what it said. All within `within`; a child that
// is not READY, or says fewer lines in time, is killed all the same, and
// `ready` or the count of lines tells.
KilledChild killAfterLines(const std::filesystem::path& program,
                           const std::vector<std::string>& args,
                           const std::vector<std::string>& environment, std::string_view prefix,
                           int count, std::chrono::milliseconds within = std::chrono::seconds(60));

}  // namespace staylab::testing
