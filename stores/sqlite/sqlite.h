#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <sqlite3.h>

#include "domain/common/error.h"
#include "domain/common/store_creation.h"

// A thin RAII layer over the SQLite C API, shared by the SQLite adapters. It
// turns every SQLite failure into a staylab::Error; nothing here throws.
namespace staylab::sqlite {

enum class Sync {
  Normal,  // WAL + synchronous=NORMAL: survives a process crash; a power loss
           // may roll back the last transactions.
  Full,    // WAL + synchronous=FULL: every commit is fsynced.
};

struct OpenOptions {
  std::filesystem::path path;
  // OpenExisting (the default) refuses a missing or empty file before SQLite
  // sees it, so a failed open leaves no file behind; an emptied file would
  // otherwise open as a new, empty database.
  StoreCreation creation = StoreCreation::OpenExisting;
  Sync sync = Sync::Normal;    // Default: Normal.
  int busy_timeout_ms = 5000;  // Wait this long for another connection's lock.
  // Most memory the connection's page cache may use. SQLite's own default (2
  // MiB) is smaller than the hot part of a store's indexes, and a
  // transaction whose changes outgrow the cache spills them to the WAL
  // before it commits. Default: 32 MiB.
  int cache_kib = 32 * 1024;
};

class Statement;
class ReusedStatement;

// One connection. Not thread-safe: callers serialise access (the adapters
// hold a mutex around it).
class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const OpenOptions& options);
  // Opens a store's database: with CreateIfMissing it first runs `schema`
  // (CREATE ... IF NOT EXISTS statements); then every table of `tables` must
  // exist (see requireTables()), so a file without the store's schema is
  // refused, naming `what`.
  static Result<std::unique_ptr<Database>> openStore(
      const OpenOptions& options, std::string_view schema, std::string_view what,
      std::initializer_list<std::string_view> tables);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one or more statements without results.
  [[nodiscard]] Result<void> exec(std::string_view sql);
  [[nodiscard]] Result<Statement> prepare(std::string_view sql);
  // Returns a prepared statement kept for the connection's lifetime, reset and
  // with cleared bindings. The pointer stays valid until the Database dies;
  // do not hold two uses of the same SQL text at once.
  [[nodiscard]] Result<Statement*> cached(const std::string& sql);
  // Returns the cached statement of `sql` (see cached()), reset again when the
  // returned object dies, so a read that stopped before its last row does not
  // keep a read transaction open on the connection.
  [[nodiscard]] Result<ReusedStatement> reuse(const std::string& sql);
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  [[nodiscard]] Result<void> transaction(const std::function<Result<void>()>& body);
  int64_t lastInsertRowId() const;
  int changes() const;
  sqlite3* handle() const { return m_db; }
  // Returns an Error describing the connection's last failure.
  Error lastError(std::string_view what) const;
  // Returns StoreFailure "sqlite.not_a_store" naming `what` and the file
  // unless every table of `tables` exists: a file that opens but lacks its
  // schema (emptied, or some other database) is not the store expected.
  [[nodiscard]] Result<void> requireTables(std::string_view what,
                                           std::initializer_list<std::string_view> tables);
  // Runs PRAGMA integrity_check (SQLite's own scan of every page, index and
  // constraint); StoreFailure "sqlite.corrupt" with its first findings unless
  // the answer is "ok".
  [[nodiscard]] Result<void> integrityCheck();
  const std::filesystem::path& path() const { return m_path; }

 private:
  Database(sqlite3* db, std::filesystem::path path) : m_db(db), m_path(std::move(path)) {}
  sqlite3* m_db;
  std::filesystem::path m_path;
  std::unordered_map<std::string, std::unique_ptr<Statement>> m_cache;
};

enum class Step { Row, Done };

// A prepared statement; bind indices start at 1, column indices at 0.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bindNull(int index);
  // Advances; a constraint violation is returned as ErrorKind::Conflict with
  // code "sqlite.constraint".
  [[nodiscard]] Result<Step> step();
  // Steps to completion, ignoring rows.
  [[nodiscard]] Result<void> run();
  void reset();

  int64_t columnInt(int index) const;
  std::string columnText(int index) const;
  bool columnIsNull(int index) const;

 private:
  friend class Database;
  Statement(Database* db, sqlite3_stmt* statement) : m_db(db), m_statement(statement) {}
  Database* m_db;
  sqlite3_stmt* m_statement;
  int m_bind_error = SQLITE_OK;
};

// A statement borrowed from a connection's cache; resets it when it dies.
class ReusedStatement {
 public:
  explicit ReusedStatement(Statement* statement) : m_statement(statement) {}
  ReusedStatement(ReusedStatement&& other) noexcept
      : m_statement(std::exchange(other.m_statement, nullptr)) {}
  ReusedStatement& operator=(ReusedStatement&&) = delete;
  ~ReusedStatement() {
    if (m_statement) {
      m_statement->reset();
    }
  }
  Statement& operator*() const { return *m_statement; }
  Statement* operator->() const { return m_statement; }

 private:
  Statement* m_statement;
};

}  // namespace staylab::sqlite
