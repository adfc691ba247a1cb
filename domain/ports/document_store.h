#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/event_envelope.h"
#include "domain/ports/outbox.h"

namespace staylab {

// A JSON document with the store's revision counter (1 after insert, +1 on each replace).
struct Document {
  std::string collection;
  std::string id;
  int64_t revision = 0;
  nlohmann::json body;  // Always a JSON object.

  bool operator==(const Document&) const = default;
};

// A filter over the documents of one collection: a document matches when it
// meets every condition. Paths are index paths ("$.a.b", see DocumentStore);
// a path that leads nowhere, or to a value of another type, fails its condition.
struct DocumentQuery {
  enum class Bound { AtLeast, AtMost };

  // The value at `path` equals `value` (a string, finite number or boolean),
  // compared as findEqual() compares.
  struct Equal {
    std::string path;
    nlohmann::json value;
  };
  // The value at `path` is a number >= (AtLeast) or <= (AtMost) `value`, a finite number.
  struct Range {
    std::string path;
    Bound bound = Bound::AtLeast;
    nlohmann::json value;
  };
  // The value at `path` is an array holding the string `value`, byte for byte.
  struct Contains {
    std::string path;
    std::string value;
  };

  std::vector<Equal> equal;
  std::vector<Range> ranges;
  std::vector<Contains> contains;
  // Every word must occur inside the string at one of `text_paths` (any of
  // them, not necessarily the same for each word), ignoring the case of ASCII
  // letters: a substring test, without stemming or word boundaries ("pool"
  // occurs in "Whirlpools"). Words are 1..kMaxWordBytes bytes of UTF-8.
  std::vector<std::string> words;
  std::vector<std::string> text_paths;  // Required when `words` is not empty.

  // Most conditions of each kind, and of words and of text paths.
  static constexpr size_t kMaxConditions = 64;
  static constexpr size_t kMaxWordBytes = 256;
};

// A store of JSON documents grouped in collections, with optimistic
// concurrency by revision, equality lookups on indexed JSON paths and queries
// over a whole collection.
// Every write takes the events it causes and commits them to the outbox in
// the same transaction as the document change: both or neither.
//
// Names: collection and document ids are 1..128 bytes of [A-Za-z0-9_.:-]. An
// index path is "$.a.b" with segments of [A-Za-z0-9_]. Bodies must be JSON
// objects of at most 1 MiB once serialised.
//
// Errors: InvalidInput for a bad name, path, body or query (naming the
// field, e.g. "ranges[1].value"); NotFound for a missing
// document; Conflict for an insert over an existing id or a stale revision;
// StoreFailure when the engine fails. A failed call changes nothing.
//
// Thread safety: implementations are safe to call from any thread.
class DocumentStore : public OutboxSource {
 public:
  // Creates an index on `path` in `collection` (no-op when it exists).
  [[nodiscard]] virtual Result<void> ensureIndex(std::string_view collection,
                                                 std::string_view path) = 0;
  // Inserts a new document with revision 1.
  [[nodiscard]] virtual Result<Document> insert(std::string_view collection, std::string_view id,
                                                const nlohmann::json& body,
                                                const std::vector<EventEnvelope>& events) = 0;
  [[nodiscard]] virtual Result<Document> get(std::string_view collection, std::string_view id) = 0;
  // Replaces the body if the stored revision equals `expected_revision`; the
  // new revision is expected_revision + 1.
  [[nodiscard]] virtual Result<Document> replace(std::string_view collection, std::string_view id,
                                                 int64_t expected_revision,
                                                 const nlohmann::json& body,
                                                 const std::vector<EventEnvelope>& events) = 0;
  // Deletes the document if the stored revision equals `expected_revision`.
  [[nodiscard]] virtual Result<void> remove(std::string_view collection, std::string_view id,
                                            int64_t expected_revision,
                                            const std::vector<EventEnvelope>& events) = 0;
  // Returns the documents whose value at an indexed `path` equals `value`
  // (a string, number or boolean), ordered by id. Unindexed paths are InvalidInput.
  [[nodiscard]] virtual Result<std::vector<Document>> findEqual(std::string_view collection,
                                                                std::string_view path,
                                                                const nlohmann::json& value) = 0;
  // Returns every document of `collection`, ordered by id.
  [[nodiscard]] virtual Result<std::vector<Document>> all(std::string_view collection) = 0;
  // Returns the documents of `collection` that match `filter`, ordered by id.
  // Needs no index: an adapter may scan the collection.
  [[nodiscard]] virtual Result<std::vector<Document>> query(std::string_view collection,
                                                            const DocumentQuery& filter) = 0;
};

}  // namespace staylab
