// libFuzzer target for the event envelope decoder: the bytes of an outbox row
// or a log record, read as EventEnvelope::fromText reads them (the RocksDB
// log and the SQLite outboxes both do), then handed to the consumers of the
// log as they would meet it (tests/CMakeLists.txt staylab_add_fuzz_target:
// event_envelope_fuzz, event_envelope_fuzz_replay).
//
// Beyond "does not crash", every input checks:
//   - a rejected record is bad input naming an "event..." field, with a
//     reason short enough to read;
//   - an accepted envelope written back (toJson) decodes to an equal one;
//   - an accepted envelope of a topic of the log, appended to the in-memory
//     log, is consumed by the search and history projections without a
//     failure (an event they cannot apply is recorded as poison, never an
//     error), leaves no lag, and each read model equals its rebuild from the
//     log;
//   - fraud detection applies an accepted envelope or refuses it as bad
//     input naming a payload field, and given it again changes nothing.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "domain/common/event_envelope.h"
#include "events/consumer.h"
#include "events/history_projection.h"
#include "events/memory_event_log.h"
#include "events/search_projection.h"
#include "fraud/fraud_detector.h"
#include "stores/text/memory_text_index.h"
#include "stores/wide_column/memory_wide_column_store.h"
#include "tests/support/fuzz_checks.h"

namespace {

using namespace staylab;
using fraud::FraudDetector;
using fuzz::violated;

const std::map<std::string, int> kTopics = {{"property", 4}, {"booking", 4}, {"fraud", 2}};

// Runs `consumer` until it has nothing left, then checks its lag and that its
// read model equals a rebuild from the log.
void consumeAndCompare(Consumer& consumer, const EventEnvelope& event) {
  const std::string context = consumer.name() + ": " + event.toJson().dump();
  for (int round = 0; round < 8; ++round) {
    const Result<size_t> consumed = consumer.step(64);
    if (!consumed) {
      violated("a consumer records a bad event as poison, never fails",
               context + "\n" + consumed.error().describe());
    }
    if (*consumed == 0) {
      break;
    }
  }
  const Result<int64_t> lag = consumer.lag();
  if (!lag || *lag != 0) {
    violated("a consumer catches up with one event", context);
  }
  const Result<std::string> applied = consumer.canonicalDigest();
  const Result<void> rebuilt = consumer.rebuild();
  const Result<std::string> replayed = consumer.canonicalDigest();
  if (!applied || !rebuilt || !replayed || *applied != *replayed) {
    violated("a read model equals its rebuild from the log", context);
  }
}

void checkFraudDetection(const EventEnvelope& event, const std::string& written) {
  Result<FraudDetector> detector = FraudDetector::create();
  if (!detector) {
    violated("a fraud detector is created", detector.error().describe());
  }
  const Result<FraudDetector::Application> first = detector->applyEvent(event);
  if (!first) {
    if (first.error().kind != ErrorKind::InvalidInput ||
        !first.error().field.starts_with("payload")) {
      violated("fraud detection refuses an event as bad input naming a payload field",
               written + "\n" + first.error().describe());
    }
    return;
  }
  const Result<FraudDetector::Application> second = detector->applyEvent(event);
  if (!second || second->effect != EventEffect::Skipped || !second->actions.empty()) {
    violated("fraud detection given an event again changes nothing", written);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Result<EventEnvelope> event = EventEnvelope::fromText(text);
  if (!event) {
    fuzz::expectBadInput(event.error(), "", "");
    if (!event.error().field.starts_with("event")) {
      violated("a rejection names an event field", event.error().describe());
    }
    return 0;
  }
  const std::string written = event->toJson().dump();
  const Result<EventEnvelope> again = EventEnvelope::fromText(written);
  if (!again || *again != *event) {
    violated("an envelope written back decodes to an equal one", written);
  }
  checkFraudDetection(*event, written);

  MemoryEventLog log(kTopics);
  if (!log.append({*event})) {
    // Not a topic of the log, or ids the log refuses: the relay stops on it,
    // no consumer ever meets it.
    return 0;
  }
  MemoryTextIndex index;
  SearchProjection search(index, log);
  consumeAndCompare(search, *event);
  auto store = MemoryWideColumnStore::open({HistoryProjection::families()});
  if (!store) {
    violated("the history store opens", store.error().describe());
  }
  HistoryProjection history(**store, log);
  consumeAndCompare(history, *event);
  return 0;
}
