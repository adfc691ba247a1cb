#include "stores/sqlite/sqlite_outbox.h"

namespace staylab::sqlite {

Result<void> createOutboxTable(Database& db) {
  return db.exec(
      "CREATE TABLE IF NOT EXISTS outbox ("
      " sequence INTEGER PRIMARY KEY AUTOINCREMENT,"
      " event_id TEXT NOT NULL UNIQUE,"
      " envelope TEXT NOT NULL CHECK (json_valid(envelope)))");
}

Result<void> appendOutbox(Database& db, const std::vector<EventEnvelope>& events) {
  if (events.empty()) {
    return {};
  }
  auto* statement = STAYLAB_TRY(db.cached("INSERT INTO outbox (event_id, envelope) VALUES (?, ?)"));
  for (const auto& event : events) {
    statement->reset();
    statement->bind(1, event.event_id)
        .bind(2, event.toJson().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    STAYLAB_TRY(statement->run());
  }
  return {};
}

Result<std::vector<OutboxEntry>> peekOutbox(Database& db, size_t limit) {
  auto statement =
      STAYLAB_TRY(db.reuse("SELECT sequence, envelope FROM outbox ORDER BY sequence LIMIT ?"));
  statement->bind(1, static_cast<int64_t>(limit));
  std::vector<OutboxEntry> entries;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    auto event = EventEnvelope::fromText(statement->columnText(1));
    if (!event) {
      return storeFailure("outbox.corrupt", "outbox row {} is not a valid event: {}",
                          statement->columnInt(0), event.error().describe());
    }
    entries.push_back(OutboxEntry{statement->columnInt(0), std::move(*event)});
  }
  return entries;
}

Result<void> removeOutbox(Database& db, int64_t up_to_sequence) {
  auto statement = STAYLAB_TRY(db.reuse("DELETE FROM outbox WHERE sequence <= ?"));
  statement->bind(1, up_to_sequence);
  return statement->run();
}

Result<size_t> outboxSize(Database& db) {
  auto statement = STAYLAB_TRY(db.reuse("SELECT count(*) FROM outbox"));
  STAYLAB_TRY(statement->step());
  return static_cast<size_t>(statement->columnInt(0));
}

}  // namespace staylab::sqlite
