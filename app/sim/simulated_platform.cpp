#include "app/sim/simulated_platform.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <system_error>
#include <tuple>

#include <unistd.h>

#include <fmt/format.h>

#include "app/platform/checks.h"
#include "app/platform/divergence.h"
#include "app/platform/pump.h"
#include "app/platform/seed.h"
#include "domain/ports/random.h"
#include "simulator/faults/delivery_fault_log.h"
#include "simulator/faults/faulty_ports.h"

namespace staylab::app {
namespace {

// The platform's clock at the start of seeding: 2026-01-01T00:00:00Z. The
// run's virtual time 0 is wherever seeding left the clock, plus a minute.
constexpr std::int64_t kSeedEpochNanos = 1'767'225'600LL * 1'000'000'000LL;

// The component names the decorators answer to: the `binds` names of the
// default topology.
constexpr std::string_view kListingDb = "listing-db";
constexpr std::string_view kBookingDb = "booking-db";
constexpr std::string_view kHistoryDb = "history-db";
constexpr std::string_view kSearchIndex = "search-index";
constexpr std::string_view kEventLog = "event-log";
constexpr std::string_view kRelay = "relay";
constexpr std::string_view kPaymentProvider = sim::kPaymentProviderPart;

// Returns how many events the dead-letter topics of `log` hold, each source
// event once however many consumers moved it there.
Result<std::uint64_t> countDeadLetters(EventLog& log) {
  std::set<std::tuple<std::string, std::int64_t, std::int64_t>> sources;
  for (const auto& [topic, partitions] : log.topics()) {
    if (!topic.ends_with(".dlq"))
      continue;
    for (int partition = 0; partition < partitions; ++partition) {
      std::int64_t offset = 0;
      while (true) {
        auto records = STAYLAB_TRY(log.read(topic, partition, offset, 4096));
        if (records.empty())
          break;
        for (const LogRecord& record : records) {
          const nlohmann::json& payload = record.event.payload;
          sources.emplace(payload.value("topic", std::string()),
                          payload.value("partition", std::int64_t{0}),
                          payload.value("offset", std::int64_t{0}));
        }
        offset = records.back().position.offset + 1;
      }
    }
  }
  return static_cast<std::uint64_t>(sources.size());
}
constexpr std::string_view kBookingQueue = "booking-queue";

}  // namespace

SimulatedPlatform::SimulatedPlatform(std::filesystem::path data_dir, sim::FaultBoard& faults,
                                     std::uint64_t seed)
    : m_data_dir(std::move(data_dir)),
      m_faults(faults),
      m_clock(kSeedEpochNanos),
      m_random(seed * 0x9E3779B97F4A7C15ULL + 7) {}

SimulatedPlatform::~SimulatedPlatform() {
  // The fault board may already be gone when the engine is torn down; close
  // the platform with every decorator passing through.
  m_faults.clearAll();
  m_members.clear();  // They read the platform's stores.
  m_rebuild.reset();
  m_migration.reset();  // It holds the platform.
  m_platform.reset();
  if (m_remove_on_close) {
    std::error_code ignored;
    std::filesystem::remove_all(m_data_dir, ignored);
  }
}

Result<std::unique_ptr<SimulatedPlatform>> SimulatedPlatform::open(
    const std::filesystem::path& data_dir, sim::FaultBoard& faults,
    const sim::PlatformBuild& build) {
  if (!build.payment && !build.saga) {
    return invalidInput("patterns.saga",
                        "the saga acts on bookings paid for, and the topology binds no {} (see "
                        "the `payments` topology): switching it off would change nothing",
                        sim::kPaymentProviderPart);
  }
  if (build.payment && !build.outbox) {
    return invalidInput("patterns.outbox",
                        "bookings paid for (a topology binding the payment provider) run with "
                        "the transactional outbox; switch one of the two off, not both");
  }
  std::unique_ptr<SimulatedPlatform> system(new SimulatedPlatform(data_dir, faults, faults.seed()));
  SimulatedPlatform* self = system.get();
  self->m_build = build;
  PlatformOptions options;
  options.patterns.query_model = build.cqrs ? QueryModel::ReadModel : QueryModel::Composition;
  options.patterns.publication =
      build.outbox ? EventPublication::Outbox : EventPublication::DualWrite;
  options.patterns.delivery =
      build.idempotent_consumers ? ConsumerDelivery::Idempotent : ConsumerDelivery::Naive;
  if (build.payment)
    options.payment = build.saga ? BookingPayment::Saga : BookingPayment::SagaWithoutCompensation;
  options.patterns.poison =
      PoisonPolicy{build.dead_letter ? PoisonHandling::DeadLetter : PoisonHandling::Block,
                   build.dead_letter_attempts};
  options.patterns.listing_cache.enabled = build.cache_aside;
  options.patterns.listing_cache.ttl_nanos = build.cache_ttl.count();
  options.patterns.listing_cache.invalidation =
      build.cache_invalidate_on_update ? CacheInvalidation::OnUpdate : CacheInvalidation::TtlOnly;
  options.patterns.booking_intake =
      build.load_leveling ? BookingIntake::Queued : BookingIntake::Synchronous;
  if (build.strangler_fig)
    options.extra_topics = migration::Migration::topics(build.migration.strategy);
  options.data_dir = data_dir;
  options.mode = OpenMode::InitialiseIfEmpty;
  options.clock = &system->m_clock;
  options.random = &system->m_random;
  // A crashed process loses what it held in memory; the durable state is the
  // stores', which Normal durability keeps across a process crash.
  options.durability = Durability::Normal;
  PortDecorators& decorators = options.decorators;
  decorators.listing_store = [&faults, self](std::unique_ptr<DocumentStore> inner) {
    self->m_raw_listings = inner.get();
    return sim::decorateWithFaults(std::move(inner), faults, std::string(kListingDb));
  };
  decorators.booking_store = [&faults, self](std::unique_ptr<BookingStore> inner) {
    self->m_raw_bookings = inner.get();
    return sim::decorateWithFaults(std::move(inner), faults, std::string(kBookingDb));
  };
  decorators.history_store = [&faults](std::unique_ptr<WideColumnStore> inner) {
    return sim::decorateWithFaults(std::move(inner), faults, std::string(kHistoryDb));
  };
  decorators.search_index = [&faults,
                             self](std::unique_ptr<TextIndex> inner) -> std::unique_ptr<TextIndex> {
    // Switchable, for a blue-green rebuild during the run.
    auto index = std::make_unique<SwitchableTextIndex>(
        sim::decorateWithFaults(std::move(inner), faults, std::string(kSearchIndex)));
    self->m_search_index = index.get();
    return index;
  };
  decorators.event_log = [&faults](std::unique_ptr<EventLog> inner) {
    return sim::decorateWithFaults(std::move(inner), faults, std::string(kEventLog));
  };
  decorators.payment_provider = [&faults](std::unique_ptr<PaymentProvider> inner) {
    return sim::decorateWithFaults(std::move(inner), faults, std::string(kPaymentProvider));
  };
  decorators.consumer_log = [&faults, self](EventLog& inner) -> std::unique_ptr<EventLog> {
    auto log = std::make_unique<sim::DeliveryFaultLog>(inner, faults, 0);
    self->m_delivery = log.get();
    return log;
  };
  decorators.event_publisher = [self](EventPublisher& inner) -> std::unique_ptr<EventPublisher> {
    auto publisher = std::make_unique<DeferredPublisher>(inner);
    self->m_publisher = publisher.get();
    return publisher;
  };
  system->m_platform = STAYLAB_TRY(Platform::open(options));
  // Every event a consumer applies, to count those it applies twice: across
  // crashes too, as the observer outlives the consumers.
  system->m_platform->setApplyObserver(
      [self](std::string_view consumer, const EventEnvelope& event) {
        auto applied = self->m_applied.find(consumer);
        if (applied == self->m_applied.end())
          applied = self->m_applied.emplace(std::string(consumer), std::set<std::string>()).first;
        if (!applied->second.insert(event.event_id).second)
          ++self->m_duplicates_applied;
      });
  if (build.strangler_fig)
    STAYLAB_TRY(system->openMigration());
  return system;
}

Result<void> SimulatedPlatform::seed(const sim::SeedData& data) {
  SeedOptions options;
  options.properties = data.properties;
  options.seed = data.seed;
  options.first_night = STAYLAB_TRY(Date::fromDays(kSeedEpochNanos / kNanosPerDay + 1));
  STAYLAB_TRY(seedDemoData(m_platform->gateway(), m_clock, options));
  STAYLAB_TRY(m_platform->pump().drain());
  m_epoch = m_clock.nowNanos() + 60'000'000'000LL;
  m_clock.set(m_epoch);
  if (m_delivery != nullptr)
    m_delivery->setEpochNanos(m_epoch);

  auto properties = STAYLAB_TRY(m_platform->gateway().listProperties(std::nullopt));
  m_properties.clear();
  for (const listing::Property& property : properties) {
    if (property.status == listing::PropertyStatus::Active)
      m_properties.push_back(Listing{property.id, property.city});
  }
  auto bookings =
      STAYLAB_TRY(m_platform->gateway().listBookings(Caller{"simulator", Role::Admin}, {}));
  for (const booking::Booking& booking : bookings) {
    if (booking.status == booking::BookingStatus::Confirmed)
      m_cancellable.push_back(booking.id);
  }
  if (m_properties.empty())
    return invalidInput("data.properties", "the seed data has no active listing");
  if (m_migration)
    STAYLAB_TRY(seedLegacy());
  return {};
}

void SimulatedPlatform::setTime(sim::Nanos now) {
  m_clock.set(m_epoch + now);
}

Result<std::size_t> SimulatedPlatform::step(std::string_view part, std::size_t batch) {
  if (std::find(m_crashed.begin(), m_crashed.end(), part) != m_crashed.end())
    return std::size_t{0};
  Platform& platform = *m_platform;
  if (migrationPart(part)) {
    if (part == migration::kConnectorPart)
      STAYLAB_TRY(m_faults.beforeCall("legacy-db"));  // It polls the legacy database.
    return m_migration->step(part, batch);
  }
  if (part == kRelay) {
    // A failed step may still have moved other outboxes' events.
    const std::size_t before = platform.relay().movedTotal();
    auto moved = platform.relay().step(batch);
    m_relayed += static_cast<std::int64_t>(platform.relay().movedTotal() - before);
    return moved;
  }
  if (part == kBookingQueue) {
    if (platform.bookingQueue() == nullptr)
      return invalidInput("part", "the platform books synchronously: no booking queue");
    return platform.bookingQueue()->drain(batch);
  }
  if (part == Platform::kConsumerNames[0])
    return stepSearch(batch);
  if (part == Platform::kConsumerNames[1])
    return platform.historyProjection().step(batch);
  if (part == Platform::kConsumerNames[2]) {
    const std::size_t consumed = STAYLAB_TRY(platform.fraudDetection().step(batch));
    // Its actions (FraudSuspected, MarkPropertyFraud) go out in the same
    // step, through a pump of its own: the platform's is down while another
    // consumer is crashed.
    Pump delivery(platform.relay(), {}, platform.fraudDetection(), platform.eventLog(),
                  platform.gateway(), Pump::Options{batch});
    STAYLAB_TRY(delivery.deliverFraudActions());
    return consumed;
  }
  return invalidInput("part", "no asynchronous part '{}'", part);
}

Result<sim::PartLag> SimulatedPlatform::lag(std::string_view part) {
  Platform& platform = *m_platform;
  sim::PartLag lag;
  if (migrationPart(part)) {
    const migration::MigrationLag behind = STAYLAB_TRY(m_migration->lag(part));
    lag.events = behind.behind;
    lag.end = behind.end;
    return lag;
  }
  if (part == kRelay) {
    const std::size_t listing = STAYLAB_TRY(platform.listingStore().outboxSize());
    const std::size_t booking = STAYLAB_TRY(platform.bookingStore().outboxSize());
    lag.events = static_cast<std::int64_t>(listing + booking);
    lag.end = m_relayed + lag.events;
    return lag;
  }
  if (part == kBookingQueue) {
    if (platform.bookingQueue() == nullptr)
      return invalidInput("part", "the platform books synchronously: no booking queue");
    const QueueDepth depth = STAYLAB_TRY(platform.bookingQueue()->depth());
    lag.events = depth.waiting;
    lag.end = depth.end;
    return lag;
  }
  // A consumer's end: the events of its topics in the log.
  std::vector<std::string> topics;
  CursorConsumer* consumer = nullptr;
  const bool down = m_crash_position.contains(part);
  if (part == Platform::kConsumerNames[0]) {
    topics = {"property", "booking"};
    consumer = down ? nullptr : &platform.searchProjection();
  } else if (part == Platform::kConsumerNames[1]) {
    topics = {"booking"};
    consumer = down ? nullptr : &platform.historyProjection();
  } else if (part == Platform::kConsumerNames[2]) {
    topics = {"property", "booking"};
  } else {
    return invalidInput("part", "no asynchronous part '{}'", part);
  }
  const auto partitions = platform.eventLog().topics();
  for (const std::string& topic : topics) {
    auto found = partitions.find(topic);
    if (found == partitions.end())
      continue;
    for (int partition = 0; partition < found->second; ++partition)
      lag.end += STAYLAB_TRY(platform.eventLog().endOffset(topic, partition));
  }
  if (auto crashed = m_crash_position.find(part); crashed != m_crash_position.end()) {
    // Down: nothing moves its position, while the log grows.
    lag.events = std::max<std::int64_t>(lag.end - crashed->second, 0);
  } else if (consumer != nullptr) {
    lag.events = STAYLAB_TRY(consumer->lag());
    // A blue-green rebuild under way: what it has left to replay.
    if (part == Platform::kConsumerNames[0] && m_rebuild && m_rebuild->builder)
      lag.events = std::max(lag.events, STAYLAB_TRY(m_rebuild->builder->lag()));
    if (consumer->heldPartitions() > 0)
      m_partitioned.insert(std::string(part));
    if (m_partitioned.contains(part)) {
      for (const PartitionLag& partition : STAYLAB_TRY(consumer->partitionLags())) {
        lag.partitions.push_back({fmt::format("{}/{}", partition.topic, partition.partition),
                                  partition.events, partition.end});
      }
    }
  } else {
    // Fraud detection keeps its offsets in memory (and in its store).
    std::int64_t position = 0;
    for (const auto& [key, offset] : platform.fraudDetection().offsets())
      position += offset;
    lag.events = std::max<std::int64_t>(lag.end - position, 0);
  }
  return lag;
}

Result<CursorConsumer*> SimulatedPlatform::member(std::string_view part, int member, int members) {
  if (part != m_build.competing_consumer || member < 0 || member >= members ||
      members > m_build.competing_instances) {
    return invalidInput("part", "no instance {} of {} of competing consumer '{}'", member, members,
                        part);
  }
  if (m_members.size() <= static_cast<std::size_t>(member))
    m_members.resize(static_cast<std::size_t>(member) + 1);
  auto& instance = m_members[static_cast<std::size_t>(member)];
  if (!instance)
    instance = STAYLAB_TRY(m_platform->makeProjection(part));
  instance->assign(member, members);
  return instance.get();
}

Result<sim::PartLag> SimulatedPlatform::memberLag(std::string_view part, int member, int members) {
  if (migrationPart(part)) {
    if (std::find(m_crashed.begin(), m_crashed.end(), part) != m_crashed.end())
      return lag(part);
    const migration::MigrationLag behind =
        STAYLAB_TRY(m_migration->memberLag(part, member, members));
    return sim::PartLag{behind.behind, behind.end, {}};
  }
  if (m_crash_position.contains(part))
    return lag(part);  // Down: no instance moves.
  CursorConsumer* consumer = STAYLAB_TRY(this->member(part, member, members));
  sim::PartLag lag;
  for (const PartitionLag& partition : STAYLAB_TRY(consumer->partitionLags())) {
    lag.events += partition.events;
    lag.end += partition.end;
  }
  return lag;
}

Result<std::size_t> SimulatedPlatform::stepMember(std::string_view part, int member, int members,
                                                  std::size_t batch) {
  if (std::find(m_crashed.begin(), m_crashed.end(), part) != m_crashed.end())
    return std::size_t{0};
  if (migrationPart(part))
    return m_migration->stepMember(part, member, members, batch);
  CursorConsumer* consumer = STAYLAB_TRY(this->member(part, member, members));
  return consumer->step(batch);
}

Result<void> SimulatedPlatform::crash(std::string_view part) {
  if (std::find(m_crashed.begin(), m_crashed.end(), part) != m_crashed.end())
    return {};
  if (migrationPart(part)) {
    STAYLAB_TRY(m_migration->crash(part));
    m_crashed.emplace_back(part);
    return {};
  }
  const sim::PartLag before = STAYLAB_TRY(lag(part));
  if (part != kRelay)
    STAYLAB_TRY(m_platform->dropConsumer(part));
  if (part == m_build.competing_consumer)
    m_members.clear();  // Every instance dies with what it held in memory.
  m_crashed.emplace_back(part);
  if (part != kRelay)
    m_crash_position.emplace(std::string(part), before.end - before.events);
  return {};
}

Result<void> SimulatedPlatform::restart(std::string_view part) {
  auto found = std::find(m_crashed.begin(), m_crashed.end(), part);
  if (found == m_crashed.end())
    return {};
  if (migrationPart(part)) {
    STAYLAB_TRY(m_migration->restart(part));
  } else if (part != kRelay) {
    STAYLAB_TRY(m_platform->reopenConsumer(part));
  }
  m_crashed.erase(found);
  m_crash_position.erase(std::string(part));
  return {};
}

Result<void> SimulatedPlatform::appendPoison(std::string_view topic, int count) {
  std::vector<EventEnvelope> events;
  for (int index = 0; index < count; ++index) {
    EventEnvelope event;
    event.event_id = newId(m_random, "evt");
    // A known type whose payload lacks every field a consumer needs.
    event.type = topic == "property" ? "PropertyCreated" : "BookingPlaced";
    event.aggregate_type = std::string(topic);
    event.aggregate_id = fmt::format("poison-{}", ++m_poison_serial);
    event.aggregate_version = 1;
    event.occurred_at_nanos = m_clock.nowNanos();
    event.correlation_id = event.event_id;
    event.causation_id = event.event_id;
    event.caller = "simulator";
    event.payload = nlohmann::json{{"poison", true}};
    events.push_back(std::move(event));
  }
  STAYLAB_TRY(m_platform->eventLog().append(events));
  return {};
}

std::vector<std::string> SimulatedPlatform::topics() const {
  std::vector<std::string> names;
  for (const auto& [topic, partitions] : m_platform->eventLog().topics())
    names.push_back(topic);
  return names;
}

Result<sim::InvariantResults> SimulatedPlatform::checkInvariants(
    const std::vector<std::string>& acknowledged) {
  for (const std::string& part : std::vector<std::string>(m_crashed))
    STAYLAB_TRY(restart(part));
  sim::InvariantResults results;
  if (booking::BookingSaga* saga = m_platform->bookingSaga()) {
    // The booking service's restart: it finishes the sagas left under way
    // (none without compensation, which keeps no saga table).
    STAYLAB_TRY(saga->recover(m_platform->newCommand("saga-recovery")));
  }
  // Partitions held at poison as the run ends, before the drain tries them again.
  std::uint64_t blocked = 0;
  for (CursorConsumer* projection :
       {&m_platform->searchProjection(), &m_platform->historyProjection()})
    blocked += projection->heldPartitions();
  for (const auto& instance : m_members)
    blocked += instance ? instance->heldPartitions() : 0;
  // Every booking the gateway accepted is placed before the checks: an
  // accepted command must not be lost.
  if (BookingQueue* queue = m_platform->bookingQueue()) {
    while (STAYLAB_TRY(queue->depth()).waiting > 0)
      STAYLAB_TRY(queue->drain(4096));
  }
  if (m_migration) {
    // The migration settles first: what CDC applies reaches the new side's
    // log, which the checks drain. Retries wait out their backoff on the clock.
    STAYLAB_TRY(m_migration->drain(
        [this](std::int64_t nanos) { m_clock.set(m_clock.nowNanos() + nanos); }));
  }
  const auto checks = STAYLAB_TRY(app::checkInvariants(*m_platform));  // Drains first.
  // The dead-letter topic's measures, in the runs where poison could reach
  // it (other runs keep their summary's bytes).
  const std::uint64_t dead_letters = STAYLAB_TRY(countDeadLetters(m_platform->eventLog()));
  if (m_poison_serial > 0 || !m_build.dead_letter || dead_letters > 0) {
    results.measures["dead_letters"] = dead_letters;
    results.measures["blocked_partitions"] = blocked;
  }
  // The rebuild's, in the runs that rebuilt (others keep their bytes).
  if (m_rebuild) {
    results.measures["rebuild_events"] = static_cast<std::uint64_t>(m_rebuild->events);
    if (m_rebuild->done_ns) {
      results.measures["rebuild_ms"] =
          static_cast<std::uint64_t>((*m_rebuild->done_ns - m_rebuild->started_ns) / 1'000'000);
    }
  }
  // What the patterns measure of the whole run, once quiet.
  results.measures["write_read_divergence"] = STAYLAB_TRY(measureDivergence(*m_platform)).total();
  results.measures["duplicates_applied"] = m_duplicates_applied;
  if (m_migration)
    STAYLAB_TRY(measureMigration(results));

  // Nights held by two confirmed bookings, counted from the bookings
  // themselves rather than trusting the store's unique index.
  auto bookings = STAYLAB_TRY(m_platform->bookings().list({}));
  std::map<std::pair<std::string, std::int32_t>, int> holders;
  std::map<std::string, booking::BookingStatus> status_of;
  for (const booking::Booking& booking : bookings) {
    status_of[booking.id] = booking.status;
    if (booking.status != booking::BookingStatus::Confirmed)
      continue;
    for (Date night = booking.check_in; night < booking.check_out; night = night.plusDays(1))
      ++holders[{booking.property_id, night.daysSinceEpoch()}];
  }
  for (const auto& [night, count] : holders)
    results.double_bookings += static_cast<std::uint64_t>(count > 1 ? count - 1 : 0);
  if (m_build.payment) {
    // Once quiet and recovered, a booking still Pending holds nights that
    // nobody paid for and nobody can book (the saga pattern's measure).
    std::uint64_t orphaned = 0;
    for (const booking::Booking& booking : bookings)
      orphaned += booking.status == booking::BookingStatus::Pending ? 1 : 0;
    results.measures["orphaned_holds"] = orphaned;
  }

  // An acknowledged booking must exist, confirmed or cancelled since.
  for (const std::string& id : acknowledged) {
    auto found = status_of.find(id);
    if (found == status_of.end() || (found->second != booking::BookingStatus::Confirmed &&
                                     found->second != booking::BookingStatus::Cancelled)) {
      ++results.lost_acknowledged;
    }
  }

  for (const CheckResult& check : checks) {
    if (check.passed)
      continue;
    if (check.name == "every committed event in the log" || check.name == "outboxes empty") {
      // "N events missing: ..." or the outbox rows left.
      std::uint64_t missing = 1;
      (void)std::sscanf(check.detail.c_str(), "%lu", &missing);
      results.undelivered_events += missing;
    } else if (check.name.find("equals a rebuild") != std::string::npos) {
      ++results.read_model_mismatches;
    } else if (check.name == "no night booked twice") {
      results.double_bookings = std::max<std::uint64_t>(results.double_bookings, 1);
    }
  }
  return results;
}

sim::SystemFactory simulatedPlatformFactory(std::filesystem::path parent, bool keep) {
  return [parent = std::move(parent), keep](
             sim::FaultBoard& faults,
             const sim::PlatformBuild& build) -> Result<std::unique_ptr<sim::SystemUnderTest>> {
    std::error_code error;
    std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path() : parent;
    std::filesystem::create_directories(base, error);
    // A fresh directory: a run never starts from another run's data.
    std::filesystem::path directory;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      directory = base / fmt::format("staylab-run-{}-{}", ::getpid(), attempt);
      if (std::filesystem::create_directory(directory, error))
        break;
      directory.clear();
    }
    if (directory.empty())
      return storeFailure("simulate.data_dir", "cannot create a run directory in {}",
                          base.string());
    auto system = SimulatedPlatform::open(directory, faults, build);
    if (!system) {
      std::filesystem::remove_all(directory, error);
      return std::unexpected(system.error());
    }
    (*system)->m_remove_on_close = !keep;
    return std::unique_ptr<sim::SystemUnderTest>(std::move(*system));
  };
}

}  // namespace staylab::app
