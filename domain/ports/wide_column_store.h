#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"

namespace staylab {

// One timestamped version of a cell: (row, family, qualifier, timestamp) -> value.
struct Cell {
  std::string row;
  std::string family;
  std::string qualifier;
  int64_t timestamp = 0;  // Caller-chosen version, e.g. nanoseconds; newer is larger.
  std::string value;

  bool operator==(const Cell&) const = default;
};

// A group of writes applied atomically: all or none.
struct WideColumnBatch {
  struct Put {
    Cell cell;
  };
  struct DeleteRow {
    std::string family;
    std::string row;
  };
  std::vector<Put> puts;
  std::vector<DeleteRow> row_deletes;

  void put(std::string row, std::string family, std::string qualifier, int64_t timestamp,
           std::string value) {
    puts.push_back({Cell{std::move(row), std::move(family), std::move(qualifier), timestamp,
                         std::move(value)}});
  }
  void deleteRow(std::string family, std::string row) {
    row_deletes.push_back({std::move(family), std::move(row)});
  }
  bool empty() const { return puts.empty() && row_deletes.empty(); }
};

// A wide-column store in the Bigtable/HBase model. Column families are fixed
// when the store is opened; rows are sorted by key; each (row, family,
// qualifier) keeps its versions, newest first. Writing the same (row, family,
// qualifier, timestamp) again overwrites that version.
//
// Keys: row keys and qualifiers are 1..1024 bytes without NUL; values up to 16 MiB.
// Errors: InvalidInput for an unknown family or bad key; StoreFailure when the
// engine fails. A failed call changes nothing.
// Thread safety: implementations are safe to call from any thread.
class WideColumnStore {
 public:
  virtual ~WideColumnStore() = default;

  // Returns the column families this store was opened with.
  virtual std::vector<std::string> families() const = 0;
  [[nodiscard]] virtual Result<void> put(const Cell& cell) = 0;
  // Applies every write of `batch` atomically. Row deletes take effect before
  // the batch's puts, so one batch can replace a row.
  [[nodiscard]] virtual Result<void> apply(const WideColumnBatch& batch) = 0;
  // Returns the newest version of a cell, or nullopt.
  [[nodiscard]] virtual Result<std::optional<Cell>> latest(std::string_view row,
                                                           std::string_view family,
                                                           std::string_view qualifier) = 0;
  // Returns up to `limit` newest versions of a cell, newest first.
  [[nodiscard]] virtual Result<std::vector<Cell>> versions(std::string_view row,
                                                           std::string_view family,
                                                           std::string_view qualifier,
                                                           size_t limit) = 0;
  // Returns every version of every cell of `row` in `family`, ordered by
  // qualifier, then newest first.
  [[nodiscard]] virtual Result<std::vector<Cell>> scanRow(std::string_view row,
                                                          std::string_view family) = 0;
  // Returns the cells (all versions) of rows whose key starts with `prefix`, in
  // row order, stopping after `limit` cells.
  [[nodiscard]] virtual Result<std::vector<Cell>> scanPrefix(std::string_view prefix,
                                                             std::string_view family,
                                                             size_t limit) = 0;
};

}  // namespace staylab
