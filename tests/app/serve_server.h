#pragma once

#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/child_process.h"

// A real `staylab-cli serve` process on a loopback port it picks itself, and
// a real HTTP client (httplib) to talk to it.
namespace staylab::testing {

// A data directory as staylab-cli is pointed at it: its path, and the
// options that put its event log and booking store on servers (--nats URL,
// --postgres CONNINFO), given to every command before the subcommand.
struct DataDir {
  DataDir(std::filesystem::path data_path, std::vector<std::string> engine_options = {})
      : path(std::move(data_path)), engines(std::move(engine_options)) {}
  // "--data PATH" and the engine options, to start a command line with.
  std::vector<std::string> arguments() const;

  std::filesystem::path path;
  std::vector<std::string> engines;
};

// Issues an API key on `data_dir` through `staylab-cli keys add` and returns
// it. Throws std::runtime_error when the CLI fails (a setup failure).
std::string addKey(const DataDir& data_dir, const std::string& caller, const std::string& role);

// Runs `staylab-cli --data DIR [engines] --json ARGS...` and returns its
// stdout as JSON; throws when it does not exit 0.
nlohmann::json cliJson(const DataDir& data_dir, std::vector<std::string> args);

class ServerProcess {
 public:
  // Starts `staylab-cli --data DIR [engines] serve --listen 127.0.0.1:0
  // EXTRA...` and waits until it says where it listens. Throws when it does
  // not within 30 s.
  ServerProcess(const DataDir& data_dir, std::vector<std::string> extra = {});
  // Kills it (SIGKILL) when it still runs.
  ~ServerProcess();

  int port() const { return m_port; }
  pid_t pid() const { return m_child->pid(); }
  // A new client of this server (timeouts of 10 s).
  std::unique_ptr<httplib::Client> client() const;

  // Sends SIGTERM and waits for the exit; returns the exit code (-1 for a signal).
  int terminate();
  // Sends SIGKILL and reaps it.
  void kill();
  // Everything it wrote on stdout so far.
  const std::string& output() const { return m_child->output(); }
  ChildProcess& child() { return *m_child; }

 private:
  std::unique_ptr<ChildProcess> m_child;
  int m_port = 0;
};

// Parses a JSON body; a JSON null when it does not parse.
nlohmann::json parseBody(const std::string& body);

}  // namespace staylab::testing
