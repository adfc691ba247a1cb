#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "domain/common/store_creation.h"
#include "domain/ports/booking_store.h"

namespace staylab {

namespace pg {
class Connection;
}  // namespace pg

// The booking context's relational store on PostgreSQL (libpq), in one
// schema of a database: the same tables as the SQLite adapter, with
// UNIQUE(property_id, night) on booked_nights, so PostgreSQL itself refuses
// a second holder of a night (a racing insert waits for the first
// transaction, then fails with 23505: Conflict "booking.night_taken").
//
// Transactions: each transact() or transactEach() first takes a transaction
// advisory lock named after the schema, so the store's transactions are
// serialised across every process that uses the schema, as the port says.
// That is also what keeps the outbox in commit order: its BIGSERIAL
// sequence is drawn under the lock, so no transaction commits a smaller
// sequence after a relay has read a larger one (a plain serial id would
// commit out of order). Waiting for the lock is bounded by lock_timeout
// (Options::lock_timeout_ms): StoreFailure "postgres.lock_timeout".
//
// Durability: a commit returns once PostgreSQL has flushed it to its WAL
// (synchronous_commit on, the server's default), so an acknowledged booking
// survives a crash of this process, of the server and a power loss, as far
// as the server's own fsync setting allows.
//
// Errors: those of pg::Connection. A connection lost during COMMIT leaves
// the commit's outcome unknown: StoreFailure "postgres.commit_unknown" (a
// retry with the same idempotency key answers what happened). After a
// server restart the next call reconnects.
// Thread safety: safe from any thread. Each call takes a connection of its
// own from a pool (Options::connections at most, opened as needed), so calls
// from several threads reach PostgreSQL at once: reads run side by side, and
// transactions queue at PostgreSQL's advisory lock, as they would from
// separate processes.
class PostgresBookingStore final : public BookingStore {
 public:
  struct Options {
    // A libpq connection string or URI. Required.
    std::string conninfo;
    // The schema holding the tables: 1..63 of [a-z0-9_], not starting with
    // a digit. Default: "staylab_booking".
    std::string schema = "staylab_booking";
    // Default: OpenExisting, which fails with StoreFailure "postgres.missing"
    // when the schema lacks the booking tables, and creates nothing.
    StoreCreation creation = StoreCreation::OpenExisting;
    // How long a statement waits for a lock before failing. Default: 10 s.
    int lock_timeout_ms = 10'000;
    // The most connections open at once (1..64). Default: 4.
    int connections = 4;
  };

  // InvalidInput (field "schema" or "conninfo") for bad options.
  static Result<std::unique_ptr<PostgresBookingStore>> open(const Options& options);
  ~PostgresBookingStore() override;

  Result<void> transact(const TransactionBody& body) override;
  // One transaction around every body, each inside SAVEPOINT ... RELEASE
  // (ROLLBACK TO when it fails).
  Result<std::vector<Result<void>>> transactEach(size_t count, const IndexedBody& body) override;
  Result<std::optional<booking::Booking>> find(std::string_view booking_id) override;
  Result<std::vector<booking::Booking>> list(const BookingFilter& filter) override;
  Result<std::vector<BookedNight>> bookedNights() override;
  // One SELECT DISTINCT with every id bound as one text[] parameter.
  Result<std::vector<std::string>> bookedAmong(const std::vector<std::string>& property_ids,
                                               const Stay& stay) override;

  Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  Result<void> removeOutbox(int64_t up_to_sequence) override;
  Result<size_t> outboxSize() override;

  // Checks that the guarantees the schema carries are in place: the five
  // tables, and booked_nights' unique index on (property_id, night), valid
  // (the store's refusal of double bookings). StoreFailure
  // "postgres.schema_damaged" naming what is missing otherwise.
  [[nodiscard]] Result<void> verifyIntegrity();

  // Drops the schema and everything in it (for tests that want a clean
  // database); the store is unusable afterwards.
  [[nodiscard]] Result<void> testDropSchema();

 private:
  // A pooled connection, returned to the pool when the lease ends.
  class Lease {
   public:
    Lease(PostgresBookingStore& store, std::unique_ptr<pg::Connection> connection);
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pg::Connection& operator*() const { return *m_connection; }
    pg::Connection* operator->() const { return m_connection.get(); }

   private:
    PostgresBookingStore* m_store;
    std::unique_ptr<pg::Connection> m_connection;
  };

  PostgresBookingStore(const Options& options, std::string session_options, std::string lock_key,
                       std::unique_ptr<pg::Connection> first);
  // Takes an idle connection, opens one while fewer than the most are open,
  // or waits for one to come back.
  Result<Lease> lease();
  // BEGIN and the advisory lock, on `connection`.
  Result<void> begin(pg::Connection& connection);
  // COMMIT when `result` succeeded, ROLLBACK otherwise; returns `result`'s
  // error or the commit's.
  static Result<void> finish(pg::Connection& connection, Result<void> result);

  const std::string m_conninfo;
  const std::string m_session_options;  // search_path and lock_timeout.
  const std::string m_lock_key;         // The advisory lock's key, as text.
  const size_t m_most_connections;

  std::mutex m_pool_mutex;
  std::condition_variable m_returned;
  std::vector<std::unique_ptr<pg::Connection>> m_idle;  // GUARDED_BY(m_pool_mutex)
  size_t m_open = 0;                                    // GUARDED_BY(m_pool_mutex)
};

}  // namespace staylab
