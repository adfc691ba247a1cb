// Who may do what, through the real staylab-cli binary: every command of the
// access table run by every role, the gateway's narrowing of what an allowed
// caller sees, and API keys as the key file keeps them.

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/platform/access.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

namespace fs = std::filesystem;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

class AccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessResult seeded = cli({"seed", "--properties", "12", "--seed", "4"});
    ASSERT_EQ(seeded.exit_code, 0) << seeded.describe();
    m_keys["guest"] = issue("gina", "guest");
    m_keys["other-guest"] = issue("gus", "guest");
    m_keys["host"] = issue("hana", "host");
    m_keys["fraud-service"] = issue("sentinel", "fraud-service");
    m_keys["admin"] = issue("root", "admin");
    m_listing =
        answer({"property", "create", "--host", "hana", "--title", "Loft by the canal", "--city",
                "Utrecht", "--price", "80", "--currency", "EUR", "--capacity", "4"})["id"];
    m_other_listing =
        answer({"property", "create", "--host", "hugo", "--title", "Barn", "--city", "Utrecht",
                "--price", "60", "--currency", "EUR", "--capacity", "4"})["id"];
    m_booking = answer({"book", "--property", m_listing, "--guest", "gina", "--from", "2031-01-10",
                        "--to", "2031-01-12"})["booking_id"];
    answer({"book", "--property", m_listing, "--guest", "gus", "--from", "2031-02-10", "--to",
            "2031-02-12"});
  }

  ProcessResult cli(std::vector<std::string> args, const std::string& key = {}) {
    if (!key.empty()) {
      args.insert(args.begin(), {"--api-key", key});
    }
    return staylab::testing::runCliOn(m_dir / "data", std::move(args));
  }

  nlohmann::json answer(std::vector<std::string> args, const std::string& key = {}) {
    if (!key.empty()) {
      args.insert(args.begin(), {"--api-key", key});
    }
    return staylab::testing::cliAnswer(m_dir / "data", std::move(args));
  }

  std::string issue(const std::string& caller, const std::string& role) {
    return answer({"keys", "add", "--caller", caller, "--role", role})["key"];
  }

  // Everything a command could change, read as the local admin.
  std::string state() {
    return answer({"property", "list"}).dump() + answer({"bookings", "list"}).dump() +
           answer({"keys", "list"}).dump() +
           answer({"events", "tail", "--limit", "100000"}).dump() +
           answer({"fraud", "report"}).dump();
  }

  // Arguments that make `command` valid for a caller it allows.
  std::vector<std::string> argumentsFor(std::string_view command) {
    const std::map<std::string_view, std::vector<std::string>> arguments = {
        {"property create",
         {"property", "create", "--host", "hana", "--title", "Studio", "--city", "Utrecht",
          "--price", "50", "--currency", "EUR", "--capacity", "2"}},
        {"property get", {"property", "get", m_listing}},
        {"property list", {"property", "list"}},
        {"property update", {"property", "update", m_listing, "--title", "Renamed loft"}},
        {"book",
         {"book", "--property", m_listing, "--guest", "gina", "--from", "2032-03-01", "--to",
          "2032-03-03"}},
        {"cancel", {"cancel", m_booking}},
        {"bookings list", {"bookings", "list", "--property", m_listing}},
        {"search", {"search", "loft"}},
        {"history", {"history", "--property", m_listing}},
        {"events tail", {"events", "tail"}},
        {"fraud report", {"fraud", "report"}},
        {"audit", {"audit", "--caller", "gina"}},
        {"seed", {"seed", "--properties", "3", "--seed", "9"}},
        {"drain", {"drain"}},
        {"check", {"check"}},
        {"rebuild", {"rebuild"}},
        {"keys add", {"keys", "add", "--caller", "mallory", "--role", "admin"}},
        {"keys list", {"keys", "list"}},
        {"keys revoke", {"keys", "revoke", "00000000"}},
    };
    auto found = arguments.find(command);
    if (found == arguments.end()) {
      throw std::runtime_error(fmt::format("no arguments for '{}'", command));
    }
    return found->second;
  }

  TempDir m_dir;
  std::map<std::string, std::string> m_keys;
  std::string m_listing, m_other_listing, m_booking;
};

bool deniedByTheTable(const ProcessResult& result, std::string_view command) {
  return result.exit_code == 1 &&
         result.err.find(fmt::format("may not run '{}'", command)) != std::string::npos;
}

TEST_F(AccessTest, EveryCommandAllowsExactlyTheRolesOfTheTable) {
  const std::vector<std::pair<Role, std::string>> roles = {{Role::Guest, "guest"},
                                                           {Role::Host, "host"},
                                                           {Role::FraudService, "fraud-service"},
                                                           {Role::Admin, "admin"}};
  size_t runs = 0;
  for (const CommandAccess& entry : commandAccessTable()) {
    for (const auto& [role, name] : roles) {
      const std::string before = entry.roles.contains(role) ? std::string() : state();
      ProcessResult result = cli(argumentsFor(entry.command), m_keys.at(name));
      ++runs;
      if (entry.roles.contains(role)) {
        EXPECT_FALSE(deniedByTheTable(result, entry.command))
            << name << " may run '" << entry.command << "': " << result.describe();
      } else {
        EXPECT_TRUE(deniedByTheTable(result, entry.command))
            << name << " may not run '" << entry.command << "': " << result.describe();
        EXPECT_TRUE(result.out.empty()) << result.out;
        EXPECT_EQ(state(), before) << name << " ran '" << entry.command << "' and changed state";
      }
    }
    // Without a key, the local admin.
    ProcessResult local = cli(argumentsFor(entry.command));
    EXPECT_FALSE(deniedByTheTable(local, entry.command)) << local.describe();
  }
  EXPECT_EQ(runs, commandAccessTable().size() * roles.size());
}

TEST(AccessTableTest, ACommandMissingFromTheTableIsRefusedEvenToAnAdmin) {
  auto result = authorizeCommand(Caller{"root", Role::Admin}, "property delete");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "gateway.forbidden");
}

TEST_F(AccessTest, MaintenanceAndSeedingAreForAdminsOnly) {
  const std::string before = state();
  for (const char* role : {"guest", "host", "fraud-service"}) {
    for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
             {"seed", "--properties", "5", "--seed", "2"}, {"rebuild"}, {"drain"}, {"check"}}) {
      ProcessResult result = cli(command, m_keys.at(role));
      EXPECT_EQ(result.exit_code, 1) << role << ": " << result.describe();
      EXPECT_NE(result.err.find("may not run"), std::string::npos) << result.err;
    }
  }
  EXPECT_EQ(state(), before);
}

TEST_F(AccessTest, AGuestSeesOnlyItsOwnBookingsAndHistory) {
  auto own = answer({"bookings", "list"}, m_keys.at("guest"));
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0]["guest"], "gina");
  EXPECT_EQ(answer({"bookings", "list", "--property", m_listing}, m_keys.at("guest")).size(), 1u);
  EXPECT_EQ(cli({"bookings", "list", "--guest", "gus"}, m_keys.at("guest")).exit_code, 1);
  EXPECT_EQ(cli({"history", "--guest", "gina"}, m_keys.at("guest")).exit_code, 0);
  EXPECT_EQ(cli({"history", "--guest", "gus"}, m_keys.at("guest")).exit_code, 1);
  EXPECT_EQ(cli({"history", "--property", m_listing}, m_keys.at("guest")).exit_code, 1);
  EXPECT_EQ(cli({"events", "tail"}, m_keys.at("guest")).exit_code, 1);
  EXPECT_EQ(cli({"fraud", "report"}, m_keys.at("guest")).exit_code, 1);
}

TEST_F(AccessTest, AHostSeesTheBookingsAndHistoryOfItsOwnListingsOnly) {
  EXPECT_EQ(answer({"bookings", "list", "--property", m_listing}, m_keys.at("host")).size(), 2u);
  EXPECT_EQ(cli({"bookings", "list"}, m_keys.at("host")).exit_code, 1);
  EXPECT_EQ(cli({"bookings", "list", "--property", m_other_listing}, m_keys.at("host")).exit_code,
            1);
  EXPECT_EQ(cli({"history", "--property", m_listing}, m_keys.at("host")).exit_code, 0);
  EXPECT_EQ(cli({"history", "--property", m_other_listing}, m_keys.at("host")).exit_code, 1);
}

TEST_F(AccessTest, ListingsAndSearchArePublic) {
  for (const char* role : {"guest", "host", "fraud-service"}) {
    EXPECT_EQ(cli({"property", "list"}, m_keys.at(role)).exit_code, 0) << role;
    EXPECT_EQ(cli({"search", "loft"}, m_keys.at(role)).exit_code, 0) << role;
  }
}

TEST_F(AccessTest, TheFraudServiceAndAdminsReadTheLogAndTheSuspicions) {
  for (const char* role : {"fraud-service", "admin"}) {
    EXPECT_EQ(cli({"events", "tail"}, m_keys.at(role)).exit_code, 0) << role;
    EXPECT_EQ(cli({"fraud", "report"}, m_keys.at(role)).exit_code, 0) << role;
  }
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(AccessTest, TheKeyFileHoldsNoKeyAndOnlyItsOwnerMayReadIt) {
  const std::string text = readFile(m_dir / "data" / "api-keys.json");
  for (const auto& [role, key] : m_keys) {
    EXPECT_EQ(text.find(key.substr(3)), std::string::npos) << role << "'s key is in the file";
    EXPECT_EQ(key.size(), 3u + 8u + 32u) << key;
    EXPECT_TRUE(key.starts_with("sk_")) << key;
    // The id `keys list` shows is drawn apart: none of the secret is in it.
    EXPECT_EQ(text.find(key.substr(3 + 8)), std::string::npos)
        << role << "'s secret is in the file";
  }
  struct stat status {};
  ASSERT_EQ(::stat((m_dir / "data" / "api-keys.json").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
}

TEST_F(AccessTest, KeysComeFromTheSystemNotFromTheSeededGenerator) {
  // Two data directories made by the same seed draw the same ids; their keys
  // must still differ.
  TempDir other;
  ProcessResult seeded =
      staylab::testing::runCliOn(other / "data", {"seed", "--properties", "12", "--seed", "4"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.describe();
  ProcessResult key = staylab::testing::runCliOn(
      other / "data", {"keys", "add", "--caller", "gina", "--role", "guest"});
  ASSERT_EQ(key.exit_code, 0) << key.describe();
  EXPECT_NE(key.out, m_keys.at("guest") + "\n");
}

TEST_F(AccessTest, AKeyFileOthersMayReadIsRefused) {
  fs::permissions(m_dir / "data" / "api-keys.json", fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::add);
  ProcessResult result = cli({"--json", "property", "list"}, m_keys.at("guest"));
  EXPECT_EQ(result.exit_code, 3) << result.describe();
  EXPECT_NE(result.err.find("gateway.keys_exposed"), std::string::npos) << result.err;
}

TEST_F(AccessTest, AKeyFileWithAnEmptyEntryIsRefused) {
  const fs::path file = m_dir / "data" / "api-keys.json";
  auto json = nlohmann::json::parse(readFile(file));
  json["keys"].push_back(
      {{"id", ""}, {"caller", ""}, {"role", "admin"}, {"salt", ""}, {"sha256", ""}});
  std::ofstream(file) << json.dump();
  ProcessResult result = cli({"--json", "property", "list"}, m_keys.at("guest"));
  EXPECT_EQ(result.exit_code, 3) << result.describe();
  EXPECT_NE(result.err.find("gateway.keys_corrupt"), std::string::npos) << result.err;
}

TEST_F(AccessTest, AKeyFileOfTheOldClearFormatIsRefused) {
  const fs::path file = m_dir / "data" / "api-keys.json";
  std::ofstream(file) << R"({"keys": [{"key": "sk_0123", "caller": "root", "role": "admin"}]})";
  ProcessResult result = cli({"--json", "property", "list"}, "sk_0123");
  EXPECT_EQ(result.exit_code, 3) << result.describe();
  EXPECT_NE(result.err.find("gateway.keys_in_clear"), std::string::npos) << result.err;
}

TEST_F(AccessTest, ARevokedKeyNoLongerAuthenticates) {
  const std::string key = m_keys.at("guest");
  ASSERT_EQ(cli({"bookings", "list"}, key).exit_code, 0);
  ProcessResult revoked = cli({"keys", "revoke", key.substr(3, 8)});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.describe();
  ProcessResult after = cli({"--json", "bookings", "list"}, key);
  EXPECT_EQ(after.exit_code, 1) << after.describe();
  EXPECT_NE(after.err.find("gateway.unauthenticated"), std::string::npos) << after.err;
  EXPECT_EQ(cli({"bookings", "list"}, m_keys.at("other-guest")).exit_code, 0);
  EXPECT_EQ(cli({"keys", "revoke", "ffffffff"}).exit_code, 1);
}

}  // namespace
}  // namespace staylab::app
