#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/date.h"
#include "domain/common/error.h"

namespace staylab {

// What the search read model knows of one property.
struct SearchDocument {
  std::string id;
  std::string title;
  std::string description;
  std::string city;
  std::vector<std::string> amenities;
  int capacity = 0;
  int64_t price_minor = 0;  // Nightly price in minor units of `currency`.
  std::string currency;
  std::vector<Date> booked_nights;  // Nights on which the property is not available.
  // False keeps the document stored (get(), allDocuments()) but out of every
  // search result, e.g. a suspended property or a placeholder.
  bool listed = true;
  int64_t source_version = 0;  // The property version the document reflects; 0 when none.

  // Returns the document as one JSON object with a member per field, named as
  // the field, booked nights as "YYYY-MM-DD" strings in the document's order.
  // The one JSON form of a search document: what stores keep, what digests
  // hash and what explorers show.
  nlohmann::json toJson() const;
  // Reads what toJson() wrote. Members may be missing only where a default
  // says what they mean: booked_nights (none), listed (true), source_version
  // (0). InvalidInput names the first member that is missing or malformed.
  static Result<SearchDocument> fromJson(const nlohmann::json& json);

  bool operator==(const SearchDocument&) const = default;
};

enum class SearchSort { Relevance, PriceAscending };

struct SearchQuery {
  std::string text;                         // Free text; English stemming. Empty matches all.
  std::optional<std::string> city;          // Exact city, case-insensitive.
  std::optional<int> min_capacity;          // Capacity >= this.
  std::optional<int64_t> max_price_minor;   // Nightly price <= this (in `currency`).
  std::optional<std::string> currency;      // Required with max_price_minor.
  std::vector<std::string> amenities;       // Every one must be present (case-insensitive).
  std::optional<Stay> stay;                 // No booked night may fall inside the stay.
  SearchSort sort = SearchSort::Relevance;  // Ties broken by id.
  size_t offset = 0;
  size_t limit = 20;  // 1..1000.
};

struct SearchHit {
  std::string id;
  std::string title;
  std::string city;
  int64_t price_minor = 0;
  std::string currency;
  double relevance = 0;  // Higher is better; 0 when the query has no text.

  bool operator==(const SearchHit&) const = default;
};

struct SearchPage {
  std::vector<SearchHit> hits;
  size_t estimated_total = 0;  // Matches over all pages (an estimate for large results).
};

// Documents and metadata to write in one commit: all or none.
struct TextIndexBatch {
  std::vector<SearchDocument> upserts;          // Replace any document with the same id.
  std::vector<std::string> removals;            // Ids; removing an absent id is not an error.
  std::map<std::string, std::string> metadata;  // E.g. a consumer's offset.

  bool empty() const { return upserts.empty() && removals.empty() && metadata.empty(); }
};

// The full-text search read model. Free text is matched against title,
// description and city with English stemming; query syntax in the text is
// treated as plain words, never as operators.
//
// Documents with `listed` false are kept and returned by get() and
// allDocuments() but never match a search (nor count in estimated_total).
//
// Errors: InvalidInput for a bad query (limit 0, max price without currency...)
// or document (empty id); StoreFailure when the engine fails. No engine
// exception escapes. A failed apply changes nothing.
// Thread safety: implementations are safe to call from any thread.
class TextIndex {
 public:
  virtual ~TextIndex() = default;

  // Commits every change of `batch` atomically.
  [[nodiscard]] virtual Result<void> apply(const TextIndexBatch& batch) = 0;
  [[nodiscard]] virtual Result<std::optional<SearchDocument>> get(std::string_view id) = 0;
  [[nodiscard]] virtual Result<SearchPage> search(const SearchQuery& query) = 0;
  [[nodiscard]] virtual Result<std::optional<std::string>> metadata(std::string_view key) = 0;
  [[nodiscard]] virtual Result<size_t> documentCount() = 0;
  // Returns every document, listed or not, ordered by id.
  [[nodiscard]] virtual Result<std::vector<SearchDocument>> allDocuments() = 0;
  // Returns every metadata key and its value.
  [[nodiscard]] virtual Result<std::map<std::string, std::string>> allMetadata() = 0;
  // Removes every document and every metadata key in one commit.
  [[nodiscard]] virtual Result<void> clear() = 0;
};

}  // namespace staylab
