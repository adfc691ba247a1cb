#pragma once

// The sync-back: while the legacy system still serves some operations, every
// change the new contexts make is written to the legacy tables through the
// anti-corruption layer, so that legacy screens see bookings and edits taken
// by the new services. It reads the property and booking topics and writes
// the current state of what each event names (state, not deltas: a repeated
// or reordered event writes the same row), found in the legacy tables by the
// id mapping or by EXT_REF, which it sets to the new id. Its writes are
// marked as the sync's ('S'), which the change data capture skips.
//
// A booking the legacy refuses (its nights are held by a legacy reservation)
// is counted as a sync conflict and passed: the two systems then each hold a
// booking of that night, which the measures count.
//
// Loop prevention: events the CDC processor caused (correlation "cdc/...")
// are skipped, and a row the legacy holds as it would be written is not
// written again. Without it, as in a sync built without one, every event
// is written back unconditionally: the CDC processor's own effects return to
// the legacy tables (an echo, counted) and are captured once more.

#include <cstddef>

#include "app/migration/migration_consumer.h"
#include "domain/common/strangler_fig.h"

namespace staylab::app {
class Platform;
}

namespace staylab::migration {

class SyncBack final : public MigrationConsumer {
 public:
  SyncBack(app::Platform& platform, legacy::LegacyMonolith& legacy, MigrationStore& store,
           const MigrationSettings& settings, size_t batch);

 private:
  Result<bool> handle(const LogRecord& record, Bookkeeping& bookkeeping) override;
  Result<void> syncProperty(const std::string& property_id, Bookkeeping& bookkeeping);
  Result<void> syncBooking(const std::string& booking_id, Bookkeeping& bookkeeping);
  // The legacy key of new id `id` of `kind` ('P' or 'R'): the mapping, else
  // the row whose EXT_REF it is; 0 when neither.
  Result<int64_t> legacyKey(char kind, const std::string& id);

  app::Platform& m_platform;
  legacy::LegacyMonolith& m_legacy;
  MigrationSettings m_settings;
};

}  // namespace staylab::migration
