#include "app/migration/cdc_connector.h"

#include <algorithm>

#include "app/migration/cdc_layout.h"

namespace staylab::migration {

Result<int64_t> CdcConnector::position() {
  if (m_position)
    return *m_position;
  int64_t last = m_start;
  for (const auto& [topic, partitions] : sourceTopics(m_settings.strategy)) {
    for (int partition = 0; partition < partitions; ++partition) {
      const int64_t end = STAYLAB_TRY(m_log.endOffset(topic, partition));
      if (end == 0)
        continue;
      auto records = STAYLAB_TRY(m_log.read(topic, partition, end - 1, 1));
      if (!records.empty())
        last = std::max(last, records.front().event.aggregate_version);
    }
  }
  m_position = last;
  return last;
}

Result<size_t> CdcConnector::step(size_t batch) {
  const int64_t from = STAYLAB_TRY(position());
  auto changes = STAYLAB_TRY(m_legacy.changesAfter(from, std::max<size_t>(batch, 1)));
  if (changes.empty())
    return size_t{0};
  std::vector<EventEnvelope> events;
  const int64_t now = m_clock.nowNanos();
  for (const legacy::Change& change : changes) {
    if (m_settings.loop_prevention && change.source == legacy::Source::Sync)
      continue;
    events.push_back(changeEvent(change, m_settings.strategy, now));
  }
  if (!events.empty())
    STAYLAB_TRY(m_log.append(events));
  m_position = changes.back().change_id;
  return changes.size();
}

Result<MigrationLag> CdcConnector::lag() {
  const int64_t last = STAYLAB_TRY(m_legacy.lastChangeId());
  const int64_t at = STAYLAB_TRY(position());
  return MigrationLag{std::max<int64_t>(last - at, 0), last};
}

}  // namespace staylab::migration
