#include "stores/postgres/pg.h"

#include <libpq-fe.h>

#include <charconv>
#include <string>

namespace staylab::pg {
namespace {

std::string connectionError(const PGconn* connection) {
  std::string message = connection == nullptr ? "out of memory" : PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

std::unexpected<Error> statementError(const PGconn* connection, const PGresult* result,
                                      std::string_view sql) {
  const char* state = result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state == nullptr ? "" : state;
  const char* primary =
      result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string message = primary != nullptr ? primary : connectionError(connection);
  const std::string_view statement = sql.substr(0, sql.find_first_of("(\n"));
  if (sqlstate == "23505") {
    return std::unexpected(Error{ErrorKind::Conflict, "postgres.unique_violation", "", message});
  }
  if (sqlstate == "22021" || sqlstate == "22P05") {
    return invalidInput("", "PostgreSQL cannot store this text: {}", message);
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return std::unexpected(Error{ErrorKind::Conflict, "postgres.serialization", "", message});
  }
  if (sqlstate == "55P03") {
    return storeFailure("postgres.lock_timeout", "waited too long for a lock: {}", message);
  }
  if (PQstatus(connection) == CONNECTION_BAD || sqlstate.empty() || sqlstate.starts_with("08") ||
      sqlstate.starts_with("57P")) {
    return storeFailure("postgres.connection", "PostgreSQL connection lost ({}): {}", statement,
                        message);
  }
  return storeFailure("postgres.error", "PostgreSQL refused {} [{}]: {}", statement, sqlstate,
                      message);
}

}  // namespace

void Rows::Clear::operator()(pg_result* result) const {
  PQclear(result);
}

int Rows::size() const {
  return PQntuples(m_result.get());
}

std::string_view Rows::text(int row, int column) const {
  return {PQgetvalue(m_result.get(), row, column),
          static_cast<size_t>(PQgetlength(m_result.get(), row, column))};
}

std::string_view Rows::commandTag() const {
  const char* tag = m_result ? PQcmdStatus(m_result.get()) : nullptr;
  return tag != nullptr ? tag : "";
}

Result<int64_t> Rows::integer(int row, int column) const {
  std::string_view value = text(row, column);
  int64_t number = 0;
  auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size()) {
    return storeFailure("postgres.corrupt_row", "column {} of row {} is not an integer: '{}'",
                        column, row, value);
  }
  return number;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& conninfo,
                                                     const std::string& options) {
  // Ours come after any run-time options the connection string carries, so
  // that both apply (a later "options" keyword would replace theirs).
  std::string all_options = options;
  std::string application = "staylab";
  if (PQconninfoOption* given = PQconninfoParse(conninfo.c_str(), nullptr)) {
    for (PQconninfoOption* option = given; option->keyword != nullptr; ++option) {
      if (option->val == nullptr || *option->val == '\0') {
        continue;
      }
      if (std::string_view(option->keyword) == "options") {
        all_options = std::string(option->val) + " " + options;
      } else if (std::string_view(option->keyword) == "application_name") {
        application = option->val;
      }
    }
    PQconninfoFree(given);
  }
  const char* keywords[] = {"dbname", "options", "application_name", nullptr};
  const char* values[] = {conninfo.c_str(), all_options.c_str(), application.c_str(), nullptr};
  PGconn* connection = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (connection == nullptr || PQstatus(connection) != CONNECTION_OK) {
    std::string message = connectionError(connection);
    PQfinish(connection);
    return storeFailure("postgres.connection", "cannot connect to PostgreSQL: {}", message);
  }
  return std::unique_ptr<Connection>(new Connection(connection));
}

Connection::~Connection() {
  PQfinish(m_connection);
}

Result<void> Connection::reconnectIfLost() {
  if (PQstatus(m_connection) == CONNECTION_OK) {
    return {};
  }
  PQreset(m_connection);
  if (PQstatus(m_connection) != CONNECTION_OK) {
    return storeFailure("postgres.connection", "cannot reconnect to PostgreSQL: {}",
                        connectionError(m_connection));
  }
  return {};
}

Result<Rows> Connection::exec(std::string_view sql, const std::vector<std::string>& parameters) {
  if (m_transaction_lost) {
    if (sql == "ROLLBACK") {
      m_transaction_lost = false;
      return Rows(nullptr);
    }
    return storeFailure("postgres.connection",
                        "the connection was lost inside this transaction, which is gone with it");
  }
  const bool in_transaction = inTransaction();
  if (!in_transaction) {
    STAYLAB_TRY(reconnectIfLost());
  }
  for (const auto& parameter : parameters) {
    if (parameter.find('\0') != std::string::npos) {
      return invalidInput("", "PostgreSQL text cannot hold a NUL byte");
    }
  }
  const std::string text(sql);
  PGresult* raw = nullptr;
  if (parameters.empty()) {
    raw = PQexec(m_connection, text.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const auto& parameter : parameters) {
      values.push_back(parameter.c_str());
    }
    raw = PQexecParams(m_connection, text.c_str(), static_cast<int>(values.size()), nullptr,
                       values.data(), nullptr, nullptr, 0);
  }
  Rows rows(raw);
  const ExecStatusType status = raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    auto error = statementError(m_connection, raw, sql);
    // A later statement must not run in autocommit on a fresh session.
    m_transaction_lost = in_transaction && error.error().code == "postgres.connection";
    return error;
  }
  return rows;
}

Result<Rows> Connection::execRepeatable(std::string_view sql,
                                        const std::vector<std::string>& parameters) {
  auto rows = exec(sql, parameters);
  if (!rows && rows.error().code == "postgres.connection" && !inTransaction() &&
      PQstatus(m_connection) == CONNECTION_BAD) {
    return exec(sql, parameters);
  }
  return rows;
}

bool Connection::inTransaction() const {
  const PGTransactionStatusType status = PQtransactionStatus(m_connection);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

Result<void> checkConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    std::string reason = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) {
      reason.pop_back();
    }
    return invalidInput("conninfo", "libpq cannot parse '{}': {}", conninfo, reason);
  }
  PQconninfoFree(options);
  return {};
}

std::string textArray(const std::vector<std::string>& items) {
  std::string literal = "{";
  for (size_t index = 0; index < items.size(); ++index) {
    literal += index == 0 ? "\"" : ",\"";
    for (char c : items[index]) {
      if (c == '"' || c == '\\') {
        literal += '\\';
      }
      literal += c;
    }
    literal += '"';
  }
  literal += '}';
  return literal;
}

}  // namespace staylab::pg
