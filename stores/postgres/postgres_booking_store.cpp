#include "stores/postgres/postgres_booking_store.h"

#include <algorithm>
#include <cstdint>
#include <exception>

#include <fmt/format.h>

#include "domain/common/hash.h"
#include "stores/postgres/pg.h"
#include "stores/relational/booking_schema.h"

namespace staylab {
namespace {

using booking::Booking;

// The outbox: a BIGSERIAL sequence, drawn under the store's advisory lock.
constexpr const char* kOutboxTable = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  sequence BIGSERIAL PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE,
  envelope TEXT NOT NULL
);
)sql";

using booking_schema::kBookingColumns;

// Text orders below are byte orders (COLLATE "C"), as the port's other
// adapters give, whatever collation the database was created with.

std::string days(Date date) {
  return std::to_string(date.daysSinceEpoch());
}

Result<Date> dateAt(const pg::Rows& rows, int row, int column) {
  return Date::fromDays(static_cast<int>(STAYLAB_TRY(rows.integer(row, column))));
}

Result<Booking> readBooking(const pg::Rows& rows, int row) {
  Booking booking;
  booking.id = rows.text(row, 0);
  booking.property_id = rows.text(row, 1);
  booking.guest_id = rows.text(row, 2);
  booking.check_in = STAYLAB_TRY(dateAt(rows, row, 3));
  booking.check_out = STAYLAB_TRY(dateAt(rows, row, 4));
  booking.guests = static_cast<int>(STAYLAB_TRY(rows.integer(row, 5)));
  booking.total_minor = STAYLAB_TRY(rows.integer(row, 6));
  booking.currency = rows.text(row, 7);
  booking.status = STAYLAB_TRY(booking::parseStatus(rows.text(row, 8)));
  booking.rejection_reason = rows.text(row, 9);
  booking.signals.payment_fingerprint = rows.text(row, 10);
  booking.signals.device = rows.text(row, 11);
  booking.signals.ip = rows.text(row, 12);
  booking.created_at_nanos = STAYLAB_TRY(rows.integer(row, 13));
  booking.version = STAYLAB_TRY(rows.integer(row, 14));
  return booking;
}

Result<std::vector<Booking>> readBookings(const pg::Rows& rows) {
  std::vector<Booking> bookings;
  bookings.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    auto booking = readBooking(rows, row);
    if (!booking) {
      return storeFailure("booking.corrupt_row", "booking row is malformed: {}",
                          booking.error().describe());
    }
    bookings.push_back(std::move(*booking));
  }
  return bookings;
}

// `repeatable`: outside a transaction, so the read may be repeated on a
// fresh connection.
Result<std::optional<Booking>> findIn(pg::Connection& connection, std::string_view booking_id,
                                      bool repeatable) {
  const std::string sql = fmt::format("SELECT {} FROM bookings WHERE id = $1", kBookingColumns);
  auto rows = STAYLAB_TRY(repeatable ? connection.execRepeatable(sql, {std::string(booking_id)})
                                     : connection.exec(sql, {std::string(booking_id)}));
  auto bookings = STAYLAB_TRY(readBookings(rows));
  if (bookings.empty()) {
    return std::optional<Booking>();
  }
  return std::optional<Booking>(std::move(bookings.front()));
}

Result<void> validateOptions(const PostgresBookingStore::Options& options) {
  if (options.conninfo.empty()) {
    return invalidInput("conninfo", "must name the PostgreSQL server and database");
  }
  STAYLAB_TRY(pg::checkConninfo(options.conninfo));
  const std::string& schema = options.schema;
  if (schema.empty() || schema.size() > 63 || (schema[0] >= '0' && schema[0] <= '9')) {
    return invalidInput("schema", "must be 1..63 of [a-z0-9_], not starting with a digit");
  }
  for (char c : schema) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return invalidInput("schema", "must be 1..63 of [a-z0-9_], not starting with a digit");
    }
  }
  if (options.lock_timeout_ms <= 0) {
    return invalidInput("lock_timeout_ms", "must be positive");
  }
  if (options.connections < 1 || options.connections > 64) {
    return invalidInput("connections", "must be 1..64, not {}", options.connections);
  }
  return {};
}

class PostgresBookingTransaction final : public BookingTransaction {
 public:
  explicit PostgresBookingTransaction(pg::Connection& connection) : m_connection(connection) {}

  Result<std::optional<IdempotencyRecord>> findIdempotency(std::string_view key) override {
    auto rows = STAYLAB_TRY(m_connection.exec(
        "SELECT key, fingerprint, booking_id, status, reason FROM idempotency_keys WHERE key = $1",
        {std::string(key)}));
    if (rows.size() == 0) {
      return std::optional<IdempotencyRecord>();
    }
    IdempotencyRecord record;
    record.key = rows.text(0, 0);
    record.request_fingerprint = rows.text(0, 1);
    record.booking_id = rows.text(0, 2);
    record.status = STAYLAB_TRY(booking::parseStatus(rows.text(0, 3)));
    record.reason = rows.text(0, 4);
    return std::optional<IdempotencyRecord>(std::move(record));
  }

  Result<void> saveIdempotency(const IdempotencyRecord& record) override {
    STAYLAB_TRY(m_connection.exec(
        "INSERT INTO idempotency_keys (key, fingerprint, booking_id, status, reason) VALUES ($1, "
        "$2, $3, $4, $5)",
        {record.key, record.request_fingerprint, record.booking_id,
         std::string(booking::toString(record.status)), record.reason}));
    return {};
  }

  Result<std::vector<Date>> takenNights(std::string_view property_id, Date check_in,
                                        Date check_out) override {
    auto rows = STAYLAB_TRY(m_connection.exec(
        "SELECT night FROM booked_nights WHERE property_id = $1 AND night >= $2 AND night < $3 "
        "ORDER BY night",
        {std::string(property_id), days(check_in), days(check_out)}));
    std::vector<Date> nights;
    for (int row = 0; row < rows.size(); ++row) {
      nights.push_back(STAYLAB_TRY(dateAt(rows, row, 0)));
    }
    return nights;
  }

  Result<std::optional<Booking>> findBooking(std::string_view booking_id) override {
    return findIn(m_connection, booking_id, /*repeatable=*/false);
  }

  Result<void> insertBooking(const Booking& booking) override {
    STAYLAB_TRY(m_connection.exec(
        fmt::format("INSERT INTO bookings ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                    "$11, $12, $13, $14, $15)",
                    kBookingColumns),
        {booking.id, booking.property_id, booking.guest_id, days(booking.check_in),
         days(booking.check_out), std::to_string(booking.guests),
         std::to_string(booking.total_minor), booking.currency,
         std::string(booking::toString(booking.status)), booking.rejection_reason,
         booking.signals.payment_fingerprint, booking.signals.device, booking.signals.ip,
         std::to_string(booking.created_at_nanos), std::to_string(booking.version)}));
    if (!booking.holdsNights()) {
      return {};
    }
    // Every night in one statement; the unique index refuses a taken one.
    auto taken = m_connection.exec(
        "INSERT INTO booked_nights (property_id, night, booking_id) SELECT $1, night, $2 FROM "
        "generate_series($3::integer, $4::integer - 1) AS night",
        {booking.property_id, booking.id, days(booking.check_in), days(booking.check_out)});
    if (!taken && taken.error().code == "postgres.unique_violation") {
      return std::unexpected(
          Error{ErrorKind::Conflict, "booking.night_taken", "",
                fmt::format("the store refused the nights of property {} from {} to {}: one is "
                            "already booked ({})",
                            booking.property_id, booking.check_in.toString(),
                            booking.check_out.toString(), taken.error().message)});
    }
    STAYLAB_TRY(taken);
    return {};
  }

  Result<void> updateBooking(const Booking& booking) override {
    auto updated = STAYLAB_TRY(m_connection.exec(
        "UPDATE bookings SET status = $1, rejection_reason = $2, version = $3 WHERE id = $4 "
        "RETURNING id",
        {std::string(booking::toString(booking.status)), booking.rejection_reason,
         std::to_string(booking.version), booking.id}));
    if (updated.size() != 1) {
      return std::unexpected(booking::errors::bookingNotFound(booking.id));
    }
    if (!booking.holdsNights()) {
      STAYLAB_TRY(
          m_connection.exec("DELETE FROM booked_nights WHERE booking_id = $1", {booking.id}));
    }
    return {};
  }

  Result<void> saveSaga(const SagaRecord& record) override {
    STAYLAB_TRY(m_connection.exec(
        "INSERT INTO booking_sagas (booking_id, step, host_id, updated_at) VALUES ($1, $2, $3, "
        "$4) ON CONFLICT (booking_id) DO UPDATE SET step = excluded.step, host_id = "
        "excluded.host_id, updated_at = excluded.updated_at",
        {record.booking_id, std::string(toString(record.step)), record.host_id,
         std::to_string(record.updated_at_nanos)}));
    return {};
  }

  Result<std::vector<SagaRecord>> openSagas() override {
    auto rows = STAYLAB_TRY(m_connection.exec(
        "SELECT booking_id, step, host_id, updated_at FROM booking_sagas WHERE step = 'charging' "
        "ORDER BY updated_at, booking_id COLLATE \"C\""));
    std::vector<SagaRecord> sagas;
    for (int row = 0; row < rows.size(); ++row) {
      SagaRecord record;
      record.booking_id = rows.text(row, 0);
      record.step = STAYLAB_TRY(parseSagaStep(rows.text(row, 1)));
      record.host_id = rows.text(row, 2);
      record.updated_at_nanos = STAYLAB_TRY(rows.integer(row, 3));
      sagas.push_back(std::move(record));
    }
    return sagas;
  }

  Result<void> appendOutbox(const std::vector<EventEnvelope>& events) override {
    for (const auto& event : events) {
      STAYLAB_TRY(m_connection.exec(
          "INSERT INTO outbox (event_id, envelope) VALUES ($1, $2)",
          {event.event_id,
           event.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}));
    }
    return {};
  }

 private:
  pg::Connection& m_connection;
};

// Runs `body`, turning an exception into a StoreFailure that rolls back.
template <typename Body>
Result<void> guarded(const Body& body) {
  try {
    return body();
  } catch (const std::exception& error) {
    return storeFailure("postgres.exception", "transaction body aborted: {}", error.what());
  }
}

}  // namespace

PostgresBookingStore::PostgresBookingStore(const Options& options, std::string session_options,
                                           std::string lock_key,
                                           std::unique_ptr<pg::Connection> first)
    : m_conninfo(options.conninfo),
      m_session_options(std::move(session_options)),
      m_lock_key(std::move(lock_key)),
      m_most_connections(static_cast<size_t>(options.connections)),
      m_open(1) {
  m_idle.push_back(std::move(first));
}

PostgresBookingStore::~PostgresBookingStore() = default;

PostgresBookingStore::Lease::Lease(PostgresBookingStore& store,
                                   std::unique_ptr<pg::Connection> connection)
    : m_store(&store), m_connection(std::move(connection)) {}

PostgresBookingStore::Lease::~Lease() {
  if (m_connection == nullptr) {
    return;  // Moved from.
  }
  if (m_connection->inTransaction()) {
    // Left by an exception past the store's own handling: the next lease
    // must not inherit its lock and its writes.
    (void)m_connection->exec("ROLLBACK");
  }
  {
    std::lock_guard lock(m_store->m_pool_mutex);
    m_store->m_idle.push_back(std::move(m_connection));
  }
  m_store->m_returned.notify_one();
}

Result<PostgresBookingStore::Lease> PostgresBookingStore::lease() {
  std::unique_lock lock(m_pool_mutex);
  m_returned.wait(lock, [this] { return !m_idle.empty() || m_open < m_most_connections; });
  if (!m_idle.empty()) {
    auto connection = std::move(m_idle.back());
    m_idle.pop_back();
    return Lease(*this, std::move(connection));
  }
  ++m_open;
  lock.unlock();
  auto opened = pg::Connection::open(m_conninfo, m_session_options);
  if (!opened) {
    lock.lock();
    --m_open;
    lock.unlock();
    m_returned.notify_one();
    return std::unexpected(opened.error());
  }
  return Lease(*this, std::move(*opened));
}

Result<std::unique_ptr<PostgresBookingStore>> PostgresBookingStore::open(const Options& options) {
  STAYLAB_TRY(validateOptions(options));
  std::string session_options =
      fmt::format("-c search_path={} -c lock_timeout={}", options.schema, options.lock_timeout_ms);
  auto connection = STAYLAB_TRY(pg::Connection::open(options.conninfo, session_options));
  // The lock every transaction of this schema takes; a signed 64-bit key.
  const std::string lock_key =
      std::to_string(static_cast<int64_t>(fnv1a64("staylab.booking_store." + options.schema)));
  if (options.creation == StoreCreation::CreateIfMissing) {
    // Under the lock, so that two processes creating the store at once do not race.
    STAYLAB_TRY(connection->exec("BEGIN"));
    auto created = [&]() -> Result<void> {
      STAYLAB_TRY(connection->exec("SELECT pg_advisory_xact_lock($1::bigint)", {lock_key}));
      STAYLAB_TRY(connection->exec(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", options.schema)));
      STAYLAB_TRY(connection->exec(booking_schema::kTables));
      STAYLAB_TRY(connection->exec(booking_schema::kSagaTable));
      STAYLAB_TRY(connection->exec(kOutboxTable));
      return {};
    }();
    STAYLAB_TRY(connection->exec(created ? "COMMIT" : "ROLLBACK"));
    STAYLAB_TRY(created);
  }
  auto tables = STAYLAB_TRY(connection->exec(
      "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename IN "
      "('bookings', 'booked_nights', 'idempotency_keys', 'booking_sagas', 'outbox')",
      {options.schema}));
  if (STAYLAB_TRY(tables.integer(0, 0)) != 5) {
    return storeFailure("postgres.missing",
                        "schema '{}' does not hold the booking store's tables; create it with "
                        "StoreCreation::CreateIfMissing",
                        options.schema);
  }
  return std::unique_ptr<PostgresBookingStore>(new PostgresBookingStore(
      options, std::move(session_options), lock_key, std::move(connection)));
}

Result<void> PostgresBookingStore::begin(pg::Connection& connection) {
  // READ COMMITTED whatever the server's default: each statement then sees
  // what the previous holder of the lock committed.
  STAYLAB_TRY(connection.execRepeatable("BEGIN ISOLATION LEVEL READ COMMITTED"));
  auto locked = connection.exec("SELECT pg_advisory_xact_lock($1::bigint)", {m_lock_key});
  if (!locked) {
    (void)connection.exec("ROLLBACK");
    return std::unexpected(locked.error());
  }
  return {};
}

Result<void> PostgresBookingStore::finish(pg::Connection& connection, Result<void> result) {
  if (!result) {
    (void)connection.exec("ROLLBACK");
    return result;
  }
  auto committed = connection.exec("COMMIT");
  if (committed && committed->commandTag() != "COMMIT") {
    // COMMIT of a transaction a failed statement aborted rolls it back.
    return storeFailure("postgres.rolled_back",
                        "a statement of the transaction had failed, so PostgreSQL rolled it back "
                        "at COMMIT ({})",
                        committed->commandTag());
  }
  if (!committed) {
    if (committed.error().code == "postgres.connection") {
      return storeFailure("postgres.commit_unknown",
                          "the connection was lost during COMMIT, so whether the transaction "
                          "committed is unknown: {}",
                          committed.error().message);
    }
    (void)connection.exec("ROLLBACK");
    return std::unexpected(committed.error());
  }
  return {};
}

Result<void> PostgresBookingStore::transact(const TransactionBody& body) {
  auto connection = STAYLAB_TRY(lease());
  STAYLAB_TRY(begin(*connection));
  PostgresBookingTransaction transaction(*connection);
  return finish(*connection, guarded([&]() { return body(transaction); }));
}

Result<std::vector<Result<void>>> PostgresBookingStore::transactEach(size_t count,
                                                                     const IndexedBody& body) {
  auto connection = STAYLAB_TRY(lease());
  STAYLAB_TRY(begin(*connection));
  PostgresBookingTransaction transaction(*connection);
  std::vector<Result<void>> results;
  results.reserve(count);
  auto all = [&]() -> Result<void> {
    for (size_t index = 0; index < count; ++index) {
      STAYLAB_TRY(connection->exec("SAVEPOINT one_body"));
      Result<void> result = guarded([&]() { return body(index, transaction); });
      if (!result) {
        STAYLAB_TRY(connection->exec("ROLLBACK TO SAVEPOINT one_body"));
      }
      STAYLAB_TRY(connection->exec("RELEASE SAVEPOINT one_body"));
      results.push_back(std::move(result));
    }
    return {};
  };
  STAYLAB_TRY(finish(*connection, all()));
  return results;
}

Result<std::optional<Booking>> PostgresBookingStore::find(std::string_view booking_id) {
  auto connection = STAYLAB_TRY(lease());
  return findIn(*connection, booking_id, /*repeatable=*/true);
}

Result<std::vector<Booking>> PostgresBookingStore::list(const BookingFilter& filter) {
  auto connection = STAYLAB_TRY(lease());
  std::string where;
  std::vector<std::string> parameters;
  if (filter.property_id) {
    parameters.push_back(*filter.property_id);
    where = "WHERE property_id = $1 ";
  }
  if (filter.guest_id) {
    parameters.push_back(*filter.guest_id);
    where += where.empty() ? "WHERE " : "AND ";
    where += fmt::format("guest_id = ${} ", parameters.size());
  }
  auto rows = STAYLAB_TRY(connection->execRepeatable(
      fmt::format("SELECT {} FROM bookings {}ORDER BY created_at, id COLLATE \"C\"",
                  kBookingColumns, where),
      parameters));
  return readBookings(rows);
}

Result<std::vector<BookedNight>> PostgresBookingStore::bookedNights() {
  auto connection = STAYLAB_TRY(lease());
  auto rows = STAYLAB_TRY(
      connection->execRepeatable("SELECT property_id, night, booking_id FROM booked_nights ORDER "
                                 "BY property_id COLLATE \"C\", night"));
  std::vector<BookedNight> nights;
  nights.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    nights.push_back(BookedNight{std::string(rows.text(row, 0)), STAYLAB_TRY(dateAt(rows, row, 1)),
                                 std::string(rows.text(row, 2))});
  }
  return nights;
}

Result<std::vector<std::string>> PostgresBookingStore::bookedAmong(
    const std::vector<std::string>& property_ids, const Stay& stay) {
  if (property_ids.empty()) {
    return std::vector<std::string>();
  }
  auto connection = STAYLAB_TRY(lease());
  auto rows = STAYLAB_TRY(connection->execRepeatable(
      "SELECT DISTINCT property_id FROM booked_nights WHERE property_id = ANY($1::text[]) AND "
      "night >= $2 AND night < $3",
      {pg::textArray(property_ids), days(stay.checkIn()), days(stay.checkOut())}));
  std::vector<std::string> booked;
  booked.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    booked.emplace_back(rows.text(row, 0));
  }
  std::sort(booked.begin(), booked.end());  // Byte order, whatever the collation.
  return booked;
}

Result<std::vector<OutboxEntry>> PostgresBookingStore::peekOutbox(size_t limit) {
  auto connection = STAYLAB_TRY(lease());
  auto rows = STAYLAB_TRY(
      connection->execRepeatable("SELECT sequence, envelope FROM outbox ORDER BY sequence LIMIT $1",
                                 {std::to_string(std::min<size_t>(limit, INT64_MAX))}));
  std::vector<OutboxEntry> entries;
  entries.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    const int64_t sequence = STAYLAB_TRY(rows.integer(row, 0));
    auto event = EventEnvelope::fromText(rows.text(row, 1));
    if (!event) {
      return storeFailure("outbox.corrupt", "outbox row {} is not a valid event: {}", sequence,
                          event.error().describe());
    }
    entries.push_back(OutboxEntry{sequence, std::move(*event)});
  }
  return entries;
}

Result<void> PostgresBookingStore::removeOutbox(int64_t up_to_sequence) {
  auto connection = STAYLAB_TRY(lease());
  STAYLAB_TRY(connection->execRepeatable("DELETE FROM outbox WHERE sequence <= $1",
                                         {std::to_string(up_to_sequence)}));
  return {};
}

Result<size_t> PostgresBookingStore::outboxSize() {
  auto connection = STAYLAB_TRY(lease());
  auto rows = STAYLAB_TRY(connection->execRepeatable("SELECT count(*) FROM outbox"));
  return static_cast<size_t>(STAYLAB_TRY(rows.integer(0, 0)));
}

Result<void> PostgresBookingStore::verifyIntegrity() {
  auto connection = STAYLAB_TRY(lease());
  auto tables = STAYLAB_TRY(connection->execRepeatable(
      "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND "
      "tablename IN ('bookings', 'booked_nights', 'idempotency_keys', 'booking_sagas', 'outbox')"));
  if (STAYLAB_TRY(tables.integer(0, 0)) != 5) {
    return storeFailure("postgres.schema_damaged",
                        "the schema lacks some of the booking store's five tables");
  }
  // A valid unique index whose keys are exactly (property_id, night).
  auto unique = STAYLAB_TRY(connection->execRepeatable(
      "SELECT count(*) FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class t ON t.oid = "
      "i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = "
      "current_schema() AND t.relname = 'booked_nights' AND i.indisunique AND i.indisvalid AND "
      "i.indnkeyatts = 2 AND (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM "
      "unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) JOIN pg_catalog.pg_attribute a ON "
      "a.attrelid = t.oid AND a.attnum = k.attnum) = ARRAY['property_id', 'night']"));
  if (STAYLAB_TRY(unique.integer(0, 0)) == 0) {
    return storeFailure("postgres.schema_damaged",
                        "booked_nights has no valid unique index on (property_id, night): "
                        "PostgreSQL no longer refuses a second booking of a night");
  }
  return {};
}

Result<void> PostgresBookingStore::testDropSchema() {
  auto connection = STAYLAB_TRY(lease());
  auto rows = STAYLAB_TRY(connection->exec("SELECT current_schema()"));
  STAYLAB_TRY(connection->exec(fmt::format("DROP SCHEMA {} CASCADE", rows.text(0, 0))));
  return {};
}

}  // namespace staylab
