#include "simulator/faults/delivery_fault_log.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace staylab::sim {

DeliveryFaultLog::DeliveryFaultLog(EventLog& inner, FaultBoard& board, Nanos epoch_nanos)
    : m_inner(inner), m_board(board), m_epoch_nanos(epoch_nanos) {}

std::map<std::string, int> DeliveryFaultLog::topics() const {
  return m_inner.topics();
}

Result<std::vector<LogPosition>> DeliveryFaultLog::append(
    const std::vector<EventEnvelope>& events) {
  return m_inner.append(events);
}

Result<int64_t> DeliveryFaultLog::endOffset(std::string_view topic, int partition) {
  return m_inner.endOffset(topic, partition);
}

Result<std::vector<LogRecord>> DeliveryFaultLog::read(std::string_view topic, int partition,
                                                      int64_t from_offset, size_t limit) {
  auto records = STAYLAB_TRY(m_inner.read(topic, partition, from_offset, limit));
  applyDelay(topic, partition, records);
  if (m_board.duplicateProbability(topic) > 0) {
    records = applyDuplicates(topic, std::move(records), limit);
  }
  applyReorder(topic, records);
  return records;
}

void DeliveryFaultLog::applyDelay(std::string_view topic, int partition,
                                  std::vector<LogRecord>& records) {
  const auto [delay, jitter] = m_board.delay(topic);
  if (delay <= 0 || records.empty()) {
    return;
  }
  // One stream per record, from (seed, topic, partition, offset) only, so a record re-read by a
  // later step keeps its delay and the draws do not depend on how reads were split.
  const std::uint64_t topic_seed =
      RandomStreams::streamSeed(m_board.seed(), fmt::format("fault-delay:{}", topic));
  const Nanos now = m_board.now();
  size_t visible = 0;
  for (const LogRecord& record : records) {
    Nanos record_delay = delay;
    if (jitter > 0) {
      std::uint64_t state = topic_seed ^ (static_cast<std::uint64_t>(partition) << 48) ^
                            static_cast<std::uint64_t>(record.position.offset);
      Generator record_generator(splitMix64(state));
      record_delay = jittered(record_generator, delay, jitter);
    }
    const Nanos occurred = record.event.occurred_at_nanos - m_epoch_nanos;
    if (occurred + record_delay > now) {
      break;
    }
    ++visible;
  }
  if (visible < records.size()) {
    m_board.countWithheld(topic, records.size() - visible);
    records.resize(visible);
  }
}

std::vector<LogRecord> DeliveryFaultLog::applyDuplicates(std::string_view topic,
                                                         std::vector<LogRecord> records,
                                                         size_t limit) {
  const double probability = m_board.duplicateProbability(topic);
  Generator& generator = m_board.generator(topic);
  std::vector<LogRecord> delivered;
  delivered.reserve(std::min(limit, records.size() * 2));
  for (LogRecord& record : records) {
    if (delivered.size() >= limit) {
      break;
    }
    const bool twice = generator.uniform() < probability;
    delivered.push_back(record);
    if (twice && delivered.size() < limit) {
      delivered.push_back(std::move(record));
      m_board.countDuplicate(topic);
    }
  }
  return delivered;
}

void DeliveryFaultLog::applyReorder(std::string_view topic, std::vector<LogRecord>& records) {
  const int window = m_board.reorderWindow(topic);
  if (window < 2 || records.size() < 2) {
    return;
  }
  Generator& generator = m_board.generator(topic);
  std::vector<int64_t> before;
  before.reserve(records.size());
  for (const LogRecord& record : records) {
    before.push_back(record.position.offset);
  }
  const size_t chunk_size = static_cast<size_t>(window);
  for (size_t chunk_start = 0; chunk_start < records.size(); chunk_start += chunk_size) {
    const size_t chunk_end = std::min(chunk_start + chunk_size, records.size());
    // Fisher-Yates over [chunk_start, chunk_end).
    for (size_t last = chunk_end - 1; last > chunk_start; --last) {
      const size_t choices = last - chunk_start + 1;
      const size_t pick =
          chunk_start +
          std::min(static_cast<size_t>(generator.uniform() * static_cast<double>(choices)),
                   choices - 1);
      if (pick != last) {
        std::swap(records[pick], records[last]);
      }
    }
  }
  std::uint64_t moved = 0;
  for (size_t index = 0; index < records.size(); ++index) {
    if (records[index].position.offset != before[index]) {
      ++moved;
    }
  }
  if (moved > 0) {
    m_board.countReordered(topic, moved);
  }
}

}  // namespace staylab::sim
