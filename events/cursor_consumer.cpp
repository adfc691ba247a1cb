#include "events/cursor_consumer.h"

#include <algorithm>
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
    : m_log(log),
      m_cursor(log, std::move(topics)),
      m_poison(delivery.poison),
      m_max_batch(max_batch) {
  m_poison.attempts = std::max(m_poison.attempts, 1);
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
  m_step_retries = 0;
  const size_t consumed = STAYLAB_TRY(m_cursor.step(
      max_events, m_max_batch,
      [this](const std::string& topic, int partition) { return loadOffset(topic, partition); },
      [this](const std::vector<std::vector<LogRecord>>& runs) { return applyRuns(runs); },
      [this](const std::string& topic, int partition) {
        return m_held.contains({topic, partition});
      }));
  if (m_naive && m_naive->due()) {
    // As an auto-commit: a failed one leaves the offsets pending for the next step.
    (void)flush();
  }
  // A try on the way to the dead-letter topic is progress: a drain goes on.
  return consumed + m_step_retries;
}

void CursorConsumer::assign(int member, int members) {
  m_cursor.assign(member, members);
  std::erase_if(m_held, [this](const auto& held) {
    return !m_cursor.owns(held.first.first, held.first.second);
  });
}

Result<std::vector<PartitionLag>> CursorConsumer::partitionLags() {
  return m_cursor.partitionLags(
      [this](const std::string& topic, int partition) { return loadOffset(topic, partition); });
}

Result<CursorConsumer::PoisonVerdict> CursorConsumer::poisonVerdict(const LogRecord& record,
                                                                    const std::string& reason) {
  if (m_poison.handling == PoisonHandling::Skip || m_replaying) {
    return PoisonVerdict::Pass;  // A rebuild passes poison as it goes, and writes no letter.
  }
  const std::pair<std::string, int> partition{record.position.topic, record.position.partition};
  HeldPoison& held = m_held[partition];
  if (held.offset != record.position.offset) {
    held = HeldPoison{record.position.offset, 0, false};
  }
  ++held.tries;
  if (m_poison.handling == PoisonHandling::Block || held.tries < m_poison.attempts) {
    ++m_poison_retries;
    if (m_poison.handling == PoisonHandling::DeadLetter) {
      ++m_step_retries;
    }
    return PoisonVerdict::Hold;
  }
  if (!held.dead_lettered) {
    EventEnvelope letter;
    letter.event_id = record.event.event_id + "/dlq/" + name();
    letter.type = "DeadLettered";
    letter.schema_version = 1;
    letter.aggregate_type = deadLetterTopic(record.position.topic);
    letter.aggregate_id = record.event.aggregate_id;
    letter.aggregate_version = record.event.aggregate_version;
    letter.occurred_at_nanos = record.event.occurred_at_nanos;
    letter.correlation_id = record.event.correlation_id;
    letter.causation_id = record.event.event_id;
    letter.caller = name();  // The consumer that gave up on the event wrote the letter.
    letter.payload = nlohmann::json{{"consumer", name()},
                                    {"topic", record.position.topic},
                                    {"partition", record.position.partition},
                                    {"offset", record.position.offset},
                                    {"error", reason},
                                    {"attempts", held.tries},
                                    {"event", record.event.toJson()}};
    auto appended = m_log.append({letter});
    if (!appended && appended.error().kind != ErrorKind::InvalidInput) {
      return std::unexpected(std::move(appended).error());
    }
    // A letter the log refuses (no such topic, an envelope it cannot hold)
    // leaves the poison record in the consumer's store as the only trace.
    held.dead_lettered = true;
    m_dead_lettered += appended ? 1 : 0;
  }
  return PoisonVerdict::Pass;
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
  for (const LogPosition& last : lasts) {
    auto held = m_held.find({last.topic, last.partition});
    if (held != m_held.end() && held->second.offset <= last.offset) {
      m_held.erase(held);  // Passed at last.
    }
  }
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
  m_held.clear();
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
