#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "domain/common/error.h"

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
  Sync sync = Sync::Normal;    // Default: Normal.
  int busy_timeout_ms = 5000;  // Wait this long for another connection's lock.
};

class Statement;

// One connection. Not thread-safe: callers serialise access (the adapters
// hold a mutex around it).
class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const OpenOptions& options);
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
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails.
  [[nodiscard]] Result<void> transaction(const std::function<Result<void>()>& body);
  int64_t lastInsertRowId() const;
  int changes() const;
  sqlite3* handle() const { return m_db; }
  // Returns an Error describing the connection's last failure.
  Error lastError(std::string_view what) const;

 private:
  explicit Database(sqlite3* db) : m_db(db) {}
  sqlite3* m_db;
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

}  // namespace staylab::sqlite
