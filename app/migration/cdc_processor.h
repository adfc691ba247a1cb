#pragma once

// The CDC processor and the retry processor: the anti-corruption layer's
// consumers of the legacy changes.
//
// CdcProcessor reads the strategy's source topics and tries each change once
// (ChangeApplier). Applied: its outcome is recorded. Not applicable now (a
// dependency has not arrived, the new side refused it) or not at all
// (malformed legacy data): it is appended to cdc.retry with its reason and
// the time it may be tried again, and the processor goes on; its partition
// never blocks. With one try allowed it goes to cdc.error at once.
//
// RetryProcessor reads cdc.retry in order and tries each change again once
// its time has come (it waits for the head of the topic: later records are
// due later). Each failed try appends it again with twice the wait, until
// MigrationSettings::attempts tries; then it goes to cdc.error.
//
// Both count a change that arrives before one it depends on
// (ordering_violations, on its first try), deliveries of a change already
// decided (duplicates), and changes the sync-back made that come back
// (echo_changes: only without loop prevention).

#include <cstddef>

#include "app/migration/change_applier.h"
#include "app/migration/migration_consumer.h"
#include "domain/common/strangler_fig.h"
#include "domain/ports/clock.h"

namespace staylab::migration {

// What both processors share: the applier, where letters go, the settings.
struct ProcessorContext {
  ChangeApplier& applier;
  EventLog& log;  // Appends to cdc.retry and cdc.error.
  const Clock& clock;
  MigrationSettings settings;
};

class CdcProcessor final : public MigrationConsumer {
 public:
  // Reads `read_log` (the log as the consumers see it, with any delivery faults).
  CdcProcessor(EventLog& read_log, MigrationStore& store, const ProcessorContext& context,
               size_t batch);

 private:
  Result<bool> handle(const LogRecord& record, Bookkeeping& bookkeeping) override;
  ProcessorContext m_context;
};

class RetryProcessor final : public MigrationConsumer {
 public:
  RetryProcessor(EventLog& read_log, MigrationStore& store, const ProcessorContext& context,
                 size_t batch);

 private:
  Result<bool> handle(const LogRecord& record, Bookkeeping& bookkeeping) override;
  ProcessorContext m_context;
};

}  // namespace staylab::migration
