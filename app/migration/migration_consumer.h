#pragma once

// The base of the migration's consumers of the event log (the CDC processor,
// the retry processor, the sync-back): reads its topics through a
// PartitionCursor and keeps its offsets in migration.db. Each record is
// handled and its bookkeeping committed at once, after its effect; a run's
// offset is committed after its last record. A crash between re-delivers
// records whose outcome is already recorded, which the subclasses recognise
// as duplicates.
//
// Thread safety: one thread drives a consumer.

#include <cstddef>
#include <string>
#include <vector>

#include "app/migration/migration.h"
#include "app/migration/migration_store.h"
#include "domain/ports/event_log.h"
#include "events/consumer.h"

namespace staylab::migration {

class MigrationConsumer {
 public:
  virtual ~MigrationConsumer() = default;
  MigrationConsumer(const MigrationConsumer&) = delete;
  MigrationConsumer& operator=(const MigrationConsumer&) = delete;

  // Handles up to `max_events` records; returns how many it passed.
  [[nodiscard]] Result<size_t> step(size_t max_events);
  [[nodiscard]] Result<MigrationLag> lag();
  // The records of its topics past its offsets, oldest first in each partition.
  [[nodiscard]] Result<std::vector<LogRecord>> unread();
  const std::string& name() const { return m_name; }
  // Competing consumers: reads from now on only the partitions dealt to
  // member `member` of `members` (PartitionCursor::assign).
  void assign(int member, int members) { m_cursor.assign(member, members); }

 protected:
  MigrationConsumer(std::string name, EventLog& log, std::vector<std::string> topics,
                    MigrationStore& store, size_t batch);

  // Handles one record, adding to `bookkeeping` what to commit with it.
  // Returns false to stop its partition's run before it (read again at a
  // later step).
  [[nodiscard]] virtual Result<bool> handle(const LogRecord& record, Bookkeeping& bookkeeping) = 0;

  MigrationStore& store() { return m_store; }

 private:
  Result<size_t> applyRuns(const std::vector<std::vector<LogRecord>>& runs);

  std::string m_name;
  EventLog& m_log;
  std::vector<std::string> m_topics;
  PartitionCursor m_cursor;
  MigrationStore& m_store;
  size_t m_batch;
};

}  // namespace staylab::migration
