// The EventLog contract (event_log_contract.h) against NATS JetStream, then
// what only the NATS adapter promises: its topic layout is fixed, a retried
// batch appends only what is missing, and acknowledged events outlive a
// SIGKILL of the client and of nats-server itself. The suite starts its own
// throwaway nats-server on loopback.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nats/nats.h>

#include "events/nats_event_log.h"
#include "tests/events/event_log_contract.h"
#include "tests/support/child_process.h"
#include "tests/support/engine_server.h"

namespace staylab {
namespace {

using contract::contractTopics;
using contract::describe;
using contract::kAll;
using contract::Topics;
using testing::makeEvent;

// The suite's server: the one STAYLAB_NATS_URL names (scripts/test.sh
// starts one for the whole run), or else one started for this process.
const testing::SharedServer<testing::NatsServer>* g_server =
    testing::SharedServer<testing::NatsServer>::install("STAYLAB_NATS_URL");

// A fresh stream prefix per log, so that every test starts empty.
std::string freshPrefix() {
  static std::atomic<int> next{0};
  return fmt::format("t{}-{}", ::getpid(), next++);
}

NatsEventLog::Options optionsFor(const std::string& url, std::string prefix, const Topics& topics) {
  NatsEventLog::Options options;
  options.url = url;
  options.prefix = std::move(prefix);
  options.topics = topics;
  options.creation = StoreCreation::CreateIfMissing;
  return options;
}

struct NatsLog {
  static constexpr const char* kName = "Nats";
  static Result<std::unique_ptr<EventLog>> open(const std::filesystem::path&,
                                                const Topics& topics) {
    return NatsEventLog::open(optionsFor(g_server->address(), freshPrefix(), topics));
  }
};

}  // namespace
}  // namespace staylab

// gtest instantiates a type-parameterised suite from its own namespace.
namespace staylab::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Nats, EventLogContractTest, ::testing::Types<NatsLog>,
                               ImplementationName);
}  // namespace staylab::contract

namespace staylab {
namespace {

std::vector<LogRecord> readAll(EventLog& log, std::string_view topic, int partition) {
  auto records = log.read(topic, partition, 0, kAll);
  EXPECT_TRUE(records) << describe(records);
  return records ? *records : std::vector<LogRecord>{};
}

TEST(NatsEventLog, ReopeningWithAChangedPartitionCountIsRefused) {
  const std::string prefix = freshPrefix();
  ASSERT_TRUE(NatsEventLog::open(optionsFor(g_server->address(), prefix, {{"booking", 2}})));
  for (int partitions : {1, 3}) {
    auto changed =
        NatsEventLog::open(optionsFor(g_server->address(), prefix, {{"booking", partitions}}));
    ASSERT_FALSE(changed);
    EXPECT_EQ(changed.error().code, "eventlog.partitions_changed") << changed.error().describe();
  }
  EXPECT_TRUE(NatsEventLog::open(optionsFor(g_server->address(), prefix, {{"booking", 2}})));
}

// As the RocksDB log does: a topic the log never had is created when an open
// asks for it, and a later open serves every topic the log recorded.
TEST(NatsEventLog, NewTopicsAreAddedAndRecordedTopicsServed) {
  const std::string prefix = freshPrefix();
  ASSERT_TRUE(NatsEventLog::open(optionsFor(g_server->address(), prefix, {{"booking", 2}})));
  auto options = optionsFor(g_server->address(), prefix, {{"booking", 2}, {"booking.dlq", 1}});
  options.creation = StoreCreation::OpenExisting;
  auto widened = NatsEventLog::open(options);
  ASSERT_TRUE(widened) << describe(widened);
  ASSERT_OK((*widened)->append({makeEvent("booking.dlq", "b", 1)}));
  options.topics = {{"booking", 2}};
  auto reopened = NatsEventLog::open(options).value();
  EXPECT_EQ(reopened->topics(), (Topics{{"booking", 2}, {"booking.dlq", 1}}));
  EXPECT_EQ(readAll(*reopened, "booking.dlq", 0).size(), 1u);
}

TEST(NatsEventLog, OpenExistingWithoutStreamsCreatesNothing) {
  auto options = optionsFor(g_server->address(), freshPrefix(), contractTopics());
  options.creation = StoreCreation::OpenExisting;
  auto missing = NatsEventLog::open(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "eventlog.missing") << missing.error().describe();
  // Still missing: the failed open created no stream.
  EXPECT_EQ(NatsEventLog::open(options).error().code, "eventlog.missing");
}

TEST(NatsEventLog, BadOptionsNameTheirField) {
  const std::map<std::string, NatsEventLog::Options> cases = [] {
    std::map<std::string, NatsEventLog::Options> bad;
    bad["url"] = optionsFor("", "p", contractTopics());
    bad["url "] = optionsFor("not a url", "p", contractTopics());
    bad["url  "] = optionsFor("nats://127.0.0.1:99999", "p", contractTopics());
    bad["url   "] = optionsFor("http://127.0.0.1:4222", "p", contractTopics());
    bad["prefix"] = optionsFor(g_server->address(), "has.dot", contractTopics());
    bad["topics"] = optionsFor(g_server->address(), "p", {{"book ing", 1}});
    return bad;
  }();
  for (const auto& [field, options] : cases) {
    auto opened = NatsEventLog::open(options);
    ASSERT_FALSE(opened) << field;
    EXPECT_EQ(opened.error().kind, ErrorKind::InvalidInput) << field;
    EXPECT_EQ(opened.error().field, field.substr(0, field.find(' '))) << opened.error().describe();
  }
  EXPECT_EQ(
      NatsEventLog::open(optionsFor(g_server->address(), "p", {{"booking", 257}})).error().field,
      "topics");
}

TEST(NatsEventLog, AnUnreachableServerIsAStoreFailure) {
  auto options = optionsFor(fmt::format("nats://127.0.0.1:{}", testing::freeLoopbackPort()),
                            freshPrefix(), contractTopics());
  options.timeout = std::chrono::milliseconds(500);
  auto opened = NatsEventLog::open(options);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(opened.error().code, "eventlog.nats") << opened.error().describe();
}

// A relay whose append failed part-way appends the same batch again; only
// what was missing is appended, at the offsets it would have had, by this
// log object and by one opened afterwards.
TEST(NatsEventLog, RetryingABatchAppendsOnlyWhatIsMissing) {
  const std::string prefix = freshPrefix();
  auto log = NatsEventLog::open(optionsFor(g_server->address(), prefix, contractTopics())).value();
  std::vector<EventEnvelope> batch;
  for (int version = 1; version <= 6; ++version) {
    batch.push_back(makeEvent(version % 2 == 0 ? "booking" : "property", "agg", version));
  }
  const std::vector<EventEnvelope> first_part(batch.begin(), batch.begin() + 3);
  auto first = log->append(first_part).value();
  auto retried = log->append(batch).value();
  ASSERT_EQ(retried.size(), batch.size());
  for (size_t index = 0; index < first.size(); ++index) {
    EXPECT_EQ(retried[index], first[index]) << "event " << index;
  }
  auto reopened =
      NatsEventLog::open(optionsFor(g_server->address(), prefix, contractTopics())).value();
  EXPECT_EQ(reopened->append(batch).value(), retried);
  size_t total = 0;
  for (const auto& [topic, partitions] : contractTopics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      total += readAll(*reopened, topic, partition).size();
    }
  }
  EXPECT_EQ(total, batch.size());
}

// A stream that lost a message fails the log's integrity check. The log's
// streams deny deletes, and nats-server keeps that for good, so the test
// makes the partition's stream itself beforehand, as an operator could,
// without the denial, and deletes the middle one of three messages.
TEST(NatsEventLog, IntegrityCheckFindsAnOffsetTheServerLost) {
  const std::string prefix = freshPrefix();
  const std::string stream = prefix + "_booking_0";
  const std::string subject = prefix + ".booking.0";
  natsConnection* connection = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&connection, g_server->address().c_str()), NATS_OK);
  jsCtx* js = nullptr;
  ASSERT_EQ(natsConnection_JetStream(&js, connection, nullptr), NATS_OK);
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream.c_str();
  config.Description = "staylab event log: topic booking, partition 0 of 1";
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  ASSERT_EQ(js_AddStream(nullptr, js, &config, nullptr, nullptr), NATS_OK);
  auto log = NatsEventLog::open(optionsFor(g_server->address(), prefix, {{"booking", 1}})).value();
  ASSERT_OK(log->append(
      {makeEvent("booking", "b", 1), makeEvent("booking", "b", 2), makeEvent("booking", "b", 3)}));
  ASSERT_OK(log->verifyIntegrity());

  ASSERT_EQ(js_DeleteMsg(js, stream.c_str(), 2, nullptr, nullptr), NATS_OK);
  auto damaged = log->verifyIntegrity();
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code, "eventlog.gap") << damaged.error().describe();
  EXPECT_NE(damaged.error().message.find(stream), std::string::npos);
  jsCtx_Destroy(js);
  natsConnection_Destroy(connection);
}

// Reads follow each other on one consumer, and a read elsewhere starts anew.
TEST(NatsEventLog, ReadsInAnyOrderSeeTheSameRecords) {
  auto log =
      NatsEventLog::open(optionsFor(g_server->address(), freshPrefix(), {{"booking", 1}})).value();
  std::vector<EventEnvelope> events;
  for (int version = 1; version <= 50; ++version) {
    events.push_back(makeEvent("booking", "b", version));
  }
  ASSERT_TRUE(log->append(events));
  for (int64_t from : {0, 10, 20, 5, 45, 49, 0}) {
    auto records = log->read("booking", 0, from, 10).value();
    ASSERT_EQ(records.size(), static_cast<size_t>(std::min<int64_t>(10, 50 - from)));
    for (size_t index = 0; index < records.size(); ++index) {
      EXPECT_EQ(records[index].position.offset, from + static_cast<int64_t>(index));
      EXPECT_EQ(records[index].event, events[static_cast<size_t>(from) + index]);
    }
  }
}

// nats-server itself is killed: every acknowledged event is there after its
// restart, and the same log object carries on once it reconnects.
TEST(NatsEventLogServerCrash, AcknowledgedEventsSurviveASigkillOfTheServer) {
  testing::NatsServer server;
  auto options = optionsFor(server.address(), "crash", contractTopics());
  options.timeout = std::chrono::milliseconds(1000);
  auto log = NatsEventLog::open(options).value();
  std::vector<EventEnvelope> acknowledged;
  for (int version = 1; version <= 60; ++version) {
    EventEnvelope event = makeEvent(version % 3 == 0 ? "booking" : "property",
                                    fmt::format("a{}", version % 7), version);
    ASSERT_TRUE(log->append({event}));
    acknowledged.push_back(event);
  }
  server.kill();
  auto during = log->append({makeEvent("booking", "outage", 1)});
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error().kind, ErrorKind::StoreFailure) << during.error().describe();
  server.restart();

  // The client reconnects on its own; the event refused during the outage
  // may or may not have been stored, and appending it again stores it once.
  Result<std::vector<LogPosition>> after = log->append({makeEvent("booking", "outage", 1)});
  for (int attempt = 0; attempt < 50 && !after; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    after = log->append({makeEvent("booking", "outage", 1)});
  }
  ASSERT_TRUE(after) << describe(after);
  acknowledged.push_back(makeEvent("booking", "outage", 1));

  options.creation = StoreCreation::OpenExisting;
  auto reopened = NatsEventLog::open(options).value();
  std::map<std::string, EventEnvelope> stored;
  for (const auto& [topic, partitions] : contractTopics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      auto records = readAll(*reopened, topic, partition);
      EXPECT_EQ(static_cast<int64_t>(records.size()),
                reopened->endOffset(topic, partition).value());
      for (size_t offset = 0; offset < records.size(); ++offset) {
        EXPECT_EQ(records[offset].position.offset, static_cast<int64_t>(offset));
        EXPECT_TRUE(stored.emplace(records[offset].event.event_id, records[offset].event).second)
            << "stored twice: " << records[offset].event.event_id;
      }
    }
  }
  EXPECT_EQ(stored.size(), acknowledged.size());
  for (const EventEnvelope& event : acknowledged) {
    auto it = stored.find(event.event_id);
    ASSERT_NE(it, stored.end()) << "acknowledged and lost: " << event.event_id;
    EXPECT_EQ(it->second, event);
  }
}

// The client is killed mid-append, over and over: every append it saw
// acknowledged is in the log at the offset it was given, offsets stay dense
// and nothing is stored twice.
constexpr const char* kUrlVariable = "STAYLAB_NATS_CRASH_URL";
constexpr const char* kPrefixVariable = "STAYLAB_NATS_CRASH_PREFIX";
constexpr const char* kRoundVariable = "STAYLAB_NATS_CRASH_ROUND";
constexpr int kClientRounds = 4;

TEST(NatsEventLogClientCrashChild, DISABLED_AppendsUntilKilled) {
  const char* url = std::getenv(kUrlVariable);
  const char* round_text = std::getenv(kRoundVariable);
  const char* prefix = std::getenv(kPrefixVariable);
  if (url == nullptr || round_text == nullptr || prefix == nullptr) {
    GTEST_SKIP() << "runs only as the child of the client crash test";
  }
  const int round = std::atoi(round_text);
  auto log = NatsEventLog::open(optionsFor(url, prefix, contractTopics()));
  if (!log) {
    std::fprintf(stderr, "crash child: %s\n", log.error().describe().c_str());
    std::_Exit(2);
  }
  std::printf("READY\n");
  std::fflush(stdout);
  for (int batch = 0;; ++batch) {
    std::vector<EventEnvelope> events;
    for (int index = 0; index < 1 + batch % 4; ++index) {
      const char* topic = (batch + index) % 3 == 0 ? "booking" : "property";
      EventEnvelope event = makeEvent(topic, fmt::format("{}-{}", topic, (batch + index) % 5),
                                      round * 100'000 + batch * 10 + index);
      event.event_id = fmt::format("r{}-b{}-i{}", round, batch, index);
      events.push_back(std::move(event));
    }
    contract::appendAndAcknowledge(**log, events);
  }
}

TEST(NatsEventLogClientCrash, AcknowledgedAppendsSurviveSigkillOfTheClient) {
  std::map<std::string, LogPosition> acknowledged;  // By event id, over all rounds.
  int kills = 0;
  const std::string prefix = freshPrefix();
  for (int round = 0; round < kClientRounds; ++round) {
    // Let it acknowledge a round-dependent number of events, then kill it.
    const testing::KilledChild child = testing::killAfterLines(
        std::filesystem::read_symlink("/proc/self/exe"),
        {"--gtest_filter=NatsEventLogClientCrashChild.DISABLED_AppendsUntilKilled",
         "--gtest_also_run_disabled_tests"},
        {fmt::format("{}={}", kUrlVariable, g_server->address()),
         fmt::format("STAYLAB_NATS_URL={}", g_server->address()),
         fmt::format("{}={}", kRoundVariable, round),
         fmt::format("{}={}", kPrefixVariable, prefix)},
        "ack ", 30 + 25 * round);
    ASSERT_TRUE(child.ready) << child.description;
    kills += child.killed_by_test ? 1 : 0;
    for (const std::string& line : child.lines) {
      std::istringstream fields(line);
      std::string word;
      LogPosition position;
      std::string event_id;
      if (fields >> word >> position.topic >> position.partition >> position.offset >> event_id &&
          word == "ack") {
        acknowledged[event_id] = position;
      }
    }
  }
  EXPECT_EQ(kills, kClientRounds);

  auto log = NatsEventLog::open(optionsFor(g_server->address(), prefix, contractTopics())).value();
  std::set<std::string> stored;
  for (const auto& [topic, partitions] : contractTopics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      auto records = readAll(*log, topic, partition);
      for (size_t offset = 0; offset < records.size(); ++offset) {
        EXPECT_EQ(records[offset].position.offset, static_cast<int64_t>(offset));
        EXPECT_TRUE(stored.insert(records[offset].event.event_id).second);
        auto it = acknowledged.find(records[offset].event.event_id);
        if (it != acknowledged.end()) {
          EXPECT_EQ(it->second, records[offset].position) << it->first;
        }
      }
    }
  }
  for (const auto& [event_id, position] : acknowledged) {
    EXPECT_TRUE(stored.contains(event_id)) << "acknowledged and lost: " << event_id;
  }
  std::printf("client kills: %d, acknowledged events checked: %zu, stored: %zu\n", kills,
              acknowledged.size(), stored.size());
}

}  // namespace
}  // namespace staylab
