#include "tests/support/engine_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "tests/support/run_process.h"

extern char** environ;

namespace staylab::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool acceptsConnections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

// As root, PostgreSQL refuses to run: its programs run as the user postgres,
// through setpriv, which execs them (so the pid is the program's own).
std::vector<std::string> asPostgresUser(std::vector<std::string> argv) {
  if (::geteuid() != 0) {
    return argv;
  }
  std::vector<std::string> wrapped = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres",
                                      "--init-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

std::filesystem::path postgresBinaries() {
  const std::filesystem::path root = "/usr/lib/postgresql";
  std::error_code error;
  std::filesystem::path newest;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    if (std::filesystem::exists(entry.path() / "bin" / "postgres") &&
        (newest.empty() || entry.path().filename() > newest.filename())) {
      newest = entry.path();
    }
  }
  if (newest.empty()) {
    throw std::runtime_error(
        "no PostgreSQL server under /usr/lib/postgresql: scripts/setup.sh installs postgresql-15");
  }
  return newest / "bin";
}

}  // namespace

int freeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(fmt::format("socket failed: {}", std::strerror(errno)));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int saved = errno;
    ::close(fd);
    throw std::runtime_error(fmt::format("bind to a free port failed: {}", std::strerror(saved)));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

EngineServer::EngineServer() : m_data(m_dir / "data"), m_log(m_dir / "server.log") {
  m_port = freeLoopbackPort();
}

EngineServer::~EngineServer() {
  stop(SIGTERM);
}

void EngineServer::start(std::vector<std::string> argv) {
  m_argv = std::move(argv);
  // Everything the child needs is made before fork(): between fork() and
  // exec() it makes system calls only.
  std::vector<char*> pointers;
  for (auto& arg : m_argv) {
    pointers.push_back(arg.data());
  }
  pointers.push_back(nullptr);
  const int input = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int log = ::open(m_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (input < 0 || log < 0) {
    const int saved = errno;
    ::close(input);
    ::close(log);
    throw std::runtime_error(
        fmt::format("cannot open {}: {}", m_log.string(), std::strerror(saved)));
  }
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(input, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    if (m_run_as) {
      const gid_t group = m_run_as->second;
      if (::setgroups(1, &group) != 0 || ::setgid(group) != 0 || ::setuid(m_run_as->first) != 0) {
        ::_exit(126);
      }
    }
    // The server dies with the test process, even when a SIGKILL ends it
    // before the destructor could stop the server (set after setuid, which
    // clears it).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(125);
    }
    ::execve(pointers[0], pointers.data(), environ);
    ::_exit(127);
  }
  const int saved = errno;
  ::close(input);
  ::close(log);
  if (child < 0) {
    throw std::runtime_error(
        fmt::format("cannot start {}: fork failed: {}", m_argv.front(), std::strerror(saved)));
  }
  m_pid = child;
  waitUntilListening();
}

void EngineServer::waitUntilListening() {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!acceptsConnections(m_port) || !isReady()) {
    int status = 0;
    if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
      m_pid = -1;
      // 125: the test process died first; 126: setuid failed; 127: exec failed.
      throw std::runtime_error(
          fmt::format("{} ended ({}) before it listened on port {}; it wrote:\n{}", m_argv.front(),
                      WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status))
                                        : fmt::format("signal {}", WTERMSIG(status)),
                      m_port, readFile(m_log)));
    }
    if (Clock::now() > deadline) {
      kill();  // Not left running behind a failed start.
      throw std::runtime_error(
          fmt::format("{} did not listen on port {} within 30 s; it wrote:\n{}", m_argv.front(),
                      m_port, readFile(m_log)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void EngineServer::kill() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    ::waitpid(m_pid, nullptr, 0);
    m_pid = -1;
  }
}

void EngineServer::restart() {
  kill();
  // A killed PostgreSQL's backends end when they notice; until they have,
  // its shared memory is in use and a new postmaster refuses to start.
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    try {
      start(m_argv);
      return;
    } catch (const std::runtime_error&) {
      if (Clock::now() > deadline) {
        throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void EngineServer::stop(int signal) {
  if (m_pid <= 0) {
    return;
  }
  ::kill(m_pid, signal);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if (::waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
      m_pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill();
}

NatsServer::NatsServer() {
  start({"/usr/sbin/nats-server", "--jetstream", "--store_dir", m_data.string(), "--addr",
         "127.0.0.1", "--port", std::to_string(m_port)});
}

NatsServer::~NatsServer() {
  stop(SIGTERM);
}

std::string NatsServer::address() const {
  return fmt::format("nats://127.0.0.1:{}", m_port);
}

PostgresServer::PostgresServer() : m_bin(postgresBinaries()), m_sockets(m_dir / "sockets") {
  std::filesystem::create_directories(m_sockets);
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr) {
      throw std::runtime_error("running as root, but there is no user postgres to run PostgreSQL");
    }
    m_run_as = std::make_pair(user->pw_uid, user->pw_gid);
    for (const auto& path : {m_dir.path(), m_sockets}) {
      if (::chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
        throw std::runtime_error(
            fmt::format("chown {} failed: {}", path.string(), std::strerror(errno)));
      }
    }
  }
  auto initdb = asPostgresUser({(m_bin / "initdb").string(), "--pgdata", m_data.string(),
                                "--username", "staylab", "--auth", "trust", "--encoding", "UTF8",
                                "--locale", "C", "--no-sync"});
  ProcessOptions options;
  options.working_directory = m_dir.path();
  ProcessResult made = runProcess(initdb.front(), {initdb.begin() + 1, initdb.end()}, options);
  if (made.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("initdb failed ({}):\n{}{}", made.describe(), made.out, made.err));
  }
  start(serverCommand());
}

// SIGINT is PostgreSQL's fast shutdown; SIGTERM (smart) would wait for
// every client to disconnect.
PostgresServer::~PostgresServer() {
  stop(SIGINT);
}

std::vector<std::string> PostgresServer::serverCommand() const {
  return std::vector<std::string>(
      {(m_bin / "postgres").string(), "-D", m_data.string(), "-p", std::to_string(m_port), "-c",
       "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + m_sockets.string(), "-c",
       "max_connections=60", "-c", "shared_buffers=32MB", "-c", "fsync=on"});
}

bool PostgresServer::isReady() const {
  ProcessOptions options;
  options.timeout = std::chrono::seconds(10);
  return runProcess(m_bin / "pg_isready",
                    {"--quiet", "--host", "127.0.0.1", "--port", std::to_string(m_port)}, options)
             .exit_code == 0;
}

std::string PostgresServer::address() const {
  return fmt::format("host=127.0.0.1 port={} user=staylab dbname=postgres connect_timeout=10",
                     m_port);
}

}  // namespace staylab::testing
