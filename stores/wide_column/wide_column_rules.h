#pragma once

#include <cstddef>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "domain/ports/wide_column_store.h"

// Input rules shared by the wide-column adapters, so that the RocksDB store and
// its in-memory twin accept and reject exactly the same inputs. Header-only:
// nothing here touches an engine.
namespace staylab::wide_column {

inline constexpr size_t kMaxKeyBytes = 1024;
inline constexpr size_t kMaxValueBytes = size_t{16} * 1024 * 1024;
// RocksDB's own column family; reserved so the twin rejects it too.
inline constexpr std::string_view kEngineFamily = "default";

// Checks a row key or qualifier: 1..kMaxKeyBytes bytes without NUL.
[[nodiscard]] inline Result<void> checkKey(std::string_view field, std::string_view key) {
  if (key.empty()) {
    return invalidInput(std::string(field), "must not be empty");
  }
  if (key.size() > kMaxKeyBytes) {
    return invalidInput(std::string(field), "is {} bytes, more than {}", key.size(), kMaxKeyBytes);
  }
  if (key.find('\0') != std::string_view::npos) {
    return invalidInput(std::string(field), "must not contain a NUL byte");
  }
  return ok();
}

// Checks a row-key prefix: 0..kMaxKeyBytes bytes without NUL (empty matches every row).
[[nodiscard]] inline Result<void> checkPrefix(std::string_view prefix) {
  if (prefix.size() > kMaxKeyBytes) {
    return invalidInput("prefix", "is {} bytes, more than {}", prefix.size(), kMaxKeyBytes);
  }
  if (prefix.find('\0') != std::string_view::npos) {
    return invalidInput("prefix", "must not contain a NUL byte");
  }
  return ok();
}

// Checks a cell's row, qualifier and value, but not its family. Field names
// start with `field_prefix` ("puts[2]." inside a batch).
[[nodiscard]] inline Result<void> checkCell(const Cell& cell, std::string_view field_prefix) {
  STAYLAB_TRY(checkKey(std::string(field_prefix) + "row", cell.row));
  STAYLAB_TRY(checkKey(std::string(field_prefix) + "qualifier", cell.qualifier));
  if (cell.value.size() > kMaxValueBytes) {
    return invalidInput(std::string(field_prefix) + "value", "is {} bytes, more than {}",
                        cell.value.size(), kMaxValueBytes);
  }
  return ok();
}

// Returns the InvalidInput error for a family the store was not opened with.
inline std::unexpected<Error> unknownFamily(std::string field, std::string_view family) {
  return invalidInput(std::move(field), "unknown column family '{}'", family);
}

// Returns `families` sorted and without duplicates, or InvalidInput when a name
// is empty, too long, contains NUL or is the engine's reserved "default".
[[nodiscard]] inline Result<std::set<std::string>> normalizeFamilies(
    const std::vector<std::string>& families) {
  std::set<std::string> names;
  for (const std::string& family : families) {
    STAYLAB_TRY(checkKey("families", family));
    if (family == kEngineFamily) {
      return invalidInput("families", "'{}' is reserved by the engine", family);
    }
    names.insert(family);
  }
  return names;
}

// Runs `body`, turning any exception it lets out into a StoreFailure, so no
// exception crosses the port.
template <typename Body>
auto guarded(std::string_view operation, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& exception) {
    return storeFailure("wide_column.exception", "{} failed: {}", operation, exception.what());
  } catch (...) {
    return storeFailure("wide_column.exception", "{} failed: unknown exception", operation);
  }
}

}  // namespace staylab::wide_column
