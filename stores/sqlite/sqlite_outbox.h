#pragma once

#include <vector>

#include "domain/common/event_envelope.h"
#include "stores/sqlite/sqlite.h"

// The transactional outbox as a table in a context's own SQLite database.
// Callers append inside the same transaction as their state change.
namespace staylab::sqlite {

// Creates the outbox table when missing.
[[nodiscard]] Result<void> createOutboxTable(Database& db);
// Appends `events` in order; must run inside the caller's transaction.
[[nodiscard]] Result<void> appendOutbox(Database& db, const std::vector<EventEnvelope>& events);
[[nodiscard]] Result<std::vector<OutboxEntry>> peekOutbox(Database& db, size_t limit);
[[nodiscard]] Result<void> removeOutbox(Database& db, int64_t up_to_sequence);
[[nodiscard]] Result<size_t> outboxSize(Database& db);

}  // namespace staylab::sqlite
