#include "stores/wide_column/memory_wide_column_store.h"

#include <limits>
#include <mutex>
#include <utility>

#include "stores/wide_column/wide_column_rules.h"

namespace staylab {

using wide_column::guarded;

bool MemoryWideColumnStore::RowOrder::operator()(const CellKey& left, const CellKey& right) const {
  // std::string compares through char_traits<char>, i.e. as unsigned bytes,
  // like RocksDB's bytewise comparator.
  if (int order = left.row.compare(right.row); order != 0) {
    return order < 0;
  }
  if (int order = left.qualifier.compare(right.qualifier); order != 0) {
    return order < 0;
  }
  return left.timestamp > right.timestamp;
}

Result<std::unique_ptr<MemoryWideColumnStore>> MemoryWideColumnStore::open(const Options& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<MemoryWideColumnStore>> {
    std::map<std::string, Cells, std::less<>> families;
    for (const std::string& name : STAYLAB_TRY(wide_column::normalizeFamilies(options.families))) {
      families.emplace(name, Cells{});
    }
    return std::unique_ptr<MemoryWideColumnStore>(new MemoryWideColumnStore(std::move(families)));
  });
}

MemoryWideColumnStore::MemoryWideColumnStore(std::map<std::string, Cells, std::less<>> families)
    : m_families(std::move(families)) {}

std::vector<std::string> MemoryWideColumnStore::families() const {
  std::vector<std::string> names;
  names.reserve(m_families.size());
  for (const auto& [name, cells] : m_families) {
    names.push_back(name);
  }
  return names;
}

Result<MemoryWideColumnStore::Cells*> MemoryWideColumnStore::cellsOf(std::string field,
                                                                     std::string_view family) {
  auto found = m_families.find(family);
  if (found == m_families.end()) {
    return wide_column::unknownFamily(std::move(field), family);
  }
  return &found->second;
}

MemoryWideColumnStore::CellKey MemoryWideColumnStore::rowStart(std::string_view row) {
  // The empty qualifier sorts before every valid one, and the largest
  // timestamp comes first.
  return CellKey{std::string(row), std::string(), std::numeric_limits<int64_t>::max()};
}

void MemoryWideColumnStore::commit(const std::vector<std::pair<Cells*, CellKey>>& row_starts,
                                   StagedPuts& staged) noexcept {
  for (const auto& [cells, start] : row_starts) {
    auto cell = cells->lower_bound(start);
    while (cell != cells->end() && cell->first.row == start.row) {
      cell = cells->erase(cell);
    }
  }
  for (auto& [cells, puts] : staged) {
    while (!puts.empty()) {
      auto node = puts.extract(puts.begin());
      if (auto existing = cells->find(node.key()); existing != cells->end()) {
        existing->second.swap(node.mapped());
      } else {
        cells->insert(std::move(node));
      }
    }
  }
}

Result<void> MemoryWideColumnStore::put(const Cell& cell) {
  return guarded("put", [&]() -> Result<void> {
    STAYLAB_TRY(wide_column::checkCell(cell, ""));
    std::unique_lock lock(m_mutex);
    Cells* cells = STAYLAB_TRY(cellsOf("family", cell.family));
    StagedPuts staged;
    staged[cells].insert_or_assign(CellKey{cell.row, cell.qualifier, cell.timestamp}, cell.value);
    commit({}, staged);
    return ok();
  });
}

Result<void> MemoryWideColumnStore::apply(const WideColumnBatch& batch) {
  return guarded("apply", [&]() -> Result<void> {
    for (size_t index = 0; index < batch.puts.size(); ++index) {
      STAYLAB_TRY(wide_column::checkCell(batch.puts[index].cell, fmt::format("puts[{}].", index)));
    }
    for (size_t index = 0; index < batch.row_deletes.size(); ++index) {
      STAYLAB_TRY(wide_column::checkKey(fmt::format("row_deletes[{}].row", index),
                                        batch.row_deletes[index].row));
    }
    std::unique_lock lock(m_mutex);
    // Everything that can fail (lookups, allocation) happens before commit().
    std::vector<std::pair<Cells*, CellKey>> row_starts;
    row_starts.reserve(batch.row_deletes.size());
    for (size_t index = 0; index < batch.row_deletes.size(); ++index) {
      const WideColumnBatch::DeleteRow& row_delete = batch.row_deletes[index];
      Cells* cells =
          STAYLAB_TRY(cellsOf(fmt::format("row_deletes[{}].family", index), row_delete.family));
      row_starts.emplace_back(cells, rowStart(row_delete.row));
    }
    StagedPuts staged;
    for (size_t index = 0; index < batch.puts.size(); ++index) {
      const Cell& cell = batch.puts[index].cell;
      Cells* cells = STAYLAB_TRY(cellsOf(fmt::format("puts[{}].family", index), cell.family));
      // A later put of the same version wins, as in a RocksDB WriteBatch.
      staged[cells].insert_or_assign(CellKey{cell.row, cell.qualifier, cell.timestamp}, cell.value);
    }
    commit(row_starts, staged);
    return ok();
  });
}

template <typename Belongs>
std::vector<Cell> MemoryWideColumnStore::collect(const Cells& cells, std::string_view family,
                                                 const CellKey& from, Belongs belongs,
                                                 size_t limit) {
  std::vector<Cell> found;
  for (auto cell = cells.lower_bound(from);
       cell != cells.end() && found.size() < limit && belongs(cell->first); ++cell) {
    found.push_back(Cell{cell->first.row, std::string(family), cell->first.qualifier,
                         cell->first.timestamp, cell->second});
  }
  return found;
}

Result<std::optional<Cell>> MemoryWideColumnStore::latest(std::string_view row,
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

Result<std::vector<Cell>> MemoryWideColumnStore::versions(std::string_view row,
                                                          std::string_view family,
                                                          std::string_view qualifier,
                                                          size_t limit) {
  return guarded("versions", [&]() -> Result<std::vector<Cell>> {
    STAYLAB_TRY(wide_column::checkKey("row", row));
    STAYLAB_TRY(wide_column::checkKey("qualifier", qualifier));
    std::shared_lock lock(m_mutex);
    const Cells* cells = STAYLAB_TRY(cellsOf("family", family));
    CellKey from{std::string(row), std::string(qualifier), std::numeric_limits<int64_t>::max()};
    return collect(
        *cells, family, from,
        [&](const CellKey& key) { return key.row == row && key.qualifier == qualifier; }, limit);
  });
}

Result<std::vector<Cell>> MemoryWideColumnStore::scanRow(std::string_view row,
                                                         std::string_view family) {
  return guarded("scanRow", [&]() -> Result<std::vector<Cell>> {
    STAYLAB_TRY(wide_column::checkKey("row", row));
    std::shared_lock lock(m_mutex);
    const Cells* cells = STAYLAB_TRY(cellsOf("family", family));
    return collect(
        *cells, family, rowStart(row), [&](const CellKey& key) { return key.row == row; },
        std::numeric_limits<size_t>::max());
  });
}

Result<std::vector<Cell>> MemoryWideColumnStore::scanPrefix(std::string_view prefix,
                                                            std::string_view family, size_t limit) {
  return guarded("scanPrefix", [&]() -> Result<std::vector<Cell>> {
    STAYLAB_TRY(wide_column::checkPrefix(prefix));
    std::shared_lock lock(m_mutex);
    const Cells* cells = STAYLAB_TRY(cellsOf("family", family));
    return collect(
        *cells, family, rowStart(prefix),
        [&](const CellKey& key) { return key.row.starts_with(prefix); }, limit);
  });
}

}  // namespace staylab
