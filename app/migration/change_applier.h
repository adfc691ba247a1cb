#pragma once

// Applies one legacy change to the new side, through the anti-corruption
// layer and the new contexts' own handlers (ListingService, BookingService),
// so the new stores, the outboxes, the log and every consumer see migrated
// data exactly as they see their own. Shared by the CDC processor (a
// change's first try) and the retry processor (the next ones).
//
// Every effect is idempotent, so a change tried again after a crash changes
// nothing more: a property is created under an id derived from its PROP_NO
// and updated with every field (an equal update stores nothing); a
// reservation becomes a booking under an idempotency key derived from its
// RES_NO and the try; a cancellation of a cancelled booking does nothing. A change older
// than the last applied change of its property is superseded (applied, with
// no effect).
//
// Errors: StoreFailure when a store fails (the try does not count; the
// consumer's step fails and runs again). A try that cannot take effect is a
// verdict, not an error.

#include <cstdint>
#include <string>

#include "app/legacy/legacy_monolith.h"
#include "app/migration/migration_store.h"
#include "domain/common/error.h"

namespace staylab::app {
class Platform;
}

namespace staylab::migration {

struct ApplyVerdict {
  enum class Kind {
    Applied,  // Its effect is on the new side now (or was already).
    NotYet,   // Not now: what it depends on is missing, or the new side refused it.
    Invalid,  // The new domain cannot hold it (malformed legacy data).
  };
  Kind kind = Kind::Applied;
  std::string reason;
  // It arrived before a change it depends on (its property, or the
  // property change before it, or its own reservation's insert).
  bool out_of_order = false;
  // What to record with its outcome: the mapping it made, and for a property
  // change its change id as the property's last applied one.
  Bookkeeping bookkeeping;
};

class ChangeApplier {
 public:
  ChangeApplier(app::Platform& platform, MigrationStore& store)
      : m_platform(platform), m_store(store) {}

  // Applies `change`; `tries` counts this try (1 for the first).
  [[nodiscard]] Result<ApplyVerdict> apply(const legacy::Change& change, int tries);

 private:
  Result<ApplyVerdict> applyProperty(const legacy::Change& change, int tries);
  Result<ApplyVerdict> applyReservation(const legacy::Change& change, int tries);

  app::Platform& m_platform;
  MigrationStore& m_store;
};

}  // namespace staylab::migration
