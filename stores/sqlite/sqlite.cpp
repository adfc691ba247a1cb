#include "stores/sqlite/sqlite.h"

#include "stores/sqlite/checksum_vfs.h"

#include <cstring>
#include <exception>

namespace staylab::sqlite {
namespace {

// Returns ": " and the operating system's reason for the connection's last
// failed I/O (ENOSPC reads "No space left on device"), or "" when SQLite's
// last failure was not an I/O one: SQLite's own text for a failed shared-
// memory map, say, is only "disk I/O error".
std::string systemReason(sqlite3* db) {
  const int code = sqlite3_extended_errcode(db);
  const int system_errno = sqlite3_system_errno(db);
  if (system_errno == 0 || ((code & 0xFF) != SQLITE_IOERR && (code & 0xFF) != SQLITE_FULL)) {
    return "";
  }
  return fmt::format(": {}", std::strerror(system_errno));
}

}  // namespace

Result<std::unique_ptr<Database>> Database::open(const OpenOptions& options) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.creation == StoreCreation::CreateIfMissing) {
    flags |= SQLITE_OPEN_CREATE;
  } else {
    std::error_code error;
    auto size = std::filesystem::file_size(options.path, error);
    if (error) {
      return storeFailure("sqlite.missing",
                          "{} is missing ({}); it is never re-created by a "
                          "command: restore it, or initialise a new data directory",
                          options.path.string(), error.message());
    }
    if (size == 0) {
      return storeFailure("sqlite.empty", "{} is empty: its data is gone; restore the file",
                          options.path.string());
    }
  }
  std::error_code ignored;
  const bool fresh = !std::filesystem::exists(options.path, ignored) ||
                     std::filesystem::file_size(options.path, ignored) == 0;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, checksum_vfs::ensureRegistered());
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return storeFailure("sqlite.open", "cannot open {}: {}", options.path.string(), message);
  }
  std::unique_ptr<Database> database(new Database(db, options.path));
  if (fresh) {
    // Before the first write, which fixes the page layout for good.
    int reserved = checksum_vfs::kReservedBytes;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserved);
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  STAYLAB_TRY(database->exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"));
  STAYLAB_TRY(database->exec(options.sync == Sync::Full ? "PRAGMA synchronous=FULL;"
                                                        : "PRAGMA synchronous=NORMAL;"));
  STAYLAB_TRY(database->exec(fmt::format("PRAGMA cache_size=-{};", options.cache_kib)));
  return database;
}

Database::~Database() {
  m_cache.clear();
  sqlite3_close_v2(m_db);
}

Error Database::lastError(std::string_view what) const {
  int code = sqlite3_extended_errcode(m_db);
  if (code == SQLITE_IOERR_DATA) {
    return Error{
        ErrorKind::StoreFailure, "sqlite.corrupt", "",
        fmt::format("{} is damaged: a page failed its checksum ({})", m_path.string(), what)};
  }
  if (code == SQLITE_CORRUPT || (code & 0xFF) == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    return Error{
        ErrorKind::StoreFailure, "sqlite.corrupt", "",
        fmt::format("{} is damaged: {} ({})", m_path.string(), sqlite3_errmsg(m_db), what)};
  }
  if ((code & 0xFF) == SQLITE_CONSTRAINT) {
    return Error{ErrorKind::Conflict, "sqlite.constraint", "",
                 fmt::format("{}: {}", what, sqlite3_errmsg(m_db))};
  }
  return Error{ErrorKind::StoreFailure, "sqlite.failure", "",
               fmt::format("{}: {}{} (code {}) in {}", what, sqlite3_errmsg(m_db),
                           systemReason(m_db), code, m_path.string())};
}

Result<std::unique_ptr<Database>> Database::openStore(
    const OpenOptions& options, std::string_view schema, std::string_view what,
    std::initializer_list<std::string_view> tables) {
  auto db = STAYLAB_TRY(open(options));
  if (options.creation == StoreCreation::CreateIfMissing) {
    STAYLAB_TRY(db->exec(schema));
  }
  STAYLAB_TRY(db->requireTables(what, tables));
  return db;
}

Result<void> Database::requireTables(std::string_view what,
                                     std::initializer_list<std::string_view> tables) {
  for (std::string_view table : tables) {
    auto statement =
        STAYLAB_TRY(prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"));
    statement.bind(1, table);
    if (STAYLAB_TRY(statement.step()) != Step::Row) {
      return storeFailure("sqlite.not_a_store", "{} holds no {} (table '{}' is missing)",
                          m_path.string(), what, table);
    }
  }
  return {};
}

Result<void> Database::integrityCheck() {
  auto statement = STAYLAB_TRY(prepare("PRAGMA integrity_check(10)"));
  std::string findings;
  while (STAYLAB_TRY(statement.step()) == Step::Row) {
    std::string line = statement.columnText(0);
    if (line != "ok") {
      findings += (findings.empty() ? "" : "; ") + line;
    }
  }
  if (!findings.empty()) {
    return storeFailure("sqlite.corrupt", "{} is damaged: {}", m_path.string(), findings);
  }
  return {};
}

Result<void> Database::exec(std::string_view sql) {
  std::string text(sql);
  char* message = nullptr;
  int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string why = (message ? message : sqlite3_errstr(rc)) + systemReason(m_db);
    sqlite3_free(message);
    return storeFailure("sqlite.failure", "'{}' failed on {}: {}", text.substr(0, 80),
                        m_path.string(), why);
  }
  return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (rc != SQLITE_OK) {
    return std::unexpected(lastError(fmt::format("prepare '{}'", sql.substr(0, 80))));
  }
  return Statement(this, statement);
}

Result<Statement*> Database::cached(const std::string& sql) {
  auto it = m_cache.find(sql);
  if (it == m_cache.end()) {
    auto statement = STAYLAB_TRY(prepare(sql));
    it = m_cache.emplace(sql, std::make_unique<Statement>(std::move(statement))).first;
  } else {
    it->second->reset();
  }
  return it->second.get();
}

Result<ReusedStatement> Database::reuse(const std::string& sql) {
  return ReusedStatement(STAYLAB_TRY(cached(sql)));
}

Result<void> Database::transaction(const std::function<Result<void>()>& body) {
  STAYLAB_TRY(exec("BEGIN IMMEDIATE"));
  Result<void> result;
  try {
    result = body();
  } catch (const std::exception& error) {
    result = storeFailure("sqlite.exception", "transaction aborted: {}", error.what());
  }
  if (!result) {
    (void)exec("ROLLBACK");
    return result;
  }
  auto committed = exec("COMMIT");
  if (!committed) {
    (void)exec("ROLLBACK");
    return committed;
  }
  return {};
}

int64_t Database::lastInsertRowId() const {
  return sqlite3_last_insert_rowid(m_db);
}
int Database::changes() const {
  return sqlite3_changes(m_db);
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_statement(other.m_statement), m_bind_error(other.m_bind_error) {
  other.m_statement = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(m_statement);
    m_db = other.m_db;
    m_statement = other.m_statement;
    m_bind_error = other.m_bind_error;
    other.m_statement = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  sqlite3_finalize(m_statement);
}

Statement& Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(m_statement, index, value);
  if (rc != SQLITE_OK) {
    m_bind_error = rc;
  }
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text(m_statement, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) {
    m_bind_error = rc;
  }
  return *this;
}

Statement& Statement::bindNull(int index) {
  int rc = sqlite3_bind_null(m_statement, index);
  if (rc != SQLITE_OK) {
    m_bind_error = rc;
  }
  return *this;
}

Result<Step> Statement::step() {
  if (m_bind_error != SQLITE_OK) {
    return storeFailure("sqlite.bind", "bind failed: {}", sqlite3_errstr(m_bind_error));
  }
  int rc = sqlite3_step(m_statement);
  if (rc == SQLITE_ROW) {
    return Step::Row;
  }
  if (rc == SQLITE_DONE) {
    return Step::Done;
  }
  return std::unexpected(m_db->lastError(fmt::format("step '{}'", sqlite3_sql(m_statement))));
}

Result<void> Statement::run() {
  while (true) {
    Step step_result = STAYLAB_TRY(step());
    if (step_result == Step::Done) {
      return {};
    }
  }
}

void Statement::reset() {
  sqlite3_reset(m_statement);
  sqlite3_clear_bindings(m_statement);
  m_bind_error = SQLITE_OK;
}

int64_t Statement::columnInt(int index) const {
  return sqlite3_column_int64(m_statement, index);
}

std::string Statement::columnText(int index) const {
  auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, index));
  int size = sqlite3_column_bytes(m_statement, index);
  return text ? std::string(text, static_cast<size_t>(size)) : std::string();
}

bool Statement::columnIsNull(int index) const {
  return sqlite3_column_type(m_statement, index) == SQLITE_NULL;
}

}  // namespace staylab::sqlite
