// The EventLog contract, run against the RocksDB adapter and its in-memory
// twin, followed by what only the RocksDB adapter promises: its records
// outlive the process, a SIGKILL included, and its topic layout is fixed.

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/ports/event_log.h"
#include "events/memory_event_log.h"
#include "events/rocksdb_event_log.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

extern char** environ;

#include "tests/events/event_log_contract.h"

namespace staylab {
namespace {

using contract::contractTopics;
using contract::describe;
using contract::kAll;
using contract::Topics;
using testing::makeEvent;

struct MemoryLog {
  static constexpr const char* kName = "Memory";
  static Result<std::unique_ptr<EventLog>> open(const std::filesystem::path&,
                                                const Topics& topics) {
    return std::make_unique<MemoryEventLog>(topics);
  }
};

struct RocksDbLog {
  static constexpr const char* kName = "RocksDb";
  static Result<std::unique_ptr<EventLog>> open(const std::filesystem::path& directory,
                                                const Topics& topics) {
    RocksDbEventLog::Options options;
    options.directory = directory;
    options.creation = StoreCreation::CreateIfMissing;
    options.topics = topics;
    return RocksDbEventLog::open(options);
  }
};

using EmbeddedLogs = ::testing::Types<MemoryLog, RocksDbLog>;
}  // namespace
}  // namespace staylab

// gtest instantiates a type-parameterised suite from its own namespace.
namespace staylab::contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, EventLogContractTest, EmbeddedLogs, ImplementationName);
}  // namespace staylab::contract

namespace staylab {
namespace {

// Pinned values: a change of hash would move every aggregate of an existing
// log to another partition.
TEST(PartitionForTest, IsFnv1a64ModuloTheCount) {
  EXPECT_EQ(partitionFor("", 256), 37);    // 14695981039346656037 % 256
  EXPECT_EQ(partitionFor("a", 256), 140);  // 0xaf63dc4c8601ec8c % 256
  EXPECT_EQ(partitionFor("property_0000000000000001", 4), 2);
  EXPECT_EQ(partitionFor("property_0000000000000001", 256), 226);
  EXPECT_EQ(partitionFor("booking_42", 4), 3);
  EXPECT_EQ(partitionFor("booking_42", 2), 1);
  EXPECT_EQ(partitionFor("p1", 4), 2);
}

TEST(PartitionForTest, StaysWithinTheCount) {
  for (int partitions : {1, 2, 3, 4, 7, 256}) {
    for (int index = 0; index < 200; ++index) {
      const int partition = partitionFor(fmt::format("aggregate-{}", index), partitions);
      EXPECT_GE(partition, 0);
      EXPECT_LT(partition, partitions);
    }
  }
}

// What only the RocksDB adapter promises.
class RocksDbEventLogTest : public ::testing::Test {
 protected:
  std::filesystem::path directory() const { return m_dir / "log"; }

  Result<std::unique_ptr<RocksDbEventLog>> tryOpen(
      const Topics& topics, RocksDbEventLog::Sync sync = RocksDbEventLog::Sync::Normal) {
    RocksDbEventLog::Options options;
    options.directory = directory();
    options.creation = StoreCreation::CreateIfMissing;
    options.topics = topics;
    options.sync = sync;
    return RocksDbEventLog::open(options);
  }

  std::unique_ptr<RocksDbEventLog> open(
      const Topics& topics, RocksDbEventLog::Sync sync = RocksDbEventLog::Sync::Normal) {
    auto opened = tryOpen(topics, sync);
    EXPECT_TRUE(opened) << describe(opened);
    return opened ? std::move(*opened) : nullptr;
  }

  static std::vector<LogRecord> readAll(EventLog& log, std::string_view topic, int partition) {
    auto records = log.read(topic, partition, 0, kAll);
    EXPECT_TRUE(records) << describe(records);
    return records ? *records : std::vector<LogRecord>{};
  }

  testing::TempDir m_dir;
};

TEST_F(RocksDbEventLogTest, DefaultOptionsAreTheDocumentedOnes) {
  const RocksDbEventLog::Options options;
  EXPECT_EQ(options.topics, (Topics{{"property", 4}, {"booking", 4}, {"fraud", 2}}));
  EXPECT_EQ(options.sync, RocksDbEventLog::Sync::Normal);
  EXPECT_EQ(options.creation, StoreCreation::OpenExisting);
}

TEST_F(RocksDbEventLogTest, RecordsAndEndOffsetsSurviveReopenAndAppendsContinueDensely) {
  std::vector<EventEnvelope> first;
  for (int aggregate = 0; aggregate < 12; ++aggregate) {
    first.push_back(makeEvent("property", fmt::format("p{}", aggregate), 1));
    first.push_back(makeEvent("booking", fmt::format("b{}", aggregate), 1));
  }
  std::map<std::pair<std::string, int>, std::vector<LogRecord>> before;
  {
    auto log = open(contractTopics(), RocksDbEventLog::Sync::Full);
    ASSERT_TRUE(log);
    ASSERT_OK(log->append(first));
    for (const auto& [topic, partitions] : contractTopics()) {
      for (int partition = 0; partition < partitions; ++partition) {
        before[{topic, partition}] = readAll(*log, topic, partition);
      }
    }
  }

  auto reopened = open(contractTopics());
  ASSERT_TRUE(reopened);
  for (const auto& [key, records] : before) {
    EXPECT_EQ(readAll(*reopened, key.first, key.second), records);
    auto end = reopened->endOffset(key.first, key.second);
    ASSERT_OK(end);
    EXPECT_EQ(*end, static_cast<int64_t>(records.size()));
  }

  std::vector<EventEnvelope> second;
  for (int aggregate = 0; aggregate < 12; ++aggregate) {
    second.push_back(makeEvent("property", fmt::format("p{}", aggregate), 2));
  }
  auto positions = reopened->append(second);
  ASSERT_OK(positions);
  std::map<std::pair<std::string, int>, int64_t> expected_ends;
  for (const auto& [key, records] : before) {
    expected_ends[key] = static_cast<int64_t>(records.size());
  }
  for (const LogPosition& position : *positions) {
    EXPECT_EQ(position.offset, (expected_ends[{position.topic, position.partition}]++));
  }
  reopened.reset();

  auto again = open(contractTopics());
  ASSERT_TRUE(again);
  for (const auto& [key, expected_end] : expected_ends) {
    const std::vector<LogRecord> records = readAll(*again, key.first, key.second);
    ASSERT_EQ(static_cast<int64_t>(records.size()), expected_end);
    for (size_t offset = 0; offset < records.size(); ++offset) {
      EXPECT_EQ(records[offset].position.offset, static_cast<int64_t>(offset));
    }
  }
}

TEST_F(RocksDbEventLogTest, ReopeningWithAChangedPartitionCountIsRefused) {
  {
    auto log = open(contractTopics());
    ASSERT_TRUE(log);
    ASSERT_OK(log->append({makeEvent("property", "p1", 1)}));
  }

  auto changed = tryOpen({{"property", 8}, {"booking", 2}});
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(changed.error().code, "eventlog.partitions_changed");
  EXPECT_NE(changed.error().message.find("'property' was created with 4 partitions"),
            std::string::npos)
      << changed.error().describe();

  auto unchanged = open(contractTopics());
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(readAll(*unchanged, "property", partitionFor("p1", 4)).size(), 1u);
}

TEST_F(RocksDbEventLogTest, TopicsRecordedEarlierStayAndNewTopicsAreRecorded) {
  {
    auto log = open(contractTopics());
    ASSERT_TRUE(log);
    ASSERT_OK(log->append({makeEvent("booking", "b1", 1)}));
  }
  {
    auto log = open({{"fraud", 2}});
    ASSERT_TRUE(log);
    EXPECT_EQ(log->topics(), (Topics{{"property", 4}, {"booking", 2}, {"fraud", 2}}));
    EXPECT_EQ(readAll(*log, "booking", partitionFor("b1", 2)).size(), 1u);
    ASSERT_OK(log->append({makeEvent("fraud", "f1", 1)}));
  }

  auto log = open({});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->topics(), (Topics{{"property", 4}, {"booking", 2}, {"fraud", 2}}));
  EXPECT_EQ(readAll(*log, "fraud", partitionFor("f1", 2)).size(), 1u);
  EXPECT_FALSE(tryOpen({{"fraud", 1}}));
}

TEST_F(RocksDbEventLogTest, BadOptionsAreInvalidInput) {
  RocksDbEventLog::Options no_directory;
  EXPECT_INVALID_INPUT(RocksDbEventLog::open(no_directory));
  EXPECT_INVALID_INPUT(tryOpen({{"property", 0}}));
  EXPECT_INVALID_INPUT(tryOpen({{"property", 257}}));
  EXPECT_INVALID_INPUT(tryOpen({{"property", -1}}));
  EXPECT_INVALID_INPUT(tryOpen({{"", 1}}));
  EXPECT_INVALID_INPUT(tryOpen({{std::string("a\0b", 3), 1}}));
  EXPECT_INVALID_INPUT(tryOpen({{std::string(256, 't'), 1}}));
  EXPECT_FALSE(std::filesystem::exists(directory()));

  auto widest = open({{std::string(255, 't'), 256}});
  ASSERT_TRUE(widest);
  EXPECT_EQ(widest->topics().begin()->second, 256);
}

TEST_F(RocksDbEventLogTest, OpeningADirectoryAlreadyOpenIsAStoreFailure) {
  auto log = open(contractTopics());
  ASSERT_TRUE(log);

  auto second = tryOpen(contractTopics());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::StoreFailure);
  EXPECT_FALSE(second.error().message.empty());
}

TEST_F(RocksDbEventLogTest, ACorruptRecordIsAStoreFailureNamingItsPosition) {
  auto log = open(contractTopics());
  ASSERT_TRUE(log);
  ASSERT_OK(log->append({makeEvent("booking", "b1", 1), makeEvent("booking", "b1", 2),
                         makeEvent("booking", "b1", 3)}));
  const int partition = partitionFor("b1", 2);
  ASSERT_OK(log->testWriteRaw(LogPosition{"booking", partition, 1}, "{not json"));
  ASSERT_OK(log->testWriteRaw(LogPosition{"booking", partition, 2}, R"({"event_id": "e"})"));

  auto first = log->read("booking", partition, 0, 1);
  ASSERT_OK(first);
  EXPECT_EQ(first->size(), 1u);
  // Reading from 0 meets offset 1 first; reading from 2 meets the non-envelope.
  for (int64_t offset : {1, 2}) {
    auto corrupt = log->read("booking", partition, offset == 1 ? 0 : offset, 10);
    ASSERT_FALSE(corrupt);
    EXPECT_EQ(corrupt.error().kind, ErrorKind::StoreFailure);
    EXPECT_EQ(corrupt.error().code, "eventlog.corrupt");
    EXPECT_NE(corrupt.error().message.find(
                  fmt::format("topic booking partition {} offset {}", partition, offset)),
              std::string::npos)
        << corrupt.error().describe();
  }
}

// The in-memory twin keeps these; the RocksDB log refuses them because they
// would not read back and would block the partition for every consumer.
TEST_F(RocksDbEventLogTest, EnvelopesThatWouldNotReadBackAreInvalidInputAndAppendNothing) {
  auto log = open(contractTopics());
  ASSERT_TRUE(log);

  std::vector<EventEnvelope> bad_events(5, makeEvent("booking", "b1", 1));
  bad_events[0].payload["text"] = "\xff\xfe not UTF-8";
  bad_events[1].type = "Bad\xc3";
  bad_events[2].causation_id.clear();
  bad_events[3].schema_version = 0;
  bad_events[4].payload["ratio"] = std::numeric_limits<double>::quiet_NaN();
  for (const EventEnvelope& bad_event : bad_events) {
    EXPECT_INVALID_INPUT(log->append({makeEvent("property", "p1", 1), bad_event}));
  }
  for (int partition = 0; partition < 4; ++partition) {
    auto end = log->endOffset("property", partition);
    ASSERT_OK(end);
    EXPECT_EQ(*end, 0);
  }
}

// The crash test starts this test in a child process (a fresh exec of this
// binary, so no RocksDB thread is forked). It appends batches until it is
// killed and prints "ack <topic> <partition> <offset> <event id>" for each
// event of an acknowledged append. Every event's payload says where it came
// from: round, batch, index within the batch and batch size.
constexpr const char* kCrashDirectoryVariable = "STAYLAB_EVENT_LOG_CRASH_DIRECTORY";
constexpr const char* kCrashRoundVariable = "STAYLAB_EVENT_LOG_CRASH_ROUND";
constexpr const char* kCrashChildTest = "RocksDbEventLogCrashChild.DISABLED_AppendsUntilKilled";
constexpr int kCrashRounds = 5;

RocksDbEventLog::Sync crashSync(int round) {
  return round % 2 == 0 ? RocksDbEventLog::Sync::Normal : RocksDbEventLog::Sync::Full;
}

TEST(RocksDbEventLogCrashChild, DISABLED_AppendsUntilKilled) {
  const char* directory = std::getenv(kCrashDirectoryVariable);
  const char* round_text = std::getenv(kCrashRoundVariable);
  if (directory == nullptr || round_text == nullptr) {
    GTEST_SKIP() << "runs only as the child of the crash test";
  }
  const int round = std::atoi(round_text);
  RocksDbEventLog::Options options;
  options.directory = directory;
  options.creation = StoreCreation::CreateIfMissing;
  options.topics = contractTopics();
  options.sync = crashSync(round);
  auto log = RocksDbEventLog::open(options);
  if (!log) {
    std::fprintf(stderr, "crash child: %s\n", log.error().describe().c_str());
    std::_Exit(2);
  }
  for (int batch = 0;; ++batch) {
    const int size = 1 + batch % 5;
    std::vector<EventEnvelope> events;
    for (int index = 0; index < size; ++index) {
      const char* topic = (batch + index) % 3 == 0 ? "booking" : "property";
      EventEnvelope event =
          makeEvent(topic, fmt::format("{}-{}", topic, (batch * 7 + index) % 13), batch);
      event.event_id = fmt::format("r{}-b{}-i{}", round, batch, index);
      event.payload =
          nlohmann::json{{"round", round}, {"batch", batch}, {"index", index}, {"size", size}};
      events.push_back(std::move(event));
    }
    contract::appendAndAcknowledge(**log, events);
  }
}

struct CrashChild {
  pid_t pid = -1;
  int output = -1;  // Read end of the child's stdout.
};

// Starts this binary afresh running only the child test, its stdout piped to us.
CrashChild spawnCrashChild(const std::filesystem::path& directory, int round) {
  CrashChild child;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2 failed: " << errno;
    return child;
  }
  const std::string executable = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> arguments{executable, fmt::format("--gtest_filter={}", kCrashChildTest),
                                     "--gtest_also_run_disabled_tests"};
  std::vector<std::string> environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    environment.emplace_back(*variable);
  }
  environment.push_back(fmt::format("{}={}", kCrashDirectoryVariable, directory.string()));
  environment.push_back(fmt::format("{}={}", kCrashRoundVariable, round));
  auto pointers = [](std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (std::string& text : strings) {
      result.push_back(text.data());
    }
    result.push_back(nullptr);
    return result;
  };
  std::vector<char*> argv = pointers(arguments);
  std::vector<char*> envp = pointers(environment);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  const int spawned =
      posix_spawn(&child.pid, executable.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (spawned != 0) {
    ADD_FAILURE() << "posix_spawn failed: " << spawned;
    ::close(fds[0]);
    child.pid = -1;
    return child;
  }
  child.output = fds[0];
  return child;
}

struct Acknowledged {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  std::string event_id;
};

// Moves the whole "ack ..." lines at the front of `buffer` into `acknowledged`.
void takeAcknowledgedLines(std::string& buffer, std::vector<Acknowledged>& acknowledged) {
  size_t line_end;
  while ((line_end = buffer.find('\n')) != std::string::npos) {
    const std::string line = buffer.substr(0, line_end);
    buffer.erase(0, line_end + 1);
    char topic[64];
    char event_id[64];
    int partition = 0;
    long long offset = 0;
    if (std::sscanf(line.c_str(), "ack %63s %d %lld %63s", topic, &partition, &offset, event_id) ==
        4) {
      acknowledged.push_back(Acknowledged{topic, partition, offset, event_id});
    }
  }
}

TEST_F(RocksDbEventLogTest, AcknowledgedAppendsSurviveSigkillAndOffsetsStayDense) {
  std::vector<Acknowledged> acknowledged;  // Over all rounds.
  for (int round = 0; round < kCrashRounds; ++round) {
    SCOPED_TRACE(fmt::format("round {}", round));
    const size_t acknowledged_before = acknowledged.size();
    const size_t kill_after = acknowledged_before + 40 + static_cast<size_t>(round) * 35;

    CrashChild child = spawnCrashChild(directory(), round);
    ASSERT_GE(child.pid, 0);
    std::string buffer;
    char chunk[4096];
    bool child_ended = false;
    while (acknowledged.size() < kill_after && !child_ended) {
      pollfd waiting{child.output, POLLIN, 0};
      if (::poll(&waiting, 1, 60'000) <= 0) {
        break;
      }
      const ssize_t got = ::read(child.output, chunk, sizeof chunk);
      if (got <= 0) {
        child_ended = true;
        break;
      }
      buffer.append(chunk, static_cast<size_t>(got));
      takeAcknowledgedLines(buffer, acknowledged);
    }
    // Kill it mid-append, a little later each round.
    std::this_thread::sleep_for(std::chrono::microseconds(300 * round));
    ::kill(child.pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
    // What it printed before dying was acknowledged too.
    for (ssize_t got; (got = ::read(child.output, chunk, sizeof chunk)) > 0;) {
      buffer.append(chunk, static_cast<size_t>(got));
    }
    takeAcknowledgedLines(buffer, acknowledged);
    ::close(child.output);
    ASSERT_FALSE(child_ended) << "the child ended on its own";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
    ASSERT_GE(acknowledged.size(), kill_after);

    auto log = open(contractTopics());
    ASSERT_TRUE(log);
    // Every acknowledged event, of this round and earlier ones, is where it was acknowledged.
    for (const Acknowledged& ack : acknowledged) {
      auto records = log->read(ack.topic, ack.partition, ack.offset, 1);
      ASSERT_OK(records);
      ASSERT_EQ(records->size(), 1u) << ack.topic << "/" << ack.partition << "@" << ack.offset;
      EXPECT_EQ(records->front().event.event_id, ack.event_id);
    }
    // Partitions are dense and in append order; every batch is whole or absent.
    std::map<std::pair<int, int>, int> batch_events;  // (round, batch) -> events found.
    std::map<std::pair<int, int>, int> batch_sizes;
    for (const auto& [topic, partitions] : contractTopics()) {
      for (int partition = 0; partition < partitions; ++partition) {
        const std::vector<LogRecord> records = readAll(*log, topic, partition);
        auto end = log->endOffset(topic, partition);
        ASSERT_OK(end);
        EXPECT_EQ(*end, static_cast<int64_t>(records.size()));
        std::tuple<int, int, int> previous{-1, -1, -1};
        for (size_t offset = 0; offset < records.size(); ++offset) {
          EXPECT_EQ(records[offset].position.offset, static_cast<int64_t>(offset));
          const nlohmann::json& payload = records[offset].event.payload;
          const std::tuple<int, int, int> origin{payload.at("round").get<int>(),
                                                 payload.at("batch").get<int>(),
                                                 payload.at("index").get<int>()};
          EXPECT_LT(previous, origin) << topic << "/" << partition << "@" << offset;
          previous = origin;
          const std::pair<int, int> batch{std::get<0>(origin), std::get<1>(origin)};
          ++batch_events[batch];
          batch_sizes[batch] = payload.at("size").get<int>();
        }
      }
    }
    for (const auto& [batch, found] : batch_events) {
      EXPECT_EQ(found, batch_sizes[batch])
          << "round " << batch.first << " batch " << batch.second << " is torn";
    }
    if (HasFailure()) {
      return;
    }
  }
}

}  // namespace
}  // namespace staylab
