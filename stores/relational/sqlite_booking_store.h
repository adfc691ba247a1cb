#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "domain/ports/booking_store.h"
#include "stores/sqlite/sqlite.h"

namespace staylab {

// The booking context's relational store on SQLite (WAL). The table
// booked_nights has UNIQUE(property_id, night), so SQLite itself refuses a
// second booking of a night, whatever the code above it does.
// Thread safety: all methods are safe from any thread; one connection is
// shared under a mutex, so transactions are serialised.
class SqliteBookingStore final : public BookingStore {
 public:
  // Most property ids bound to one statement of bookedAmong().
  static constexpr size_t kBookedAmongChunk = 500;

  struct Options {
    std::filesystem::path path;
    sqlite::Sync sync = sqlite::Sync::Normal;  // Default: Normal (survives process crashes).
    // Default: OpenExisting, which fails with StoreFailure when the file is
    // missing, empty or lacks the booking schema, and creates nothing.
    StoreCreation creation = StoreCreation::OpenExisting;
  };

  static Result<std::unique_ptr<SqliteBookingStore>> open(const Options& options);

  Result<void> transact(const TransactionBody& body) override;
  // One BEGIN IMMEDIATE ... COMMIT around every body, each body inside
  // SAVEPOINT ... RELEASE (ROLLBACK TO when it fails).
  Result<std::vector<Result<void>>> transactEach(size_t count, const IndexedBody& body) override;
  Result<std::optional<booking::Booking>> find(std::string_view booking_id) override;
  Result<std::vector<booking::Booking>> list(const BookingFilter& filter) override;
  Result<std::vector<BookedNight>> bookedNights() override;
  // One SELECT DISTINCT over booked_nights, which its UNIQUE(property_id,
  // night) index serves, with the ids bound in chunks of kBookedAmongChunk
  // (SQLite caps bound parameters); the chunks are read in one transaction.
  Result<std::vector<std::string>> bookedAmong(const std::vector<std::string>& property_ids,
                                               const Stay& stay) override;

  Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  Result<void> removeOutbox(int64_t up_to_sequence) override;
  Result<size_t> outboxSize() override;

  // Runs PRAGMA integrity_check; returns its answer ("ok" when sound).
  Result<std::string> testIntegrityCheck();
  // Runs SQLite's integrity check; StoreFailure "sqlite.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();

 private:
  explicit SqliteBookingStore(std::unique_ptr<sqlite::Database> db) : m_db(std::move(db)) {}

  std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab
