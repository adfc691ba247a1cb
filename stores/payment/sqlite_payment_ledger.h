#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "domain/common/store_creation.h"
#include "domain/ports/payment_ledger.h"
#include "stores/sqlite/sqlite.h"

namespace staylab {

// The Payment context's ledger on SQLite (WAL), in its own file (payment.db).
// The table charges has the idempotency key as its primary key, so SQLite
// itself keeps one charge per key; openCharge() is INSERT ... ON CONFLICT DO
// NOTHING and settle() a conditional UPDATE, each one statement in one
// transaction.
// Thread safety: safe from any thread; one connection under a mutex.
class SqlitePaymentLedger final : public PaymentLedger {
 public:
  struct Options {
    std::filesystem::path path;
    sqlite::Sync sync = sqlite::Sync::Normal;  // Default: Normal (survives process crashes).
    // Default: OpenExisting, which fails with StoreFailure when the file is
    // missing, empty or lacks the ledger's schema, and creates nothing.
    StoreCreation creation = StoreCreation::OpenExisting;
  };

  static Result<std::unique_ptr<SqlitePaymentLedger>> open(const Options& options);

  Result<payment::Charge> openCharge(const payment::Charge& charge) override;
  Result<payment::Charge> settle(std::string_view key, payment::ChargeStatus from,
                                 payment::ChargeStatus to, std::string_view detail,
                                 int64_t at_nanos) override;
  Result<std::optional<payment::Charge>> find(std::string_view key) override;
  Result<std::vector<payment::Charge>> list() override;

  // Runs SQLite's integrity check; StoreFailure "sqlite.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();

 private:
  explicit SqlitePaymentLedger(std::unique_ptr<sqlite::Database> db) : m_db(std::move(db)) {}

  std::mutex m_mutex;
  std::unique_ptr<sqlite::Database> m_db;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab
