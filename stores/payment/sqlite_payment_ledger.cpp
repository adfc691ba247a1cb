#include "stores/payment/sqlite_payment_ledger.h"

namespace staylab {
namespace {

using payment::Charge;
using payment::ChargeStatus;
using sqlite::Database;
using sqlite::Statement;
using sqlite::Step;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS charges (
  key          TEXT PRIMARY KEY,
  amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
  currency     TEXT NOT NULL,
  status       TEXT NOT NULL
               CHECK (status IN ('pending','charged','declined','voided','refunded')),
  reference    TEXT NOT NULL DEFAULT '',
  reason       TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_by_creation ON charges (created_at, key);
)sql";

constexpr const char* kColumns =
    "key, amount_minor, currency, status, reference, reason, created_at, updated_at";

Result<Charge> readCharge(const Statement& row) {
  Charge charge;
  charge.key = row.columnText(0);
  charge.amount_minor = row.columnInt(1);
  charge.currency = row.columnText(2);
  auto status = payment::parseChargeStatus(row.columnText(3));
  if (!status) {
    return storeFailure("payment.corrupt_row", "charge row {} is malformed: {}", charge.key,
                        status.error().describe());
  }
  charge.status = *status;
  charge.provider_reference = row.columnText(4);
  charge.reason = row.columnText(5);
  charge.created_at_nanos = row.columnInt(6);
  charge.updated_at_nanos = row.columnInt(7);
  return charge;
}

Result<std::optional<Charge>> findIn(Database& db, std::string_view key) {
  // Reused, so that the read ends with the call even when it stops at its row.
  auto statement =
      STAYLAB_TRY(db.reuse(fmt::format("SELECT {} FROM charges WHERE key = ?", kColumns)));
  statement->bind(1, key);
  if (STAYLAB_TRY(statement->step()) == Step::Done) {
    return std::optional<Charge>();
  }
  return std::optional<Charge>(STAYLAB_TRY(readCharge(*statement)));
}

// Returns the key's charge, which the statement before made sure exists.
Result<Charge> existing(Database& db, std::string_view key) {
  auto charge = STAYLAB_TRY(findIn(db, key));
  if (!charge) {
    return std::unexpected(payment::errors::chargeNotFound(key));
  }
  return std::move(*charge);
}

}  // namespace

Result<std::unique_ptr<SqlitePaymentLedger>> SqlitePaymentLedger::open(const Options& options) {
  sqlite::OpenOptions open_options;
  open_options.path = options.path;
  open_options.creation = options.creation;
  open_options.sync = options.sync;
  auto db = STAYLAB_TRY(Database::openStore(open_options, kSchema, "payment ledger", {"charges"}));
  return std::unique_ptr<SqlitePaymentLedger>(new SqlitePaymentLedger(std::move(db)));
}

Result<Charge> SqlitePaymentLedger::openCharge(const Charge& charge) {
  std::lock_guard lock(m_mutex);
  Charge result;
  STAYLAB_TRY(m_db->transaction([&]() -> Result<void> {
    auto* insert = STAYLAB_TRY(m_db->cached(fmt::format(
        "INSERT INTO charges ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
        kColumns)));
    insert->bind(1, charge.key)
        .bind(2, charge.amount_minor)
        .bind(3, charge.currency)
        .bind(4, payment::toString(charge.status))
        .bind(5, charge.provider_reference)
        .bind(6, charge.reason)
        .bind(7, charge.created_at_nanos)
        .bind(8, charge.updated_at_nanos);
    STAYLAB_TRY(insert->run());
    result = STAYLAB_TRY(existing(*m_db, charge.key));
    return {};
  }));
  return result;
}

Result<Charge> SqlitePaymentLedger::settle(std::string_view key, ChargeStatus from, ChargeStatus to,
                                           std::string_view detail, int64_t at_nanos) {
  std::lock_guard lock(m_mutex);
  Charge result;
  STAYLAB_TRY(m_db->transaction([&]() -> Result<void> {
    // The reference is the provider's for a charge; any other move keeps it
    // and notes its reason.
    auto* update =
        STAYLAB_TRY(m_db->cached("UPDATE charges SET status = ?1, updated_at = ?2, "
                                 "reference = CASE WHEN ?1 = 'charged' THEN ?3 ELSE reference END, "
                                 "reason = CASE WHEN ?1 = 'charged' THEN reason ELSE ?3 END "
                                 "WHERE key = ?4 AND status = ?5"));
    update->bind(1, payment::toString(to))
        .bind(2, at_nanos)
        .bind(3, detail)
        .bind(4, key)
        .bind(5, payment::toString(from));
    STAYLAB_TRY(update->run());
    result = STAYLAB_TRY(existing(*m_db, key));
    return {};
  }));
  return result;
}

Result<std::optional<Charge>> SqlitePaymentLedger::find(std::string_view key) {
  std::lock_guard lock(m_mutex);
  return findIn(*m_db, key);
}

Result<std::vector<Charge>> SqlitePaymentLedger::list() {
  std::lock_guard lock(m_mutex);
  auto* statement = STAYLAB_TRY(
      m_db->cached(fmt::format("SELECT {} FROM charges ORDER BY created_at, key", kColumns)));
  std::vector<Charge> charges;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    charges.push_back(STAYLAB_TRY(readCharge(*statement)));
  }
  return charges;
}

Result<void> SqlitePaymentLedger::verifyIntegrity() {
  std::lock_guard lock(m_mutex);
  return m_db->integrityCheck();
}

}  // namespace staylab
