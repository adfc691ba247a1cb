#pragma once

// The CDC connector: a poller of the legacy database's change table that
// publishes each committed change, in commit order, to the strategy's
// source topics (cdc_layout.h). Its position is the last change it
// published, which it learns again from the log itself after a restart (the
// last record of each source partition, or where the capture started,
// whichever is later), so a crash between reading and
// publishing republishes nothing and skips nothing: an append is atomic.
// With loop prevention it skips the sync-back's own changes ('S').
//
// Thread safety: one thread drives it.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "app/legacy/legacy_monolith.h"
#include "app/migration/migration.h"
#include "domain/common/strangler_fig.h"
#include "domain/ports/clock.h"
#include "domain/ports/event_log.h"

namespace staylab::migration {

class CdcConnector {
 public:
  // `start`: the change the capture starts after (the initial load's last,
  // which is the sync's and never published).
  CdcConnector(legacy::LegacyMonolith& legacy, EventLog& log, const Clock& clock,
               const MigrationSettings& settings, int64_t start)
      : m_legacy(legacy), m_log(log), m_clock(clock), m_settings(settings), m_start(start) {}

  // Publishes up to `batch` changes past its position in one append; returns
  // the changes it handled (published or skipped).
  [[nodiscard]] Result<size_t> step(size_t batch);
  // Changes captured past its position, of every change captured.
  [[nodiscard]] Result<MigrationLag> lag();
  // The last change it has handled: learnt from the log once, then kept.
  [[nodiscard]] Result<int64_t> position();

 private:
  legacy::LegacyMonolith& m_legacy;
  EventLog& m_log;
  const Clock& m_clock;
  MigrationSettings m_settings;
  int64_t m_start = 0;
  std::optional<int64_t> m_position;
};

}  // namespace staylab::migration
