#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/store_creation.h"
#include "domain/ports/wide_column_store.h"
#include "stores/rocksdb/reopen_gate.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace staylab {

// A WideColumnStore on RocksDB. Each family is a RocksDB column family; a cell
// version is the key
//   row '\0' qualifier '\0' big-endian(~(timestamp with its sign bit flipped))
// so keys sort by row, then qualifier, then newest version first, and a row or
// a row prefix is one contiguous key range. Row keys and qualifiers compare
// bytewise (as unsigned bytes).
//
// scanPrefix with an empty prefix returns every row. Row deletes in a batch
// take effect before its puts (a range tombstone over the row). A limit of 0
// returns nothing.
//
// Errors: InvalidInput as the port says, also for bad Options; StoreFailure
// (code "wide_column.*", message with RocksDB's status text) when RocksDB
// fails, including when another RocksDB instance holds the directory's lock.
// A failed write (a full disk, an I/O error) leaves RocksDB refusing writes,
// so the next call reopens the database first (see rocksdb_open::ReopenGate):
// once space returns, the same object takes writes again. The failed batch is
// whole or absent after the reopen, never half applied.
//
// Thread safety: safe to call from any thread; RocksDB serialises writers and
// each read sees one consistent snapshot.
class RocksDbWideColumnStore final : public WideColumnStore {
 public:
  enum class Sync {
    Normal,  // Each write reaches the WAL in the OS without fsync: survives a
             // process crash; a power loss may drop the last writes.
    Full,    // Each write fsyncs the WAL before returning.
  };

  struct Options {
    // The database directory.
    std::filesystem::path directory;
    // Default: OpenExisting: a directory without a database is StoreFailure
    // "rocksdb.missing" and nothing is created or deleted. CreateIfMissing
    // creates the directory (with its parents) and the database.
    StoreCreation creation = StoreCreation::OpenExisting;
    // Column families to open, created when missing. Each is 1..1024 bytes
    // without NUL and not "default" (RocksDB's own family, unused here);
    // duplicates are ignored. Families already in the database are opened too,
    // even when not listed. Default: none.
    std::vector<std::string> families;
    // Default: Sync::Normal.
    Sync sync = Sync::Normal;
  };

  // Opens the database at `options.directory` (creating it only as options.creation allows).
  [[nodiscard]] static Result<std::unique_ptr<RocksDbWideColumnStore>> open(const Options& options);
  // Closes the database; unflushed memtables are recovered from the WAL on the next open.
  ~RocksDbWideColumnStore() override;
  RocksDbWideColumnStore(const RocksDbWideColumnStore&) = delete;
  RocksDbWideColumnStore& operator=(const RocksDbWideColumnStore&) = delete;

  // Returns the listed families and those found in the database, sorted by name.
  std::vector<std::string> families() const override;
  [[nodiscard]] Result<void> put(const Cell& cell) override;
  [[nodiscard]] Result<void> apply(const WideColumnBatch& batch) override;
  [[nodiscard]] Result<std::optional<Cell>> latest(std::string_view row, std::string_view family,
                                                   std::string_view qualifier) override;
  [[nodiscard]] Result<std::vector<Cell>> versions(std::string_view row, std::string_view family,
                                                   std::string_view qualifier,
                                                   size_t limit) override;
  [[nodiscard]] Result<std::vector<Cell>> scanRow(std::string_view row,
                                                  std::string_view family) override;
  [[nodiscard]] Result<std::vector<Cell>> scanPrefix(std::string_view prefix,
                                                     std::string_view family,
                                                     size_t limit) override;

  // Verifies every table file's checksums; StoreFailure "rocksdb.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();

  // Test hook: flushes every family's memtable to table files and waits, so a
  // test reads (and reopens) from SST files rather than the WAL.
  [[nodiscard]] Result<void> testFlush();

 private:
  // An open database with its column families.
  struct Database {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;  // Every open handle, "default" too.
    std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families;
  };

  RocksDbWideColumnStore(const Options& options, Database database);
  static Result<Database> openDatabase(const Options& options);
  // Destroys the handles, then closes the database (RocksDB's order).
  void closeDatabase();
  // Holds the database for one call, reopening it first after a failed write.
  Result<rocksdb_open::ReopenGate::Hold> enter();

  // Returns the handle of `family`, or InvalidInput naming `field`.
  Result<rocksdb::ColumnFamilyHandle*> handleOf(std::string field, std::string_view family) const;
  // Returns the cells whose keys lie in [begin, end) (end empty: no bound), at most `limit`.
  Result<std::vector<Cell>> scanRange(rocksdb::ColumnFamilyHandle* handle, std::string_view family,
                                      const std::string& begin, const std::string& end,
                                      size_t limit) const;

  const Options m_options;  // What a reopen opens again (OpenExisting).
  // The family names, fixed at open: a reopen opens the same ones.
  const std::vector<std::string> m_family_names;
  rocksdb_open::ReopenGate m_gate;
  // This process wrote: a clean close flushes (rocksdb_open::flushBeforeClose).
  std::atomic<bool> m_written{false};
  // Replaced only under the gate's exclusive hold; RocksDB is itself thread-safe.
  Database m_database;
};

}  // namespace staylab
