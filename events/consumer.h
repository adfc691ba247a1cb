#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"
#include "domain/common/json_number.h"
#include "domain/common/platform_patterns.h"
#include "domain/ports/clock.h"
#include "domain/ports/event_log.h"

namespace staylab {

// What a consumer did with one delivered event.
enum class EventEffect {
  Applied,  // Its effect is part of the read model's next commit.
  Skipped,  // Nothing: another consumer's type, no effect here, or a recognised duplicate.
};

// Told of each event a consumer applies: its name() and the event.
using ApplyObserver = std::function<void(std::string_view consumer, const EventEnvelope& event)>;

// How a consumer applies what it is delivered (see Consumer).
struct DeliveryOptions {
  // Default: Idempotent.
  ConsumerDelivery mode = ConsumerDelivery::Idempotent;
  // The clock of a naive consumer's offset commits; required with
  // ConsumerDelivery::Naive, unused otherwise. Not owned.
  const Clock* clock = nullptr;
  // Least time between a naive consumer's offset commits.
  // Default: kAutoCommitIntervalNanos (5 s).
  int64_t auto_commit_interval_nanos = kAutoCommitIntervalNanos;
  // What the consumer does with an event it cannot apply (see PoisonHandling).
  // Default: Skip, for a consumer over a log without dead-letter topics; the
  // platform gives its consumers PlatformPatterns::poison.
  PoisonPolicy poison = {PoisonHandling::Skip, 1};
};

// Returns the dead-letter topic of `topic`: "<topic>.dlq".
inline std::string deadLetterTopic(std::string_view topic) {
  return std::string(topic) + ".dlq";
}

// The lag of one partition a consumer reads.
struct PartitionLag {
  std::string topic;
  int partition = 0;
  int64_t events = 0;  // Events past the consumer's stored offset.
  int64_t end = 0;     // Events in the partition.
  bool operator==(const PartitionLag&) const = default;
};

// A consumer of the event log that maintains a read model in its own store.
//
// With ConsumerDelivery::Idempotent (the default), delivery is at least once,
// the effect exactly once: a consumer stores the offset of every partition it
// reads in its own store, in the same commit as the effects of the events
// before that offset, and makes each effect idempotent, so replaying any part
// of the log changes nothing. The read model can be dropped and rebuilt from
// offset 0 and comes out equal.
//
// With ConsumerDelivery::Naive, a consumer applies every event it is
// delivered, without recognising a duplicate, and keeps its offsets apart
// (NaiveOffsets in events/cursor_consumer.h): written after the effects by a
// write of their own, now and then. A crash between the two, or a repeated
// delivery, applies events twice, and the read model then differs from a
// rebuild. Each consumer says what its naive effects are.
//
// Observation: an ApplyObserver, when set, is told of every event once its
// effect on the read model is committed: each time for a naive consumer; for
// an idempotent one only the first time, not for a delivery it recognises as
// applied already (or superseded by a newer version it applied). Events a
// consumer does not act on (other types, poison) are never reported, nor is
// what rebuild() replays. So an observer that outlives the consumer counts,
// across crashes and restarts, the events applied more than once.
//
// Errors: StoreFailure when the log or the store fails (nothing of the failed
// batch is applied; the next step() retries it); InvalidInput when the log
// lacks a topic or the store a family the consumer needs. A malformed event
// is never an error: it is poison, handled as DeliveryOptions::poison says
// (recorded as poison and its offset passed, at once or after retries and a
// copy to the dead-letter topic; or retried for ever, blocking its partition).
// Thread safety: a consumer is driven by one thread at a time, and one
// consumer instance at a time may drive a given store.
class Consumer {
 public:
  virtual ~Consumer() = default;

  // Returns a stable name, e.g. "search".
  virtual std::string name() const = 0;
  // Applies up to `max_events` events, visiting the partitions of its topics
  // round-robin; returns how many were consumed (applied, skipped as
  // duplicates, unknown or poison), plus the tries of poison on its way to
  // the dead-letter topic. 0 means the consumer is caught up, or blocked
  // behind poison it retries for ever (PoisonHandling::Block).
  [[nodiscard]] virtual Result<size_t> step(size_t max_events) = 0;
  // Returns how many events the log holds past the consumer's stored offsets.
  [[nodiscard]] virtual Result<int64_t> lag() = 0;
  // Drops the read model and its offsets, then replays the log from offset 0
  // until caught up.
  [[nodiscard]] virtual Result<void> rebuild() = 0;
  // Returns a stable hash of the read model's content, without offsets or
  // other bookkeeping: equal read models give equal digests, whatever store
  // adapter holds them and whatever order or repetition built them.
  [[nodiscard]] virtual Result<std::string> canonicalDigest() = 0;
  // Writes what the consumer holds only in memory, for a clean close: a naive
  // consumer's offsets. Default: nothing is held apart, nothing to write.
  [[nodiscard]] virtual Result<void> flush() { return {}; }

  // Reports each event applied from now on to `observer` (see above); an
  // empty function stops the reports.
  void setApplyObserver(ApplyObserver observer) { m_observer = std::move(observer); }

 protected:
  bool observed() const { return static_cast<bool>(m_observer); }
  void reportApplied(const EventEnvelope& event) const {
    if (m_observer) {
      m_observer(name(), event);
    }
  }

 private:
  ApplyObserver m_observer;
};

// An event a consumer skipped because it could not apply it.
struct PoisonRecord {
  LogPosition position;
  std::string event_id;
  std::string type;
  std::string reason;

  bool operator==(const PoisonRecord&) const = default;

  nlohmann::json toJson() const {
    return nlohmann::json{{"topic", position.topic},
                          {"partition", position.partition},
                          {"offset", position.offset},
                          {"event_id", event_id},
                          {"type", type},
                          {"reason", reason}};
  }
  // Parses what toJson() wrote; InvalidInput when `text` is not a poison record.
  static Result<PoisonRecord> fromJson(std::string_view text) {
    auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object()) {
      return invalidInput("poison", "not a JSON object");
    }
    try {
      PoisonRecord record;
      record.position.topic = json.at("topic").get<std::string>();
      const std::optional<int> partition = wholeNumber<int>(json.at("partition"));
      const std::optional<int64_t> offset = wholeNumber<int64_t>(json.at("offset"));
      if (!partition || !offset) {
        return invalidInput("poison", "partition and offset must be integers in range");
      }
      record.position.partition = *partition;
      record.position.offset = *offset;
      record.event_id = json.at("event_id").get<std::string>();
      record.type = json.at("type").get<std::string>();
      record.reason = json.at("reason").get<std::string>();
      return record;
    } catch (const nlohmann::json::exception& error) {
      return invalidInput("poison", "{}", error.what());
    }
  }
};

// Walks the partitions of a consumer's topics round-robin, reading from the
// offsets the consumer keeps in its store. Shared by the projections so they
// schedule work the same way. Not thread-safe.
class PartitionCursor {
 public:
  // Returns the next offset to read of (topic, partition): 0 when none is stored.
  using LoadOffset = std::function<Result<int64_t>(const std::string& topic, int partition)>;
  // Applies runs of records, each run from one partition (consecutive offsets,
  // at least one record, no two runs of the same partition), and stores the
  // offset after each run's last record it passed, all in one commit; returns
  // how many records it passed (a run may stop at poison it holds back).
  using ApplyRuns = std::function<Result<size_t>(const std::vector<std::vector<LogRecord>>& runs)>;
  // Returns whether (topic, partition) is held at poison: a step then reads
  // only the one record at its offset, to try it again.
  using Held = std::function<bool(const std::string& topic, int partition)>;

  PartitionCursor(EventLog& log, std::vector<std::string> topics)
      : m_log(log), m_topics(std::move(topics)) {}

  // Reads up to `max_events` events, at most `batch_size` per read, moving to
  // the next partition after each read, and applies everything read in one
  // commit: a step costs the store one commit however many partitions it
  // touched. A held partition gives one record and is not read again in the
  // step. Returns how many records `apply` passed.
  [[nodiscard]] Result<size_t> step(size_t max_events, size_t batch_size,
                                    const LoadOffset& load_offset, const ApplyRuns& apply,
                                    const Held& held = nullptr) {
    const Partitions& partitions = *STAYLAB_TRY(allPartitions());
    std::vector<std::vector<LogRecord>> runs;
    std::vector<size_t> run_of(partitions.size(), kNoRun);  // Partition index -> run.
    std::vector<bool> done(partitions.size(), false);       // Held ones read once; others' never.
    for (size_t index = 0; index < partitions.size(); ++index) {
      done[index] = !owned(index);
    }
    size_t consumed = 0;
    size_t idle_partitions = 0;
    while (consumed < max_events && idle_partitions < partitions.size()) {
      const size_t index = m_next;
      const auto& [topic, partition] = partitions[index];
      m_next = (m_next + 1) % partitions.size();
      if (done[index]) {
        ++idle_partitions;
        continue;
      }
      // A partition read earlier in this step continues where that read ended.
      const int64_t offset = run_of[index] == kNoRun
                                 ? STAYLAB_TRY(load_offset(topic, partition))
                                 : runs[run_of[index]].back().position.offset + 1;
      size_t limit = std::min(max_events - consumed, std::max<size_t>(batch_size, 1));
      if (held && held(topic, partition)) {
        limit = 1;
        done[index] = true;
      }
      auto records = STAYLAB_TRY(m_log.read(topic, partition, offset, limit));
      if (records.empty()) {
        ++idle_partitions;
        continue;
      }
      idle_partitions = 0;
      consumed += records.size();
      if (run_of[index] == kNoRun) {
        run_of[index] = runs.size();
        runs.push_back(std::move(records));
      } else {
        auto& run = runs[run_of[index]];
        std::move(records.begin(), records.end(), std::back_inserter(run));
      }
    }
    if (runs.empty()) {
      return size_t{0};
    }
    return apply(runs);
  }

  // Returns the number of events past the stored offsets, over every
  // partition dealt to it.
  [[nodiscard]] Result<int64_t> lag(const LoadOffset& load_offset) {
    const Partitions& partitions = *STAYLAB_TRY(allPartitions());
    int64_t lag = 0;
    for (size_t index = 0; index < partitions.size(); ++index) {
      if (!owned(index)) {
        continue;
      }
      const auto& [topic, partition] = partitions[index];
      const int64_t end = STAYLAB_TRY(m_log.endOffset(topic, partition));
      const int64_t offset = STAYLAB_TRY(load_offset(topic, partition));
      lag += std::max<int64_t>(end - offset, 0);
    }
    return lag;
  }

  // Returns the lag of each partition, topics in the consumer's order.
  [[nodiscard]] Result<std::vector<PartitionLag>> partitionLags(const LoadOffset& load_offset) {
    const Partitions& partitions = *STAYLAB_TRY(allPartitions());
    std::vector<PartitionLag> lags;
    for (size_t index = 0; index < partitions.size(); ++index) {
      if (!owned(index)) {
        continue;
      }
      const auto& [topic, partition] = partitions[index];
      const int64_t end = STAYLAB_TRY(m_log.endOffset(topic, partition));
      const int64_t offset = STAYLAB_TRY(load_offset(topic, partition));
      lags.push_back(PartitionLag{topic, partition, std::max<int64_t>(end - offset, 0), end});
    }
    return lags;
  }

  // Starts the next step() at the first partition again.
  void reset() { m_next = 0; }

  // Competing consumers: reads from now on only the partitions dealt to
  // member `member` of `members` (the consumer's partitions in order, dealt
  // round-robin: index % members == member). Default: member 0 of 1, all.
  void assign(int member, int members) {
    m_members = std::max(members, 1);
    m_member = std::clamp(member, 0, m_members - 1);
  }
  // Returns whether (topic, partition) is dealt to this member.
  bool owns(const std::string& topic, int partition) {
    auto partitions = allPartitions();
    if (!partitions) {
      return false;
    }
    for (size_t index = 0; index < (*partitions)->size(); ++index) {
      const auto& [name, number] = (**partitions)[index];
      if (name == topic && number == partition) {
        return owned(index);
      }
    }
    return false;
  }

 private:
  using Partitions = std::vector<std::pair<std::string, int>>;
  static constexpr size_t kNoRun = static_cast<size_t>(-1);

  // Returns every (topic, partition), topics in the consumer's order; the
  // log's topics are fixed once it is open, so this is computed once.
  Result<const Partitions*> allPartitions() {
    if (m_partitions.empty()) {
      const auto topics = m_log.topics();
      for (const auto& topic : m_topics) {
        auto found = topics.find(topic);
        if (found == topics.end() || found->second < 1) {
          return invalidInput("topic", "the event log has no topic '{}'", topic);
        }
        for (int partition = 0; partition < found->second; ++partition) {
          m_partitions.emplace_back(topic, partition);
        }
      }
    }
    return &m_partitions;
  }

  bool owned(size_t index) const {
    return static_cast<int>(index % static_cast<size_t>(m_members)) == m_member;
  }

  EventLog& m_log;
  const std::vector<std::string> m_topics;
  Partitions m_partitions;
  size_t m_next = 0;
  int m_member = 0;
  int m_members = 1;
};

}  // namespace staylab
