#include "stores/wide_column/rocksdb_wide_column_store.h"

#include <cstdint>
#include <limits>
#include <set>
#include <system_error>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>
#include <rocksdb/write_batch.h>

#include "stores/rocksdb/rocksdb_open.h"
#include "stores/wide_column/wide_column_rules.h"

namespace staylab {

using wide_column::guarded;

namespace {

constexpr size_t kTimestampBytes = 8;
constexpr uint64_t kSignBit = uint64_t{1} << 63;

std::unexpected<Error> engineFailure(std::string code, std::string_view operation,
                                     const rocksdb::Status& status) {
  return storeFailure(std::move(code), "rocksdb {} failed: {}", operation, status.ToString());
}

// Returns the first key of `row`: every cell key of the row starts with it,
// and no other row's key does, because row keys hold no NUL.
std::string rowStart(std::string_view row) {
  std::string key(row);
  key.push_back('\0');
  return key;
}

// Returns the first key after every cell key of `row`.
std::string rowEnd(std::string_view row) {
  std::string key(row);
  key.push_back('\1');
  return key;
}

// Returns the first key of `qualifier` in `row`.
std::string cellStart(std::string_view row, std::string_view qualifier) {
  std::string key = rowStart(row);
  key.append(qualifier);
  key.push_back('\0');
  return key;
}

// Returns the first key after every version of `qualifier` in `row`.
std::string cellEnd(std::string_view row, std::string_view qualifier) {
  std::string key = rowStart(row);
  key.append(qualifier);
  key.push_back('\1');
  return key;
}

// Returns the smallest key greater than every key starting with `prefix`, or
// "" when there is none (the prefix is empty or all 0xff bytes).
std::string prefixEnd(std::string_view prefix) {
  std::string key(prefix);
  while (!key.empty() && static_cast<unsigned char>(key.back()) == 0xff) {
    key.pop_back();
  }
  if (!key.empty()) {
    key.back() = static_cast<char>(static_cast<unsigned char>(key.back()) + 1);
  }
  return key;
}

// Flipping the sign bit maps int64 order onto uint64 order; complementing
// then reverses it, so larger (newer) timestamps sort first.
std::string encodeKey(const Cell& cell) {
  std::string key = cellStart(cell.row, cell.qualifier);
  const uint64_t ordered = ~(static_cast<uint64_t>(cell.timestamp) ^ kSignBit);
  for (size_t shift = 0; shift < kTimestampBytes; ++shift) {
    key.push_back(static_cast<char>(ordered >> (8 * (kTimestampBytes - 1 - shift))));
  }
  return key;
}

// Splits a stored key back into a cell's row, qualifier and timestamp;
// returns false for a key this adapter did not write.
bool decodeKey(std::string_view key, Cell& cell) {
  const size_t row_end = key.find('\0');
  if (row_end == std::string_view::npos || key.size() < row_end + 1 + 1 + 1 + kTimestampBytes) {
    return false;
  }
  const size_t qualifier_end = key.size() - kTimestampBytes - 1;
  if (key[qualifier_end] != '\0') {
    return false;
  }
  uint64_t ordered = 0;
  for (size_t index = qualifier_end + 1; index < key.size(); ++index) {
    ordered = (ordered << 8) | static_cast<unsigned char>(key[index]);
  }
  cell.row.assign(key.substr(0, row_end));
  cell.qualifier.assign(key.substr(row_end + 1, qualifier_end - row_end - 1));
  cell.timestamp = static_cast<int64_t>(~ordered ^ kSignBit);
  return true;
}

}  // namespace

Result<RocksDbWideColumnStore::Database> RocksDbWideColumnStore::openDatabase(
    const Options& options) {
  if (options.directory.empty()) {
    return invalidInput("directory", "must not be empty");
  }
  std::set<std::string> names = STAYLAB_TRY(wide_column::normalizeFamilies(options.families));

  rocksdb::DBOptions db_options;
  STAYLAB_TRY(
      rocksdb_open::prepare(db_options, options.directory, "wide-column store", options.creation));
  db_options.create_missing_column_families = true;
  const std::string path = options.directory.string();

  // RocksDB refuses to open a database without naming all its families.
  if (std::filesystem::exists(options.directory / "CURRENT")) {
    std::vector<std::string> existing;
    rocksdb::Status status = rocksdb::DB::ListColumnFamilies(db_options, path, &existing);
    if (!status.ok()) {
      return engineFailure("wide_column.open", "list column families", status);
    }
    for (std::string& name : existing) {
      if (name != rocksdb::kDefaultColumnFamilyName) {
        names.insert(std::move(name));
      }
    }
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const std::string& name : names) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }

  Database database;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(db_options, path, descriptors, &database.handles, &raw_db);
  if (!status.ok()) {
    return engineFailure("wide_column.open", "open " + path, status);
  }
  database.db.reset(raw_db);
  for (rocksdb::ColumnFamilyHandle* handle : database.handles) {
    if (handle->GetName() != rocksdb::kDefaultColumnFamilyName) {
      database.families.emplace(handle->GetName(), handle);
    }
  }
  return database;
}

Result<std::unique_ptr<RocksDbWideColumnStore>> RocksDbWideColumnStore::open(
    const Options& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<RocksDbWideColumnStore>> {
    Database database = STAYLAB_TRY(openDatabase(options));
    return std::unique_ptr<RocksDbWideColumnStore>(
        new RocksDbWideColumnStore(options, std::move(database)));
  });
}

namespace {

std::vector<std::string> namesOf(
    const std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>>& families) {
  std::vector<std::string> names;
  names.reserve(families.size());
  for (const auto& [name, handle] : families) {
    names.push_back(name);
  }
  return names;
}

}  // namespace

RocksDbWideColumnStore::RocksDbWideColumnStore(const Options& options, Database database)
    : m_options(options),
      m_family_names(namesOf(database.families)),
      m_database(std::move(database)) {}

RocksDbWideColumnStore::~RocksDbWideColumnStore() {
  if (m_database.db && m_written.load(std::memory_order_relaxed)) {
    rocksdb_open::flushBeforeClose(*m_database.db, m_database.handles);
  }
  closeDatabase();
}

void RocksDbWideColumnStore::closeDatabase() {
  if (!m_database.db) {
    return;  // A reopen failed after closing it.
  }
  // RocksDB requires every handle destroyed before the DB. Closing cannot
  // report failures here; the WAL makes an unclean close safe.
  for (rocksdb::ColumnFamilyHandle* handle : m_database.handles) {
    m_database.db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  m_database.db->Close().PermitUncheckedError();
  m_database = Database();
}

Result<rocksdb_open::ReopenGate::Hold> RocksDbWideColumnStore::enter() {
  return m_gate.enter([this]() -> Result<void> {
    closeDatabase();
    Options existing = m_options;
    existing.creation = StoreCreation::OpenExisting;
    m_database = STAYLAB_TRY(openDatabase(existing));
    return ok();
  });
}

std::vector<std::string> RocksDbWideColumnStore::families() const {
  return m_family_names;
}

Result<rocksdb::ColumnFamilyHandle*> RocksDbWideColumnStore::handleOf(
    std::string field, std::string_view family) const {
  auto found = m_database.families.find(family);
  if (found == m_database.families.end()) {
    return wide_column::unknownFamily(std::move(field), family);
  }
  return found->second;
}

Result<void> RocksDbWideColumnStore::put(const Cell& cell) {
  return guarded("put", [&]() -> Result<void> {
    STAYLAB_TRY(wide_column::checkCell(cell, ""));
    auto hold = STAYLAB_TRY(enter());
    rocksdb::ColumnFamilyHandle* handle = STAYLAB_TRY(handleOf("family", cell.family));
    rocksdb::WriteOptions write_options;
    write_options.sync = m_options.sync == Sync::Full;
    rocksdb::Status status = m_database.db->Put(write_options, handle, encodeKey(cell), cell.value);
    if (!status.ok()) {
      m_gate.fail();
      return engineFailure("wide_column.write", "put", status);
    }
    m_written.store(true, std::memory_order_relaxed);
    return ok();
  });
}

Result<void> RocksDbWideColumnStore::apply(const WideColumnBatch& batch) {
  return guarded("apply", [&]() -> Result<void> {
    // Validate everything first: a rejected batch must not reach the engine.
    for (size_t index = 0; index < batch.puts.size(); ++index) {
      STAYLAB_TRY(wide_column::checkCell(batch.puts[index].cell, fmt::format("puts[{}].", index)));
    }
    for (size_t index = 0; index < batch.row_deletes.size(); ++index) {
      STAYLAB_TRY(wide_column::checkKey(fmt::format("row_deletes[{}].row", index),
                                        batch.row_deletes[index].row));
    }

    auto hold = STAYLAB_TRY(enter());
    rocksdb::WriteBatch write_batch;
    // Range tombstones first: later entries of a batch get later sequence
    // numbers, so the batch's puts survive its row deletes.
    for (size_t index = 0; index < batch.row_deletes.size(); ++index) {
      const WideColumnBatch::DeleteRow& row_delete = batch.row_deletes[index];
      rocksdb::ColumnFamilyHandle* handle =
          STAYLAB_TRY(handleOf(fmt::format("row_deletes[{}].family", index), row_delete.family));
      rocksdb::Status status =
          write_batch.DeleteRange(handle, rowStart(row_delete.row), rowEnd(row_delete.row));
      if (!status.ok()) {
        return engineFailure("wide_column.write", "batch delete range", status);
      }
    }
    for (size_t index = 0; index < batch.puts.size(); ++index) {
      const Cell& cell = batch.puts[index].cell;
      rocksdb::ColumnFamilyHandle* handle =
          STAYLAB_TRY(handleOf(fmt::format("puts[{}].family", index), cell.family));
      rocksdb::Status status = write_batch.Put(handle, encodeKey(cell), cell.value);
      if (!status.ok()) {
        return engineFailure("wide_column.write", "batch put", status);
      }
    }
    if (write_batch.Count() == 0) {
      return ok();
    }

    rocksdb::WriteOptions write_options;
    write_options.sync = m_options.sync == Sync::Full;
    rocksdb::Status status = m_database.db->Write(write_options, &write_batch);
    if (!status.ok()) {
      m_gate.fail();
      return engineFailure("wide_column.write", "write batch", status);
    }
    m_written.store(true, std::memory_order_relaxed);
    return ok();
  });
}

Result<std::vector<Cell>> RocksDbWideColumnStore::scanRange(rocksdb::ColumnFamilyHandle* handle,
                                                            std::string_view family,
                                                            const std::string& begin,
                                                            const std::string& end,
                                                            size_t limit) const {
  if (limit == 0) {
    return std::vector<Cell>();
  }
  rocksdb::ReadOptions read_options;
  const rocksdb::Slice upper_bound(end);  // Must outlive the iterator.
  if (!end.empty()) {
    read_options.iterate_upper_bound = &upper_bound;
  }
  std::unique_ptr<rocksdb::Iterator> iterator(m_database.db->NewIterator(read_options, handle));
  std::vector<Cell> found;
  for (iterator->Seek(begin); iterator->Valid() && found.size() < limit; iterator->Next()) {
    Cell cell;
    cell.family = std::string(family);
    if (!decodeKey(iterator->key().ToStringView(), cell)) {
      return storeFailure("wide_column.corrupt", "family {} holds a malformed key of {} bytes",
                          family, iterator->key().size());
    }
    cell.value = iterator->value().ToString();
    found.push_back(std::move(cell));
  }
  if (rocksdb::Status status = iterator->status(); !status.ok()) {
    return engineFailure("wide_column.read", "iterate", status);
  }
  return found;
}

Result<std::optional<Cell>> RocksDbWideColumnStore::latest(std::string_view row,
                                                           std::string_view family,
                                                           std::string_view qualifier) {
  return guarded("latest", [&]() -> Result<std::optional<Cell>> {
    std::vector<Cell> newest = STAYLAB_TRY(versions(row, family, qualifier, 1));
    if (newest.empty()) {
      return std::nullopt;
    }
    return std::move(newest.front());
  });
}

Result<std::vector<Cell>> RocksDbWideColumnStore::versions(std::string_view row,
                                                           std::string_view family,
                                                           std::string_view qualifier,
                                                           size_t limit) {
  return guarded("versions", [&]() -> Result<std::vector<Cell>> {
    STAYLAB_TRY(wide_column::checkKey("row", row));
    STAYLAB_TRY(wide_column::checkKey("qualifier", qualifier));
    auto hold = STAYLAB_TRY(enter());
    rocksdb::ColumnFamilyHandle* handle = STAYLAB_TRY(handleOf("family", family));
    return scanRange(handle, family, cellStart(row, qualifier), cellEnd(row, qualifier), limit);
  });
}

Result<std::vector<Cell>> RocksDbWideColumnStore::scanRow(std::string_view row,
                                                          std::string_view family) {
  return guarded("scanRow", [&]() -> Result<std::vector<Cell>> {
    STAYLAB_TRY(wide_column::checkKey("row", row));
    auto hold = STAYLAB_TRY(enter());
    rocksdb::ColumnFamilyHandle* handle = STAYLAB_TRY(handleOf("family", family));
    return scanRange(handle, family, rowStart(row), rowEnd(row),
                     std::numeric_limits<size_t>::max());
  });
}

Result<std::vector<Cell>> RocksDbWideColumnStore::scanPrefix(std::string_view prefix,
                                                             std::string_view family,
                                                             size_t limit) {
  return guarded("scanPrefix", [&]() -> Result<std::vector<Cell>> {
    STAYLAB_TRY(wide_column::checkPrefix(prefix));
    auto hold = STAYLAB_TRY(enter());
    rocksdb::ColumnFamilyHandle* handle = STAYLAB_TRY(handleOf("family", family));
    return scanRange(handle, family, std::string(prefix), prefixEnd(prefix), limit);
  });
}

Result<void> RocksDbWideColumnStore::testFlush() {
  return guarded("testFlush", [&]() -> Result<void> {
    auto hold = STAYLAB_TRY(enter());
    rocksdb::FlushOptions flush_options;
    flush_options.wait = true;
    rocksdb::Status status = m_database.db->Flush(flush_options, m_database.handles);
    if (!status.ok()) {
      return engineFailure("wide_column.flush", "flush", status);
    }
    return ok();
  });
}

Result<void> RocksDbWideColumnStore::verifyIntegrity() {
  auto hold = STAYLAB_TRY(enter());
  return rocksdb_open::verifyChecksums(*m_database.db, "wide-column store");
}

}  // namespace staylab
