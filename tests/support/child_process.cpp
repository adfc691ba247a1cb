#include "tests/support/child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

extern char** environ;

namespace staylab::testing {
namespace {

// Writing to a child that died must give EPIPE, not kill the test.
void ignoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

void closeFd(int& fd) {
  if (fd >= 0) {
    ::close(fd);
    fd = -1;
  }
}

}  // namespace

ChildProcess::ChildProcess(const std::filesystem::path& program,
                           const std::vector<std::string>& args,
                           const std::vector<std::string>& environment) {
  ignoreSigpipeOnce();
  // Close-on-exec, so that children started at the same time from other
  // threads do not inherit these ends (the spawn's dup2 clears the flag on
  // this child's copies only).
  int in_fds[2];
  int out_fds[2];
  if (::pipe2(in_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("pipe2 failed: {}", strerror(errno)));
  }
  if (::pipe2(out_fds, O_CLOEXEC) != 0) {
    ::close(in_fds[0]);
    ::close(in_fds[1]);
    throw std::runtime_error(fmt::format("pipe2 failed: {}", strerror(errno)));
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fds[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_fds[1], STDOUT_FILENO);
  // The child starts with default signal handling, whatever the test ignores.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  std::string program_path = program.string();
  std::vector<std::string> arg_copies = args;
  std::vector<char*> argv;
  argv.push_back(program_path.data());
  for (auto& arg : arg_copies) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> variables = environment;
  std::vector<char*> envp;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    std::string_view entry(*variable);
    const auto replaced = [&entry](const std::string& added) {
      const auto name_end = added.find('=');
      return entry.substr(0, entry.find('=')) == std::string_view(added).substr(0, name_end);
    };
    if (std::none_of(variables.begin(), variables.end(), replaced)) {
      envp.push_back(*variable);
    }
  }
  for (auto& variable : variables) {
    envp.push_back(variable.data());
  }
  envp.push_back(nullptr);
  int spawned =
      ::posix_spawn(&m_pid, program_path.c_str(), &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(in_fds[0]);
  ::close(out_fds[1]);
  if (spawned != 0) {
    ::close(in_fds[1]);
    ::close(out_fds[0]);
    throw std::runtime_error(fmt::format("cannot start {}: {}", program_path, strerror(spawned)));
  }
  m_stdin = in_fds[1];
  m_stdout = out_fds[0];
}

ChildProcess::~ChildProcess() {
  if (!m_reaped) {
    ::kill(m_pid, SIGKILL);
    reap(true);
  }
  closeFd(m_stdin);
  closeFd(m_stdout);
}

bool ChildProcess::readSome(Clock::time_point deadline) {
  if (m_stdout < 0) {
    return false;
  }
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    // Rounded up, so that a wait never ends before its deadline.
    int timeout = static_cast<int>(std::max<int64_t>(0, left.count() + 1));
    pollfd descriptor{m_stdout, POLLIN, 0};
    int ready = ::poll(&descriptor, 1, timeout);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready < 0) {
      throw std::runtime_error(fmt::format("poll failed: {}", strerror(errno)));
    }
    if (ready == 0) {
      return true;  // Nothing yet; the output goes on.
    }
    char buffer[65536];
    ssize_t count = ::read(m_stdout, buffer, sizeof buffer);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count <= 0) {
      closeFd(m_stdout);
      return false;
    }
    m_output.append(buffer, static_cast<size_t>(count));
    return true;
  }
}

bool ChildProcess::waitForLine(std::string_view line, Clock::time_point deadline) {
  const std::string wanted = std::string(line) + "\n";
  size_t searched_from = 0;
  while (true) {
    // A line is "said" only from its start: at the output's start or after a newline.
    for (size_t at = m_output.find(wanted, searched_from); at != std::string::npos;
         at = m_output.find(wanted, at + 1)) {
      if (at == 0 || m_output[at - 1] == '\n') {
        return true;
      }
    }
    searched_from = m_output.size() >= wanted.size() ? m_output.size() - wanted.size() : 0;
    if (Clock::now() >= deadline || !readSome(deadline)) {
      return false;
    }
  }
}

bool ChildProcess::waitForLineStartingWith(std::string_view prefix, Clock::time_point deadline) {
  size_t line_start = m_matched_end;  // Lines before it are complete and did not match.
  while (true) {
    for (size_t end = m_output.find('\n', line_start); end != std::string::npos;
         end = m_output.find('\n', line_start)) {
      if (std::string_view(m_output).substr(line_start, end - line_start).starts_with(prefix)) {
        m_matched_end = end + 1;
        return true;
      }
      line_start = end + 1;
    }
    if (Clock::now() >= deadline || !readSome(deadline)) {
      return false;
    }
  }
}

bool ChildProcess::readUntil(Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (!readSome(deadline)) {
      return true;
    }
  }
  return m_stdout < 0;
}

bool ChildProcess::send(std::string_view bytes) {
  while (!bytes.empty()) {
    if (m_stdin < 0) {
      return false;
    }
    ssize_t written = ::write(m_stdin, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written <= 0) {
      closeFd(m_stdin);
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

bool ChildProcess::reap(bool block) {
  if (m_reaped) {
    return true;
  }
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(m_pid, &status, block ? 0 : WNOHANG);
    if (done < 0 && errno == EINTR) {
      continue;
    }
    if (done < 0) {
      throw std::runtime_error(fmt::format("waitpid failed: {}", strerror(errno)));
    }
    if (done == 0) {
      return false;
    }
    break;
  }
  m_reaped = true;
  if (WIFEXITED(status)) {
    m_exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    m_term_signal = WTERMSIG(status);
  }
  return true;
}

bool ChildProcess::kill() {
  if (reap(false)) {
    return false;
  }
  return ::kill(m_pid, SIGKILL) == 0;
}

void ChildProcess::wait() {
  closeFd(m_stdin);
  while (readSome(Clock::now() + std::chrono::hours(1))) {
  }
  reap(true);
}

bool ChildProcess::diedOfSigkill() const {
  return m_reaped && m_term_signal == SIGKILL;
}

std::vector<std::string> ChildProcess::completeLines() const {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end = m_output.find('\n'); end != std::string::npos;
       end = m_output.find('\n', start)) {
    lines.push_back(m_output.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::string ChildProcess::describe() const {
  std::string ended = !m_reaped           ? "still running"
                      : m_term_signal > 0 ? fmt::format("signal {}", m_term_signal)
                                          : fmt::format("exit code {}", m_exit_code);
  return fmt::format("child {} ({}), its output:\n{}", m_pid, ended, m_output.substr(0, 2000));
}

KilledChild runUntilKilled(const std::filesystem::path& program,
                           const std::vector<std::string>& args,
                           std::chrono::milliseconds after_ready,
                           std::chrono::milliseconds ready_within) {
  ChildProcess child(program, args);
  KilledChild result;
  result.ready = child.waitForLine("READY", ChildProcess::Clock::now() + ready_within);
  if (result.ready) {
    const bool ended = child.readUntil(ChildProcess::Clock::now() + after_ready);
    // A child whose output ended is dying by itself: it is not the test's kill.
    result.killed_by_test = !ended && child.kill();
  } else {
    child.kill();
  }
  child.wait();
  result.lines = child.completeLines();
  result.died_of_sigkill = child.diedOfSigkill();
  result.description = child.describe();
  return result;
}

KilledChild killAfterLines(const std::filesystem::path& program,
                           const std::vector<std::string>& args,
                           const std::vector<std::string>& environment, std::string_view prefix,
                           int count, std::chrono::milliseconds within) {
  ChildProcess child(program, args, environment);
  const auto deadline = ChildProcess::Clock::now() + within;
  KilledChild result;
  result.ready = child.waitForLine("READY", deadline);
  for (int seen = 0; result.ready && seen < count; ++seen) {
    if (!child.waitForLineStartingWith(prefix, deadline)) {
      break;
    }
  }
  result.killed_by_test = child.kill();
  child.wait();
  result.lines = child.completeLines();
  result.died_of_sigkill = child.diedOfSigkill();
  result.description = child.describe();
  return result;
}

}  // namespace staylab::testing
