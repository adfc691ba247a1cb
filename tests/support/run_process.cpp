#include "tests/support/run_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <mutex>
#include <stdexcept>

extern char** environ;

namespace staylab::testing {
namespace {

// Owns a file descriptor; closes it when it dies.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return m_fd; }
  void reset(int fd = -1) {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = fd;
  }

 private:
  int m_fd = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

// Makes a pipe whose ends are not inherited by children spawned concurrently
// (the spawn's dup2 clears close-on-exec on the child's copies only).
void makePipe(Pipe& pipe) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("pipe2 failed: {}", strerror(errno)));
  }
  pipe.read.reset(fds[0]);
  pipe.write.reset(fds[1]);
}

// Writing to a child that exited must give EPIPE, not kill the test.
void ignoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace

std::string ProcessResult::describe() const {
  return fmt::format(
      "exit_code={} term_signal={} timed_out={}\n--- stdout ---\n{}\n--- stderr ---\n{}", exit_code,
      term_signal, timed_out, out, err);
}

ProcessResult runProcess(const std::filesystem::path& program, const std::vector<std::string>& args,
                         const ProcessOptions& options) {
  ignoreSigpipeOnce();
  Pipe in, out, err;
  makePipe(in);
  makePipe(out);
  makePipe(err);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write.get(), STDERR_FILENO);
  if (options.working_directory) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_directory->c_str());
  }

  // The child starts with default signal handling, whatever the test process ignores.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  std::string program_path = program.string();
  std::vector<char*> argv;
  argv.push_back(program_path.data());
  std::vector<std::string> arg_copies = args;
  for (auto& arg : arg_copies) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_copies;
  std::vector<char*> envp;
  if (options.environment) {
    env_copies = *options.environment;
    for (auto& entry : env_copies) {
      envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
  }

  pid_t pid = -1;
  int spawned = ::posix_spawn(&pid, program_path.c_str(), &actions, &attributes, argv.data(),
                              options.environment ? envp.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    throw std::runtime_error(fmt::format("cannot start {}: {}", program_path, strerror(spawned)));
  }
  in.read.reset();
  out.write.reset();
  err.write.reset();

  ProcessResult result;
  size_t written = 0;
  if (options.input.empty()) {
    in.write.reset();
  } else {
    ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
  }
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  bool killed = false;
  while (out.read.get() >= 0 || err.read.get() >= 0) {
    pollfd fds[3];
    nfds_t count = 0;
    auto watch = [&](Fd& fd, short events) {
      if (fd.get() >= 0) {
        fds[count++] = pollfd{fd.get(), events, 0};
      }
    };
    watch(out.read, POLLIN);
    watch(err.read, POLLIN);
    watch(in.write, POLLOUT);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int ready =
        ::poll(fds, count, killed ? 1000 : static_cast<int>(std::max<int64_t>(0, left.count())));
    if (ready < 0 && errno != EINTR) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw std::runtime_error(fmt::format("poll failed: {}", strerror(errno)));
    }
    if (ready == 0 && killed) {
      break;  // Something the child started still holds its output open.
    }
    if (ready == 0 && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
      result.timed_out = true;
      in.write.reset();
      continue;
    }
    for (nfds_t index = 0; index < count; ++index) {
      if (fds[index].revents == 0) {
        continue;
      }
      if (fds[index].fd == in.write.get()) {
        ssize_t n =
            ::write(in.write.get(), options.input.data() + written, options.input.size() - written);
        if (n > 0) {
          written += static_cast<size_t>(n);
        }
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size()) {
          in.write.reset();
        }
        continue;
      }
      bool is_out = fds[index].fd == out.read.get();
      char buffer[65536];
      ssize_t n = ::read(fds[index].fd, buffer, sizeof buffer);
      if (n > 0) {
        (is_out ? result.out : result.err).append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        (is_out ? out.read : err.read).reset();
      }
    }
  }
  in.write.reset();

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(fmt::format("waitpid failed: {}", strerror(errno)));
    }
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace staylab::testing
