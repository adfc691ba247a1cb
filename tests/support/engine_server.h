#pragma once

#include <sys/types.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace staylab::testing {

// A throwaway server for the suites of the distributed engines (labels
// `nats` and `postgres`): started on loopback, on a free port, with its data
// in a temporary directory, and removed with it. A crash test kills it with
// SIGKILL and starts it again on the same data and port.
//
// Errors: the constructors and restart() throw std::runtime_error when the
// server cannot be started or does not accept connections within 30 s (a
// test-setup failure, not a result), naming the command and what it wrote.
// Thread safety: one object is used by one thread.
class EngineServer {
 public:
  EngineServer(const EngineServer&) = delete;
  EngineServer& operator=(const EngineServer&) = delete;
  virtual ~EngineServer();

  int port() const { return m_port; }
  // What a client connects with: a URL or a connection string.
  virtual std::string address() const = 0;
  const std::filesystem::path& dataDirectory() const { return m_data; }
  // Kills the server with SIGKILL, as a crash or a power cut of its
  // process would, and waits until it is gone.
  void kill();
  // Starts the server again on the same data and port (after kill()).
  void restart();

 protected:
  EngineServer();
  // Starts `argv` (argv[0] a path) as the server, as the user m_run_as when
  // set, and waits until it accepts TCP connections on 127.0.0.1:port(); its
  // output goes to the log file. The server gets SIGKILL when the thread
  // that started it ends (PR_SET_PDEATHSIG), so a test process killed
  // mid-test leaves no server behind.
  void start(std::vector<std::string> argv);
  // True once the server answers clients (after it listens). Default: true.
  virtual bool isReady() const { return true; }
  // Ends the server: `signal` (its clean, prompt shutdown), then SIGKILL
  // after a grace period.
  void stop(int signal);

  TempDir m_dir;
  std::optional<std::pair<uid_t, gid_t>> m_run_as;  // The server's user and group.
  std::filesystem::path m_data;
  std::filesystem::path m_log;
  int m_port = 0;

 private:
  void waitUntilListening();

  std::vector<std::string> m_argv;
  pid_t m_pid = -1;
};

// nats-server with JetStream (Debian's package: /usr/sbin/nats-server), its
// file store under dataDirectory().
class NatsServer final : public EngineServer {
 public:
  NatsServer();
  ~NatsServer() override;
  // The client URL, nats://127.0.0.1:PORT.
  std::string address() const override;
};

// A PostgreSQL cluster (Debian's packages: /usr/lib/postgresql/N/bin),
// made by initdb with trust authentication for the user `staylab`, run by
// `postgres` directly (not pg_ctl, so that kill() hits the postmaster); as
// root, both run as the user postgres. fsync stays on, so a killed server
// recovers from its WAL as a production one would.
class PostgresServer final : public EngineServer {
 public:
  PostgresServer();
  ~PostgresServer() override;
  // A libpq connection string for the database `postgres`.
  std::string address() const override;

 private:
  // pg_isready: past crash recovery, accepting sessions.
  bool isReady() const override;
  std::vector<std::string> serverCommand() const;
  std::filesystem::path m_bin;
  std::filesystem::path m_sockets;
};

// The server the tests of one suite share: the one an environment variable
// names (scripts/test.sh starts one of each for the whole run, see
// scripts/servers.sh), or else a `Server` started for this process and
// stopped when its tests end. Tests that kill a server start their own.
template <typename Server>
class SharedServer final : public ::testing::Environment {
 public:
  // Registers the environment with gtest; the object lives until the end.
  static const SharedServer* install(const char* variable) {
    auto* shared = new SharedServer(variable);
    ::testing::AddGlobalTestEnvironment(shared);
    return shared;
  }
  const std::string& address() const { return m_address; }

  void SetUp() override {
    const char* given = std::getenv(m_variable);
    if (given != nullptr && *given != '\0') {
      m_address = given;
      return;
    }
    m_server = std::make_unique<Server>();
    m_address = m_server->address();
  }
  void TearDown() override { m_server.reset(); }

 private:
  explicit SharedServer(const char* variable) : m_variable(variable) {}
  const char* m_variable;
  std::unique_ptr<Server> m_server;
  std::string m_address;
};

// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int freeLoopbackPort();

}  // namespace staylab::testing
