#include "app/migration/cdc_processor.h"

#include <algorithm>
#include <iterator>
#include <optional>

#include "app/migration/cdc_layout.h"

namespace staylab::migration {
namespace {

std::vector<std::string> topicNames(const std::map<std::string, int>& topics) {
  std::vector<std::string> names;
  std::transform(topics.begin(), topics.end(), std::back_inserter(names),
                 [](const auto& topic) { return topic.first; });
  return names;
}

// Tries `record` once more (its tries so far in record.tries), then records
// the outcome, or passes it on to cdc.retry or cdc.error.
Result<void> tryChange(ProcessorContext& context, ChangeRecord record, Bookkeeping& bookkeeping) {
  const legacy::Change& change = record.change;
  const bool own = change.source == legacy::Source::Legacy;
  if (change.source == legacy::Source::Sync && record.tries == 0)
    ++bookkeeping.counts[std::string(kEchoChanges)];  // The sync-back's own write, come back.
  ++record.tries;
  ApplyVerdict verdict = STAYLAB_TRY(context.applier.apply(change, record.tries));
  if (verdict.out_of_order && record.tries == 1)
    ++bookkeeping.counts[std::string(kOrderingViolations)];
  if (verdict.kind == ApplyVerdict::Kind::Applied) {
    Bookkeeping& made = verdict.bookkeeping;
    std::move(made.mappings.begin(), made.mappings.end(), std::back_inserter(bookkeeping.mappings));
    bookkeeping.property_changes.merge(made.property_changes);
    bookkeeping.outcomes.push_back(
        {change.change_id, change.prop_no, own, Outcome::Applied, record.tries, {}});
    return {};
  }
  record.reason = verdict.reason;
  const int64_t now = context.clock.nowNanos();
  if (record.tries >= context.settings.attempts) {
    STAYLAB_TRY(context.log.append({errorEvent(record, now)}));
    bookkeeping.outcomes.push_back(
        {change.change_id, change.prop_no, own, Outcome::Failed, record.tries, verdict.reason});
    return {};
  }
  record.not_before_nanos = now + (context.settings.backoff_nanos << (record.tries - 1));
  STAYLAB_TRY(context.log.append({retryEvent(record, now)}));
  ++bookkeeping.counts[std::string(kRetried)];
  return {};
}

// Reads the change `record` carries, unless it is not one (counted and
// passed) or its outcome is decided already (a duplicate delivery, counted
// and passed): then nothing.
Result<std::optional<ChangeRecord>> undecided(const LogRecord& record, MigrationStore& store,
                                              Bookkeeping& bookkeeping) {
  auto change = changeRecordOf(record.event);
  if (!change) {
    ++bookkeeping.counts["malformed_events"];
    return std::nullopt;
  }
  if (STAYLAB_TRY(store.outcome(change->change.change_id))) {
    ++bookkeeping.counts[std::string(kDuplicates)];
    return std::nullopt;
  }
  return std::move(*change);
}

}  // namespace

CdcProcessor::CdcProcessor(EventLog& read_log, MigrationStore& store,
                           const ProcessorContext& context, size_t batch)
    : MigrationConsumer(std::string(kProcessorPart), read_log,
                        topicNames(sourceTopics(context.settings.strategy)), store, batch),
      m_context(context) {}

Result<bool> CdcProcessor::handle(const LogRecord& record, Bookkeeping& bookkeeping) {
  auto change = STAYLAB_TRY(undecided(record, store(), bookkeeping));
  if (!change)
    return true;
  change->tries = 0;
  STAYLAB_TRY(tryChange(m_context, std::move(*change), bookkeeping));
  return true;
}

RetryProcessor::RetryProcessor(EventLog& read_log, MigrationStore& store,
                               const ProcessorContext& context, size_t batch)
    : MigrationConsumer(std::string(kRetryPart), read_log, {std::string(kRetryTopic)}, store,
                        batch),
      m_context(context) {}

Result<bool> RetryProcessor::handle(const LogRecord& record, Bookkeeping& bookkeeping) {
  auto change = STAYLAB_TRY(undecided(record, store(), bookkeeping));
  if (!change)
    return true;
  if (m_context.clock.nowNanos() < change->not_before_nanos)
    return false;  // Not due: nor is anything behind it.
  STAYLAB_TRY(tryChange(m_context, std::move(*change), bookkeeping));
  return true;
}

}  // namespace staylab::migration
