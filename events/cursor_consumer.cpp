#include "events/cursor_consumer.h"

#include <cassert>

namespace staylab {

std::optional<int64_t> NaiveOffsets::next(const std::string& topic, int partition) const {
  auto found = m_next.find({topic, partition});
  return found == m_next.end() ? std::nullopt : std::optional<int64_t>(found->second);
}

void NaiveOffsets::advance(const LogPosition& last) {
  m_next.insert_or_assign({last.topic, last.partition}, last.offset + 1);
  m_pending = true;
}

bool NaiveOffsets::due() const {
  return m_pending && m_clock.nowNanos() - m_last_commit_nanos >= m_interval_nanos;
}

void NaiveOffsets::committed() {
  m_pending = false;
  m_last_commit_nanos = m_clock.nowNanos();
}

void NaiveOffsets::clear() {
  m_next.clear();
  m_pending = false;
}

CursorConsumer::CursorConsumer(EventLog& log, std::vector<std::string> topics, size_t max_batch,
                               const DeliveryOptions& delivery)
    : m_cursor(log, std::move(topics)), m_max_batch(max_batch) {
  if (delivery.mode == ConsumerDelivery::Naive) {
    assert(delivery.clock != nullptr && "a naive consumer needs a clock");
    m_naive.emplace(*delivery.clock, delivery.auto_commit_interval_nanos);
  }
}

Result<int64_t> CursorConsumer::loadOffset(const std::string& topic, int partition) {
  if (m_naive) {
    if (auto next = m_naive->next(topic, partition)) {
      return *next;
    }
  }
  return storedOffset(topic, partition);
}

Result<size_t> CursorConsumer::step(size_t max_events) {
  const size_t consumed = STAYLAB_TRY(m_cursor.step(
      max_events, m_max_batch,
      [this](const std::string& topic, int partition) { return loadOffset(topic, partition); },
      [this](const std::vector<std::vector<LogRecord>>& runs) { return applyRuns(runs); }));
  if (m_naive && m_naive->due()) {
    // As an auto-commit: a failed one leaves the offsets pending for the next step.
    (void)flush();
  }
  return consumed;
}

Result<int64_t> CursorConsumer::lag() {
  return m_cursor.lag(
      [this](const std::string& topic, int partition) { return loadOffset(topic, partition); });
}

Result<void> CursorConsumer::flush() {
  if (!m_naive || !m_naive->pending()) {
    return {};
  }
  STAYLAB_TRY(writeOffsets(m_naive->all()));
  m_naive->committed();
  return {};
}

void CursorConsumer::committed(const std::vector<const LogRecord*>& applied,
                               const std::vector<LogPosition>& lasts) {
  if (m_naive) {
    for (const LogPosition& last : lasts) {
      m_naive->advance(last);
    }
  }
  if (!m_replaying) {
    for (const LogRecord* record : applied) {
      reportApplied(record->event);
    }
  }
}

Result<void> CursorConsumer::replay(size_t events_per_step) {
  m_cursor.reset();
  if (m_naive) {
    m_naive->clear();
  }
  m_replaying = true;
  Result<size_t> replayed;
  while ((replayed = step(events_per_step)) && *replayed > 0) {
  }
  m_replaying = false;
  STAYLAB_TRY(replayed);
  return flush();
}

}  // namespace staylab
