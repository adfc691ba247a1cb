#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/ports/text_index.h"

namespace staylab {

// The in-memory twin of XapianTextIndex, for tests and the simulator. It
// accepts, refuses, filters, sorts and pages exactly like the Xapian adapter
// (see stores/text/xapian_text_index.h), with a simpler text model:
//
// - Words are runs of ASCII letters and digits and of non-ASCII bytes, lower
//   cased; everything else separates words.
// - A tiny English stemmer strips plural endings of words that start with a
//   letter ("apartments" and "apartment" match; "cities" matches "city"), so
//   its stems differ from Snowball's for other endings ("quoted" vs "quote").
// - Relevance is the sum over query words of their occurrences, a title
//   occurrence counting twice; estimated_total is always exact.
//
// Thread safety: every method is safe from any thread (one mutex).
class MemoryTextIndex final : public TextIndex {
 public:
  MemoryTextIndex() = default;
  MemoryTextIndex(const MemoryTextIndex&) = delete;
  MemoryTextIndex& operator=(const MemoryTextIndex&) = delete;

  [[nodiscard]] Result<void> apply(const TextIndexBatch& batch) override;
  [[nodiscard]] Result<std::optional<SearchDocument>> get(std::string_view id) override;
  [[nodiscard]] Result<SearchPage> search(const SearchQuery& query) override;
  [[nodiscard]] Result<std::optional<std::string>> metadata(std::string_view key) override;
  [[nodiscard]] Result<size_t> documentCount() override;
  [[nodiscard]] Result<std::vector<SearchDocument>> allDocuments() override;
  [[nodiscard]] Result<std::map<std::string, std::string>> allMetadata() override;
  [[nodiscard]] Result<void> clear() override;

 private:
  std::mutex m_mutex;
  std::map<std::string, SearchDocument, std::less<>> m_documents;  // GUARDED_BY(m_mutex)
  std::map<std::string, std::string, std::less<>> m_metadata;      // GUARDED_BY(m_mutex)
};

}  // namespace staylab
