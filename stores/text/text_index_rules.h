#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "domain/common/error.h"
#include "domain/common/text.h"
#include "domain/ports/text_index.h"

// Input rules shared by every TextIndex adapter in this folder, so that the
// Xapian adapter and its in-memory twin accept and refuse exactly the same
// batches and queries. Header-only; nothing here throws.
namespace staylab::text_rules {

inline constexpr size_t kMaxLimit = 1000;
// Xapian's B-tree keys are at most 255 bytes and a metadata key carries a
// 2-byte prefix.
inline constexpr size_t kMaxMetadataKeyBytes = 253;

// Returns `text` with ASCII letters lower-cased; other bytes are kept. City and
// amenity comparisons fold ASCII case only ("ZÜRICH" does not equal "zürich").
inline std::string foldCase(std::string_view text) {
  return foldAsciiCase(text);
}

// Returns true when `text` has nothing but ASCII white space. Blank query text
// matches every document; non-blank text without a single word (e.g. "?!")
// matches none.
inline bool isBlank(std::string_view text) {
  return text.find_first_not_of(" \t\n\v\f\r") == std::string_view::npos;
}

inline Result<void> checkUtf8(std::string_view text, std::string_view field) {
  if (!isValidUtf8(text)) {
    return invalidInput(std::string(field), "is not well-formed UTF-8");
  }
  return ok();
}

// Checks a document: a non-empty id and well-formed UTF-8 in every text field.
inline Result<void> checkDocument(const SearchDocument& document) {
  if (document.id.empty()) {
    return invalidInput("id", "a search document needs a non-empty id");
  }
  STAYLAB_TRY(checkUtf8(document.id, "id"));
  STAYLAB_TRY(checkUtf8(document.title, "title"));
  STAYLAB_TRY(checkUtf8(document.description, "description"));
  STAYLAB_TRY(checkUtf8(document.city, "city"));
  STAYLAB_TRY(checkUtf8(document.currency, "currency"));
  for (const auto& amenity : document.amenities) {
    STAYLAB_TRY(checkUtf8(amenity, "amenities"));
  }
  return ok();
}

// Checks that a metadata key is 1 to kMaxMetadataKeyBytes bytes.
inline Result<void> checkMetadataKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxMetadataKeyBytes) {
    return invalidInput("metadata", "a metadata key is 1 to {} bytes; got {}", kMaxMetadataKeyBytes,
                        key.size());
  }
  return ok();
}

// Checks every part of a batch before anything is written, so that a refused
// batch changes nothing.
inline Result<void> checkBatch(const TextIndexBatch& batch) {
  for (const auto& document : batch.upserts) {
    STAYLAB_TRY(checkDocument(document));
  }
  for (const auto& id : batch.removals) {
    if (id.empty()) {
      return invalidInput("removals", "a removal needs a non-empty id");
    }
  }
  for (const auto& [key, value] : batch.metadata) {
    STAYLAB_TRY(checkMetadataKey(key));
  }
  return ok();
}

// Checks a query: limit 1..kMaxLimit, a non-empty currency with a maximum
// price, a non-negative minimum capacity, well-formed UTF-8 text.
inline Result<void> checkQuery(const SearchQuery& query) {
  if (query.limit < 1 || query.limit > kMaxLimit) {
    return invalidInput("limit", "must be 1..{}; got {}", kMaxLimit, query.limit);
  }
  if (query.max_price_minor && (!query.currency || query.currency->empty())) {
    return invalidInput("currency", "a maximum price needs its currency");
  }
  if (query.min_capacity && *query.min_capacity < 0) {
    return invalidInput("min_capacity", "must not be negative; got {}", *query.min_capacity);
  }
  STAYLAB_TRY(checkUtf8(query.text, "text"));
  if (query.city) {
    STAYLAB_TRY(checkUtf8(*query.city, "city"));
  }
  if (query.currency) {
    STAYLAB_TRY(checkUtf8(*query.currency, "currency"));
  }
  for (const auto& amenity : query.amenities) {
    STAYLAB_TRY(checkUtf8(amenity, "amenities"));
  }
  return ok();
}

}  // namespace staylab::text_rules
