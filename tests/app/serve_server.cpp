#include "tests/app/serve_server.h"

#include <signal.h>

#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tests/support/cli_under_test.h"
#include "tests/support/run_process.h"

namespace staylab::testing {
namespace {

constexpr std::string_view kListening = "listening on http://127.0.0.1:";

}  // namespace

std::vector<std::string> DataDir::arguments() const {
  std::vector<std::string> arguments{"--data", path.string()};
  arguments.insert(arguments.end(), engines.begin(), engines.end());
  return arguments;
}

nlohmann::json cliJson(const DataDir& data_dir, std::vector<std::string> args) {
  args.insert(args.begin(), "--json");
  const std::vector<std::string> leading = data_dir.arguments();
  args.insert(args.begin(), leading.begin(), leading.end());
  ProcessResult result = runProcess(cliUnderTest(), args);
  if (result.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("staylab-cli {} failed: {}", fmt::join(args, " "), result.describe()));
  }
  return nlohmann::json::parse(result.out);
}

std::string addKey(const DataDir& data_dir, const std::string& caller, const std::string& role) {
  return cliJson(data_dir, {"keys", "add", "--caller", caller, "--role", role})
      .at("key")
      .get<std::string>();
}

ServerProcess::ServerProcess(const DataDir& data_dir, std::vector<std::string> extra) {
  std::vector<std::string> args = data_dir.arguments();
  args.insert(args.end(), {"serve", "--listen", "127.0.0.1:0"});
  args.insert(args.end(), extra.begin(), extra.end());
  m_child = std::make_unique<ChildProcess>(cliUnderTest(), args);
  const auto deadline = ChildProcess::Clock::now() + std::chrono::seconds(30);
  while (ChildProcess::Clock::now() < deadline) {
    for (const std::string& line : m_child->completeLines()) {
      if (line.starts_with(kListening)) {
        m_port = std::stoi(line.substr(kListening.size()));
        return;
      }
    }
    if (m_child->readUntil(ChildProcess::Clock::now() + std::chrono::milliseconds(20))) {
      break;  // Its output ended: it died.
    }
  }
  throw std::runtime_error("staylab-cli serve did not start: " + m_child->describe());
}

ServerProcess::~ServerProcess() = default;

std::unique_ptr<httplib::Client> ServerProcess::client() const {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", m_port);
  client->set_connection_timeout(10, 0);
  client->set_read_timeout(10, 0);
  client->set_write_timeout(10, 0);
  return client;
}

int ServerProcess::terminate() {
  ::kill(m_child->pid(), SIGTERM);
  m_child->wait();
  return m_child->exitCode();
}

void ServerProcess::kill() {
  m_child->kill();
  m_child->wait();
}

nlohmann::json parseBody(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  return json.is_discarded() ? nlohmann::json() : json;
}

}  // namespace staylab::testing
