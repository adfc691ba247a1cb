#include "events/memory_event_log.h"

#include <cassert>

namespace staylab {

Result<std::string> serialiseForLog(const EventEnvelope& event,
                                    const std::map<std::string, int>& topics) {
  if (event.event_id.empty()) {
    return invalidInput("event.event_id", "must not be empty");
  }
  if (event.type.empty()) {
    return invalidInput("event.type", "must not be empty");
  }
  if (event.aggregate_id.empty()) {
    return invalidInput("event.aggregate_id", "must not be empty");
  }
  if (!topics.contains(event.aggregate_type)) {
    return invalidInput("event.aggregate_type", "'{}' is not a topic of this log",
                        event.aggregate_type);
  }
  if (!event.payload.is_object()) {
    return invalidInput("event.payload", "must be a JSON object");
  }
  // What a consumer reads back must be what was appended: refuse envelopes that
  // would not survive serialisation (bad UTF-8, NaN, missing ids...).
  try {
    std::string text = event.toJson().dump();
    auto round_trip = EventEnvelope::fromJson(nlohmann::json::parse(text));
    if (!round_trip) {
      return std::unexpected(round_trip.error());
    }
    if (!(*round_trip == event)) {
      return invalidInput("event.payload", "does not read back as written (NaN or infinity?)");
    }
    return text;
  } catch (const nlohmann::json::exception& error) {
    return invalidInput("event", "cannot be serialised: {}", error.what());
  }
}

Result<void> validateForLog(const EventEnvelope& event, const std::map<std::string, int>& topics) {
  STAYLAB_TRY(serialiseForLog(event, topics));
  return {};
}

MemoryEventLog::MemoryEventLog(std::map<std::string, int> topics) : m_topics(std::move(topics)) {
  for ([[maybe_unused]] const auto& [topic, partitions] : m_topics) {
    assert(partitions >= 1 && partitions <= 256 && "partition count must be 1..256");
  }
}

Result<std::vector<LogPosition>> MemoryEventLog::append(const std::vector<EventEnvelope>& events) {
  for (const auto& event : events) {
    STAYLAB_TRY(validateForLog(event, m_topics));
  }
  std::lock_guard lock(m_mutex);
  std::vector<LogPosition> positions;
  for (const auto& event : events) {
    int partition = partitionFor(event.aggregate_id, m_topics.at(event.aggregate_type));
    auto& entries = m_partitions[{event.aggregate_type, partition}];
    positions.push_back(
        LogPosition{event.aggregate_type, partition, static_cast<int64_t>(entries.size())});
    entries.push_back(event);
  }
  return positions;
}

Result<const std::vector<EventEnvelope>*> MemoryEventLog::partitionOf(std::string_view topic,
                                                                      int partition) {
  auto it = m_topics.find(std::string(topic));
  if (it == m_topics.end()) {
    return invalidInput("topic", "'{}' is not a topic of this log", topic);
  }
  if (partition < 0 || partition >= it->second) {
    return invalidInput("partition", "{} is outside 0..{} for topic {}", partition, it->second - 1,
                        topic);
  }
  static const std::vector<EventEnvelope> kEmpty;
  auto found = m_partitions.find({std::string(topic), partition});
  return found == m_partitions.end() ? &kEmpty : &found->second;
}

Result<std::vector<LogRecord>> MemoryEventLog::read(std::string_view topic, int partition,
                                                    int64_t from_offset, size_t limit) {
  std::lock_guard lock(m_mutex);
  if (from_offset < 0) {
    return invalidInput("offset", "must not be negative");
  }
  const auto* entries = STAYLAB_TRY(partitionOf(topic, partition));
  std::vector<LogRecord> records;
  for (auto offset = static_cast<size_t>(from_offset);
       offset < entries->size() && records.size() < limit; ++offset) {
    records.push_back(
        LogRecord{LogPosition{std::string(topic), partition, static_cast<int64_t>(offset)},
                  (*entries)[offset]});
  }
  return records;
}

Result<int64_t> MemoryEventLog::endOffset(std::string_view topic, int partition) {
  std::lock_guard lock(m_mutex);
  const auto* entries = STAYLAB_TRY(partitionOf(topic, partition));
  return static_cast<int64_t>(entries->size());
}

}  // namespace staylab
