#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/ports/document_store.h"
#include "stores/memory_outbox.h"

namespace staylab {

// The in-memory twin of SqliteDocumentStore, for tests and the simulator. It
// accepts, refuses and orders exactly like the SQLite adapter (see
// stores/document/sqlite_document_store.h), including:
//
// - findEqual only on paths declared with ensureIndex in that collection
//   (InvalidInput "path" otherwise), although it scans the collection;
// - the 1 MiB body limit, the nesting limit and the refusal of NaN and
//   infinities (stores/document/document_rules.h);
// - bodies are kept as they read back from their serialisation, so what get
//   returns equals what the SQLite adapter returns;
// - event ids must be unique within a call and among the entries still in
//   the outbox (InvalidInput "events").
//
// Thread safety: every method is safe from any thread (one mutex).
class MemoryDocumentStore final : public DocumentStore {
 public:
  MemoryDocumentStore() = default;
  MemoryDocumentStore(const MemoryDocumentStore&) = delete;
  MemoryDocumentStore& operator=(const MemoryDocumentStore&) = delete;

  [[nodiscard]] Result<void> ensureIndex(std::string_view collection,
                                         std::string_view path) override;
  [[nodiscard]] Result<Document> insert(std::string_view collection, std::string_view id,
                                        const nlohmann::json& body,
                                        const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<Document> get(std::string_view collection, std::string_view id) override;
  [[nodiscard]] Result<Document> replace(std::string_view collection, std::string_view id,
                                         int64_t expected_revision, const nlohmann::json& body,
                                         const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<void> remove(std::string_view collection, std::string_view id,
                                    int64_t expected_revision,
                                    const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<std::vector<Document>> findEqual(std::string_view collection,
                                                        std::string_view path,
                                                        const nlohmann::json& value) override;
  [[nodiscard]] Result<std::vector<Document>> all(std::string_view collection) override;
  // Scans the collection; matches exactly as the SQLite adapter's SQL does.
  [[nodiscard]] Result<std::vector<Document>> query(std::string_view collection,
                                                    const DocumentQuery& filter) override;

  [[nodiscard]] Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  [[nodiscard]] Result<void> removeOutbox(int64_t up_to_sequence) override;
  [[nodiscard]] Result<size_t> outboxSize() override;

 private:
  struct Stored {
    int64_t revision = 0;
    nlohmann::json body;
  };
  using Collection = std::map<std::string, Stored, std::less<>>;

  // Returns InvalidInput when an event id is already in the outbox.
  Result<void> checkOutboxIds(const std::vector<EventEnvelope>& events) const;
  // Returns the documents of `collection` whose body `keep` accepts, ordered
  // by id. The caller holds m_mutex.
  std::vector<Document> documentsWhere(
      std::string_view collection, const std::function<bool(const nlohmann::json&)>& keep) const;

  std::mutex m_mutex;
  std::map<std::string, Collection, std::less<>> m_collections;  // GUARDED_BY(m_mutex)
  std::set<std::pair<std::string, std::string>> m_indexes;       // GUARDED_BY(m_mutex)
  MemoryOutbox m_outbox;                                         // GUARDED_BY(m_mutex)
};

}  // namespace staylab
