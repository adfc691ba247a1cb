#pragma once

// Test doubles for at-least-once delivery: a log that delivers chosen events
// twice, an ApplyObserver that counts what a consumer applies, and helpers
// to drive a consumer.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "domain/ports/clock.h"
#include "domain/ports/event_log.h"
#include "events/consumer.h"

namespace staylab::testing {

// Returns how a naive consumer on `clock` applies deliveries.
inline DeliveryOptions naiveDelivery(const Clock& clock) {
  return DeliveryOptions{ConsumerDelivery::Naive, &clock};
}

// Steps `consumer` until it is caught up; a failed step fails the test.
inline void driveToEnd(Consumer& consumer) {
  for (;;) {
    auto consumed = consumer.step(100);
    ASSERT_TRUE(consumed) << consumed.error().describe();
    if (*consumed == 0) {
      return;
    }
  }
}

// An EventLog that wraps another by reference and delivers each record of a
// chosen event twice in a row, every time it is read, as a transport that
// redelivers may. Reads never return more than `limit` records. Appends and
// offsets are the wrapped log's.
class DuplicatingLog final : public EventLog {
 public:
  explicit DuplicatingLog(EventLog& inner) : m_inner(inner) {}

  // Delivers the event with `event_id` twice from now on.
  void duplicate(std::string event_id) { m_twice.insert(std::move(event_id)); }

  std::map<std::string, int> topics() const override { return m_inner.topics(); }
  Result<std::vector<LogPosition>> append(const std::vector<EventEnvelope>& events) override {
    return m_inner.append(events);
  }
  Result<std::vector<LogRecord>> read(std::string_view topic, int partition, int64_t from_offset,
                                      size_t limit) override {
    auto records = m_inner.read(topic, partition, from_offset, limit);
    if (!records) {
      return records;
    }
    std::vector<LogRecord> delivered;
    for (const LogRecord& record : *records) {
      if (delivered.size() >= limit) {
        break;
      }
      delivered.push_back(record);
      if (m_twice.contains(record.event.event_id) && delivered.size() < limit) {
        delivered.push_back(record);
      }
    }
    return delivered;
  }
  Result<int64_t> endOffset(std::string_view topic, int partition) override {
    return m_inner.endOffset(topic, partition);
  }

 private:
  EventLog& m_inner;
  std::set<std::string> m_twice;
};

// Counts how many times each consumer reported applying each event.
class AppliedCounter {
 public:
  ApplyObserver observer() {
    return [this](std::string_view consumer, const EventEnvelope& event) {
      ++m_times[{std::string(consumer), event.event_id}];
    };
  }
  // Returns how many reports named `event_id`, over every consumer.
  int times(const std::string& event_id) const {
    int times = 0;
    for (const auto& [key, count] : m_times) {
      times += key.second == event_id ? count : 0;
    }
    return times;
  }
  // Returns how many reports repeated one a consumer had made already.
  int repeats() const {
    int repeats = 0;
    for (const auto& [key, count] : m_times) {
      repeats += count - 1;
    }
    return repeats;
  }
  // Returns the consumers that reported.
  std::set<std::string> consumers() const {
    std::set<std::string> names;
    for (const auto& [key, count] : m_times) {
      names.insert(key.first);
    }
    return names;
  }

 private:
  std::map<std::pair<std::string, std::string>, int> m_times;  // (consumer, event id) -> reports
};

}  // namespace staylab::testing
