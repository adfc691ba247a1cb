#include "events/nats_event_log.h"

#include <nats/nats.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "events/memory_event_log.h"

namespace staylab {
namespace {

constexpr int kMaxPartitions = 256;
// Readers kept per partition: one per consumer reading it, and a spare.
constexpr size_t kReadersPerPartition = 4;

// nats.c's text for `status`, and its thread's last error when that says more.
std::string statusText(natsStatus status) {
  const char* detail = nats_GetLastError(nullptr);
  std::string text = natsStatus_GetText(status);
  if (detail != nullptr && *detail != '\0' &&
      std::string_view(detail).find(text) == std::string_view::npos) {
    text += fmt::format(" ({})", detail);
  }
  return text;
}

std::unexpected<Error> natsFailure(std::string_view what, std::string_view stream,
                                   natsStatus status, jsErrCode code = static_cast<jsErrCode>(0)) {
  if (code != 0) {
    return storeFailure("eventlog.nats", "{} on stream {} failed: {} (JetStream error {})", what,
                        stream, statusText(status), static_cast<int>(code));
  }
  return storeFailure("eventlog.nats", "{} on stream {} failed: {}", what, stream,
                      statusText(status));
}

// 1..longest of [A-Za-z0-9_-], and with `dots`, also '.' between them (a
// subject's token separator: none first, last or twice in a row).
bool isName(std::string_view name, size_t longest, bool dots = false) {
  if (name.empty() || name.size() > longest) {
    return false;
  }
  for (size_t index = 0; index < name.size(); ++index) {
    const char c = name[index];
    if (dots && c == '.' && index > 0 && index + 1 < name.size() && name[index - 1] != '.') {
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

// A stream name cannot hold '.': a topic's dots become '_'.
std::string streamTopic(std::string_view topic) {
  std::string name(topic);
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

Result<void> validateOptions(const NatsEventLog::Options& options) {
  STAYLAB_TRY(NatsEventLog::checkUrl(options.url));
  if (!isName(options.prefix, 32)) {
    return invalidInput("prefix", "must be 1..32 of [A-Za-z0-9_-], not '{}'", options.prefix);
  }
  if (options.topics.empty()) {
    return invalidInput("topics", "must name at least one topic");
  }
  std::map<std::string, std::string> topic_of_stream;
  for (const auto& [topic, partitions] : options.topics) {
    if (!isName(topic, 64, /*dots=*/true)) {
      return invalidInput("topics",
                          "a topic name must be 1..64 of [A-Za-z0-9_-] with single dots between "
                          "them, not '{}'",
                          topic);
    }
    auto [other, inserted] = topic_of_stream.emplace(streamTopic(topic), topic);
    if (!inserted) {
      return invalidInput("topics", "topics '{}' and '{}' would share streams (a dot becomes '_')",
                          other->second, topic);
    }
    if (partitions < 1 || partitions > kMaxPartitions) {
      return invalidInput("topics", "topic '{}' must have 1..{} partitions, not {}", topic,
                          kMaxPartitions, partitions);
    }
  }
  if (options.timeout.count() <= 0) {
    return invalidInput("timeout", "must be positive");
  }
  return {};
}

constexpr std::string_view kDescribed = "staylab event log: topic ";

std::string describePartition(std::string_view topic, int partition, int partitions) {
  return fmt::format("{}{}, partition {} of {}", kDescribed, topic, partition, partitions);
}

// The topic and N of "staylab event log: topic T, partition P of N", or
// {"", 0} for another description.
std::pair<std::string, int> describedTopic(const char* description) {
  if (description == nullptr || !std::string_view(description).starts_with(kDescribed)) {
    return {"", 0};
  }
  std::string_view text(description);
  const size_t comma = text.find(", partition ");
  const size_t of = text.rfind(" of ");
  if (comma == std::string_view::npos || of == std::string_view::npos || of < comma) {
    return {"", 0};
  }
  int count = 0;
  auto [end, error] = std::from_chars(text.data() + of + 4, text.data() + text.size(), count);
  if (error != std::errc() || end != text.data() + text.size()) {
    return {"", 0};
  }
  return {std::string(text.substr(kDescribed.size(), comma - kDescribed.size())), count};
}

}  // namespace

// The connection, its JetStream context and their options.
struct NatsEventLog::Connection {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  ~Connection() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    natsOptions_Destroy(options);
  }
};

struct NatsEventLog::Reader {
  natsSubscription* subscription = nullptr;
  int64_t next_offset = 0;
  uint64_t last_used = 0;  // NatsEventLog::m_reads when it last read.
  // Unsubscribe first: it stops the ordered consumer's own machinery
  // (heartbeat checks, resets) and deletes the server's consumer; Destroy
  // alone left a later delivery to corrupt the heap (seen in a test loop).
  // While the server is down the deletion waits for up to the timeout.
  ~Reader() {
    if (subscription != nullptr) {
      natsSubscription_Unsubscribe(subscription);
      natsSubscription_Destroy(subscription);
    }
  }
};

Result<void> NatsEventLog::checkUrl(std::string_view url) {
  const auto bad = [&] {
    return invalidInput("url",
                        "must be nats://HOST[:PORT] or tls://HOST[:PORT] (or a comma-separated "
                        "list of them), not '{}'",
                        url);
  };
  if (url.empty()) {
    return bad();
  }
  size_t start = 0;
  while (start <= url.size()) {
    const size_t end = std::min(url.find(',', start), url.size());
    std::string_view item = url.substr(start, end - start);
    size_t scheme = item.starts_with("nats://") ? 7 : item.starts_with("tls://") ? 6 : 0;
    std::string_view rest = item.substr(scheme);
    if (scheme == 0 || rest.empty() || rest.find_first_of(" /?#") != std::string_view::npos) {
      return bad();
    }
    if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
      int port = 0;
      std::string_view digits = rest.substr(colon + 1);
      auto [stop, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (colon == 0 || error != std::errc() || stop != digits.data() + digits.size() || port < 1 ||
          port > 65535) {
        return bad();
      }
    }
    start = end + 1;
  }
  return {};
}

Result<std::unique_ptr<NatsEventLog>> NatsEventLog::open(const Options& options) {
  STAYLAB_TRY(validateOptions(options));
  auto connection = std::make_unique<Connection>();
  const int64_t timeout = options.timeout.count();
  natsStatus status = natsOptions_Create(&connection->options);
  if (status == NATS_OK) {
    status = natsOptions_SetURL(connection->options, options.url.c_str());
  }
  if (status == NATS_OK) {
    status = natsOptions_SetTimeout(connection->options, timeout);
  }
  // Reconnect for ever, quickly: a restarted server is used again without
  // reopening the log; calls made meanwhile fail after `timeout`.
  if (status == NATS_OK) {
    status = natsOptions_SetMaxReconnect(connection->options, -1);
  }
  if (status == NATS_OK) {
    status = natsOptions_SetReconnectWait(connection->options, 100);
  }
  if (status == NATS_OK) {
    status = natsConnection_Connect(&connection->connection, connection->options);
  }
  if (status != NATS_OK) {
    return storeFailure("eventlog.nats", "cannot connect to NATS at {}: {}", options.url,
                        statusText(status));
  }
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = timeout;
  status = natsConnection_JetStream(&connection->js, connection->connection, &js_options);
  if (status != NATS_OK) {
    return storeFailure("eventlog.nats", "cannot use JetStream at {}: {}", options.url,
                        statusText(status));
  }
  std::unique_ptr<NatsEventLog> log(new NatsEventLog(options, std::move(connection)));
  STAYLAB_TRY(log->openStreams());
  return log;
}

NatsEventLog::NatsEventLog(Options options, std::unique_ptr<Connection> connection)
    : m_options(std::move(options)), m_connection(std::move(connection)) {}

NatsEventLog::~NatsEventLog() {
  m_readers.clear();
}

std::string NatsEventLog::subjectName(std::string_view topic, int partition) const {
  return fmt::format("{}.{}.{}", m_options.prefix, topic, partition);
}

std::string NatsEventLog::streamName(std::string_view topic, int partition) const {
  return fmt::format("{}_{}_{}", m_options.prefix, streamTopic(topic), partition);
}

Result<std::map<std::string, int>> NatsEventLog::recordedTopics() {
  jsStreamNamesList* names = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_StreamNames(&names, m_connection->js, nullptr, &code);
  std::map<std::string, int> recorded;
  if (status == NATS_NOT_FOUND) {
    return recorded;  // No stream at all on the server.
  }
  if (status != NATS_OK) {
    return natsFailure("listing streams", m_options.prefix + "_*", status, code);
  }
  std::vector<std::string> ours;
  for (int index = 0; index < names->Count; ++index) {
    std::string_view name = names->List[index];
    if (name.starts_with(m_options.prefix + "_")) {
      ours.emplace_back(name);
    }
  }
  jsStreamNamesList_Destroy(names);
  for (const std::string& stream : ours) {
    jsStreamInfo* info = nullptr;
    status = js_GetStreamInfo(&info, m_connection->js, stream.c_str(), nullptr, &code);
    if (status != NATS_OK) {
      return natsFailure("stream info", stream, status, code);
    }
    const std::string description =
        info->Config->Description != nullptr ? info->Config->Description : "";
    auto [topic, partitions] = describedTopic(info->Config->Description);
    jsStreamInfo_Destroy(info);
    if (partitions == 0) {
      return storeFailure("eventlog.corrupt",
                          "stream {} is named as a stream of the log {}_* but its description "
                          "'{}' does not say which topic and partition it holds",
                          stream, m_options.prefix, description);
    }
    // Only streams named as this log names them are its own: another log's
    // prefix may start with this one ("p" and "p_x").
    const std::string own = fmt::format("{}_{}_", m_options.prefix, streamTopic(topic));
    const std::string_view number =
        std::string_view(stream).substr(std::min(own.size(), stream.size()));
    if (partitions > 0 && stream.starts_with(own) && !number.empty() &&
        number.find_first_not_of("0123456789") == std::string_view::npos) {
      recorded.emplace(topic, partitions);
    }
  }
  return recorded;
}

Result<void> NatsEventLog::openStreams() {
  const std::map<std::string, int> recorded = STAYLAB_TRY(recordedTopics());
  if (recorded.empty() && m_options.creation == StoreCreation::OpenExisting) {
    return storeFailure("eventlog.missing", "NATS at {} has no stream of the log {}_*",
                        m_options.url, m_options.prefix);
  }
  // Served: the topics asked for and those recorded by earlier opens.
  m_topics = m_options.topics;
  for (const auto& [topic, partitions] : recorded) {
    auto [it, inserted] = m_topics.emplace(topic, partitions);
    if (!inserted && it->second != partitions) {
      return std::unexpected(
          Error{ErrorKind::InvalidInput, "eventlog.partitions_changed", "topics",
                fmt::format("topic '{}' has {} partitions in NATS (streams {}_*), not {}: changing "
                            "the count would move aggregates to other partitions",
                            topic, partitions, m_options.prefix, it->second)});
    }
  }
  for (const auto& [topic, partitions] : m_topics) {
    // A topic the log never had is created, even for OpenExisting (as the
    // RocksDB log records new topics); one it had must be whole.
    const bool known = recorded.contains(topic);
    for (int partition = 0; partition < partitions; ++partition) {
      const std::string stream = streamName(topic, partition);
      jsStreamInfo* info = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus status = js_GetStreamInfo(&info, m_connection->js, stream.c_str(), nullptr, &code);
      if (status == NATS_OK) {
        jsStreamInfo_Destroy(info);
      } else if (status != NATS_NOT_FOUND && code != JSStreamNotFoundErr) {
        return natsFailure("stream info", stream, status, code);
      } else if (known || (m_options.creation == StoreCreation::OpenExisting && partition > 0)) {
        return storeFailure("eventlog.missing",
                            "NATS at {} has no stream {} for partition {} of topic '{}'",
                            m_options.url, stream, partition, topic);
      } else {
        const std::string subject = subjectName(topic, partition);
        const char* subjects[] = {subject.c_str()};
        const std::string description = describePartition(topic, partition, partitions);
        jsStreamConfig config;
        jsStreamConfig_Init(&config);
        config.Name = stream.c_str();
        config.Description = description.c_str();
        config.Subjects = subjects;
        config.SubjectsLen = 1;
        config.Storage = js_FileStorage;
        config.Retention = js_LimitsPolicy;
        config.DenyDelete = true;
        config.DenyPurge = true;
        status = js_AddStream(nullptr, m_connection->js, &config, nullptr, &code);
        if (status != NATS_OK) {
          return natsFailure("creating the stream", stream, status, code);
        }
      }
      m_last[stream] = STAYLAB_TRY(lastOf(stream));
    }
  }
  return {};
}

Result<void> NatsEventLog::checkPartition(std::string_view topic, int partition) const {
  auto it = m_topics.find(std::string(topic));
  if (it == m_topics.end()) {
    return invalidInput("topic", "'{}' is not a topic of this log", topic);
  }
  if (partition < 0 || partition >= it->second) {
    return invalidInput("partition", "topic '{}' has partitions 0..{}, not {}", topic,
                        it->second - 1, partition);
  }
  return {};
}

Result<int64_t> NatsEventLog::endOffsetOf(const std::string& stream) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&info, m_connection->js, stream.c_str(), nullptr, &code);
  if (status != NATS_OK) {
    return natsFailure("stream info", stream, status, code);
  }
  const auto end = static_cast<int64_t>(info->State.LastSeq);
  jsStreamInfo_Destroy(info);
  return end;
}

Result<void> NatsEventLog::verifyIntegrity() {
  for (const auto& [topic, partitions] : m_topics) {
    for (int partition = 0; partition < partitions; ++partition) {
      const std::string stream = streamName(topic, partition);
      jsStreamInfo* info = nullptr;
      jsErrCode code = static_cast<jsErrCode>(0);
      natsStatus status = js_GetStreamInfo(&info, m_connection->js, stream.c_str(), nullptr, &code);
      if (status != NATS_OK) {
        return natsFailure("stream info", stream, status, code);
      }
      const jsStreamState state = info->State;
      jsStreamInfo_Destroy(info);
      const bool dense = state.Msgs == state.LastSeq && state.NumDeleted == 0 &&
                         (state.Msgs == 0 || state.FirstSeq == 1);
      if (!dense) {
        return storeFailure("eventlog.gap",
                            "stream {} lost offsets: it holds {} messages of sequences {}..{} "
                            "({} deleted), where every offset from 0 must be there",
                            stream, state.Msgs, state.FirstSeq, state.LastSeq, state.NumDeleted);
      }
    }
  }
  return {};
}

Result<NatsEventLog::Last> NatsEventLog::lastOf(const std::string& stream) {
  const int64_t end = STAYLAB_TRY(endOffsetOf(stream));
  if (end == 0) {
    return Last{};
  }
  natsMsg* message = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetMsg(&message, m_connection->js, stream.c_str(),
                                static_cast<uint64_t>(end), nullptr, &code);
  if (status != NATS_OK) {
    return natsFailure("reading the last message", stream, status, code);
  }
  const char* id = nullptr;
  status = natsMsgHeader_Get(message, "Nats-Msg-Id", &id);
  Last last{status == NATS_OK && id != nullptr ? id : "", end - 1};
  natsMsg_Destroy(message);
  if (status != NATS_OK && status != NATS_NOT_FOUND) {
    // Without the id, a retried batch past the duplicate window could be stored twice.
    return natsFailure("reading the last message's id", stream, status);
  }
  return last;
}

Result<std::vector<LogPosition>> NatsEventLog::append(const std::vector<EventEnvelope>& events) {
  // Everything that can reject an event happens before anything is sent.
  std::vector<std::string> texts;
  texts.reserve(events.size());
  for (const EventEnvelope& event : events) {
    texts.push_back(STAYLAB_TRY(serialiseForLog(event, m_topics)));
  }
  // Each event's partition and stream, worked out once.
  std::vector<int> partitions;
  std::vector<std::string> streams;
  partitions.reserve(events.size());
  streams.reserve(events.size());
  for (const EventEnvelope& event : events) {
    partitions.push_back(partitionFor(event.aggregate_id, m_topics.at(event.aggregate_type)));
    streams.push_back(streamName(event.aggregate_type, partitions.back()));
  }
  std::lock_guard lock(m_append_mutex);
  // A partition whose last publish failed may hold that event all the same
  // (the acknowledgement, not the message, was lost): learn its tail again.
  for (const std::string& stream : streams) {
    if (m_stale.erase(stream) > 0) {
      auto last = lastOf(stream);
      if (!last) {
        m_stale.insert(stream);
        return std::unexpected(last.error());
      }
      m_last[stream] = std::move(*last);
    }
  }
  // Where each partition's events stop being ones already appended: past
  // the batch's event that is the partition's last one, if it holds it.
  std::map<std::string, size_t> first_new;
  for (size_t index = 0; index < events.size(); ++index) {
    first_new.try_emplace(streams[index], 0);
    if (events[index].event_id == m_last[streams[index]].event_id) {
      first_new[streams[index]] = index + 1;
    }
  }
  std::vector<LogPosition> positions(events.size());
  // Positions of the events already appended, counted back from the last.
  std::map<std::string, int64_t> offset_back;
  for (size_t index = events.size(); index-- > 0;) {
    if (index < first_new[streams[index]]) {
      auto [it, inserted] = offset_back.try_emplace(streams[index], m_last[streams[index]].offset);
      positions[index] = LogPosition{events[index].aggregate_type, partitions[index], it->second--};
    }
  }
  for (size_t index = 0; index < events.size(); ++index) {
    const std::string& stream = streams[index];
    if (index < first_new[stream]) {
      continue;
    }
    const EventEnvelope& event = events[index];
    const int partition = partitions[index];
    const std::string subject = subjectName(event.aggregate_type, partition);
    jsPubOptions publish;
    jsPubOptions_Init(&publish);
    publish.MsgId = event.event_id.c_str();
    publish.ExpectStream = stream.c_str();
    jsPubAck* ack = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus status = js_Publish(&ack, m_connection->js, subject.c_str(), texts[index].data(),
                                   static_cast<int>(texts[index].size()), &publish, &code);
    if (status != NATS_OK) {
      m_stale.insert(stream);
      return natsFailure("publishing an event", stream, status, code);
    }
    const int64_t offset = static_cast<int64_t>(ack->Sequence) - 1;
    jsPubAck_Destroy(ack);
    positions[index] = LogPosition{event.aggregate_type, partition, offset};
    // A duplicate's acknowledgement names the original, earlier offset.
    if (offset > m_last[stream].offset) {
      m_last[stream] = Last{event.event_id, offset};
    }
  }
  return positions;
}

Result<std::vector<LogRecord>> NatsEventLog::read(std::string_view topic, int partition,
                                                  int64_t from_offset, size_t limit) {
  STAYLAB_TRY(checkPartition(topic, partition));
  if (from_offset < 0) {
    return invalidInput("from_offset", "must be at least 0, not {}", from_offset);
  }
  const std::string stream = streamName(topic, partition);
  const int64_t end = STAYLAB_TRY(endOffsetOf(stream));
  std::vector<LogRecord> records;
  if (from_offset >= end || limit == 0) {
    return records;
  }
  const auto count = static_cast<size_t>(std::min<int64_t>(
      static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)), end - from_offset));
  records.reserve(count);

  std::lock_guard lock(m_read_mutex);
  // A partition's consumers (the projections, fraud detection) read it at
  // different offsets: each keeps the reader that stopped where it goes on.
  std::vector<std::unique_ptr<Reader>>& readers = m_readers[stream];
  auto found = std::find_if(readers.begin(), readers.end(),
                            [&](const auto& reader) { return reader->next_offset == from_offset; });
  if (found == readers.end()) {
    if (readers.size() >= kReadersPerPartition) {
      readers.erase(std::min_element(
          readers.begin(), readers.end(),
          [](const auto& a, const auto& b) { return a->last_used < b->last_used; }));
    }
    auto fresh = std::make_unique<Reader>();
    jsSubOptions subscribe;
    jsSubOptions_Init(&subscribe);
    subscribe.Stream = stream.c_str();
    subscribe.Ordered = true;
    subscribe.Config.DeliverPolicy = js_DeliverByStartSequence;
    subscribe.Config.OptStartSeq = static_cast<uint64_t>(from_offset) + 1;
    const std::string subject = subjectName(topic, partition);
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus status = js_SubscribeSync(&fresh->subscription, m_connection->js, subject.c_str(),
                                         nullptr, &subscribe, &code);
    if (status != NATS_OK) {
      fresh->subscription = nullptr;
      return natsFailure("creating a consumer", stream, status, code);
    }
    fresh->next_offset = from_offset;
    readers.push_back(std::move(fresh));
    found = readers.end() - 1;
  }
  Reader& reader = **found;
  reader.last_used = ++m_reads;
  // Drops this reader after a failure: the next read starts a fresh one.
  auto drop = [&] { readers.erase(found); };
  while (records.size() < count) {
    natsMsg* message = nullptr;
    natsStatus status =
        natsSubscription_NextMsg(&message, reader.subscription, m_options.timeout.count());
    if (status != NATS_OK) {
      drop();
      return natsFailure(fmt::format("reading offset {}", from_offset + records.size()), stream,
                         status);
    }
    jsMsgMetaData* meta = nullptr;
    status = natsMsg_GetMetaData(&meta, message);
    const int64_t offset = status == NATS_OK ? static_cast<int64_t>(meta->Sequence.Stream) - 1 : -1;
    jsMsgMetaData_Destroy(meta);
    auto event = EventEnvelope::fromText(std::string_view(
        natsMsg_GetData(message), static_cast<size_t>(natsMsg_GetDataLength(message))));
    natsMsg_Destroy(message);
    if (offset != reader.next_offset) {
      drop();
      return storeFailure("eventlog.corrupt",
                          "stream {} delivered offset {} where offset {} was due", stream, offset,
                          from_offset + static_cast<int64_t>(records.size()));
    }
    if (!event) {
      drop();
      return storeFailure("eventlog.corrupt", "record {}/{}/{} does not parse: {}", topic,
                          partition, offset, event.error().describe());
    }
    records.push_back(
        LogRecord{LogPosition{std::string(topic), partition, offset}, std::move(*event)});
    ++reader.next_offset;
  }
  return records;
}

Result<int64_t> NatsEventLog::endOffset(std::string_view topic, int partition) {
  STAYLAB_TRY(checkPartition(topic, partition));
  return endOffsetOf(streamName(topic, partition));
}

}  // namespace staylab
