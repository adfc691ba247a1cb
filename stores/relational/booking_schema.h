#pragma once

// The booking store's tables, in the SQL that SQLite and PostgreSQL both
// take (BIGINT has SQLite's integer affinity), so that the two adapters hold
// the same rows under the same constraints. The outbox is each engine's own
// (its sequence is AUTOINCREMENT in SQLite, BIGSERIAL in PostgreSQL).
namespace staylab::booking_schema {

inline constexpr const char* kTables = R"sql(
CREATE TABLE IF NOT EXISTS bookings (
  id               TEXT PRIMARY KEY,
  property_id      TEXT NOT NULL,
  guest_id         TEXT NOT NULL,
  check_in         INTEGER NOT NULL,
  check_out        INTEGER NOT NULL CHECK (check_out > check_in),
  guests           INTEGER NOT NULL CHECK (guests > 0),
  total_minor      BIGINT NOT NULL CHECK (total_minor >= 0),
  currency         TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending','confirmed','rejected','cancelled')),
  rejection_reason TEXT NOT NULL DEFAULT '',
  payment          TEXT NOT NULL DEFAULT '',
  device           TEXT NOT NULL DEFAULT '',
  ip               TEXT NOT NULL DEFAULT '',
  created_at       BIGINT NOT NULL,
  version          BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS bookings_by_property ON bookings (property_id, created_at);
CREATE INDEX IF NOT EXISTS bookings_by_guest ON bookings (guest_id, created_at);
CREATE TABLE IF NOT EXISTS booked_nights (
  property_id TEXT NOT NULL,
  night       INTEGER NOT NULL,
  booking_id  TEXT NOT NULL REFERENCES bookings (id),
  UNIQUE (property_id, night)
);
CREATE INDEX IF NOT EXISTS booked_nights_by_booking ON booked_nights (booking_id);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key         TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  booking_id  TEXT NOT NULL,
  status      TEXT NOT NULL,
  reason      TEXT NOT NULL
);
)sql";

// The saga table; the SQLite adapter adds it to booking stores made before
// it existed when they open (an empty table: no saga of theirs was ever
// under way).
inline constexpr const char* kSagaTable = R"sql(
CREATE TABLE IF NOT EXISTS booking_sagas (
  booking_id TEXT PRIMARY KEY REFERENCES bookings (id),
  step       TEXT NOT NULL CHECK (step IN ('charging','confirmed','compensated')),
  host_id    TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS booking_sagas_by_step ON booking_sagas (step, updated_at);
)sql";

// The columns of a booking, in the order the adapters read them.
inline constexpr const char* kBookingColumns =
    "id, property_id, guest_id, check_in, check_out, guests, total_minor, currency, status, "
    "rejection_reason, payment, device, ip, created_at, version";

}  // namespace staylab::booking_schema
