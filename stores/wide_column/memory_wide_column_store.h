#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ports/wide_column_store.h"

namespace staylab {

// An in-memory WideColumnStore with the same semantics as
// RocksDbWideColumnStore (same key rules, ordering and errors), for tests.
// Nothing is persisted.
//
// Row keys and qualifiers compare bytewise (as unsigned bytes). scanPrefix
// with an empty prefix returns every row. Row deletes in a batch take effect
// before its puts. A limit of 0 returns nothing.
//
// Thread safety: safe to call from any thread; readers share a lock, writers
// take it exclusively.
class MemoryWideColumnStore final : public WideColumnStore {
 public:
  struct Options {
    // Column families, fixed for the store's life. Each is 1..1024 bytes
    // without NUL and not "default" (reserved, as in the RocksDB adapter);
    // duplicates are ignored. Default: none.
    std::vector<std::string> families;
  };

  // Returns an empty store, or InvalidInput for a bad family name.
  [[nodiscard]] static Result<std::unique_ptr<MemoryWideColumnStore>> open(const Options& options);

  // Returns the families sorted by name.
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

 private:
  struct CellKey {
    std::string row;
    std::string qualifier;
    int64_t timestamp = 0;
  };
  // Orders by row, then qualifier, then newest timestamp first: the order of
  // the RocksDB adapter's encoded keys.
  struct RowOrder {
    bool operator()(const CellKey& left, const CellKey& right) const;
  };
  using Cells = std::map<CellKey, std::string, RowOrder>;
  // Writes staged per family before the commit, which cannot fail.
  using StagedPuts = std::map<Cells*, Cells>;

  explicit MemoryWideColumnStore(std::map<std::string, Cells, std::less<>> families);

  // Returns the cells of `family`, or InvalidInput naming `field`.
  // Requires m_mutex (shared or exclusive).
  Result<Cells*> cellsOf(std::string field, std::string_view family);
  // Erases the rows of `row_starts` (probes made by rowStart), then moves the
  // staged cells in. Allocates nothing, so it cannot fail halfway.
  // Requires m_mutex exclusively.
  static void commit(const std::vector<std::pair<Cells*, CellKey>>& row_starts,
                     StagedPuts& staged) noexcept;
  // Returns the first key that sorts at or after every cell of rows >= `row`.
  static CellKey rowStart(std::string_view row);
  // Returns the cells from `from` (inclusive) while `belongs` holds, at most `limit`.
  template <typename Belongs>
  static std::vector<Cell> collect(const Cells& cells, std::string_view family, const CellKey& from,
                                   Belongs belongs, size_t limit);

  mutable std::shared_mutex m_mutex;
  // The set of families is fixed at open; their cells are GUARDED_BY(m_mutex).
  std::map<std::string, Cells, std::less<>> m_families;
};

}  // namespace staylab
