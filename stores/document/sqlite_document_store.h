#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/ports/document_store.h"
#include "stores/sqlite/sqlite.h"

namespace staylab {

// The DocumentStore port on its own SQLite database file (WAL), using JSON1.
//
// Schema: documents(collection, id, revision, body) keyed by (collection, id),
// body CHECK(json_valid); document_indexes(collection, path) lists the
// declared indexes, and each has a partial expression index
// ON documents(json_extract(body, path)) WHERE collection = '<collection>',
// which findEqual's query uses (testExplainFindEqual shows the plan). The
// outbox is stores/sqlite/sqlite_outbox.h's table in the same file, appended
// in the same transaction as the document change.
//
// Beyond the port's rules (stores/document/document_rules.h, shared with
// MemoryDocumentStore): paths are at most 256 bytes; bodies nest at most 128
// levels and hold no NaN or infinity; event ids must be unique within a call
// and among the entries still in the outbox (all InvalidInput). findEqual
// compares strings only with strings, booleans only with booleans and numbers
// by value (2 equals 2.0); a path through an array finds nothing.
//
// Errors: as the port; StoreFailure also when the file cannot be opened, has
// no JSON1, holds a newer schema, or a stored body no longer parses.
//
// Thread safety: all methods are safe from any thread; one connection is
// shared under a mutex, so calls are serialised.
class SqliteDocumentStore final : public DocumentStore {
 public:
  struct Options {
    std::filesystem::path path;                // The database file.
    sqlite::Sync sync = sqlite::Sync::Normal;  // Default: Normal (survives process crashes).
    // Default: OpenExisting, which fails with StoreFailure when the file is
    // missing, empty or lacks the document schema, and creates nothing.
    StoreCreation creation = StoreCreation::OpenExisting;
  };

  // Opens the database at options.path (creating it and its tables only with
  // StoreCreation::CreateIfMissing).
  [[nodiscard]] static Result<std::unique_ptr<SqliteDocumentStore>> open(const Options& options);

  // Runs SQLite's integrity check; StoreFailure "sqlite.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();

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
  // One SELECT over the collection (see querySql in the .cpp): equality as
  // findEqual's (an indexed path's expression index may serve it), ranges on
  // json_extract, containment through json_each, words through
  // instr(lower(json_extract(...))).
  [[nodiscard]] Result<std::vector<Document>> query(std::string_view collection,
                                                    const DocumentQuery& filter) override;

  [[nodiscard]] Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  [[nodiscard]] Result<void> removeOutbox(int64_t up_to_sequence) override;
  [[nodiscard]] Result<size_t> outboxSize() override;

  // Returns the EXPLAIN QUERY PLAN lines of the query findEqual runs for
  // these arguments (which must pass findEqual's checks).
  [[nodiscard]] Result<std::vector<std::string>> testExplainFindEqual(std::string_view collection,
                                                                      std::string_view path,
                                                                      const nlohmann::json& value);

 private:
  explicit SqliteDocumentStore(std::unique_ptr<sqlite::Database> db) : m_db(std::move(db)) {}

  // Returns the revision stored for (collection, id), or NotFound.
  Result<int64_t> storedRevision(std::string_view collection, std::string_view id);
  // Returns InvalidInput when an event id is already in the outbox.
  Result<void> checkOutboxIds(const std::vector<EventEnvelope>& events);
  // Returns InvalidInput "path" unless ensureIndex declared (collection, path).
  Result<void> checkIndexed(std::string_view collection, std::string_view path);

  std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab
