#pragma once

// The search index as the platform sees it in a simulated run: every call
// goes to the index in service now, which a blue-green rebuild replaces by
// the one it built beside it (switchTo), so that the gateway's searches and
// the search projection move to the new index at one instant. Owns both the
// index in service and those it replaced (they stay open until the run
// ends, as a team keeps the blue index until the green one has proved
// itself).
//
// Thread safety: the engine's thread only (as the platform's calls are).

#include <memory>
#include <utility>
#include <vector>

#include "domain/ports/text_index.h"

namespace staylab::app {

class SwitchableTextIndex final : public TextIndex {
 public:
  explicit SwitchableTextIndex(std::unique_ptr<TextIndex> first) {
    m_indexes.push_back(std::move(first));
  }

  // Serves every call from `next` from now on.
  void switchTo(std::unique_ptr<TextIndex> next) { m_indexes.push_back(std::move(next)); }
  // Returns the index in service now.
  TextIndex& current() { return *m_indexes.back(); }

  Result<void> apply(const TextIndexBatch& batch) override { return current().apply(batch); }
  Result<std::optional<SearchDocument>> get(std::string_view id) override {
    return current().get(id);
  }
  Result<SearchPage> search(const SearchQuery& query) override { return current().search(query); }
  Result<std::optional<std::string>> metadata(std::string_view key) override {
    return current().metadata(key);
  }
  Result<size_t> documentCount() override { return current().documentCount(); }
  Result<std::vector<SearchDocument>> allDocuments() override { return current().allDocuments(); }
  Result<std::map<std::string, std::string>> allMetadata() override {
    return current().allMetadata();
  }
  Result<void> clear() override { return current().clear(); }

 private:
  std::vector<std::unique_ptr<TextIndex>> m_indexes;  // The last one serves.
};

}  // namespace staylab::app
