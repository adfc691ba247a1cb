#include "stores/document/sqlite_document_store.h"

#include <functional>

#include "stores/document/document_rules.h"
#include "stores/sqlite/sqlite_outbox.h"

namespace staylab {

namespace {

using namespace document_rules;

constexpr int64_t kSchemaVersion = 1;

constexpr std::string_view kSchema =
    "CREATE TABLE IF NOT EXISTS documents ("
    " collection TEXT NOT NULL,"
    " id TEXT NOT NULL,"
    " revision INTEGER NOT NULL CHECK (revision >= 1),"
    " body TEXT NOT NULL CHECK (json_valid(body)),"
    " PRIMARY KEY (collection, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS document_indexes ("
    " collection TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " PRIMARY KEY (collection, path)) WITHOUT ROWID;";

// The SQL below splices collection names and paths into statements: SQLite
// uses a partial index only when the query spells the same literal as the
// index's WHERE clause, and an expression index only when the query spells the
// same expression. Both are validated first (document_rules.h), and neither
// alphabet holds a quote, a backslash or a space.

// Returns the DDL of the index on `path` in `collection`. Collection names
// cannot hold '$', so the index name is unique per (collection, path).
std::string createIndexSql(std::string_view collection, std::string_view path) {
  return fmt::format(
      "CREATE INDEX IF NOT EXISTS \"doc_index:{0}{1}\" ON documents (json_extract(body, '{1}'))"
      " WHERE collection = '{0}'",
      collection, path);
}

// Returns findEqual's query; ?1 is the value's JSON text, which json_extract
// turns into the SQL value it would extract from a body (strings unescaped,
// booleans 1/0). json_type keeps true from matching 1 and "1" from matching 1.
std::string_view jsonTypesLike(const nlohmann::json& value) {
  return value.is_string()    ? "('text')"
         : value.is_boolean() ? "('true', 'false')"
                              : "('integer', 'real')";
}

std::string findEqualSql(std::string_view collection, std::string_view path,
                         const nlohmann::json& value) {
  std::string_view types = jsonTypesLike(value);
  return fmt::format(
      "SELECT id, revision, body FROM documents"
      " WHERE collection = '{0}' AND json_extract(body, '{1}') = json_extract(?1, '$')"
      " AND json_type(body, '{1}') IN {2} ORDER BY id",
      collection, path, types);
}

// query()'s statement and the texts to bind to ?1, ?2, ... in that order.
struct QuerySql {
  std::string sql;
  std::vector<std::string> bindings;
};

// Returns query()'s statement for a validated query. Equality is spelled as
// findEqual spells it, so SQLite may use a path's expression index; numbers
// are bound as JSON text, which json_extract turns into SQL numbers; words are
// bound folded to lower case and looked for with instr() in lower(), which
// folds ASCII letters only (no ICU), as foldAsciiCase() does for the twin.
QuerySql querySql(std::string_view collection, const DocumentQuery& query) {
  QuerySql built;
  built.sql =
      fmt::format("SELECT id, revision, body FROM documents WHERE collection = '{}'", collection);
  auto bind = [&](std::string text) {
    built.bindings.push_back(std::move(text));
    return built.bindings.size();
  };
  for (const auto& condition : query.equal) {
    built.sql += fmt::format(
        " AND json_extract(body, '{0}') = json_extract(?{1}, '$') AND json_type(body, '{0}') IN "
        "{2}",
        condition.path, bind(condition.value.dump()), jsonTypesLike(condition.value));
  }
  for (const auto& condition : query.ranges) {
    built.sql += fmt::format(
        " AND json_type(body, '{0}') IN ('integer', 'real') AND json_extract(body, '{0}') {1} "
        "json_extract(?{2}, '$')",
        condition.path, condition.bound == DocumentQuery::Bound::AtLeast ? ">=" : "<=",
        bind(condition.value.dump()));
  }
  for (const auto& condition : query.contains) {
    built.sql += fmt::format(
        " AND json_type(body, '{0}') = 'array' AND EXISTS (SELECT 1 FROM json_each(body, '{0}') "
        "AS item WHERE item.type = 'text' AND item.value = ?{1})",
        condition.path, bind(condition.value));
  }
  for (const auto& word : query.words) {
    const size_t parameter = bind(foldAsciiCase(word));
    std::string any_path;
    for (const auto& path : query.text_paths) {
      any_path += fmt::format(
          "{0}(json_type(body, '{1}') = 'text' AND instr(lower(json_extract(body, '{1}')), ?{2}) "
          "> 0)",
          any_path.empty() ? "" : " OR ", path, parameter);
    }
    built.sql += fmt::format(" AND ({})", any_path);
  }
  built.sql += " ORDER BY id";
  return built;
}

Result<nlohmann::json> parseBody(const std::string& text) {
  auto body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return storeFailure("document.corrupt", "a stored body is not a JSON object");
  }
  return body;
}

// Reads documents from rows of (id, revision, body).
Result<std::vector<Document>> readDocuments(sqlite::Statement& statement,
                                            std::string_view collection) {
  std::vector<Document> documents;
  while (STAYLAB_TRY(statement.step()) == sqlite::Step::Row) {
    // The body first: a STAYLAB_TRY inside the braces would leak the
    // members built before it when it returns (see HistoryProjection::addCells).
    nlohmann::json body = STAYLAB_TRY(parseBody(statement.columnText(2)));
    documents.push_back(Document{std::string(collection), statement.columnText(0),
                                 statement.columnInt(1), std::move(body)});
  }
  return documents;
}

// Runs `body` in a write transaction, rolled back when it fails or throws.
Result<void> writeTransaction(sqlite::Database& db, const std::function<Result<void>()>& body) {
  if (sqlite3_get_autocommit(db.handle()) == 0) {
    // A transaction left open by an earlier failure would make BEGIN fail forever.
    (void)db.exec("ROLLBACK");
  }
  return db.transaction([&] { return guarded("transaction", body); });
}

}  // namespace

Result<std::unique_ptr<SqliteDocumentStore>> SqliteDocumentStore::open(const Options& options) {
  return guarded("open", [&]() -> Result<std::unique_ptr<SqliteDocumentStore>> {
    sqlite::OpenOptions open_options;
    open_options.path = options.path;
    open_options.creation = options.creation;
    open_options.sync = options.sync;
    auto db = STAYLAB_TRY(sqlite::Database::open(open_options));
    if (auto probe = db->prepare("SELECT json_valid('{}')"); !probe) {
      return storeFailure("document.no_json1", "SQLite at {} lacks JSON1: {}",
                          options.path.string(), probe.error().message);
    }
    STAYLAB_TRY(writeTransaction(*db, [&]() -> Result<void> {
      int64_t version = 0;
      {
        auto statement = STAYLAB_TRY(db->prepare("PRAGMA user_version"));
        if (STAYLAB_TRY(statement.step()) == sqlite::Step::Row) {
          version = statement.columnInt(0);
        }
      }
      if (version > kSchemaVersion) {
        return storeFailure("document.schema", "{} has schema version {}; this build knows {}",
                            options.path.string(), version, kSchemaVersion);
      }
      if (options.creation == StoreCreation::CreateIfMissing) {
        STAYLAB_TRY(db->exec(kSchema));
        STAYLAB_TRY(sqlite::createOutboxTable(*db));
        STAYLAB_TRY(db->exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion)));
      }
      return db->requireTables("document store", {"documents", "document_indexes", "outbox"});
    }));
    return std::unique_ptr<SqliteDocumentStore>(new SqliteDocumentStore(std::move(db)));
  });
}

Result<int64_t> SqliteDocumentStore::storedRevision(std::string_view collection,
                                                    std::string_view id) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT revision FROM documents WHERE collection = ? AND id = ?"));
  statement->bind(1, collection).bind(2, id);
  if (STAYLAB_TRY(statement->step()) == sqlite::Step::Done) {
    return notFound(collection, id);
  }
  return statement->columnInt(0);
}

Result<void> SqliteDocumentStore::checkOutboxIds(const std::vector<EventEnvelope>& events) {
  if (events.empty()) {
    return {};
  }
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT 1 FROM outbox WHERE event_id = ?"));
  for (const auto& event : events) {
    statement->reset();
    statement->bind(1, event.event_id);
    if (STAYLAB_TRY(statement->step()) == sqlite::Step::Row) {
      return duplicateEvent(event.event_id);
    }
  }
  return {};
}

Result<void> SqliteDocumentStore::checkIndexed(std::string_view collection, std::string_view path) {
  auto statement = STAYLAB_TRY(
      m_db->prepare("SELECT 1 FROM document_indexes WHERE collection = ? AND path = ?"));
  statement.bind(1, collection).bind(2, path);
  if (STAYLAB_TRY(statement.step()) == sqlite::Step::Done) {
    return unindexedPath(collection, path);
  }
  return {};
}

Result<void> SqliteDocumentStore::verifyIntegrity() {
  std::lock_guard lock(m_mutex);
  return m_db->integrityCheck();
}

Result<void> SqliteDocumentStore::ensureIndex(std::string_view collection, std::string_view path) {
  return guarded("ensureIndex", [&]() -> Result<void> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(parsePath(path));
    std::lock_guard lock(m_mutex);
    return writeTransaction(*m_db, [&]() -> Result<void> {
      auto statement = STAYLAB_TRY(
          m_db->prepare("INSERT OR IGNORE INTO document_indexes (collection, path) VALUES (?, ?)"));
      statement.bind(1, collection).bind(2, path);
      STAYLAB_TRY(statement.run());
      return m_db->exec(createIndexSql(collection, path));
    });
  });
}

Result<Document> SqliteDocumentStore::insert(std::string_view collection, std::string_view id,
                                             const nlohmann::json& body,
                                             const std::vector<EventEnvelope>& events) {
  return guarded("insert", [&]() -> Result<Document> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    std::string text = STAYLAB_TRY(serialiseBody(body));
    STAYLAB_TRY(validateEvents(events));
    std::lock_guard lock(m_mutex);
    STAYLAB_TRY(writeTransaction(*m_db, [&]() -> Result<void> {
      auto existing = storedRevision(collection, id);
      if (existing) {
        return alreadyExists(collection, id);
      }
      if (existing.error().kind != ErrorKind::NotFound) {
        return std::unexpected(std::move(existing).error());
      }
      STAYLAB_TRY(checkOutboxIds(events));
      auto statement = STAYLAB_TRY(m_db->reuse(
          "INSERT INTO documents (collection, id, revision, body) VALUES (?, ?, 1, ?)"));
      statement->bind(1, collection).bind(2, id).bind(3, text);
      STAYLAB_TRY(statement->run());
      return sqlite::appendOutbox(*m_db, events);
    }));
    nlohmann::json parsed = STAYLAB_TRY(parseBody(text));
    return Document{std::string(collection), std::string(id), 1, std::move(parsed)};
  });
}

Result<Document> SqliteDocumentStore::get(std::string_view collection, std::string_view id) {
  return guarded("get", [&]() -> Result<Document> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    std::lock_guard lock(m_mutex);
    auto statement = STAYLAB_TRY(
        m_db->reuse("SELECT revision, body FROM documents WHERE collection = ? AND id = ?"));
    statement->bind(1, collection).bind(2, id);
    if (STAYLAB_TRY(statement->step()) == sqlite::Step::Done) {
      return notFound(collection, id);
    }
    nlohmann::json body = STAYLAB_TRY(parseBody(statement->columnText(1)));
    return Document{std::string(collection), std::string(id), statement->columnInt(0),
                    std::move(body)};
  });
}

Result<Document> SqliteDocumentStore::replace(std::string_view collection, std::string_view id,
                                              int64_t expected_revision, const nlohmann::json& body,
                                              const std::vector<EventEnvelope>& events) {
  return guarded("replace", [&]() -> Result<Document> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    std::string text = STAYLAB_TRY(serialiseBody(body));
    STAYLAB_TRY(validateEvents(events));
    std::lock_guard lock(m_mutex);
    STAYLAB_TRY(writeTransaction(*m_db, [&]() -> Result<void> {
      int64_t stored = STAYLAB_TRY(storedRevision(collection, id));
      if (stored != expected_revision) {
        return staleRevision(collection, id, expected_revision, stored);
      }
      STAYLAB_TRY(checkOutboxIds(events));
      auto statement = STAYLAB_TRY(m_db->reuse(
          "UPDATE documents SET revision = ?, body = ? WHERE collection = ? AND id = ?"));
      statement->bind(1, expected_revision + 1).bind(2, text).bind(3, collection).bind(4, id);
      STAYLAB_TRY(statement->run());
      return sqlite::appendOutbox(*m_db, events);
    }));
    nlohmann::json parsed = STAYLAB_TRY(parseBody(text));
    return Document{std::string(collection), std::string(id), expected_revision + 1,
                    std::move(parsed)};
  });
}

Result<void> SqliteDocumentStore::remove(std::string_view collection, std::string_view id,
                                         int64_t expected_revision,
                                         const std::vector<EventEnvelope>& events) {
  return guarded("remove", [&]() -> Result<void> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateName("id", id));
    STAYLAB_TRY(validateEvents(events));
    std::lock_guard lock(m_mutex);
    return writeTransaction(*m_db, [&]() -> Result<void> {
      int64_t stored = STAYLAB_TRY(storedRevision(collection, id));
      if (stored != expected_revision) {
        return staleRevision(collection, id, expected_revision, stored);
      }
      STAYLAB_TRY(checkOutboxIds(events));
      auto statement =
          STAYLAB_TRY(m_db->prepare("DELETE FROM documents WHERE collection = ? AND id = ?"));
      statement.bind(1, collection).bind(2, id);
      STAYLAB_TRY(statement.run());
      return sqlite::appendOutbox(*m_db, events);
    });
  });
}

Result<std::vector<Document>> SqliteDocumentStore::findEqual(std::string_view collection,
                                                             std::string_view path,
                                                             const nlohmann::json& value) {
  return guarded("findEqual", [&]() -> Result<std::vector<Document>> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(parsePath(path));
    std::string value_text = STAYLAB_TRY(serialiseFindValue(value));
    std::lock_guard lock(m_mutex);
    STAYLAB_TRY(checkIndexed(collection, path));
    auto statement = STAYLAB_TRY(m_db->prepare(findEqualSql(collection, path, value)));
    statement.bind(1, value_text);
    return readDocuments(statement, collection);
  });
}

Result<std::vector<Document>> SqliteDocumentStore::all(std::string_view collection) {
  return guarded("all", [&]() -> Result<std::vector<Document>> {
    STAYLAB_TRY(validateName("collection", collection));
    std::lock_guard lock(m_mutex);
    auto statement = STAYLAB_TRY(
        m_db->prepare("SELECT id, revision, body FROM documents WHERE collection = ? ORDER BY id"));
    statement.bind(1, collection);
    return readDocuments(statement, collection);
  });
}

Result<std::vector<Document>> SqliteDocumentStore::query(std::string_view collection,
                                                         const DocumentQuery& filter) {
  return guarded("query", [&]() -> Result<std::vector<Document>> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(validateQuery(filter));
    const QuerySql built = querySql(collection, filter);
    std::lock_guard lock(m_mutex);
    auto statement = STAYLAB_TRY(m_db->prepare(built.sql));
    for (size_t index = 0; index < built.bindings.size(); ++index) {
      statement.bind(static_cast<int>(index + 1), built.bindings[index]);
    }
    return readDocuments(statement, collection);
  });
}

Result<std::vector<OutboxEntry>> SqliteDocumentStore::peekOutbox(size_t limit) {
  return guarded("peekOutbox", [&]() -> Result<std::vector<OutboxEntry>> {
    std::lock_guard lock(m_mutex);
    return sqlite::peekOutbox(*m_db, limit);
  });
}

Result<void> SqliteDocumentStore::removeOutbox(int64_t up_to_sequence) {
  return guarded("removeOutbox", [&]() -> Result<void> {
    std::lock_guard lock(m_mutex);
    return sqlite::removeOutbox(*m_db, up_to_sequence);
  });
}

Result<size_t> SqliteDocumentStore::outboxSize() {
  return guarded("outboxSize", [&]() -> Result<size_t> {
    std::lock_guard lock(m_mutex);
    return sqlite::outboxSize(*m_db);
  });
}

Result<std::vector<std::string>> SqliteDocumentStore::testExplainFindEqual(
    std::string_view collection, std::string_view path, const nlohmann::json& value) {
  return guarded("testExplainFindEqual", [&]() -> Result<std::vector<std::string>> {
    STAYLAB_TRY(validateName("collection", collection));
    STAYLAB_TRY(parsePath(path));
    std::string value_text = STAYLAB_TRY(serialiseFindValue(value));
    std::lock_guard lock(m_mutex);
    STAYLAB_TRY(checkIndexed(collection, path));
    auto statement =
        STAYLAB_TRY(m_db->prepare("EXPLAIN QUERY PLAN " + findEqualSql(collection, path, value)));
    statement.bind(1, value_text);
    std::vector<std::string> lines;
    while (STAYLAB_TRY(statement.step()) == sqlite::Step::Row) {
      lines.push_back(statement.columnText(3));
    }
    return lines;
  });
}

}  // namespace staylab
