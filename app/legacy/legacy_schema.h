#pragma once

#include "domain/common/error.h"

namespace staylab::sqlite {
class Database;
}

namespace staylab::legacy {

// The legacy database's DDL: PROPERTY, RESERVATION, the change table
// CDC_CHANGE and the triggers that fill it (see legacy_monolith.h for the
// columns). Kept apart from the monolith's screens so that the schema a
// migration reads is one place.
//
// The triggers fire AFTER INSERT and AFTER UPDATE of every row, whatever the
// UPDATE changed: an UPDATE that sets every column to its old value is still
// captured as a change, as real row triggers do. The change carries LAST_SRC
// as SRC (so the change data capture can skip the sync-back's own writes),
// the row's PROP_NO as the common logical key, DEPENDS_ON (for a RESERVATION
// row the latest PROPERTY change of its PROP_NO with SRC 'L', else 0) and the row after
// the change as a JSON object of all its columns.

// Creates the tables, indexes and triggers when absent (CreateIfMissing).
[[nodiscard]] Result<void> createSchema(sqlite::Database& db);
// StoreFailure "sqlite.not_a_store" unless the legacy tables exist.
[[nodiscard]] Result<void> requireSchema(sqlite::Database& db);

}  // namespace staylab::legacy
