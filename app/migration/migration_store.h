#pragma once

// The migration's own bookkeeping, in migration.db beside the platform's
// stores: each consumer's offsets, each change's outcome, the
// anti-corruption layer's id mapping, the last property change applied per
// property, and the counters the measures read. A consumer commits an
// outcome with its mapping and counters in one transaction, after the
// effect it records (whose idempotence makes a crash in between harmless).
//
// Errors: StoreFailure when SQLite fails. Thread safety: not thread-safe;
// one Migration drives it.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "domain/common/store_creation.h"

namespace staylab::sqlite {
class Database;
}

namespace staylab::migration {

// What became of a change.
enum class Outcome : char {
  Applied = 'A',  // Its effect is on the new side (or was already).
  Failed = 'E',   // Given up: it is on cdc.error.
};

// A legacy row and the new aggregate it is: kind 'P' (PROP_NO, property id)
// or 'R' (RES_NO, booking id).
struct IdMapping {
  char kind = 'P';
  int64_t legacy_key = 0;
  std::string new_id;
};

// Counters the measures read; each named by a constant below.
inline constexpr std::string_view kOrderingViolations = "ordering_violations";
inline constexpr std::string_view kDuplicates = "duplicates";
inline constexpr std::string_view kEchoChanges = "echo_changes";
inline constexpr std::string_view kRetried = "retried";
inline constexpr std::string_view kSyncedBack = "synced_back";
inline constexpr std::string_view kSyncConflicts = "sync_conflicts";
// Not a count: the change the capture starts after, set once by the initial load.
inline constexpr std::string_view kCaptureStart = "capture_start";

// One transaction's worth of bookkeeping.
struct Bookkeeping {
  struct Offset {
    std::string consumer;
    std::string topic;
    int partition = 0;
    int64_t next = 0;
  };
  struct Decided {
    int64_t change_id = 0;
    int64_t prop_no = 0;  // The property the change belongs to.
    bool own = true;      // The legacy's own change, not the sync-back's come back.
    Outcome outcome = Outcome::Applied;
    int tries = 0;
    std::string reason;
  };
  std::vector<Offset> offsets;
  std::vector<Decided> outcomes;
  std::vector<IdMapping> mappings;
  std::map<int64_t, int64_t> property_changes;         // PROP_NO -> change id applied.
  std::map<std::string, int64_t, std::less<>> counts;  // Added to the counters.

  bool empty() const {
    return offsets.empty() && outcomes.empty() && mappings.empty() && property_changes.empty() &&
           counts.empty();
  }
};

class MigrationStore {
 public:
  [[nodiscard]] static Result<std::unique_ptr<MigrationStore>> open(
      const std::filesystem::path& path, StoreCreation creation);
  ~MigrationStore();

  [[nodiscard]] Result<void> commit(const Bookkeeping& bookkeeping);

  // The next offset `consumer` reads of (topic, partition): 0 when none.
  [[nodiscard]] Result<int64_t> offset(std::string_view consumer, std::string_view topic,
                                       int partition);
  [[nodiscard]] Result<std::optional<Outcome>> outcome(int64_t change_id);
  // How many of the legacy's own changes of the property `prop_no` (and its
  // reservations) are decided.
  [[nodiscard]] Result<int64_t> decidedOf(int64_t prop_no);
  // Every decided change: change id -> outcome.
  [[nodiscard]] Result<std::map<int64_t, Outcome>> outcomes();
  [[nodiscard]] Result<std::optional<std::string>> newId(char kind, int64_t legacy_key);
  [[nodiscard]] Result<std::optional<int64_t>> legacyKey(char kind, std::string_view new_id);
  [[nodiscard]] Result<std::vector<IdMapping>> mappings(char kind);
  // The last PROPERTY change applied of `prop_no`; 0 when none.
  [[nodiscard]] Result<int64_t> lastPropertyChange(int64_t prop_no);
  [[nodiscard]] Result<std::map<std::string, int64_t, std::less<>>> counters();

 private:
  explicit MigrationStore(std::unique_ptr<sqlite::Database> db);
  std::unique_ptr<sqlite::Database> m_db;
};

}  // namespace staylab::migration
