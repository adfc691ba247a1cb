#include "fraud/fraud_consumer.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace staylab::fraud {
namespace {

// Records of one partition read for a step, a chunk at a time, consumed
// front to back.
struct Cursor {
  std::string topic;
  size_t topic_rank = 0;
  int partition = 0;
  int64_t next_offset = 0;  // Of the record after the current chunk.
  std::vector<LogRecord> records;
  size_t next = 0;
  bool at_end = false;  // The last read reached the end of the partition.

  bool done() const { return next >= records.size(); }
  auto orderKey() const {
    return std::make_tuple(records[next].event.occurred_at_nanos, topic_rank, partition);
  }
  // Reads the next chunk once the current one is consumed, until the end.
  Result<void> refill(EventLog& log, size_t chunk) {
    if (!done() || at_end) {
      return {};
    }
    records = STAYLAB_TRY(log.read(topic, partition, next_offset, chunk));
    next = 0;
    next_offset += static_cast<int64_t>(records.size());
    at_end = records.size() < chunk;
    return {};
  }
};

// Records read from one partition at a time: the merge needs the head of
// every partition, not all that a step may consume from each.
constexpr size_t kReadChunk = 256;

}  // namespace

FraudConsumer::FraudConsumer(EventLog& log, FraudStateStore& store, FraudConsumerOptions options,
                             FraudDetector detector, ConsumerPosition position)
    : m_log(log),
      m_store(store),
      m_options(std::move(options)),
      m_detector(std::move(detector)),
      m_offsets(std::move(position.offsets)),
      m_pending(std::move(position.pending)),
      m_skipped_events(position.skipped_events),
      m_committed_offsets(m_offsets),
      m_last_commit_nanos(m_options.delivery.clock ? m_options.delivery.clock->nowNanos() : 0) {}

FraudConsumer::~FraudConsumer() {
  m_store.rollback();  // What was not committed is lost, as in a crash.
}

Result<std::unique_ptr<FraudConsumer>> FraudConsumer::open(EventLog& log, FraudStateStore& store,
                                                           FraudConsumerOptions options) {
  if (options.rebuild_batch < 1) {
    return invalidInput("rebuild_batch", "must be at least 1");
  }
  if (options.save_every_events < 1) {
    return invalidInput("save_every_events", "must be at least 1");
  }
  if (options.topics.empty()) {
    return invalidInput("topics", "must name at least one topic");
  }
  if (options.delivery.mode == ConsumerDelivery::Naive && options.delivery.clock == nullptr) {
    return invalidInput("delivery.clock", "a naive consumer needs a clock for its offset commits");
  }
  if (store.inTransaction()) {
    return invalidInput("store", "another consumer holds a transaction open on it");
  }
  options.detector.delivery = options.delivery.mode;
  ConsumerPosition position = STAYLAB_TRY(store.position());
  FraudDetector detector = STAYLAB_TRY(FraudDetector::open(options.detector, store));
  return std::unique_ptr<FraudConsumer>(
      new FraudConsumer(log, store, std::move(options), std::move(detector), std::move(position)));
}

Result<size_t> FraudConsumer::consume(size_t max_events) {
  if (max_events == 0) {
    return size_t{0};
  }
  if (m_stale) {
    STAYLAB_TRY(reloadPosition());
  }
  // Read and merge first, apply after: a failed read changes nothing.
  const auto log_topics = m_log.topics();
  const size_t chunk = std::min(max_events, kReadChunk);
  std::vector<Cursor> cursors;
  for (size_t rank = 0; rank < m_options.topics.size(); ++rank) {
    const std::string& topic = m_options.topics[rank];
    auto found = log_topics.find(topic);
    if (found == log_topics.end()) {
      return invalidInput("topic", "'{}' is not a topic of the event log", topic);
    }
    for (int partition = 0; partition < found->second; ++partition) {
      auto offset = m_offsets.find(offsetKey(topic, partition));
      Cursor cursor;
      cursor.topic = topic;
      cursor.topic_rank = rank;
      cursor.partition = partition;
      cursor.next_offset = offset == m_offsets.end() ? 0 : offset->second;
      STAYLAB_TRY(cursor.refill(m_log, chunk));
      if (!cursor.done()) {
        cursors.push_back(std::move(cursor));
      }
    }
  }

  std::vector<LogRecord> merged;
  while (merged.size() < max_events) {
    Cursor* earliest = nullptr;
    for (auto& cursor : cursors) {
      STAYLAB_TRY(cursor.refill(m_log, chunk));
      if (!cursor.done() && (!earliest || cursor.orderKey() < earliest->orderKey())) {
        earliest = &cursor;
      }
    }
    if (!earliest) {
      break;
    }
    merged.push_back(std::move(earliest->records[earliest->next]));
    ++earliest->next;
  }

  if (!merged.empty() && !m_store.inTransaction()) {
    STAYLAB_TRY(m_store.begin());
  }
  for (const LogRecord& record : merged) {
    auto application = m_detector.applyEvent(record.event);
    if (!application) {
      if (application.error().kind != ErrorKind::InvalidInput) {
        discardUncommitted();  // The event may be half applied: back to the commit.
        return std::unexpected(application.error());
      }
      ++m_skipped_events;
    } else {
      for (auto& action : application->actions) {
        m_pending.push_back(std::move(action));
      }
      if (application->effect == EventEffect::Applied && m_observer && !m_replaying) {
        m_unreported.push_back(record.event);
      }
    }
    m_offsets[offsetKey(record.position.topic, record.position.partition)] =
        record.position.offset + 1;
    m_unsaved = true;
  }
  return merged.size();
}

Result<size_t> FraudConsumer::step(size_t max_events) {
  size_t consumed = STAYLAB_TRY(consume(max_events));
  m_events_since_save += consumed;
  if (naive()) {
    if (m_unsaved) {
      STAYLAB_TRY(save());  // The effects, with the offsets last committed.
    }
    if (m_committed_offsets != m_offsets &&
        m_options.delivery.clock->nowNanos() - m_last_commit_nanos >=
            m_options.delivery.auto_commit_interval_nanos) {
      // As an auto-commit: a failed one is tried again at a later step.
      (void)commitOffsets();
    }
    return consumed;
  }
  if (m_unsaved && m_events_since_save >= m_options.save_every_events) {
    STAYLAB_TRY(save());
  }
  return consumed;
}

Result<void> FraudConsumer::flush() {
  if (naive() && m_committed_offsets != m_offsets) {
    return commitOffsets();
  }
  return m_unsaved ? save() : Result<void>();
}

Result<void> FraudConsumer::commitOffsets() {
  m_committed_offsets = m_offsets;
  STAYLAB_TRY(save());
  m_last_commit_nanos = m_options.delivery.clock->nowNanos();
  return {};
}

Result<void> FraudConsumer::acknowledge(size_t count) {
  if (count > m_pending.size()) {
    return invalidInput("count", "{} exceeds the {} pending actions", count, m_pending.size());
  }
  if (count == 0) {
    return {};
  }
  m_pending.erase(m_pending.begin(), m_pending.begin() + static_cast<std::ptrdiff_t>(count));
  m_unsaved = true;
  return save();
}

Result<void> FraudConsumer::rebuild() {
  // What the open transaction held is replaced by the rebuild anyway.
  discardUncommitted();
  STAYLAB_TRY(m_store.begin());
  if (auto cleared = m_store.clear(); !cleared) {
    discardUncommitted();
    return cleared;
  }
  m_offsets.clear();
  m_pending.clear();
  m_skipped_events = 0;
  m_replaying = true;
  for (;;) {
    auto consumed = consume(m_options.rebuild_batch);
    if (!consumed) {
      m_replaying = false;
      discardUncommitted();
      return std::unexpected(consumed.error());
    }
    if (*consumed == 0) {
      break;
    }
  }
  m_replaying = false;
  m_unsaved = true;
  if (naive()) {
    return commitOffsets();
  }
  return save();
}

Result<std::string> FraudConsumer::canonicalDigest() const {
  return m_detector.canonicalDigest();
}

ConsumerPosition FraudConsumer::position() const {
  ConsumerPosition position;
  position.offsets = naive() ? m_committed_offsets : m_offsets;
  position.pending = m_pending;
  position.skipped_events = m_skipped_events;
  return position;
}

Result<void> FraudConsumer::save() {
  auto committed = [&]() -> Result<void> {
    if (!m_store.inTransaction()) {
      STAYLAB_TRY(m_store.begin());
    }
    STAYLAB_TRY(m_store.putPosition(position()));
    return m_store.commit();
  }();
  if (!committed) {
    discardUncommitted();
    return committed;
  }
  m_unsaved = false;
  m_events_since_save = 0;
  for (const EventEnvelope& event : std::exchange(m_unreported, {})) {
    if (m_observer) {
      m_observer(name(), event);
    }
  }
  return {};
}

void FraudConsumer::discardUncommitted() {
  m_store.rollback();
  m_unsaved = false;
  m_events_since_save = 0;
  m_unreported.clear();
  if (!reloadPosition()) {
    m_stale = true;  // The next step reads it again before it reads the log.
  }
}

Result<void> FraudConsumer::reloadPosition() {
  ConsumerPosition position = STAYLAB_TRY(m_store.position());
  m_offsets = position.offsets;
  m_committed_offsets = std::move(position.offsets);
  m_pending = std::move(position.pending);
  m_skipped_events = position.skipped_events;
  m_stale = false;
  return {};
}

}  // namespace staylab::fraud
