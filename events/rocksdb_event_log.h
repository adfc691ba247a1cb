#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/store_creation.h"
#include "domain/ports/event_log.h"
#include "stores/rocksdb/reopen_gate.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace staylab {

// The durable EventLog on RocksDB, in its own database directory. A record is
// the key
//   topic '\0' big-endian u32 partition, big-endian u64 offset
// holding the envelope's JSON (EventEnvelope::toJson), so a partition is one
// contiguous key range in offset order. The topic configuration is recorded in
// the database under a reserved key (it starts with '\0', which no topic does).
//
// Topics: the log serves the topics of Options plus any recorded by an
// earlier open (their data stays readable); new topics are recorded. Reopening
// with a different partition count for a recorded topic is refused, because
// partitionFor would then move aggregates to other partitions.
//
// Appends: each envelope must pass validateForLog and must survive
// serialisation exactly (EventEnvelope::fromJson of its JSON gives it back;
// this also refuses strings that are not valid UTF-8, an empty correlation or
// causation id and a schema_version outside 1..1000), otherwise InvalidInput
// and nothing is appended. One call is one atomic RocksDB write batch. End
// offsets are kept in memory and recovered at open from the last key of each
// partition, so after a crash appends continue densely after the last
// recovered record. The latest events appended through this object are also
// kept in memory per partition (Options::cached_per_partition): a read that
// starts among them copies the envelopes instead of parsing records,
// which is what consumers that keep up with the log do.
//
// Errors: InvalidInput as the port says, also for bad Options (field
// "directory" or "topics") and for a changed partition count (code
// "eventlog.partitions_changed"). StoreFailure when RocksDB fails (code
// "eventlog.*", message with RocksDB's status text), including when another
// instance holds the directory's lock; "eventlog.corrupt" for a record or
// topic configuration that does not parse, naming topic, partition and
// offset. A failed write (a full disk, an I/O error) leaves RocksDB refusing
// writes, so the next call reopens the database first (see
// rocksdb_open::ReopenGate) and recovers the end offsets from what it holds:
// the failed batch may have reached the WAL, whole, so its offsets are
// never given to other events. Once space returns, the same object appends
// again.
//
// Thread safety: safe to call from any thread; appends are serialised by a
// mutex, reads run concurrently on RocksDB's own snapshots.
class RocksDbEventLog final : public EventLog {
 public:
  enum class Sync {
    Normal,  // Each append reaches the WAL in the OS without fsync: survives a
             // process crash; a power loss may drop the last appends.
    Full,    // Each append fsyncs the WAL before returning.
  };

  struct Options {
    // The database directory.
    std::filesystem::path directory;
    // Default: OpenExisting: a directory without a database is StoreFailure
    // "rocksdb.missing" and nothing is created or deleted. CreateIfMissing
    // creates the directory (with its parents) and the database.
    StoreCreation creation = StoreCreation::OpenExisting;
    // Topic -> number of partitions. A topic name is 1..255 bytes without NUL;
    // a count is 1..256. Default: property 4, booking 4, fraud 2.
    std::map<std::string, int> topics = {{"property", 4}, {"booking", 4}, {"fraud", 2}};
    // Default: Sync::Normal.
    Sync sync = Sync::Normal;
    // How many of the latest events appended through this object each
    // partition keeps in memory as envelopes, so that consumers keeping up
    // with the log read them without parsing JSON again. 0 keeps none.
    // Default: 1024.
    size_t cached_per_partition = 1024;
  };

  // Opens the log at `options.directory` (creating it only as options.creation allows).
  [[nodiscard]] static Result<std::unique_ptr<RocksDbEventLog>> open(const Options& options);
  // Closes the database; unflushed memtables are recovered from the WAL on the next open.
  ~RocksDbEventLog() override;
  RocksDbEventLog(const RocksDbEventLog&) = delete;
  RocksDbEventLog& operator=(const RocksDbEventLog&) = delete;

  std::map<std::string, int> topics() const override { return m_topics; }
  [[nodiscard]] Result<std::vector<LogPosition>> append(
      const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<std::vector<LogRecord>> read(std::string_view topic, int partition,
                                                    int64_t from_offset, size_t limit) override;
  [[nodiscard]] Result<int64_t> endOffset(std::string_view topic, int partition) override;

  // Verifies every table file's checksums; StoreFailure "rocksdb.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();

  // Test hook: stores `bytes` as the record at `position`, bypassing every
  // check and leaving end offsets alone, so a test can plant a corrupt record.
  [[nodiscard]] Result<void> testWriteRaw(const LogPosition& position, std::string_view bytes);

 private:
  // The latest appended envelopes of one partition, ending at its end offset.
  using Tail = std::deque<EventEnvelope>;

  // An opened database, its topics and each partition's end offset.
  struct Opened {
    std::unique_ptr<rocksdb::DB> db;
    std::map<std::string, int> topics;
    std::map<std::string, std::vector<int64_t>, std::less<>> end_offsets;
  };

  RocksDbEventLog(const Options& options, Opened opened);
  static Result<Opened> openDatabase(const Options& options);
  // Holds the database for one call, reopening it first after a failed write.
  Result<rocksdb_open::ReopenGate::Hold> enter();
  // Returns the records of [from_offset, from_offset + limit) held in the
  // partition's tail, or nullopt when the tail does not start at or before
  // from_offset or holds nothing from there.
  std::optional<std::vector<LogRecord>> readTail(std::string_view topic, int partition,
                                                 int64_t from_offset, size_t limit);

  // Returns InvalidInput unless `partition` is one of `topic`'s.
  Result<void> checkPartition(std::string_view topic, int partition) const;

  const Options m_options;
  rocksdb_open::ReopenGate m_gate;
  // This process appended: a clean close flushes (rocksdb_open::flushBeforeClose).
  std::atomic<bool> m_appended{false};
  // Replaced only under the gate's exclusive hold; RocksDB is itself thread-safe.
  std::unique_ptr<rocksdb::DB> m_db;
  const std::map<std::string, int> m_topics;  // Fixed at open; a reopen serves the same.

  std::mutex m_mutex;
  // Topic -> the next offset of each partition.
  std::map<std::string, std::vector<int64_t>, std::less<>> m_end_offsets;  // GUARDED_BY(m_mutex)
  std::map<std::string, std::vector<Tail>, std::less<>> m_tails;           // GUARDED_BY(m_mutex)
};

}  // namespace staylab
