#include "stores/rocksdb/rocksdb_open.h"

#include <cstdarg>
#include <system_error>

#include <rocksdb/env.h>

namespace staylab::rocksdb_open {
namespace {

// Discards RocksDB's informational log: a CLI that opens a store per command
// would otherwise grow every store folder by a LOG file per run.
class SilentLogger final : public rocksdb::Logger {
 public:
  SilentLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*arguments*/) override {}
};

// Deletes the write-ahead logs of length zero. RocksDB before 8.3 (Debian 12
// ships 7.8) creates a new WAL at every open and keeps the empty one of the
// previous open until a memtable flush, so a process per command leaves one
// more file per run, for ever (RocksDB pull request 11409 fixed it upstream).
// An empty WAL holds no record, and with track_and_verify_wals_in_manifest
// off (the default) the manifest does not list it, so deleting it is safe.
void removeEmptyWals(const std::filesystem::path& directory) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    std::error_code ignored;
    if (entry.path().extension() == ".log" && entry.is_regular_file(ignored) &&
        entry.file_size(ignored) == 0) {
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

}  // namespace

Result<void> prepare(rocksdb::DBOptions& options, const std::filesystem::path& directory,
                     std::string_view what, StoreCreation creation) {
  options.info_log = std::make_shared<SilentLogger>();
  options.create_if_missing = creation == StoreCreation::CreateIfMissing;
  // Opening loads every table file's handle (max_open_files is -1) on this
  // many threads, started and joined at each open and at each new version.
  // A command's store holds a handful of files, so the threads cost more
  // than they save: RocksDB's default of 16 made a `book` start 78 threads.
  options.max_file_opening_threads = 1;
  std::error_code error;
  if (creation == StoreCreation::CreateIfMissing) {
    std::filesystem::create_directories(directory, error);
    if (error) {
      return storeFailure("rocksdb.open", "cannot create {}: {}", directory.string(),
                          error.message());
    }
    return {};
  }
  if (!std::filesystem::is_directory(directory, error)) {
    return storeFailure("rocksdb.missing",
                        "{} is missing: the {} is never re-created by a command; restore it, or "
                        "initialise a new data directory",
                        directory.string(), what);
  }
  if (!std::filesystem::is_regular_file(directory / "CURRENT", error)) {
    return storeFailure("rocksdb.missing",
                        "{} holds no {} (its CURRENT file is missing); nothing was changed",
                        directory.string(), what);
  }
  removeEmptyWals(directory);
  return {};
}

void flushBeforeClose(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  rocksdb::FlushOptions options;
  options.wait = true;
  // A failure leaves the data in the WAL, which recovery replays.
  if (families.empty()) {
    db.Flush(options).PermitUncheckedError();
  } else {
    db.Flush(options, families).PermitUncheckedError();
  }
}

Result<void> verifyChecksums(rocksdb::DB& db, std::string_view what) {
  rocksdb::Status status = db.VerifyChecksum();
  if (!status.ok()) {
    return storeFailure("rocksdb.corrupt", "the {} in {} is damaged: {}", what, db.GetName(),
                        status.ToString());
  }
  return {};
}

}  // namespace staylab::rocksdb_open
