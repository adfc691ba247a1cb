#pragma once

#include <cstdint>
#include <filesystem>

namespace staylab::testing {

// Returns the largest regular file directly in `directory` (empty when there
// is none): what a damaged disk sector would most likely hit in a store's
// folder (a RocksDB table file, a Xapian table, fraud.db).
inline std::filesystem::path largestFileIn(const std::filesystem::path& directory) {
  std::filesystem::path largest;
  std::uintmax_t size = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.file_size() > size) {
      largest = entry.path();
      size = entry.file_size();
    }
  }
  return largest;
}

}  // namespace staylab::testing
