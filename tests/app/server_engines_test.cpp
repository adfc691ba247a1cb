// The platform with its event log on NATS JetStream and its booking store on
// PostgreSQL (staylab-cli --nats URL --postgres CONNINFO): the commands work
// as on the embedded engines, a data directory keeps the engines it was made
// with, and `serve` loses no acknowledged booking when it is killed again and
// again, and when nats-server and PostgreSQL are killed and restarted under
// it. The servers are started by the suite (tests/support/engine_server.h).

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stores/postgres/pg.h"
#include "tests/app/serve_crash_run.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/engine_server.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using staylab::testing::DataDir;
using staylab::testing::ProcessResult;
using staylab::testing::TempDir;

const auto* const g_nats =
    staylab::testing::SharedServer<staylab::testing::NatsServer>::install("STAYLAB_NATS_URL");
const auto* const g_postgres =
    staylab::testing::SharedServer<staylab::testing::PostgresServer>::install(
        "STAYLAB_POSTGRES_URL");

ProcessResult cli(const DataDir& data, std::vector<std::string> args) {
  std::vector<std::string> all = data.arguments();
  all.insert(all.end(), args.begin(), args.end());
  return staylab::testing::runProcess(staylab::testing::cliUnderTest(), all);
}

class ServerEnginesTest : public ::testing::Test {
 protected:
  DataDir onServers() const {
    return DataDir(m_dir / "data",
                   {"--nats", g_nats->address(), "--postgres", g_postgres->address()});
  }

  TempDir m_dir;
};

TEST_F(ServerEnginesTest, CommandsKeepTheLogAndTheBookingsOnTheServers) {
  const DataDir data = onServers();
  ProcessResult seeded = cli(data, {"seed", "--properties", "20", "--seed", "3"});
  ASSERT_EQ(seeded.exit_code, 0) << seeded.describe();
  const auto property = staylab::testing::cliJson(data, {"property", "list"}).at(0).at("id");
  const auto booked =
      staylab::testing::cliJson(data, {"book", "--property", property, "--guest", "gina", "--from",
                                       "2031-05-01", "--to", "2031-05-04"});
  EXPECT_EQ(booked.at("status"), "confirmed") << booked.dump();
  ProcessResult again = cli(data, {"book", "--property", property.get<std::string>(), "--guest",
                                   "gus", "--from", "2031-05-02", "--to", "2031-05-03"});
  EXPECT_EQ(again.exit_code, 1) << "the nights are taken: " << again.describe();

  ProcessResult check = cli(data, {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.describe();
  EXPECT_NE(check.out.find("bookings on PostgreSQL (schema staylab_"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("events on NATS (streams staylab_"), std::string::npos) << check.out;
  ProcessResult audit = cli(data, {"--json", "audit", "--caller", "admin"});
  EXPECT_EQ(audit.exit_code, 0) << audit.describe();
  EXPECT_NE(audit.out.find(booked.at("booking_id").get<std::string>()), std::string::npos);

  EXPECT_TRUE(fs::exists(data.path / "engines.json"));
  EXPECT_TRUE(fs::exists(data.path / "listing.db"));
  EXPECT_FALSE(fs::exists(data.path / "events")) << "the log is on NATS";
  EXPECT_FALSE(fs::exists(data.path / "booking.db")) << "the bookings are on PostgreSQL";
}

TEST_F(ServerEnginesTest, CheckFailsWhenPostgresNoLongerRefusesADoubleBooking) {
  const DataDir data = onServers();
  ASSERT_EQ(cli(data, {"seed", "--properties", "3", "--seed", "1"}).exit_code, 0);
  const auto record = nlohmann::json::parse(std::ifstream(data.path / "engines.json"));
  auto raw = pg::Connection::open(g_postgres->address(),
                                  "-c search_path=" + record.at("name").get<std::string>())
                 .value();
  ASSERT_TRUE(
      raw->exec("ALTER TABLE booked_nights DROP CONSTRAINT "
                "booked_nights_property_id_night_key"));
  ProcessResult check = cli(data, {"check"});
  EXPECT_EQ(check.exit_code, 1) << check.describe();
  EXPECT_NE(check.out.find("no valid unique index on (property_id, night)"), std::string::npos)
      << check.out;
}

TEST_F(ServerEnginesTest, ADataDirectoryKeepsTheEnginesItWasMadeWith) {
  const DataDir data = onServers();
  ASSERT_EQ(cli(data, {"seed", "--properties", "3", "--seed", "1"}).exit_code, 0);
  const fs::path path = data.path;
  struct Case {
    std::vector<std::string> engines;
    const char* field;
  };
  const std::vector<Case> cases = {
      {{"--postgres", g_postgres->address()}, "nats"},
      {{"--nats", g_nats->address()}, "postgres"},
      {{}, "nats"},
  };
  for (const Case& wrong : cases) {
    ProcessResult result = cli(DataDir(path, wrong.engines), {"--json", "check"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_NE(result.err.find(wrong.field), std::string::npos) << result.err;
  }
  EXPECT_FALSE(fs::exists(path / "events"));
  EXPECT_FALSE(fs::exists(path / "booking.db"));

  // And one made in the data directory refuses the servers.
  const DataDir local(m_dir / "local");
  ASSERT_EQ(cli(local, {"seed", "--properties", "3", "--seed", "1"}).exit_code, 0);
  ProcessResult refused =
      cli(DataDir(local.path, {"--nats", g_nats->address()}), {"--json", "check"});
  EXPECT_EQ(refused.exit_code, 2) << refused.describe();
  EXPECT_NE(refused.err.find("events/"), std::string::npos) << refused.err;
}

TEST_F(ServerEnginesTest, AMalformedServerAddressIsBadInputAndMakesNothing) {
  const fs::path path = m_dir / "data";
  const std::vector<std::pair<std::vector<std::string>, const char*>> cases = {
      {{"--nats", "not a url"}, "nats"},
      {{"--nats", "http://127.0.0.1:4222"}, "nats"},
      {{"--postgres", "garbage=1"}, "postgres"},
      {{"--nats", g_nats->address(), "--postgres", "host='unterminated"}, "postgres"},
  };
  for (const auto& [engines, field] : cases) {
    ProcessResult result = cli(DataDir(path, engines), {"--json", "seed", "--properties", "3"});
    EXPECT_EQ(result.exit_code, 2) << result.describe();
    EXPECT_NE(result.err.find(std::string("\"field\":\"") + field), std::string::npos)
        << result.err;
    EXPECT_TRUE(!fs::exists(path) || fs::is_empty(path)) << "nothing is made";
  }
}

TEST_F(ServerEnginesTest, AnUnreachableServerAtInitialisationLeavesNothingBehind) {
  const fs::path path = m_dir / "data";
  const std::string nowhere =
      fmt::format("nats://127.0.0.1:{}", staylab::testing::freeLoopbackPort());
  ProcessResult result =
      cli(DataDir(path, {"--nats", nowhere, "--postgres", g_postgres->address()}),
          {"seed", "--properties", "3"});
  EXPECT_EQ(result.exit_code, 3) << result.describe();
  EXPECT_FALSE(fs::exists(path / "engines.json"));
  EXPECT_FALSE(fs::exists(path / "listing.db"));
  // So the same command, once the server is there, initialises it.
  EXPECT_EQ(cli(onServers(), {"seed", "--properties", "3"}).exit_code, 0);
  EXPECT_EQ(cli(onServers(), {"check"}).exit_code, 0);
}

TEST_F(ServerEnginesTest, AnUnreachableServerIsExitThreeAndChangesNothing) {
  const DataDir data = onServers();
  ASSERT_EQ(cli(data, {"seed", "--properties", "3", "--seed", "1"}).exit_code, 0);
  const std::string nowhere =
      fmt::format("nats://127.0.0.1:{}", staylab::testing::freeLoopbackPort());
  ProcessResult result =
      cli(DataDir(data.path, {"--nats", nowhere, "--postgres", g_postgres->address()}),
          {"--json", "check"});
  EXPECT_EQ(result.exit_code, 3) << result.describe();
  EXPECT_NE(result.err.find("NATS"), std::string::npos) << result.err;
  EXPECT_EQ(cli(data, {"check"}).exit_code, 0);
}

// The demonstration: the server killed with SIGKILL again and again while
// two guests book, on the embedded engines and then on NATS and PostgreSQL,
// where nats-server and PostgreSQL are themselves killed and restarted
// between two kills. Prints what each run did.
TEST(ServerEnginesCrashTest, KillsOfServeNatsAndPostgresLoseNoAcknowledgedBooking) {
  constexpr int kKills = 6;
  TempDir dir;
  const auto embedded =
      staylab::testing::killServeWhileBooking(DataDir(dir.path() / "embedded"), kKills, [](int) {});

  staylab::testing::NatsServer nats;
  staylab::testing::PostgresServer postgres;
  int nats_restarts = 0;
  int postgres_restarts = 0;
  const auto distributed = staylab::testing::killServeWhileBooking(
      DataDir(dir.path() / "distributed",
              {"--nats", nats.address(), "--postgres", postgres.address()}),
      kKills, [&](int kill) {
        if (kill == 1 || kill == 4) {
          nats.restart();  // SIGKILL, then a start on the same store.
          ++nats_restarts;
        }
        if (kill == 2) {
          postgres.restart();
          ++postgres_restarts;
        }
      });
  EXPECT_EQ(nats_restarts, 2);
  EXPECT_EQ(postgres_restarts, 1);
  for (const auto* run : {&embedded, &distributed}) {
    EXPECT_EQ(run->kills, kKills);
    EXPECT_GT(run->acknowledged, 0u);
  }
  auto rate = [](const staylab::testing::ServeCrashRun& run) {
    return static_cast<double>(run.acknowledged) / run.booking_seconds;
  };
  std::printf(
      "embedded: %d kills, %zu requests, %zu acknowledged bookings checked, %.0f bookings/s\n"
      "nats+postgres: %d kills of serve, %d of nats-server, %d of PostgreSQL, %zu requests, %zu "
      "acknowledged bookings checked, %.0f bookings/s (%.2f of embedded)\n",
      embedded.kills, embedded.requests, embedded.acknowledged, rate(embedded), distributed.kills,
      nats_restarts, postgres_restarts, distributed.requests, distributed.acknowledged,
      rate(distributed), rate(distributed) / rate(embedded));
}

}  // namespace
}  // namespace staylab
