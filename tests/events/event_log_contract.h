#pragma once

// The EventLog contract, as type-parameterised tests: each suite that tests
// an adapter instantiates it with a factory type F, which provides
//   static constexpr const char* kName;
//   static Result<std::unique_ptr<EventLog>> open(const std::filesystem::path& directory,
//                                                 const std::map<std::string, int>& topics);
// opening a fresh, empty log with those topics (`directory` is a new
// temporary directory the adapter may use). The embedded adapters run it in
// event_log_contract_test.cpp, the NATS JetStream one in
// nats_event_log_test.cpp.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "domain/ports/event_log.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace staylab::contract {

using Topics = std::map<std::string, int>;

constexpr size_t kAll = std::numeric_limits<size_t>::max();

Topics contractTopics() {
  return Topics{{"property", 4}, {"booking", 2}};
}

using staylab::testing::describe;

using staylab::testing::makeEvent;

// For crash children: appends `events` and writes "ack <topic> <partition>
// <offset> <event id>" for each to stdout in one write(2) of less than
// PIPE_BUF bytes, which a reader sees whole or not at all. Exits with 3 when
// the append fails, 4 when stdout does.
inline void appendAndAcknowledge(EventLog& log, const std::vector<EventEnvelope>& events) {
  auto positions = log.append(events);
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
  if (::write(STDOUT_FILENO, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
    std::_Exit(4);
  }
}

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

TYPED_TEST_SUITE_P(EventLogContractTest);

TYPED_TEST_P(EventLogContractTest, ReportsItsTopics) {
  EXPECT_EQ(this->log().topics(), contractTopics());
}

TYPED_TEST_P(EventLogContractTest, AppendReturnsDenseOffsetsFromZeroPerPartition) {
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

TYPED_TEST_P(EventLogContractTest, TheTopicIsTheAggregateType) {
  const std::vector<LogPosition> positions =
      this->append({makeEvent("property", "same-id", 1), makeEvent("booking", "same-id", 1)});
  ASSERT_EQ(positions.size(), 2u);
  EXPECT_EQ(positions[0].topic, "property");
  EXPECT_EQ(positions[1].topic, "booking");

  const std::vector<LogRecord> bookings = this->read("booking", positions[1].partition);
  ASSERT_EQ(bookings.size(), 1u);
  EXPECT_EQ(bookings[0].event.aggregate_type, "booking");
}

TYPED_TEST_P(EventLogContractTest, OneAggregatesEventsKeepOnePartitionAndTheirOrder) {
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

TYPED_TEST_P(EventLogContractTest, ReadsFromAnOffsetUpToTheLimit) {
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

TYPED_TEST_P(EventLogContractTest, ReadingAtOrPastTheEndIsEmpty) {
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

TYPED_TEST_P(EventLogContractTest, EndOffsetIsTheOffsetOfTheNextAppend) {
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

TYPED_TEST_P(EventLogContractTest, EmptyAppendReturnsNoPositions) {
  auto positions = this->log().append({});
  ASSERT_OK(positions);
  EXPECT_TRUE(positions->empty());
  EXPECT_TRUE(this->readEverything().empty());
}

TYPED_TEST_P(EventLogContractTest, UnknownTopicBadPartitionOrNegativeOffsetIsInvalidInput) {
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

TYPED_TEST_P(EventLogContractTest, AnInvalidEnvelopeAnywhereInABatchAppendsNothing) {
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

TYPED_TEST_P(EventLogContractTest, AnEnvelopeReadsBackExactly) {
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

TYPED_TEST_P(EventLogContractTest, ConcurrentAppendsKeepOffsetsDenseAndAggregatesInOrder) {
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

REGISTER_TYPED_TEST_SUITE_P(EventLogContractTest, ReportsItsTopics,
                            AppendReturnsDenseOffsetsFromZeroPerPartition,
                            TheTopicIsTheAggregateType,
                            OneAggregatesEventsKeepOnePartitionAndTheirOrder,
                            ReadsFromAnOffsetUpToTheLimit, ReadingAtOrPastTheEndIsEmpty,
                            EndOffsetIsTheOffsetOfTheNextAppend, EmptyAppendReturnsNoPositions,
                            UnknownTopicBadPartitionOrNegativeOffsetIsInvalidInput,
                            AnInvalidEnvelopeAnywhereInABatchAppendsNothing,
                            AnEnvelopeReadsBackExactly,
                            ConcurrentAppendsKeepOffsetsDenseAndAggregatesInOrder);

}  // namespace staylab::contract
