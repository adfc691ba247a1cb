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

namespace staylab {
namespace {

using Topics = std::map<std::string, int>;

constexpr size_t kAll = std::numeric_limits<size_t>::max();

Topics contractTopics() {
  return Topics{{"property", 4}, {"booking", 2}};
}

template <typename T>
std::string describe(const Result<T>& result) {
  return result ? std::string("ok") : result.error().describe();
}

#define ASSERT_OK(expr)                                          \
  do {                                                           \
    const auto& assert_ok_result = (expr);                       \
    ASSERT_TRUE(assert_ok_result) << describe(assert_ok_result); \
  } while (false)

#define EXPECT_INVALID_INPUT(expr)                                         \
  do {                                                                     \
    const auto& expect_invalid_result = (expr);                            \
    ASSERT_FALSE(expect_invalid_result) << "expected InvalidInput";        \
    EXPECT_EQ(expect_invalid_result.error().kind, ErrorKind::InvalidInput) \
        << expect_invalid_result.error().describe();                       \
  } while (false)

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

struct ImplementationName {
  template <typename Factory>
  static std::string GetName(int) {
    return Factory::kName;
  }
};

template <typename Factory>
class EventLogContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Factory::open(m_dir / "log", contractTopics());
    ASSERT_TRUE(opened) << describe(opened);
    m_log = std::move(*opened);
  }

  EventLog& log() { return *m_log; }

  std::vector<LogPosition> append(const std::vector<EventEnvelope>& events) {
    auto positions = log().append(events);
    EXPECT_TRUE(positions) << describe(positions);
    return positions ? *positions : std::vector<LogPosition>{};
  }

  std::vector<LogRecord> read(std::string_view topic, int partition, int64_t from = 0,
                              size_t limit = kAll) {
    auto records = log().read(topic, partition, from, limit);
    EXPECT_TRUE(records) << describe(records);
    return records ? *records : std::vector<LogRecord>{};
  }

  int64_t end(std::string_view topic, int partition) {
    auto offset = log().endOffset(topic, partition);
    EXPECT_TRUE(offset) << describe(offset);
    return offset ? *offset : -1;
  }

  // Returns every record of every partition, partition by partition.
  std::vector<LogRecord> readEverything() {
    std::vector<LogRecord> records;
    for (const auto& [topic, partitions] : contractTopics()) {
      for (int partition = 0; partition < partitions; ++partition) {
        for (LogRecord& record : read(topic, partition)) {
          records.push_back(std::move(record));
        }
      }
    }
    return records;
  }

  std::map<std::pair<std::string, int>, int64_t> endOffsets() {
    std::map<std::pair<std::string, int>, int64_t> ends;
    for (const auto& [topic, partitions] : contractTopics()) {
      for (int partition = 0; partition < partitions; ++partition) {
        ends[{topic, partition}] = end(topic, partition);
      }
    }
    return ends;
  }

  testing::TempDir m_dir;
  std::unique_ptr<EventLog> m_log;
};

using Implementations = ::testing::Types<MemoryLog, RocksDbLog>;
TYPED_TEST_SUITE(EventLogContractTest, Implementations, ImplementationName);

TYPED_TEST(EventLogContractTest, ReportsItsTopics) {
  EXPECT_EQ(this->log().topics(), contractTopics());
}

TYPED_TEST(EventLogContractTest, AppendReturnsDenseOffsetsFromZeroPerPartition) {
  std::map<std::pair<std::string, int>, int64_t> expected_ends;
  for (int call = 0; call < 3; ++call) {
    std::vector<EventEnvelope> events;
    for (int aggregate = 0; aggregate < 10; ++aggregate) {
      events.push_back(makeEvent("property", fmt::format("p{}", aggregate), call));
      events.push_back(makeEvent("booking", fmt::format("b{}", aggregate), call));
    }
    const std::vector<LogPosition> positions = this->append(events);
    ASSERT_EQ(positions.size(), events.size());
    for (size_t index = 0; index < events.size(); ++index) {
      const LogPosition& position = positions[index];
      EXPECT_EQ(position.topic, events[index].aggregate_type);
      EXPECT_EQ(position.partition,
                partitionFor(events[index].aggregate_id, contractTopics().at(position.topic)));
      EXPECT_EQ(position.offset, (expected_ends[{position.topic, position.partition}]++));
    }
  }

  for (const auto& [topic, partitions] : contractTopics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      const auto found = expected_ends.find({topic, partition});
      const int64_t expected_end = found == expected_ends.end() ? 0 : found->second;
      EXPECT_EQ(this->end(topic, partition), expected_end) << topic << "/" << partition;
      const std::vector<LogRecord> records = this->read(topic, partition);
      ASSERT_EQ(records.size(), static_cast<size_t>(expected_end));
      for (size_t offset = 0; offset < records.size(); ++offset) {
        EXPECT_EQ(records[offset].position,
                  (LogPosition{topic, partition, static_cast<int64_t>(offset)}));
      }
    }
  }
}

TYPED_TEST(EventLogContractTest, TheTopicIsTheAggregateType) {
  const std::vector<LogPosition> positions =
      this->append({makeEvent("property", "same-id", 1), makeEvent("booking", "same-id", 1)});
  ASSERT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions[0].topic, "property");
  EXPECT_EQ(positions[1].topic, "booking");

  const std::vector<LogRecord> bookings = this->read("booking", positions[1].partition);
  ASSERT_EQ(bookings.size(), 1u);
  EXPECT_EQ(bookings[0].event.aggregate_type, "booking");
}

TYPED_TEST(EventLogContractTest, OneAggregatesEventsKeepOnePartitionAndTheirOrder) {
  const std::string aggregate = "property_0000000000000001";
  const int expected_partition = partitionFor(aggregate, 4);
  for (int64_t version = 1; version <= 20; version += 2) {
    // Other aggregates in between, in the same and in other calls.
    this->append({makeEvent("property", fmt::format("other{}", version), 1),
                  makeEvent("property", aggregate, version),
                  makeEvent("property", fmt::format("other{}", version + 1), 1)});
    const std::vector<LogPosition> positions =
        this->append({makeEvent("property", aggregate, version + 1)});
    ASSERT_EQ(positions.size(), 1u);
    EXPECT_EQ(positions[0].partition, expected_partition);
  }

  std::vector<int64_t> versions;
  for (const LogRecord& record : this->read("property", expected_partition)) {
    if (record.event.aggregate_id == aggregate) {
      versions.push_back(record.event.aggregate_version);
    }
  }
  std::vector<int64_t> expected(20);
  for (size_t index = 0; index < expected.size(); ++index) {
    expected[index] = static_cast<int64_t>(index) + 1;
  }
  EXPECT_EQ(versions, expected);
}

TYPED_TEST(EventLogContractTest, ReadsFromAnOffsetUpToTheLimit) {
  std::vector<EventEnvelope> events;
  for (int64_t version = 1; version <= 10; ++version) {
    events.push_back(makeEvent("booking", "b1", version));
  }
  const std::vector<LogPosition> positions = this->append(events);
  ASSERT_EQ(positions.size(), 10u);
  const int partition = positions[0].partition;

  const std::vector<LogRecord> middle = this->read("booking", partition, 3, 4);
  ASSERT_EQ(middle.size(), 4u);
  for (size_t index = 0; index < middle.size(); ++index) {
    EXPECT_EQ(middle[index].position.offset, static_cast<int64_t>(3 + index));
    EXPECT_EQ(middle[index].event, events[3 + index]);
  }
  const std::vector<LogRecord> tail = this->read("booking", partition, 8, 100);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[1].event, events[9]);
  EXPECT_TRUE(this->read("booking", partition, 0, 0).empty());
}

TYPED_TEST(EventLogContractTest, ReadingAtOrPastTheEndIsEmpty) {
  EXPECT_TRUE(this->read("property", 0).empty());
  const std::vector<LogPosition> positions =
      this->append({makeEvent("property", "p1", 1), makeEvent("property", "p1", 2),
                    makeEvent("property", "p1", 3)});
  ASSERT_EQ(positions.size(), 3u);
  const int partition = positions[0].partition;
  EXPECT_TRUE(this->read("property", partition, 3).empty());
  EXPECT_TRUE(this->read("property", partition, 1000).empty());
  EXPECT_TRUE(this->read("property", partition, std::numeric_limits<int64_t>::max()).empty());
}

TYPED_TEST(EventLogContractTest, EndOffsetIsTheOffsetOfTheNextAppend) {
  const int partition = partitionFor("b7", 2);
  EXPECT_EQ(this->end("booking", partition), 0);
  for (int64_t version = 1; version <= 3; ++version) {
    const int64_t before = this->end("booking", partition);
    const std::vector<LogPosition> positions = this->append({makeEvent("booking", "b7", version)});
    ASSERT_EQ(positions.size(), 1u);
    EXPECT_EQ(positions[0].offset, before);
    EXPECT_EQ(this->end("booking", partition), before + 1);
  }
}

TYPED_TEST(EventLogContractTest, EmptyAppendReturnsNoPositions) {
  auto positions = this->log().append({});
  ASSERT_OK(positions);
  EXPECT_TRUE(positions->empty());
  EXPECT_TRUE(this->readEverything().empty());
}

TYPED_TEST(EventLogContractTest, UnknownTopicBadPartitionOrNegativeOffsetIsInvalidInput) {
  EventLog& log = this->log();
  EXPECT_INVALID_INPUT(log.read("nope", 0, 0, 10));
  EXPECT_INVALID_INPUT(log.read("", 0, 0, 10));
  EXPECT_INVALID_INPUT(log.read("property", -1, 0, 10));
  EXPECT_INVALID_INPUT(log.read("property", 4, 0, 10));
  EXPECT_INVALID_INPUT(log.read("booking", 2, 0, 10));
  EXPECT_INVALID_INPUT(log.read("property", 0, -1, 10));
  EXPECT_INVALID_INPUT(log.endOffset("nope", 0));
  EXPECT_INVALID_INPUT(log.endOffset("property", 4));
  EXPECT_INVALID_INPUT(log.endOffset("property", -1));
  EXPECT_INVALID_INPUT(log.append({makeEvent("nope", "x", 1)}));
  EXPECT_TRUE(this->readEverything().empty());
}

TYPED_TEST(EventLogContractTest, AnInvalidEnvelopeAnywhereInABatchAppendsNothing) {
  this->append({makeEvent("property", "p1", 1), makeEvent("booking", "b1", 1)});
  const std::vector<LogRecord> records_before = this->readEverything();
  const auto ends_before = this->endOffsets();

  std::vector<std::pair<std::string, EventEnvelope>> bad_events;
  auto breakEvent = [&](std::string what, auto&& change) {
    EventEnvelope event = makeEvent("booking", "b2", 1);
    change(event);
    bad_events.emplace_back(std::move(what), std::move(event));
  };
  breakEvent("empty event id", [](EventEnvelope& event) { event.event_id.clear(); });
  breakEvent("empty type", [](EventEnvelope& event) { event.type.clear(); });
  breakEvent("empty aggregate id", [](EventEnvelope& event) { event.aggregate_id.clear(); });
  breakEvent("unknown topic", [](EventEnvelope& event) { event.aggregate_type = "nope"; });
  breakEvent("array payload", [](EventEnvelope& event) {
    event.payload = nlohmann::json::array({1, 2});
  });
  breakEvent("null payload", [](EventEnvelope& event) { event.payload = nullptr; });

  for (const auto& [what, bad_event] : bad_events) {
    for (size_t bad_index = 0; bad_index < 4; ++bad_index) {
      std::vector<EventEnvelope> batch{makeEvent("property", "p1", 2),
                                       makeEvent("booking", "b1", 2),
                                       makeEvent("property", "p9", 1)};
      batch.insert(batch.begin() + static_cast<std::ptrdiff_t>(bad_index), bad_event);
      EXPECT_INVALID_INPUT(this->log().append(batch));
    }
    EXPECT_EQ(this->readEverything(), records_before) << what;
    EXPECT_EQ(this->endOffsets(), ends_before) << what;
  }

  // The log goes on from where it was.
  const std::vector<LogPosition> positions = this->append({makeEvent("property", "p1", 2)});
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0].offset, (ends_before.at({"property", partitionFor("p1", 4)})));
}

TYPED_TEST(EventLogContractTest, AnEnvelopeReadsBackExactly) {
  EventEnvelope event;
  event.event_id = "evt-ü-0001";
  event.type = "BookingPlaced";
  event.schema_version = 3;
  event.aggregate_type = "booking";
  event.aggregate_id = "booking_✓42";
  event.aggregate_version = 9'000'000'000;
  event.occurred_at_nanos = 1'712'345'678'901'234'567;
  event.correlation_id = "corr-Δ";
  event.causation_id = "cause-🙂";
  event.payload = nlohmann::json{
      {"city", "Zürich"},
      {"title", "東京の家 \"quoted\" \\ back\nslash\ttab"},
      {"emoji", "🏠🛏️"},
      {"nul", std::string("a\0b", 3)},
      {"nights", {"2024-05-01", "2024-05-02"}},
      {"price", {{"amount", -12345}, {"currency", "EUR"}}},
      {"ratio", 0.1},
      {"largest", std::numeric_limits<int64_t>::max()},
      {"smallest", std::numeric_limits<int64_t>::min()},
      {"flag", true},
      {"none", nullptr},
      {"empty", nlohmann::json::object()},
  };

  const std::vector<LogPosition> positions = this->append({event});
  ASSERT_EQ(positions.size(), 1u);
  const std::vector<LogRecord> records =
      this->read("booking", positions[0].partition, positions[0].offset, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].position, positions[0]);
  EXPECT_EQ(records[0].event, event);
  EXPECT_EQ(records[0].event.toJson().dump(), event.toJson().dump());
}

TYPED_TEST(EventLogContractTest, ConcurrentAppendsKeepOffsetsDenseAndAggregatesInOrder) {
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 25;
  std::vector<std::thread> appenders;
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    appenders.emplace_back([this, thread_index] {
      const std::string aggregate = fmt::format("t{}", thread_index);
      for (int call = 0; call < kCallsPerThread; ++call) {
        EXPECT_TRUE(this->log().append({makeEvent("property", aggregate, 2 * call + 1),
                                        makeEvent("booking", aggregate, 2 * call + 2)}));
      }
    });
  }
  for (std::thread& appender : appenders) {
    appender.join();
  }

  std::map<std::string, int64_t> last_version;
  size_t total = 0;
  for (const auto& [topic, partitions] : contractTopics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      const std::vector<LogRecord> records = this->read(topic, partition);
      EXPECT_EQ(static_cast<int64_t>(records.size()), this->end(topic, partition));
      for (size_t offset = 0; offset < records.size(); ++offset) {
        const LogRecord& record = records[offset];
        EXPECT_EQ(record.position.offset, static_cast<int64_t>(offset));
        int64_t& last = last_version[topic + "/" + record.event.aggregate_id];
        EXPECT_GT(record.event.aggregate_version, last);
        last = record.event.aggregate_version;
      }
      total += records.size();
    }
  }
  EXPECT_EQ(total, size_t{2 * kThreads * kCallsPerThread});
}

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
    auto positions = (*log)->append(events);
    if (!positions) {
      std::fprintf(stderr, "crash child: %s\n", positions.error().describe().c_str());
      std::_Exit(3);
    }
    std::string lines;
    for (size_t index = 0; index < events.size(); ++index) {
      const LogPosition& position = (*positions)[index];
      lines += fmt::format("ack {} {} {} {}\n", position.topic, position.partition, position.offset,
                           events[index].event_id);
    }
    // One write of less than PIPE_BUF bytes: the reader sees it whole or not at all.
    if (::write(STDOUT_FILENO, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
      std::_Exit(4);
    }
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
