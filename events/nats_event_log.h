#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/store_creation.h"
#include "domain/ports/event_log.h"

namespace staylab {

// The EventLog on NATS JetStream (nats.c), for platforms that outgrow one
// machine. One stream per partition, so that a partition's offsets are
// dense: the stream `<prefix>_<topic>_<partition>` (a dot of the topic
// becomes '_') holds the subject `<prefix>.<topic>.<partition>`, on file
// storage, and an event's offset
// is its stream sequence - 1. Each message is the envelope's JSON
// (EventEnvelope::toJson), with the event id as its Nats-Msg-Id.
//
// Topics: a stream's description records "topic T, partition P of N". The
// log serves the topics of Options plus any its streams record (an earlier
// open's); a topic it never had is created, also for OpenExisting, as the
// RocksDB log records new topics, but one it had must keep all its streams
// (StoreFailure "eventlog.missing") and its count (InvalidInput
// "eventlog.partitions_changed").
//
// Appends are idempotent by event id, not atomic across partitions:
// JetStream has no multi-stream transaction, so a failed append (the server
// gone mid-batch) may leave a prefix of each partition's events appended,
// and returns StoreFailure. Appending the same events again (as the relay
// does: it retries its outbox batch) appends only the rest, at the offsets
// they would have had: within JetStream's duplicate window (2 minutes) the
// server answers a repeated Nats-Msg-Id with the original sequence, and past
// it this object knows each partition's last event id (read from the stream
// at open and kept after each append) and skips the events up to it. That
// last guard assumes one appender per partition, as Staylab runs one relay
// per context.
//
// Durability: an append returns once JetStream has acknowledged it; nats-
// server 2.9's file store writes it at once but syncs to disk only on an
// interval (2 minutes by default), so an acknowledged event survives a crash
// of this process or of nats-server, not a power loss.
//
// Reads use ordered push consumers, created at the offset asked for and
// kept while reads follow on (a few per partition, one for each consumer
// that reads it at its own offset); endOffset() asks the stream.
//
// Errors: InvalidInput as the port says, and for bad Options (field "url",
// "prefix" or "topics"); StoreFailure "eventlog.nats" when the server fails
// or does not answer within Options::timeout (the message names the stream
// and nats.c's status), "eventlog.missing" when OpenExisting finds no
// stream, "eventlog.corrupt" for a message that does not parse.
// Thread safety: safe from any thread; appends are serialised, and so are
// reads (they share the consumers).
class NatsEventLog final : public EventLog {
 public:
  struct Options {
    // The server, e.g. "nats://127.0.0.1:4222". Required.
    std::string url;
    // The streams' name prefix: 1..32 of [A-Za-z0-9_-]. Default: "staylab".
    std::string prefix = "staylab";
    // Topic -> number of partitions; a name is 1..64 of [A-Za-z0-9_-] with
    // single dots between them ("booking.dlq"), a count 1..256; two topics
    // that differ only by '.' against '_' are refused. Default: property 4,
    // booking 4, fraud 2.
    std::map<std::string, int> topics = {{"property", 4}, {"booking", 4}, {"fraud", 2}};
    // Default: OpenExisting: a log with no stream at all, or a recorded
    // topic missing a stream, is StoreFailure "eventlog.missing".
    // CreateIfMissing creates the log.
    StoreCreation creation = StoreCreation::OpenExisting;
    // How long one request to the server may take. Default: 5 s.
    std::chrono::milliseconds timeout{5000};
  };

  [[nodiscard]] static Result<std::unique_ptr<NatsEventLog>> open(const Options& options);
  // Checks the form of a server URL (Options::url): nats:// or tls://, a
  // host, an optional port, or a comma-separated list of such. InvalidInput
  // "url" naming the rule otherwise.
  [[nodiscard]] static Result<void> checkUrl(std::string_view url);
  ~NatsEventLog() override;
  NatsEventLog(const NatsEventLog&) = delete;
  NatsEventLog& operator=(const NatsEventLog&) = delete;

  std::map<std::string, int> topics() const override { return m_topics; }
  [[nodiscard]] Result<std::vector<LogPosition>> append(
      const std::vector<EventEnvelope>& events) override;
  [[nodiscard]] Result<std::vector<LogRecord>> read(std::string_view topic, int partition,
                                                    int64_t from_offset, size_t limit) override;
  [[nodiscard]] Result<int64_t> endOffset(std::string_view topic, int partition) override;

  // Checks that every partition's stream still holds each offset it gave:
  // its messages are sequences 1..last, none deleted or purged (the streams
  // deny both, so a gap means data lost on the server or a stream changed
  // behind the log's back). StoreFailure "eventlog.gap" naming the stream
  // otherwise; "eventlog.nats" when the server does not answer.
  [[nodiscard]] Result<void> verifyIntegrity();

  // The stream that holds a partition.
  std::string streamName(std::string_view topic, int partition) const;

 private:
  struct Connection;
  // What this object knows of a partition's tail: the last event appended
  // (by it or before it opened) and its offset.
  struct Last {
    std::string event_id;
    int64_t offset = -1;
  };
  // An ordered consumer reading a partition, and the offset it reads next.
  struct Reader;

  NatsEventLog(Options options, std::unique_ptr<Connection> connection);
  // Creates what is missing of the topics asked for; fills m_topics.
  Result<void> openStreams();
  // The topics this log's streams record (their descriptions), by name.
  Result<std::map<std::string, int>> recordedTopics();
  Result<void> checkPartition(std::string_view topic, int partition) const;
  // The subject a partition's stream holds: `<prefix>.<topic>.<partition>`.
  std::string subjectName(std::string_view topic, int partition) const;
  Result<int64_t> endOffsetOf(const std::string& stream);
  Result<Last> lastOf(const std::string& stream);

  const Options m_options;
  std::unique_ptr<Connection> m_connection;
  std::map<std::string, int> m_topics;  // Served: asked for and recorded. Fixed at open.

  std::mutex m_append_mutex;
  std::map<std::string, Last> m_last;  // By stream. GUARDED_BY(m_append_mutex)
  // Streams whose last publish failed: m_last is read again before the next.
  std::set<std::string> m_stale;  // GUARDED_BY(m_append_mutex)

  std::mutex m_read_mutex;
  // By stream: the readers of a partition, at the offsets they read next.
  std::map<std::string, std::vector<std::unique_ptr<Reader>>>
      m_readers;         // GUARDED_BY(m_read_mutex)
  uint64_t m_reads = 0;  // GUARDED_BY(m_read_mutex)
};

}  // namespace staylab
