#include "app/migration/migration_consumer.h"

#include <algorithm>

namespace staylab::migration {

MigrationConsumer::MigrationConsumer(std::string name, EventLog& log,
                                     std::vector<std::string> topics, MigrationStore& store,
                                     size_t batch)
    : m_name(std::move(name)),
      m_log(log),
      m_topics(topics),
      m_cursor(log, std::move(topics)),
      m_store(store),
      m_batch(std::max<size_t>(batch, 1)) {}

Result<size_t> MigrationConsumer::step(size_t max_events) {
  return m_cursor.step(
      max_events, m_batch,
      [this](const std::string& topic, int partition) {
        return m_store.offset(m_name, topic, partition);
      },
      [this](const std::vector<std::vector<LogRecord>>& runs) { return applyRuns(runs); });
}

Result<size_t> MigrationConsumer::applyRuns(const std::vector<std::vector<LogRecord>>& runs) {
  size_t passed = 0;
  for (const auto& run : runs) {
    int64_t next = -1;
    for (const LogRecord& record : run) {
      Bookkeeping bookkeeping;
      if (!STAYLAB_TRY(handle(record, bookkeeping))) {
        next = next < 0 ? record.position.offset : std::min(next, record.position.offset);
        break;
      }
      STAYLAB_TRY(m_store.commit(bookkeeping));
      next = std::max(next, record.position.offset + 1);
      ++passed;
    }
    if (next >= 0) {
      Bookkeeping offset;
      offset.offsets.push_back(
          {m_name, run.front().position.topic, run.front().position.partition, next});
      STAYLAB_TRY(m_store.commit(offset));
    }
  }
  return passed;
}

Result<MigrationLag> MigrationConsumer::lag() {
  MigrationLag lag;
  const auto partitions =
      STAYLAB_TRY(m_cursor.partitionLags([this](const std::string& topic, int partition) {
        return m_store.offset(m_name, topic, partition);
      }));
  for (const PartitionLag& partition : partitions) {
    lag.behind += partition.events;
    lag.end += partition.end;
  }
  return lag;
}

Result<std::vector<LogRecord>> MigrationConsumer::unread() {
  std::vector<LogRecord> records;
  for (const auto& [topic, partitions] : m_log.topics()) {
    if (std::find(m_topics.begin(), m_topics.end(), topic) == m_topics.end())
      continue;
    for (int partition = 0; partition < partitions; ++partition) {
      int64_t offset = STAYLAB_TRY(m_store.offset(m_name, topic, partition));
      while (true) {
        auto read = STAYLAB_TRY(m_log.read(topic, partition, offset, 4096));
        if (read.empty())
          break;
        offset = read.back().position.offset + 1;
        std::move(read.begin(), read.end(), std::back_inserter(records));
      }
    }
  }
  return records;
}

}  // namespace staylab::migration
