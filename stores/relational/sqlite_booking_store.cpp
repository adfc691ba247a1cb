#include "stores/relational/sqlite_booking_store.h"

#include <algorithm>
#include <exception>
#include <set>

#include "stores/relational/booking_schema.h"
#include "stores/sqlite/sqlite_outbox.h"
#include "support/crash_point.h"

namespace staylab {
namespace {

using booking::Booking;
using sqlite::Database;
using sqlite::Statement;
using sqlite::Step;

using booking_schema::kBookingColumns;

Result<Booking> readBooking(const Statement& row) {
  Booking booking;
  booking.id = row.columnText(0);
  booking.property_id = row.columnText(1);
  booking.guest_id = row.columnText(2);
  booking.check_in = STAYLAB_TRY(Date::fromDays(row.columnInt(3)));
  booking.check_out = STAYLAB_TRY(Date::fromDays(row.columnInt(4)));
  booking.guests = static_cast<int>(row.columnInt(5));
  booking.total_minor = row.columnInt(6);
  booking.currency = row.columnText(7);
  booking.status = STAYLAB_TRY(booking::parseStatus(row.columnText(8)));
  booking.rejection_reason = row.columnText(9);
  booking.signals.payment_fingerprint = row.columnText(10);
  booking.signals.device = row.columnText(11);
  booking.signals.ip = row.columnText(12);
  booking.created_at_nanos = row.columnInt(13);
  booking.version = row.columnInt(14);
  return booking;
}

Result<std::vector<Booking>> readBookings(Statement& statement) {
  std::vector<Booking> bookings;
  while (STAYLAB_TRY(statement.step()) == Step::Row) {
    auto booking = readBooking(statement);
    if (!booking) {
      return storeFailure("booking.corrupt_row", "booking row is malformed: {}",
                          booking.error().describe());
    }
    bookings.push_back(std::move(*booking));
  }
  return bookings;
}

Result<std::optional<Booking>> findIn(Database& db, std::string_view booking_id) {
  auto* statement =
      STAYLAB_TRY(db.cached(fmt::format("SELECT {} FROM bookings WHERE id = ?", kBookingColumns)));
  statement->bind(1, booking_id);
  auto bookings = STAYLAB_TRY(readBookings(*statement));
  if (bookings.empty()) {
    return std::optional<Booking>();
  }
  return std::optional<Booking>(std::move(bookings.front()));
}

class SqliteBookingTransaction final : public BookingTransaction {
 public:
  explicit SqliteBookingTransaction(Database& db) : m_db(db) {}

  Result<std::optional<IdempotencyRecord>> findIdempotency(std::string_view key) override {
    auto* statement = STAYLAB_TRY(m_db.cached(
        "SELECT key, fingerprint, booking_id, status, reason FROM idempotency_keys WHERE key = ?"));
    statement->bind(1, key);
    if (STAYLAB_TRY(statement->step()) == Step::Done) {
      return std::optional<IdempotencyRecord>();
    }
    IdempotencyRecord record;
    record.key = statement->columnText(0);
    record.request_fingerprint = statement->columnText(1);
    record.booking_id = statement->columnText(2);
    record.status = STAYLAB_TRY(booking::parseStatus(statement->columnText(3)));
    record.reason = statement->columnText(4);
    return std::optional<IdempotencyRecord>(std::move(record));
  }

  Result<void> saveIdempotency(const IdempotencyRecord& record) override {
    auto* statement = STAYLAB_TRY(
        m_db.cached("INSERT INTO idempotency_keys (key, fingerprint, booking_id, status, reason) "
                    "VALUES (?, ?, ?, ?, ?)"));
    statement->bind(1, record.key)
        .bind(2, record.request_fingerprint)
        .bind(3, record.booking_id)
        .bind(4, booking::toString(record.status))
        .bind(5, record.reason);
    return statement->run();
  }

  Result<std::vector<Date>> takenNights(std::string_view property_id, Date check_in,
                                        Date check_out) override {
    auto* statement = STAYLAB_TRY(
        m_db.cached("SELECT night FROM booked_nights WHERE property_id = ? AND night >= ? AND "
                    "night < ? ORDER BY night"));
    statement->bind(1, property_id)
        .bind(2, static_cast<int64_t>(check_in.daysSinceEpoch()))
        .bind(3, static_cast<int64_t>(check_out.daysSinceEpoch()));
    std::vector<Date> nights;
    while (STAYLAB_TRY(statement->step()) == Step::Row) {
      nights.push_back(STAYLAB_TRY(Date::fromDays(statement->columnInt(0))));
    }
    return nights;
  }

  Result<std::optional<Booking>> findBooking(std::string_view booking_id) override {
    return findIn(m_db, booking_id);
  }

  Result<void> insertBooking(const Booking& booking) override {
    auto* statement = STAYLAB_TRY(m_db.cached(fmt::format(
        "INSERT INTO bookings ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        kBookingColumns)));
    statement->bind(1, booking.id)
        .bind(2, booking.property_id)
        .bind(3, booking.guest_id)
        .bind(4, static_cast<int64_t>(booking.check_in.daysSinceEpoch()))
        .bind(5, static_cast<int64_t>(booking.check_out.daysSinceEpoch()))
        .bind(6, static_cast<int64_t>(booking.guests))
        .bind(7, booking.total_minor)
        .bind(8, booking.currency)
        .bind(9, booking::toString(booking.status))
        .bind(10, booking.rejection_reason)
        .bind(11, booking.signals.payment_fingerprint)
        .bind(12, booking.signals.device)
        .bind(13, booking.signals.ip)
        .bind(14, booking.created_at_nanos)
        .bind(15, booking.version);
    STAYLAB_TRY(statement->run());
    if (booking.holdsNights()) {
      STAYLAB_TRY(takeNights(booking));
    }
    return {};
  }

  Result<void> updateBooking(const Booking& booking) override {
    auto* statement =
        STAYLAB_TRY(m_db.cached("UPDATE bookings SET status = ?, rejection_reason = ?, version = ? "
                                "WHERE id = ?"));
    statement->bind(1, booking::toString(booking.status))
        .bind(2, booking.rejection_reason)
        .bind(3, booking.version)
        .bind(4, booking.id);
    STAYLAB_TRY(statement->run());
    if (m_db.changes() != 1) {
      return std::unexpected(booking::errors::bookingNotFound(booking.id));
    }
    if (!booking.holdsNights()) {
      auto* release = STAYLAB_TRY(m_db.cached("DELETE FROM booked_nights WHERE booking_id = ?"));
      release->bind(1, booking.id);
      STAYLAB_TRY(release->run());
    }
    return {};
  }

  Result<void> appendOutbox(const std::vector<EventEnvelope>& events) override {
    return sqlite::appendOutbox(m_db, events);
  }

  Result<void> saveSaga(const SagaRecord& record) override {
    auto* statement = STAYLAB_TRY(m_db.cached(
        "INSERT INTO booking_sagas (booking_id, step, host_id, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (booking_id) DO UPDATE SET step = excluded.step, host_id = "
        "excluded.host_id, updated_at = excluded.updated_at"));
    statement->bind(1, record.booking_id)
        .bind(2, toString(record.step))
        .bind(3, record.host_id)
        .bind(4, record.updated_at_nanos);
    return statement->run();
  }

  Result<std::vector<SagaRecord>> openSagas() override {
    auto* statement = STAYLAB_TRY(
        m_db.cached("SELECT booking_id, step, host_id, updated_at FROM booking_sagas WHERE step "
                    "= 'charging' ORDER BY updated_at, booking_id"));
    std::vector<SagaRecord> sagas;
    while (STAYLAB_TRY(statement->step()) == Step::Row) {
      SagaRecord record;
      record.booking_id = statement->columnText(0);
      record.step = STAYLAB_TRY(parseSagaStep(statement->columnText(1)));
      record.host_id = statement->columnText(2);
      record.updated_at_nanos = statement->columnInt(3);
      sagas.push_back(std::move(record));
    }
    return sagas;
  }

 private:
  Result<void> takeNights(const Booking& booking) {
    auto* statement = STAYLAB_TRY(
        m_db.cached("INSERT INTO booked_nights (property_id, night, booking_id) VALUES (?, ?, ?)"));
    for (Date night : booking.nightDates()) {
      statement->reset();
      statement->bind(1, booking.property_id)
          .bind(2, static_cast<int64_t>(night.daysSinceEpoch()))
          .bind(3, booking.id);
      auto inserted = statement->run();
      if (!inserted) {
        if (inserted.error().kind == ErrorKind::Conflict) {
          return std::unexpected(Error{ErrorKind::Conflict, "booking.night_taken", "",
                                       fmt::format("the store refused night {} of property {}: "
                                                   "it is already booked",
                                                   night.toString(), booking.property_id)});
        }
        return inserted;
      }
    }
    return {};
  }

  Database& m_db;
};

}  // namespace

Result<std::unique_ptr<SqliteBookingStore>> SqliteBookingStore::open(const Options& options) {
  sqlite::OpenOptions open_options;
  open_options.path = options.path;
  open_options.creation = options.creation;
  open_options.sync = options.sync;
  auto db = STAYLAB_TRY(sqlite::Database::open(open_options));
  if (options.creation == StoreCreation::CreateIfMissing) {
    STAYLAB_TRY(db->exec(booking_schema::kTables));
    STAYLAB_TRY(sqlite::createOutboxTable(*db));
  }
  STAYLAB_TRY(db->requireTables("booking store",
                                {"bookings", "booked_nights", "idempotency_keys", "outbox"}));
  STAYLAB_TRY(db->exec(booking_schema::kSagaTable));
  return std::unique_ptr<SqliteBookingStore>(new SqliteBookingStore(std::move(db)));
}

Result<void> SqliteBookingStore::transact(const TransactionBody& body) {
  std::lock_guard lock(m_mutex);
  SqliteBookingTransaction transaction(*m_db);
  return m_db->transaction([&]() { return body(transaction); });
}

Result<std::vector<Result<void>>> SqliteBookingStore::transactEach(size_t count,
                                                                   const IndexedBody& body) {
  std::lock_guard lock(m_mutex);
  SqliteBookingTransaction transaction(*m_db);
  auto run = [this](const char* sql) -> Result<void> {
    return STAYLAB_TRY(m_db->reuse(sql))->run();
  };
  std::vector<Result<void>> results;
  results.reserve(count);
  STAYLAB_TRY(m_db->transaction([&]() -> Result<void> {
    for (size_t index = 0; index < count; ++index) {
      STAYLAB_TRY(run("SAVEPOINT one_body"));
      Result<void> result;
      try {
        result = body(index, transaction);
      } catch (const std::exception& error) {
        result = storeFailure("sqlite.exception", "transaction body aborted: {}", error.what());
      }
      if (!result) {
        STAYLAB_TRY(run("ROLLBACK TO one_body"));
      }
      STAYLAB_TRY(run("RELEASE one_body"));
      results.push_back(std::move(result));
      support::crashPoint("booking.group_commit.row_written");
    }
    return ok();
  }));
  return results;
}

Result<std::optional<Booking>> SqliteBookingStore::find(std::string_view booking_id) {
  std::lock_guard lock(m_mutex);
  return findIn(*m_db, booking_id);
}

Result<std::vector<Booking>> SqliteBookingStore::list(const BookingFilter& filter) {
  std::lock_guard lock(m_mutex);
  // One statement per filter, so that each names its columns plainly and
  // SQLite can take the index on them (bookings_by_property,
  // bookings_by_guest); "(?1 IS NULL OR property_id = ?1)" scans the table.
  std::string where;
  if (filter.property_id && filter.guest_id) {
    where = "WHERE property_id = ?1 AND guest_id = ?2 ";
  } else if (filter.property_id) {
    where = "WHERE property_id = ?1 ";
  } else if (filter.guest_id) {
    where = "WHERE guest_id = ?2 ";
  }
  auto* statement = STAYLAB_TRY(m_db->cached(
      fmt::format("SELECT {} FROM bookings {}ORDER BY created_at, id", kBookingColumns, where)));
  if (filter.property_id) {
    statement->bind(1, *filter.property_id);
  }
  if (filter.guest_id) {
    statement->bind(2, *filter.guest_id);
  }
  return readBookings(*statement);
}

Result<std::vector<BookedNight>> SqliteBookingStore::bookedNights() {
  std::lock_guard lock(m_mutex);
  auto* statement = STAYLAB_TRY(m_db->cached(
      "SELECT property_id, night, booking_id FROM booked_nights ORDER BY property_id, night"));
  std::vector<BookedNight> nights;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    nights.push_back(BookedNight{statement->columnText(0),
                                 STAYLAB_TRY(Date::fromDays(statement->columnInt(1))),
                                 statement->columnText(2)});
  }
  return nights;
}

Result<std::vector<std::string>> SqliteBookingStore::bookedAmong(
    const std::vector<std::string>& property_ids, const Stay& stay) {
  std::set<std::string> booked;
  if (property_ids.empty()) {
    return std::vector<std::string>();
  }
  std::lock_guard lock(m_mutex);
  // One read transaction, so the chunks see the same nights.
  STAYLAB_TRY(m_db->exec("BEGIN"));
  auto read = [&]() -> Result<void> {
    for (size_t first = 0; first < property_ids.size(); first += kBookedAmongChunk) {
      const size_t count = std::min(kBookedAmongChunk, property_ids.size() - first);
      std::string parameters;
      for (size_t index = 0; index < count; ++index) {
        parameters += index == 0 ? "?" : ", ?";
      }
      // Prepared per call: chunk sizes vary, and caching each would grow the cache.
      auto statement = STAYLAB_TRY(m_db->prepare(fmt::format(
          "SELECT DISTINCT property_id FROM booked_nights WHERE property_id IN ({}) AND night >= "
          "? AND night < ?",
          parameters)));
      for (size_t index = 0; index < count; ++index) {
        statement.bind(static_cast<int>(index + 1), property_ids[first + index]);
      }
      statement.bind(static_cast<int>(count + 1), int64_t{stay.checkIn().daysSinceEpoch()});
      statement.bind(static_cast<int>(count + 2), int64_t{stay.checkOut().daysSinceEpoch()});
      while (STAYLAB_TRY(statement.step()) == Step::Row) {
        booked.insert(statement.columnText(0));
      }
    }
    return {};
  };
  auto result = read();
  auto ended = m_db->exec(result ? "COMMIT" : "ROLLBACK");
  STAYLAB_TRY(result);
  STAYLAB_TRY(ended);
  return std::vector<std::string>(booked.begin(), booked.end());
}

Result<std::vector<OutboxEntry>> SqliteBookingStore::peekOutbox(size_t limit) {
  std::lock_guard lock(m_mutex);
  return sqlite::peekOutbox(*m_db, limit);
}

Result<void> SqliteBookingStore::removeOutbox(int64_t up_to_sequence) {
  std::lock_guard lock(m_mutex);
  return sqlite::removeOutbox(*m_db, up_to_sequence);
}

Result<size_t> SqliteBookingStore::outboxSize() {
  std::lock_guard lock(m_mutex);
  return sqlite::outboxSize(*m_db);
}

Result<void> SqliteBookingStore::verifyIntegrity() {
  std::lock_guard lock(m_mutex);
  return m_db->integrityCheck();
}

Result<std::string> SqliteBookingStore::testIntegrityCheck() {
  std::lock_guard lock(m_mutex);
  auto statement = STAYLAB_TRY(m_db->prepare("PRAGMA integrity_check"));
  std::string answer;
  while (STAYLAB_TRY(statement.step()) == Step::Row) {
    answer += answer.empty() ? "" : "; ";
    answer += statement.columnText(0);
  }
  return answer;
}

}  // namespace staylab
