#include "events/rocksdb_event_log.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>
#include <rocksdb/write_batch.h>
#include <nlohmann/json.hpp>

#include "events/memory_event_log.h"
#include "stores/rocksdb/rocksdb_open.h"

namespace staylab {

namespace {

constexpr int kMaxPartitions = 256;
constexpr size_t kMaxTopicBytes = 255;
constexpr size_t kPartitionBytes = 4;
constexpr size_t kOffsetBytes = 8;
constexpr int kTopicsFormatVersion = 1;
// Sorts before every record key, whose first byte is a topic's and never NUL.
constexpr std::string_view kTopicsKey("\0topics", 7);

// Runs `body`, turning any exception it lets out into a StoreFailure, so no
// exception crosses the port.
template <typename Body>
auto guarded(std::string_view operation, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& exception) {
    return storeFailure("eventlog.exception", "{} failed: {}", operation, exception.what());
  } catch (...) {
    return storeFailure("eventlog.exception", "{} failed: unknown exception", operation);
  }
}

std::unexpected<Error> engineFailure(std::string code, std::string_view operation,
                                     const rocksdb::Status& status) {
  return storeFailure(std::move(code), "rocksdb {} failed: {}", operation, status.ToString());
}

void appendBigEndian(std::string& key, uint64_t value, size_t bytes) {
  for (size_t index = 0; index < bytes; ++index) {
    key.push_back(static_cast<char>(value >> (8 * (bytes - 1 - index))));
  }
}

uint64_t decodeBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (char byte : bytes) {
    value = (value << 8) | static_cast<unsigned char>(byte);
  }
  return value;
}

// Returns the prefix every record key of the partition starts with. A topic
// holds no NUL, so no other partition's keys start with it.
std::string partitionPrefix(std::string_view topic, int partition) {
  std::string key(topic);
  key.push_back('\0');
  appendBigEndian(key, static_cast<uint32_t>(partition), kPartitionBytes);
  return key;
}

std::string recordKey(std::string_view topic, int partition, uint64_t offset) {
  std::string key = partitionPrefix(topic, partition);
  appendBigEndian(key, offset, kOffsetBytes);
  return key;
}

Result<void> checkTopic(const std::string& topic, int partitions) {
  if (topic.empty() || topic.size() > kMaxTopicBytes) {
    return invalidInput("topics", "topic name '{}' must be 1..{} bytes", topic, kMaxTopicBytes);
  }
  if (topic.find('\0') != std::string::npos) {
    return invalidInput("topics", "topic name must not contain a NUL byte");
  }
  if (partitions < 1 || partitions > kMaxPartitions) {
    return invalidInput("topics", "topic '{}' has {} partitions; must be 1..{}", topic, partitions,
                        kMaxPartitions);
  }
  return ok();
}

// Returns the topics recorded in the database, or nullopt when none are.
Result<std::optional<std::map<std::string, int>>> readRecordedTopics(rocksdb::DB& db) {
  std::string value;
  rocksdb::Status status = db.Get(rocksdb::ReadOptions(), rocksdb::Slice(kTopicsKey), &value);
  if (status.IsNotFound()) {
    return std::nullopt;
  }
  if (!status.ok()) {
    return engineFailure("eventlog.open", "read topic configuration", status);
  }
  auto corrupt = [](std::string_view why) {
    return storeFailure("eventlog.corrupt", "the recorded topic configuration {}", why);
  };
  const nlohmann::json json = nlohmann::json::parse(value, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return corrupt("is not a JSON object");
  }
  auto version = json.find("version");
  if (version == json.end() || *version != kTopicsFormatVersion) {
    return corrupt(fmt::format("has an unknown version (expected {})", kTopicsFormatVersion));
  }
  auto topics = json.find("topics");
  if (topics == json.end() || !topics->is_object()) {
    return corrupt("has no topics object");
  }
  std::map<std::string, int> recorded;
  for (const auto& [topic, partitions] : topics->items()) {
    const int64_t count = partitions.is_number_integer() ? partitions.get<int64_t>() : 0;
    if (count < 1 || count > kMaxPartitions || !checkTopic(topic, static_cast<int>(count))) {
      return corrupt(fmt::format("holds a bad entry for topic '{}'", topic));
    }
    recorded.emplace(topic, static_cast<int>(count));
  }
  return recorded;
}

// Records `topics` durably, whatever the log's Sync mode: it is written rarely
// and everything else relies on it.
Result<void> writeRecordedTopics(rocksdb::DB& db, const std::map<std::string, int>& topics) {
  const nlohmann::json json{{"version", kTopicsFormatVersion}, {"topics", topics}};
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  rocksdb::Status status = db.Put(write_options, rocksdb::Slice(kTopicsKey), json.dump());
  if (!status.ok()) {
    return engineFailure("eventlog.open", "record topic configuration", status);
  }
  return ok();
}

// Returns true when the database holds any key at all.
Result<bool> holdsAnyKey(rocksdb::DB& db) {
  std::unique_ptr<rocksdb::Iterator> iterator(db.NewIterator(rocksdb::ReadOptions()));
  iterator->SeekToFirst();
  if (rocksdb::Status status = iterator->status(); !status.ok()) {
    return engineFailure("eventlog.open", "iterate", status);
  }
  return iterator->Valid();
}

// Returns the offset after the last record of the partition (0 when empty).
Result<int64_t> recoverEndOffset(rocksdb::DB& db, std::string_view topic, int partition) {
  const std::string prefix = partitionPrefix(topic, partition);
  std::unique_ptr<rocksdb::Iterator> iterator(db.NewIterator(rocksdb::ReadOptions()));
  iterator->SeekForPrev(recordKey(topic, partition, std::numeric_limits<uint64_t>::max()));
  if (rocksdb::Status status = iterator->status(); !status.ok()) {
    return engineFailure("eventlog.open", "seek last record", status);
  }
  if (!iterator->Valid() || !iterator->key().starts_with(prefix)) {
    return int64_t{0};
  }
  const std::string_view key = iterator->key().ToStringView();
  const uint64_t last = decodeBigEndian(key.substr(prefix.size()));
  if (key.size() != prefix.size() + kOffsetBytes ||
      last >= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return storeFailure("eventlog.corrupt", "topic {} partition {} ends with a malformed key",
                        topic, partition);
  }
  return static_cast<int64_t>(last + 1);
}

}  // namespace

Result<RocksDbEventLog::Opened> RocksDbEventLog::openDatabase(const Options& options) {
  if (options.directory.empty()) {
    return invalidInput("directory", "must not be empty");
  }
  for (const auto& [topic, partitions] : options.topics) {
    STAYLAB_TRY(checkTopic(topic, partitions));
  }

  rocksdb::Options db_options;
  STAYLAB_TRY(rocksdb_open::prepare(db_options, options.directory, "event log", options.creation));
  // A torn WAL tail (a crash mid-append) drops only the batches after the
  // last whole one, so a partition never ends up with a gap.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  const std::string path = options.directory.string();
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, &raw_db);
  if (!status.ok()) {
    return engineFailure("eventlog.open", fmt::format("open {}", path), status);
  }
  Opened opened;
  opened.db.reset(raw_db);
  rocksdb::DB& db = *opened.db;

  std::optional<std::map<std::string, int>> recorded = STAYLAB_TRY(readRecordedTopics(db));
  if (!recorded && STAYLAB_TRY(holdsAnyKey(db))) {
    return storeFailure("eventlog.open", "{} holds a database that is not an event log", path);
  }
  opened.topics = recorded.value_or(std::map<std::string, int>());
  for (const auto& [topic, partitions] : options.topics) {
    auto [found, inserted] = opened.topics.emplace(topic, partitions);
    if (!inserted && found->second != partitions) {
      return std::unexpected(
          Error{ErrorKind::InvalidInput, "eventlog.partitions_changed", "topics",
                fmt::format("topic '{}' was created with {} partitions; opening it with {} would "
                            "move aggregates to other partitions",
                            topic, found->second, partitions)});
    }
  }
  if (!recorded || opened.topics != *recorded) {
    STAYLAB_TRY(writeRecordedTopics(db, opened.topics));
  }

  for (const auto& [topic, partitions] : opened.topics) {
    std::vector<int64_t>& ends = opened.end_offsets[topic];
    for (int partition = 0; partition < partitions; ++partition) {
      ends.push_back(STAYLAB_TRY(recoverEndOffset(db, topic, partition)));
    }
  }
  return opened;
}

Result<std::unique_ptr<RocksDbEventLog>> RocksDbEventLog::open(const Options& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<RocksDbEventLog>> {
    Opened opened = STAYLAB_TRY(openDatabase(options));
    return std::unique_ptr<RocksDbEventLog>(new RocksDbEventLog(options, std::move(opened)));
  });
}

RocksDbEventLog::RocksDbEventLog(const Options& options, Opened opened)
    : m_options(options),
      m_db(std::move(opened.db)),
      m_topics(std::move(opened.topics)),
      m_end_offsets(std::move(opened.end_offsets)) {
  for (const auto& [topic, partitions] : m_topics) {
    m_tails[topic].resize(static_cast<size_t>(partitions));
  }
}

RocksDbEventLog::~RocksDbEventLog() {
  // A destructor cannot report failures; the WAL makes an unclean close safe.
  if (m_db) {
    if (m_appended.load(std::memory_order_relaxed)) {
      rocksdb_open::flushBeforeClose(*m_db, {});
    }
    m_db->Close().PermitUncheckedError();
  }
}

Result<rocksdb_open::ReopenGate::Hold> RocksDbEventLog::enter() {
  return m_gate.enter([this]() -> Result<void> {
    if (m_db) {
      m_db->Close().PermitUncheckedError();
      m_db.reset();
    }
    // Every topic is recorded by now, so the reopen serves the same ones.
    Options existing = m_options;
    existing.creation = StoreCreation::OpenExisting;
    existing.topics = m_topics;
    Opened opened = STAYLAB_TRY(openDatabase(existing));
    m_db = std::move(opened.db);
    // The failed batch may or may not have reached the WAL: the end offsets
    // come from what the reopened database holds, and the cached tails go,
    // since they may lack it.
    std::lock_guard lock(m_mutex);
    m_end_offsets = std::move(opened.end_offsets);
    for (auto& [topic, tails] : m_tails) {
      for (Tail& tail : tails) {
        tail.clear();
      }
    }
    return ok();
  });
}

Result<void> RocksDbEventLog::checkPartition(std::string_view topic, int partition) const {
  auto found = m_topics.find(std::string(topic));
  if (found == m_topics.end()) {
    return invalidInput("topic", "'{}' is not a topic of this log", topic);
  }
  if (partition < 0 || partition >= found->second) {
    return invalidInput("partition", "{} is outside 0..{} for topic {}", partition,
                        found->second - 1, topic);
  }
  return ok();
}

Result<std::vector<LogPosition>> RocksDbEventLog::append(const std::vector<EventEnvelope>& events) {
  return guarded("append", [&]() -> Result<std::vector<LogPosition>> {
    // Everything that can reject an event happens before the lock and the write.
    std::vector<std::string> records;
    records.reserve(events.size());
    for (const EventEnvelope& event : events) {
      records.push_back(STAYLAB_TRY(serialiseForLog(event, m_topics)));
    }
    std::vector<LogPosition> positions;
    if (events.empty()) {
      return positions;
    }

    auto hold = STAYLAB_TRY(enter());
    std::lock_guard lock(m_mutex);
    // Offsets this batch takes, on top of the committed end offsets.
    std::map<std::pair<std::string_view, int>, int64_t> next_offsets;
    rocksdb::WriteBatch batch;
    for (size_t index = 0; index < events.size(); ++index) {
      const std::string& topic = events[index].aggregate_type;
      const int partition = partitionFor(events[index].aggregate_id, m_topics.at(topic));
      auto [next, inserted] = next_offsets.try_emplace({topic, partition}, 0);
      if (inserted) {
        next->second = m_end_offsets.find(topic)->second[static_cast<size_t>(partition)];
      }
      const int64_t offset = next->second++;
      rocksdb::Status status =
          batch.Put(recordKey(topic, partition, static_cast<uint64_t>(offset)), records[index]);
      if (!status.ok()) {
        return engineFailure("eventlog.write", "batch put", status);
      }
      positions.push_back(LogPosition{topic, partition, offset});
    }

    rocksdb::WriteOptions write_options;
    write_options.sync = m_options.sync == Sync::Full;
    rocksdb::Status status = m_db->Write(write_options, &batch);
    if (!status.ok()) {
      m_gate.fail();
      return engineFailure("eventlog.write", "write batch", status);
    }
    m_appended.store(true, std::memory_order_relaxed);
    for (const auto& [partition_key, next_offset] : next_offsets) {
      m_end_offsets.find(partition_key.first)->second[static_cast<size_t>(partition_key.second)] =
          next_offset;
    }
    if (m_options.cached_per_partition > 0) {
      // The records just written read back as exactly these envelopes
      // (serialiseForLog checked), so the tail can answer for them.
      for (size_t index = 0; index < events.size(); ++index) {
        Tail& tail = m_tails.find(positions[index].topic)
                         ->second[static_cast<size_t>(positions[index].partition)];
        tail.push_back(events[index]);
        if (tail.size() > m_options.cached_per_partition) {
          tail.pop_front();
        }
      }
    }
    return positions;
  });
}

Result<std::vector<LogRecord>> RocksDbEventLog::read(std::string_view topic, int partition,
                                                     int64_t from_offset, size_t limit) {
  return guarded("read", [&]() -> Result<std::vector<LogRecord>> {
    if (from_offset < 0) {
      return invalidInput("offset", "must not be negative");
    }
    STAYLAB_TRY(checkPartition(topic, partition));
    std::vector<LogRecord> records;
    if (limit == 0) {
      return records;
    }
    auto hold = STAYLAB_TRY(enter());
    if (auto cached = readTail(topic, partition, from_offset, limit)) {
      return std::move(*cached);
    }

    const std::string prefix = partitionPrefix(topic, partition);
    const std::string end = partitionPrefix(topic, partition + 1);
    rocksdb::ReadOptions read_options;
    const rocksdb::Slice upper_bound(end);  // Must outlive the iterator.
    read_options.iterate_upper_bound = &upper_bound;
    std::unique_ptr<rocksdb::Iterator> iterator(m_db->NewIterator(read_options));
    for (iterator->Seek(recordKey(topic, partition, static_cast<uint64_t>(from_offset)));
         iterator->Valid() && records.size() < limit; iterator->Next()) {
      const int64_t expected = from_offset + static_cast<int64_t>(records.size());
      const std::string_view key = iterator->key().ToStringView();
      if (key.size() != prefix.size() + kOffsetBytes ||
          decodeBigEndian(key.substr(prefix.size())) != static_cast<uint64_t>(expected)) {
        return storeFailure("eventlog.corrupt",
                            "topic {} partition {} offset {}: the record is missing or its key "
                            "is malformed",
                            topic, partition, expected);
      }
      Result<EventEnvelope> event = EventEnvelope::fromText(iterator->value().ToStringView());
      if (!event) {
        return storeFailure("eventlog.corrupt",
                            "topic {} partition {} offset {}: the record is not an envelope: {}",
                            topic, partition, expected, event.error().describe());
      }
      records.push_back(
          LogRecord{LogPosition{std::string(topic), partition, expected}, std::move(*event)});
    }
    if (rocksdb::Status status = iterator->status(); !status.ok()) {
      return engineFailure("eventlog.read", "iterate", status);
    }
    return records;
  });
}

std::optional<std::vector<LogRecord>> RocksDbEventLog::readTail(std::string_view topic,
                                                                int partition, int64_t from_offset,
                                                                size_t limit) {
  std::lock_guard lock(m_mutex);
  const Tail& tail = m_tails.find(topic)->second[static_cast<size_t>(partition)];
  const int64_t end = m_end_offsets.find(topic)->second[static_cast<size_t>(partition)];
  const int64_t first = end - static_cast<int64_t>(tail.size());
  if (tail.empty() || from_offset < first || from_offset >= end) {
    return std::nullopt;
  }
  const size_t count = std::min(limit, static_cast<size_t>(end - from_offset));
  std::vector<LogRecord> records;
  records.reserve(count);
  auto event = tail.begin() + (from_offset - first);
  for (size_t index = 0; index < count; ++index, ++event) {
    records.push_back(LogRecord{
        LogPosition{std::string(topic), partition, from_offset + static_cast<int64_t>(index)},
        *event});
  }
  return records;
}

Result<int64_t> RocksDbEventLog::endOffset(std::string_view topic, int partition) {
  return guarded("endOffset", [&]() -> Result<int64_t> {
    STAYLAB_TRY(checkPartition(topic, partition));
    std::lock_guard lock(m_mutex);
    return m_end_offsets.find(topic)->second[static_cast<size_t>(partition)];
  });
}

Result<void> RocksDbEventLog::testWriteRaw(const LogPosition& position, std::string_view bytes) {
  return guarded("testWriteRaw", [&]() -> Result<void> {
    STAYLAB_TRY(checkPartition(position.topic, position.partition));
    auto hold = STAYLAB_TRY(enter());
    {
      // The planted bytes, not a cached envelope, are what reads must see.
      std::lock_guard lock(m_mutex);
      m_tails.find(position.topic)->second[static_cast<size_t>(position.partition)].clear();
    }
    rocksdb::Status status = m_db->Put(
        rocksdb::WriteOptions(),
        recordKey(position.topic, position.partition, static_cast<uint64_t>(position.offset)),
        rocksdb::Slice(bytes.data(), bytes.size()));
    if (!status.ok()) {
      return engineFailure("eventlog.write", "put", status);
    }
    return ok();
  });
}

Result<void> RocksDbEventLog::verifyIntegrity() {
  auto hold = STAYLAB_TRY(enter());
  return rocksdb_open::verifyChecksums(*m_db, "event log");
}

}  // namespace staylab
