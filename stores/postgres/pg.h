#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"

struct pg_conn;
struct pg_result;

// A thin RAII layer over libpq for the PostgreSQL adapters: one connection,
// statements with text parameters, results read as text or integers, and
// PostgreSQL's errors mapped to Staylab's by their SQLSTATE.
namespace staylab::pg {

// The rows a statement returned. Owns its PGresult.
class Rows {
 public:
  int size() const;
  std::string_view text(int row, int column) const;
  // The command tag ("COMMIT", "ROLLBACK", "INSERT 0 1", ...).
  std::string_view commandTag() const;
  // The column as a 64-bit integer; StoreFailure "postgres.corrupt_row" when
  // it is not one.
  Result<int64_t> integer(int row, int column) const;

 private:
  friend class Connection;
  struct Clear {
    void operator()(pg_result* result) const;
  };
  explicit Rows(pg_result* result) : m_result(result) {}
  std::unique_ptr<pg_result, Clear> m_result;
};

// One libpq connection. Errors of exec():
//   - SQLSTATE 23505 (unique_violation): Conflict "postgres.unique_violation";
//   - a parameter holding a NUL byte, or text the database's encoding
//     refuses (22021, 22P05): InvalidInput, and nothing is sent or stored;
//   - 40001 and 40P01 (serialization_failure, deadlock_detected): Conflict
//     "postgres.serialization";
//   - 55P03 (lock_not_available, a lock_timeout ran out): StoreFailure
//     "postgres.lock_timeout";
//   - a lost connection: StoreFailure "postgres.connection". Outside a
//     transaction the next exec() reconnects first (with the same
//     parameters), so a restarted server is used again without reopening
//     the adapter. Inside one the transaction died with the connection:
//     every statement but ROLLBACK fails the same way until ROLLBACK, which
//     then only ends it (there is nothing left to roll back);
//   - any other: StoreFailure "postgres.error", with the SQLSTATE and
//     PostgreSQL's message.
// Thread safety: none; the adapters guard their connection with a mutex.
class Connection {
 public:
  // Connects with `conninfo` (a libpq connection string or URI) and the
  // run-time `options` (the "options" connection parameter, e.g. "-c
  // search_path=x"). StoreFailure "postgres.connection" when it cannot.
  static Result<std::unique_ptr<Connection>> open(const std::string& conninfo,
                                                  const std::string& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (or, without parameters, several separated by ';').
  [[nodiscard]] Result<Rows> exec(std::string_view sql,
                                  const std::vector<std::string>& parameters = {});
  // Runs a statement that is safe to run twice (BEGIN, a read, an
  // idempotent write) outside a transaction: when the connection turns out
  // to have been lost (a restarted server closes every connection, and
  // libpq learns it only at the next statement), reconnects and runs it once
  // more.
  [[nodiscard]] Result<Rows> execRepeatable(std::string_view sql,
                                            const std::vector<std::string>& parameters = {});
  // True while the connection is inside a transaction block.
  bool inTransaction() const;

 private:
  explicit Connection(pg_conn* connection) : m_connection(connection) {}
  Result<void> reconnectIfLost();

  pg_conn* m_connection;
  bool m_transaction_lost = false;  // The connection died inside a transaction.
};

// Checks that libpq parses `conninfo` (a connection string or URI), without
// connecting: InvalidInput "conninfo" with libpq's reason otherwise.
[[nodiscard]] Result<void> checkConninfo(const std::string& conninfo);

// Quotes `items` as a PostgreSQL text array literal ({"a","b"}), for one
// parameter bound as $n::text[].
std::string textArray(const std::vector<std::string>& items);

}  // namespace staylab::pg
