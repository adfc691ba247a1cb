#pragma once

// A strangler-fig migration from the legacy monolith to the new platform,
// wired over one data directory: the legacy database (legacy.db), change data
// capture into CDC topics of the platform's event log, the CDC processor (the
// anti-corruption layer: legacy rows in, the new contexts' commands out,
// through the new handlers), its retry and error topics, and the sync-back
// from the new contexts' events to the legacy tables.
//
//   legacy.db --triggers--> CDC_CHANGE --cdc-connector--> cdc.* topics
//     --cdc-processor (ACL)--> ListingService / BookingService (new stores, log)
//        \--cannot apply yet--> cdc.retry --cdc-retry (backoff)--> ... --> cdc.error
//   property, booking topics --sync-back (ACL)--> legacy.db (marked 'S')
//
// The parts are named as a topology binds them: "cdc-connector",
// "cdc-processor", "cdc-retry", "sync-back". Each keeps its position where it
// survives a crash (the connector in the log itself: the last change it
// published; the consumers in migration.db), and each effect is idempotent, so
// a crash at any point loses no change and applies none twice.
//
// Loop prevention: the sync-back marks its legacy writes 'S', and the
// connector does not capture them; the sync-back skips the events the CDC
// processor caused (their correlation id starts "cdc/"). Without it, every
// change comes back once as an echo (counted): the value-equal write it
// causes on the other side changes nothing there, so the echo dies out after
// one round instead of ping-ponging for ever.
//
// Thread safety: one thread drives a Migration (the simulator's engine, or a
// command); it holds references to the platform, which must outlive it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/legacy/legacy_monolith.h"
#include "domain/common/error.h"
#include "domain/common/strangler_fig.h"

namespace staylab::app {
class Platform;
}

namespace staylab::migration {

// The parts a topology binds.
inline constexpr std::string_view kConnectorPart = "cdc-connector";
inline constexpr std::string_view kProcessorPart = "cdc-processor";
inline constexpr std::string_view kRetryPart = "cdc-retry";
inline constexpr std::string_view kSyncBackPart = "sync-back";

// How far a part is behind: changes (connector) or records (consumers) not yet
// handled, of `end` in total.
struct MigrationLag {
  int64_t behind = 0;
  int64_t end = 0;
};

// What the migration measured, for summary.json, the report and the app.
struct MigrationMeasures {
  int64_t changes_captured = 0;     // CDC_CHANGE rows the CDC must carry (legacy's own).
  int64_t changes_applied = 0;      // Applied to the new side (or found applied already).
  int64_t retried = 0;              // Records appended to cdc.retry.
  int64_t errors = 0;               // Changes in cdc.error.
  int64_t pending_retry = 0;        // Changes waiting in cdc.retry now.
  int64_t ordering_violations = 0;  // Changes that arrived before one they depend on.
  int64_t duplicates = 0;           // Deliveries of a change already handled.
  int64_t echo_changes = 0;         // Changes that came back from the other side.
  int64_t synced_back = 0;          // New-side events written to the legacy tables.
  int64_t sync_conflicts = 0;       // New-side bookings the legacy refused (nights taken there).
  // Conservation: captured changes neither applied, nor waiting (in a CDC
  // topic or cdc.retry), nor in cdc.error. Must be 0.
  int64_t cdc_unaccounted = 0;
  // After convergence: listings and bookings that differ between the two
  // systems, compared through the anti-corruption layer's mapping.
  int64_t divergent_listings = 0;
  int64_t divergent_bookings = 0;
  // Nights held by a confirmed booking on each side that are not the same
  // booking (the two systems each sold the night).
  int64_t cross_system_double_bookings = 0;
};

class CdcConnector;
class CdcProcessor;
class RetryProcessor;
class SyncBack;
class MigrationStore;
class ChangeApplier;

class Migration {
 public:
  // The event log topics a migration needs, to pass to the platform when it
  // opens (PlatformOptions::extra_topics): the strategy's CDC topics,
  // cdc.retry and cdc.error.
  static std::map<std::string, int> topics(CdcStrategy strategy);

  // Opens the migration's stores in the platform's data directory
  // (legacy.db, migration.db), creating them as `creation` says. The platform
  // must have been opened with topics(options.strategy).
  [[nodiscard]] static Result<std::unique_ptr<Migration>> open(app::Platform& platform,
                                                               const MigrationSettings& options,
                                                               StoreCreation creation);
  ~Migration();

  // The initial load, before any route moves: copies every listing and
  // booking of the new platform into the empty legacy database through the
  // anti-corruption layer, marked as the sync's (so not captured), with each
  // legacy row's EXT_REF the new id. Both systems then hold the same data,
  // and the sync-back starts at the end of the log. The platform must be
  // drained (its outboxes relayed) first.
  [[nodiscard]] Result<void> loadLegacyFromPlatform();

  legacy::LegacyMonolith& legacy() { return *m_legacy; }
  // The PROP_NO of a new property id, or NotFound.
  [[nodiscard]] Result<int64_t> legacyProperty(std::string_view property_id);
  // The new booking id of a legacy reservation it has been mapped to, or
  // NotFound (not migrated yet).
  [[nodiscard]] Result<std::string> newBooking(int64_t res_no);

  // Whether every change the legacy made to the property `prop_no` and its
  // reservations is decided (applied, or given up on cdc.error): the moment
  // its writes may move to the new side without either system missing one.
  [[nodiscard]] Result<bool> caughtUp(int64_t prop_no);

  // One step of a part; returns the changes or records it handled.
  [[nodiscard]] Result<size_t> step(std::string_view part, size_t batch);
  [[nodiscard]] Result<MigrationLag> lag(std::string_view part);
  // Competing consumers of the CDC processor: a step of, and the lag of,
  // instance `member` of `members`, each reading the partitions dealt to it
  // (round-robin, dealt again when `members` changes). A firehose has one
  // partition: every instance but one idles.
  [[nodiscard]] Result<size_t> stepMember(std::string_view part, int member, int members,
                                          size_t batch);
  [[nodiscard]] Result<MigrationLag> memberLag(std::string_view part, int member, int members);
  // A crash of a part's process (it loses what it held in memory) and its
  // restart from what it stored. NotFound for another name.
  [[nodiscard]] Result<void> crash(std::string_view part);
  [[nodiscard]] Result<void> restart(std::string_view part);
  // Steps every part until none moves (bounded; StoreFailure "migration.drain"
  // when it does not settle), waiting out retry backoffs through `advance`,
  // which moves the platform's clock forward by the given nanos.
  // Returns the steps taken.
  [[nodiscard]] Result<size_t> drain(const std::function<void(int64_t)>& advance);

  // The measures, as the stores and the log hold them now.
  [[nodiscard]] Result<MigrationMeasures> measure();

 private:
  Migration(app::Platform& platform, const MigrationSettings& options);
  app::Platform& m_platform;
  MigrationSettings m_options;
  std::unique_ptr<legacy::LegacyMonolith> m_legacy;
  std::unique_ptr<MigrationStore> m_store;
  std::unique_ptr<ChangeApplier> m_applier;
  std::unique_ptr<CdcConnector> m_connector;
  std::unique_ptr<CdcProcessor> m_processor;
  std::unique_ptr<RetryProcessor> m_retry;
  std::unique_ptr<SyncBack> m_sync_back;
  // The CDC processor's competing instances, made as first stepped; gone
  // while it is crashed.
  std::vector<std::unique_ptr<CdcProcessor>> m_members;
  Result<CdcProcessor*> member(std::string_view part, int member, int members);
  // The change the capture starts after (the initial load's last).
  Result<int64_t> captureStart();
};

}  // namespace staylab::migration
