#pragma once

// The real platform as the simulator's system under test (simulator/engine/
// system.h): a Platform opened in its own data directory, its store ports
// wrapped in the fault decorators of simulator/faults and its consumers
// reading the log through the delivery faults, with a ManualClock the engine
// sets to virtual time and a SeededRandom from the run's seed, so a run in
// `model` mode is reproducible.
//
// Built as the platform patterns ask (sim::PlatformBuild): without CQRS a
// search is an API composition in two phases (the listing store's query,
// then the booking store's availability); without the outbox a write is a
// dual write in two phases (the commit, then the append to the log, which
// the engine may never get to); without idempotent consumers the
// projections and fraud detection are naive. With cache-aside a view asks
// the listing service's cache first, in a phase of its own, and reads the
// listing store only on a miss; with load leveling a booking is queued and
// answered "accepted", a worker drains the queue (the part booking-queue)
// and the client polls its status. It measures, apart from what
// it runs and without touching the fault board: stale reads (a search
// answer offering nights the booking store already holds), what the read
// models miss of the write stores after the run, and events a consumer
// applied more than once.
//
// With a payment provider bound (PlatformBuild::payment) a booking is paid
// for, in three phases: the saga's hold at the booking store, the charge at
// the provider (its faults through a decorator of the provider's port),
// then the confirmation or the compensation at the booking store. Without
// the saga's compensation a failed charge ends the request and its hold
// stays: the run counts those holds left once quiet (orphaned_holds).
// applied more than once, cache hits and stale views (a view older than the
// listing store's revision).

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/migration/migration.h"
#include "app/platform/gateway.h"
#include "app/platform/platform.h"
#include "app/sim/deferred_publisher.h"
#include "app/sim/switchable_text_index.h"
#include "domain/ports/clock.h"
#include "domain/ports/random.h"
#include "simulator/engine/engine.h"
#include "simulator/engine/system.h"
#include "simulator/faults/delivery_fault_log.h"
#include "simulator/faults/fault_board.h"

namespace staylab::app {

class SimulatedPlatform final : public sim::SystemUnderTest {
 public:
  // Opens a platform built as `build` asks in `data_dir`, which must be
  // empty or missing.
  [[nodiscard]] static Result<std::unique_ptr<SimulatedPlatform>> open(
      const std::filesystem::path& data_dir, sim::FaultBoard& faults,
      const sim::PlatformBuild& build);
  ~SimulatedPlatform() override;

  Result<void> seed(const sim::SeedData& data) override;
  int propertyCount() const override { return static_cast<int>(m_properties.size()); }
  Result<void> reconfigure(const sim::PlatformBuild& build) override;
  void setTime(sim::Nanos now) override;
  int phases(sim::UserOperation operation, const sim::PlatformBuild& build) const override;
  sim::OperationOutcome execute(sim::UserOperation operation, int property_rank,
                                sim::Generator& random) override;
  Backend route(sim::UserOperation operation, int property_rank, sim::Generator& random) override;
  sim::OperationOutcome executeOn(Backend backend, sim::UserOperation operation, int property_rank,
                                  sim::Generator& random) override;
  sim::OperationOutcome resume(std::uint64_t pending) override;
  sim::PolledStatus poll(std::string_view status_id) override;
  void abandon(std::uint64_t pending) override;
  Result<std::size_t> step(std::string_view part, std::size_t batch) override;
  Result<sim::PartLag> lag(std::string_view part) override;
  Result<sim::PartLag> memberLag(std::string_view part, int member, int members) override;
  Result<std::size_t> stepMember(std::string_view part, int member, int members,
                                 std::size_t batch) override;
  Result<void> crash(std::string_view part) override;
  Result<void> restart(std::string_view part) override;
  Result<void> appendPoison(std::string_view topic, int count) override;
  Result<void> rebuild(std::string_view part, std::optional<sim::RebuildMode> mode) override;
  std::vector<std::string> topics() const override;
  Result<sim::InvariantResults> checkInvariants(
      const std::vector<std::string>& acknowledged) override;

  Platform& platform() { return *m_platform; }
  const std::filesystem::path& dataDir() const { return m_data_dir; }

 private:
  static constexpr std::int64_t kNanosPerDay = 86'400'000'000'000LL;

  struct Listing {
    std::string id;
    std::string city;
  };
  // An operation between two of its phases.
  struct Pending {
    SearchQuery query;                  // A composed search: its query and
    std::vector<SearchHit> candidates;  // the listings that matched it.
    std::vector<EventEnvelope> events;  // A dual write: the events still to append.
    // A booking paid for: the saga's held booking, its context, and the
    // charge's outcome once charged (the last phase confirms or compensates).
    std::optional<booking::HeldBooking> held;
    std::optional<CommandContext> context;
    std::optional<Result<payment::Charge>> charged;
    std::string view;  // A view the cache missed: the listing to read.
  };
  // Runs a user operation's first (or only) phase.
  sim::OperationOutcome search(sim::Generator& random, const Listing& listing);
  // Runs a booking paid for: its saga's first step (the hold).
  sim::OperationOutcome bookWithPayment(const booking::PlaceBooking& command);
  // Runs the saga's next step of a booking paid for.
  sim::OperationOutcome resumeSaga(Pending operation);
  // Runs a write through the gateway; without the outbox, its events wait
  // for the next phase.
  template <typename Write>
  sim::OperationOutcome write(Write&& run);
  // Keeps a pending operation; returns its handle.
  sim::OperationOutcome pending(Pending operation);
  // The answer to a search, with whether it was stale.
  sim::OperationOutcome answered(const SearchPage& page, const SearchQuery& query);
  // The answer to a view through the cache (cache-aside), with whether it
  // showed an older revision than the listing store holds.
  sim::OperationOutcome viewed(const listing::Property& property);
  // Runs a view as the platform is built: through the cache, first asking
  // it alone (a hit completes the view), or straight from the store.
  sim::OperationOutcome view(const Listing& listing);
  SimulatedPlatform(std::filesystem::path data_dir, sim::FaultBoard& faults, std::uint64_t seed);

  // The strangler fig (simulated_migration.cpp). A user operation served by
  // the legacy monolith, on the listing of popularity rank `rank`.
  sim::OperationOutcome executeLegacy(sim::UserOperation operation, std::size_t rank,
                                      sim::Generator& random);
  // Opens the migration beside the platform (PlatformBuild::strangler_fig).
  Result<void> openMigration();
  // After seeding: the legacy database loaded with the same data.
  Result<void> seedLegacy();
  // Whether `part` is one of the migration's (cdc-connector, ...).
  bool migrationPart(std::string_view part) const;
  // Drains the migration and adds its measures to `results`.
  Result<void> measureMigration(sim::InvariantResults& results);
  std::unique_ptr<migration::Migration> m_migration;
  std::vector<std::int64_t> m_prop_nos;            // PROP_NO by popularity rank.
  std::vector<std::int64_t> m_legacy_cancellable;  // Reservations the legacy confirmed.
  // Writes the façade would send new that stayed on legacy until their
  // property's changes were migrated.
  std::uint64_t m_writes_held = 0;

  std::filesystem::path m_data_dir;
  sim::FaultBoard& m_faults;
  ManualClock m_clock;
  SeededRandom m_random;
  std::int64_t m_epoch = 0;                     // Clock reading at virtual time 0.
  sim::DeliveryFaultLog* m_delivery = nullptr;  // Owned by the platform.
  std::unique_ptr<Platform> m_platform;
  std::vector<Listing> m_properties;       // By popularity rank.
  std::vector<std::string> m_cancellable;  // Confirmed bookings, for cancels.
  std::int64_t m_relayed = 0;              // Outbox rows the relay moved so far.
  std::vector<std::string> m_crashed;      // Parts down now.
  std::map<std::string, std::int64_t, std::less<>> m_crash_position;  // Consumed when it died.
  // The instances of the competing consumer (m_build.competing_consumer), made
  // as they are first stepped, each given its share before each call; gone
  // while the consumer is crashed.
  std::vector<std::unique_ptr<CursorConsumer>> m_members;
  // Returns instance `member` of the competing consumer, made on first use,
  // dealt its share of the partitions among `members`.
  Result<CursorConsumer*> member(std::string_view part, int member, int members);
  // A rebuild of the search read model under way, or done (FaultKind::Rebuild;
  // simulated_rebuild.cpp).
  struct Rebuild {
    sim::RebuildMode mode = sim::RebuildMode::InPlace;
    std::int64_t started_ns = 0;  // The platform's clock.
    std::int64_t events = 0;      // Events of its topics in the log then.
    std::optional<std::int64_t> done_ns;
    // Blue-green: the index built beside the live one, and its builder.
    std::unique_ptr<TextIndex> green;
    std::unique_ptr<CursorConsumer> builder;
  };
  // Steps the search projection, and a rebuild's builder; ends the rebuild
  // once it has caught up (a blue-green one switches the index).
  Result<std::size_t> stepSearch(std::size_t batch);
  // Returns whether searches are answered from an index rebuilt in place
  // that has not caught up yet.
  bool partialIndex() const;
  std::optional<Rebuild> m_rebuild;
  int m_rebuilds = 0;
  SwitchableTextIndex* m_search_index = nullptr;  // Owned by the platform.
  // Consumers that have been held at poison: their lag is given per partition.
  std::set<std::string, std::less<>> m_partitioned;
  std::int64_t m_poison_serial = 0;
  bool m_remove_on_close = false;
  sim::PlatformBuild m_build;
  // The booking store under its fault decorator: the simulator's own reads
  // (stale reads), which no fault and no latency touch. Owned by the platform.
  BookingStore* m_raw_bookings = nullptr;
  // The listing store under its fault decorator, for stale views likewise.
  DocumentStore* m_raw_listings = nullptr;
  DeferredPublisher* m_publisher = nullptr;  // Owned by the platform.
  std::map<std::uint64_t, Pending> m_pending;
  std::uint64_t m_last_pending = 0;
  // The events each consumer applied, to count those applied twice.
  std::map<std::string, std::set<std::string>, std::less<>> m_applied;
  std::uint64_t m_duplicates_applied = 0;

  friend sim::SystemFactory simulatedPlatformFactory(std::filesystem::path parent, bool keep);
};

// The SystemFactory of an engine: a SimulatedPlatform in a fresh directory
// under `parent` (a new temporary directory when empty). The directory is
// removed with the platform unless `keep` is set.
sim::SystemFactory simulatedPlatformFactory(std::filesystem::path parent, bool keep);

}  // namespace staylab::app
