#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "domain/common/error.h"
#include "domain/common/store_creation.h"

// What the RocksDB adapters (the wide-column store and the event log) share
// about opening a database: who may create one, and what it leaves behind.
namespace staylab::rocksdb_open {

// Prepares `options` for opening the database in `directory`:
// create_if_missing only for StoreCreation::CreateIfMissing, and no info log
// files (RocksDB would otherwise leave a LOG and a LOG.old.* per open, for
// ever). With OpenExisting, returns StoreFailure "rocksdb.missing" naming
// `what` unless `directory` holds a database (its CURRENT file), checked
// before RocksDB runs: RocksDB creates the directory, an info log and, with
// create_if_missing, a fresh MANIFEST that the next open would take as the
// database, deleting the old table files. Creates `directory` for
// CreateIfMissing.
[[nodiscard]] Result<void> prepare(rocksdb::DBOptions& options,
                                   const std::filesystem::path& directory, std::string_view what,
                                   StoreCreation creation);

// Writes the memtables of `families` (the default family when empty) to
// table files, best effort, before a clean close of a database this process
// wrote to. At rest the data then sits in table files, whose size the
// MANIFEST records and whose blocks carry checksums, so damage is found when
// it is read; left in the WAL, a truncated or damaged record would end
// recovery there (point-in-time recovery, as after a crash) and drop every
// write after it without a word.
void flushBeforeClose(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families);

// Runs RocksDB's checksum verification over every table file; StoreFailure
// "rocksdb.corrupt" naming `what` and the database's directory on damage.
[[nodiscard]] Result<void> verifyChecksums(rocksdb::DB& db, std::string_view what);

}  // namespace staylab::rocksdb_open
