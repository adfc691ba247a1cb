#include "app/platform/platform.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>

#include "events/history_projection.h"
#include "events/log_event_publisher.h"
#include "events/nats_event_log.h"
#include "events/rocksdb_event_log.h"
#include "events/search_projection.h"
#include "stores/document/sqlite_document_store.h"
#include "stores/payment/sandbox_payment_provider.h"
#include "stores/payment/sqlite_payment_ledger.h"
#include "stores/postgres/postgres_booking_store.h"
#include "stores/relational/sqlite_booking_store.h"
#include "stores/text/xapian_text_index.h"
#include "stores/wide_column/rocksdb_wide_column_store.h"

namespace staylab::app {
namespace {

class SystemClock final : public Clock {
 public:
  int64_t nowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// Answers the booking context's questions about listings from the listing service.
class ListingPropertyDirectory final : public PropertyDirectory {
 public:
  explicit ListingPropertyDirectory(listing::ListingService& listing) : m_listing(listing) {}
  Result<PropertySnapshot> find(std::string_view property_id) override {
    auto property = STAYLAB_TRY(m_listing.get(property_id));
    return PropertySnapshot{property.id,       property.host_id,
                            property.capacity, property.price_minor,
                            property.currency, property.status == listing::PropertyStatus::Active};
  }

 private:
  listing::ListingService& m_listing;
};

// What a data directory holds; the read models among them can be rebuilt.
constexpr std::array<const char*, 7> kStoreEntries = {
    "listing.db", "booking.db", "events", "history", "search", "fraud", "engines.json"};
constexpr std::array<const char*, 3> kReadModelEntries = {"history", "search", "fraud"};
// Partitions of each dead-letter topic: one, so its letters read in the order written.
constexpr int kDeadLetterPartitions = 1;

// Adds the dead-letter topic of each topic the consumers read (PoisonHandling).
void addDeadLetterTopics(std::map<std::string, int>& topics) {
  for (const char* topic : {"property", "booking"})
    topics.emplace(deadLetterTopic(topic), kDeadLetterPartitions);
}

struct Creation {
  StoreCreation writes = StoreCreation::OpenExisting;
  StoreCreation read_models = StoreCreation::OpenExisting;
};

// Decides which stores the open may create, creating the data directory
// itself only when it initialises one.
Result<Creation> prepareDataDir(const std::filesystem::path& data_dir, OpenMode mode) {
  if (data_dir.empty()) {
    return invalidInput("data", "the data directory must not be empty");
  }
  std::error_code error;
  bool exists = std::filesystem::exists(data_dir, error);
  if (error) {
    return storeFailure("platform.data_dir", "cannot look at {}: {}", data_dir.string(),
                        error.message());
  }
  if (exists && !std::filesystem::is_directory(data_dir, error)) {
    return invalidInput("data", "{} is not a directory", data_dir.string());
  }
  bool empty = !exists || std::filesystem::is_empty(data_dir, error);
  if (mode == OpenMode::InitialiseIfEmpty && empty) {
    std::filesystem::create_directories(data_dir, error);
    if (error) {
      return storeFailure("platform.data_dir", "cannot create data directory {}: {}",
                          data_dir.string(), error.message());
    }
    return Creation{StoreCreation::CreateIfMissing, StoreCreation::CreateIfMissing};
  }
  if (!exists) {
    return invalidInput("data",
                        "there is no data directory at {}; a command that writes (or `seed`) "
                        "initialises one",
                        data_dir.string());
  }
  bool holds_any = std::any_of(kStoreEntries.begin(), kStoreEntries.end(), [&](const char* entry) {
    std::error_code ignored;
    return std::filesystem::exists(data_dir / entry, ignored);
  });
  if (!holds_any && !empty) {
    return invalidInput("data",
                        "{} is not a Staylab data directory (it holds none of listing.db, "
                        "booking.db, events/, history/, search/, fraud/) and is not empty",
                        data_dir.string());
  }
  if (!holds_any) {
    return invalidInput("data",
                        "the data directory {} is empty; a command that writes (or "
                        "`seed`) initialises it",
                        data_dir.string());
  }
  return Creation{StoreCreation::OpenExisting, mode == OpenMode::RebuildReadModels
                                                   ? StoreCreation::CreateIfMissing
                                                   : StoreCreation::OpenExisting};
}

// Opens fraud/fraud.db. A fraud/ that holds only the JSON snapshot of an
// older Staylab is named as such: `rebuild` makes the store from the log.
Result<std::unique_ptr<fraud::SqliteFraudStateStore>> openFraudStore(const PlatformOptions& options,
                                                                     StoreCreation creation) {
  const std::filesystem::path directory = options.data_dir / "fraud";
  const std::filesystem::path path = directory / std::string(fraud::kFraudDatabaseName);
  std::error_code error;
  if (creation == StoreCreation::CreateIfMissing) {
    std::filesystem::create_directories(directory, error);
    if (error) {
      return storeFailure("fraud.io", "cannot create directory {}: {}", directory.string(),
                          error.message());
    }
  } else if (!std::filesystem::exists(path, error)) {
    if (std::filesystem::exists(directory / "fraud_snapshot.json", error)) {
      return storeFailure("fraud.old_format",
                          "{} holds fraud_snapshot.json, the format of an older Staylab, and no "
                          "{}; `staylab-cli rebuild` makes it from the event log",
                          directory.string(), fraud::kFraudDatabaseName);
    }
    if (std::filesystem::is_directory(directory, error)) {
      return storeFailure("fraud.missing",
                          "{} is missing: fraud detection's state is never re-created by a "
                          "command; `staylab-cli rebuild` makes it again from the event log",
                          path.string());
    }
  }
  fraud::SqliteFraudStateStore::Options store;
  store.path = path;
  store.sync = options.durability == Durability::Full ? sqlite::Sync::Full : sqlite::Sync::Normal;
  store.creation = creation;
  return fraud::SqliteFraudStateStore::open(store);
}

}  // namespace

std::filesystem::path defaultDataDir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "staylab";
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::filesystem::path(home) / ".local" / "share" / "staylab";
  }
  return std::filesystem::current_path() / "staylab-data";
}

Platform::~Platform() {
  for (Consumer* projection : {m_search_projection.get(), m_history_projection.get()}) {
    if (projection) {
      (void)projection->flush();
    }
  }
  if (m_fraud) {
    (void)m_fraud->flush();
  }
}

std::vector<std::string> Platform::topicNames() {
  std::vector<std::string> names;
  for (const auto& [topic, partitions] : RocksDbEventLog::Options().topics)
    names.push_back(topic);
  return names;
}

Result<std::unique_ptr<EventLog>> Platform::openEventLog(const std::filesystem::path& data_dir,
                                                         const ServerEngines& servers) {
  STAYLAB_TRY(prepareDataDir(data_dir, OpenMode::Existing));
  const EngineRecord engines =
      STAYLAB_TRY(settleEngines(data_dir, servers, StoreCreation::OpenExisting));
  if (engines.nats) {
    std::map<std::string, int> topics = NatsEventLog::Options().topics;
    addDeadLetterTopics(topics);
    return std::unique_ptr<EventLog>(
        STAYLAB_TRY(openNatsEventLog(engines, servers, topics, StoreCreation::OpenExisting)));
  }
  RocksDbEventLog::Options log;
  log.directory = data_dir / "events";
  log.creation = StoreCreation::OpenExisting;
  // The topics open() has; those recorded by other opens (a queue's, a
  // migration's) are served too.
  addDeadLetterTopics(log.topics);
  return std::unique_ptr<EventLog>(STAYLAB_TRY(RocksDbEventLog::open(log)));
}

Result<std::unique_ptr<Platform>> Platform::open(const PlatformOptions& options) {
  auto creation = STAYLAB_TRY(prepareDataDir(options.data_dir, options.mode));
  const EngineRecord engines =
      STAYLAB_TRY(settleEngines(options.data_dir, options.servers, creation.writes));
  std::unique_ptr<Platform> platform(new Platform());
  platform->m_data_dir = options.data_dir;
  platform->m_engine_name = engines.name;
  platform->m_patterns = options.patterns;
  // Initialising creates every store, so that later opens find them all; a
  // dual write and a queue append to the log; a rebuild makes every read model.
  PlatformParts& parts = platform->m_parts;
  parts = options.parts;
  if (creation.writes == StoreCreation::CreateIfMissing ||
      options.mode == OpenMode::RebuildReadModels ||
      options.patterns.publication == EventPublication::DualWrite ||
      options.patterns.booking_intake == BookingIntake::Queued) {
    parts = PlatformParts::all();
  }
  parts.event_log = parts.event_log || parts.fraud;
  if (options.clock) {
    platform->m_clock = options.clock;
  } else {
    platform->m_owned_clock = std::make_unique<SystemClock>();
    platform->m_clock = platform->m_owned_clock.get();
  }
  if (options.random) {
    platform->m_random = options.random;
  } else {
    platform->m_owned_random = std::make_unique<SeededRandom>(
        std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32));
    platform->m_random = platform->m_owned_random.get();
  }
  auto sync = options.durability == Durability::Full ? sqlite::Sync::Full : sqlite::Sync::Normal;

  const PortDecorators& decorators = options.decorators;
  auto decorate = [](auto engine, auto*& keep, const auto& decorator) {
    keep = engine.get();
    using Port = typename std::remove_reference_t<decltype(decorator)>::result_type::element_type;
    std::unique_ptr<Port> port = std::move(engine);
    return decorator ? decorator(std::move(port)) : std::move(port);
  };
  // The write stores and the log first: a read model is deleted for a
  // rebuild only once they have opened. Those on servers open first.
  if (engines.postgres) {
    platform->m_booking_store =
        decorate(STAYLAB_TRY(openPostgresBookingStore(engines, options.servers, creation.writes)),
                 platform->m_postgres_engine, decorators.booking_store);
  } else {
    platform->m_booking_store = decorate(
        STAYLAB_TRY(
            SqliteBookingStore::open({options.data_dir / "booking.db", sync, creation.writes})),
        platform->m_booking_engine, decorators.booking_store);
  }
  if (parts.event_log) {
    std::map<std::string, int> topics = RocksDbEventLog::Options().topics;
    if (options.patterns.booking_intake == BookingIntake::Queued)
      topics.emplace(std::string(BookingQueue::kTopic), BookingQueue::kPartitions);
    for (const auto& [topic, partitions] : options.extra_topics)
      topics.emplace(topic, partitions);
    addDeadLetterTopics(topics);
    if (engines.nats) {
      platform->m_event_log =
          decorate(STAYLAB_TRY(openNatsEventLog(engines, options.servers, topics, creation.writes)),
                   platform->m_nats_engine, decorators.event_log);
    } else {
      RocksDbEventLog::Options log;
      log.directory = options.data_dir / "events";
      log.topics = topics;
      log.creation = creation.writes;
      log.sync = options.durability == Durability::Full ? RocksDbEventLog::Sync::Full
                                                        : RocksDbEventLog::Sync::Normal;
      platform->m_event_log = decorate(STAYLAB_TRY(RocksDbEventLog::open(log)),
                                       platform->m_log_engine, decorators.event_log);
    }
    if (decorators.consumer_log) {
      platform->m_consumer_log = decorators.consumer_log(*platform->m_event_log);
    }
  }
  // A data directory initialised on servers says so only once they answered
  // (engines.json), and before any file of its own is made: an unreachable
  // server leaves nothing behind that a retry would take for a data directory.
  if (creation.writes == StoreCreation::CreateIfMissing) {
    STAYLAB_TRY(recordEngines(options.data_dir, engines));
  }
  platform->m_listing_store = decorate(
      STAYLAB_TRY(
          SqliteDocumentStore::open({options.data_dir / "listing.db", sync, creation.writes})),
      platform->m_listing_engine, decorators.listing_store);
  if (options.mode == OpenMode::RebuildReadModels) {
    for (const char* read_model : kReadModelEntries) {
      std::error_code error;
      std::filesystem::remove_all(options.data_dir / read_model, error);
      if (error) {
        return storeFailure("platform.rebuild", "cannot delete {} for its rebuild: {}",
                            (options.data_dir / read_model).string(), error.message());
      }
    }
  }
  if (parts.history) {
    RocksDbWideColumnStore::Options history;
    history.directory = options.data_dir / "history";
    history.families = HistoryProjection::families();
    history.creation = creation.read_models;
    platform->m_history_store = decorate(STAYLAB_TRY(RocksDbWideColumnStore::open(history)),
                                         platform->m_history_engine, decorators.history_store);
  }
  if (parts.search) {
    XapianTextIndex::Options search;
    search.directory = options.data_dir / "search";
    search.sync = options.durability == Durability::Full ? XapianTextIndex::Sync::Full
                                                         : XapianTextIndex::Sync::Normal;
    search.creation = creation.read_models;
    platform->m_search_index = decorate(STAYLAB_TRY(XapianTextIndex::open(search)),
                                        platform->m_search_engine, decorators.search_index);
  }
  if (parts.fraud) {
    platform->m_fraud_store = STAYLAB_TRY(openFraudStore(options, creation.read_models));
  }
  if (parts.event_log) {
    platform->m_log_publisher = std::make_unique<LogEventPublisher>(*platform->m_event_log);
    platform->m_event_publisher = platform->m_log_publisher.get();
    if (decorators.event_publisher) {
      platform->m_publisher_decorator = decorators.event_publisher(*platform->m_log_publisher);
      platform->m_event_publisher = platform->m_publisher_decorator.get();
    }
  }
  const EventPublishing publishing = options.patterns.publication == EventPublication::DualWrite
                                         ? EventPublishing::dualWrite(*platform->m_event_publisher)
                                         : EventPublishing();

  platform->m_listing = std::make_unique<listing::ListingService>(
      *platform->m_listing_store, *platform->m_clock, *platform->m_random, publishing);
  STAYLAB_TRY(platform->m_listing->prepare());
  if (options.patterns.listing_cache.enabled) {
    platform->m_listing_cache =
        std::make_unique<listing::ListingCache>(*platform->m_clock, options.patterns.listing_cache);
    platform->m_listing->useCache(platform->m_listing_cache.get());
  }
  platform->m_directory = std::make_unique<ListingPropertyDirectory>(*platform->m_listing);
  platform->m_bookings = std::make_unique<booking::BookingService>(
      *platform->m_booking_store, *platform->m_directory, *platform->m_clock, *platform->m_random,
      publishing);

  if (options.payment != BookingPayment::None) {
    auto ledger = STAYLAB_TRY(
        SqlitePaymentLedger::open({options.data_dir / "payment.db", sync, creation.writes}));
    platform->m_payment_engine = ledger.get();
    platform->m_payment_ledger = std::move(ledger);
    std::unique_ptr<PaymentProvider> provider = std::make_unique<SandboxPaymentProvider>();
    platform->m_payment_provider = decorators.payment_provider
                                       ? decorators.payment_provider(std::move(provider))
                                       : std::move(provider);
    platform->m_payments = std::make_unique<payment::PaymentService>(
        *platform->m_payment_ledger, *platform->m_payment_provider, *platform->m_clock);
    platform->m_saga = std::make_unique<booking::BookingSaga>(
        *platform->m_bookings, *platform->m_booking_store, *platform->m_payments,
        *platform->m_clock,
        options.payment == BookingPayment::Saga ? booking::Compensation::Compensate
                                                : booking::Compensation::None);
  }

  if (parts.event_log) {
    platform->m_relay = std::make_unique<OutboxRelay>(
        std::vector<OutboxRelay::Source>{{"listing", platform->m_listing_store.get()},
                                         {"booking", platform->m_booking_store.get()}},
        *platform->m_event_log);
  }
  platform->m_keys = STAYLAB_TRY(KeyRing::open(options.data_dir / kKeyFileName));
  platform->m_composed_search =
      std::make_unique<ComposedSearch>(*platform->m_listing_store, *platform->m_booking_store);
  platform->m_gateway = std::make_unique<Gateway>(
      *platform->m_listing, *platform->m_bookings, *platform->m_random,
      platform->m_search_index.get(), *platform->m_composed_search, options.patterns.query_model);
  platform->m_gateway->setBookingSaga(platform->m_saga.get());
  if (platform->m_saga) {
    // A restart finishes the sagas the last process left under way.
    STAYLAB_TRY(platform->m_saga->recover(platform->newCommand("saga-recovery")));
  }
  if (options.patterns.booking_intake == BookingIntake::Queued) {
    platform->m_booking_queue = std::make_unique<BookingQueue>(
        *platform->m_event_log, *platform->m_bookings, *platform->m_clock, *platform->m_random);
    platform->m_gateway->setBookingQueue(platform->m_booking_queue.get());
  }
  platform->m_pump_batch = options.pump_batch;
  platform->m_fraud_save_every_events = std::max<size_t>(options.fraud_save_every_events, 1);
  STAYLAB_TRY(platform->openConsumers());
  return platform;
}

void Platform::abortClosedPart(const char* what) {
  fmt::print(stderr, "staylab: the platform was opened without its {}\n", what);
  std::abort();
}

Result<std::unique_ptr<CursorConsumer>> Platform::makeProjection(std::string_view name) {
  EventLog& log = consumerLog();
  DeliveryOptions delivery{m_patterns.delivery, m_clock};
  delivery.poison = m_patterns.poison;
  std::unique_ptr<CursorConsumer> projection;
  if (name == kConsumerNames[0]) {
    projection = std::make_unique<SearchProjection>(
        *m_search_index, log, SearchProjection::Options{m_pump_batch, delivery});
  } else if (name == kConsumerNames[1]) {
    projection = std::make_unique<HistoryProjection>(
        *m_history_store, log, HistoryProjection::Options{m_pump_batch, delivery});
  } else {
    return std::unexpected(Error{ErrorKind::NotFound, "consumer.unknown", "consumer",
                                 fmt::format("no projection '{}'", name)});
  }
  projection->setApplyObserver(m_apply_observer);
  return projection;
}

Result<std::unique_ptr<fraud::FraudConsumer>> Platform::openFraudDetection() {
  fraud::FraudConsumerOptions options;
  options.save_every_events = m_fraud_save_every_events;
  options.delivery = DeliveryOptions{m_patterns.delivery, m_clock};
  auto consumer =
      STAYLAB_TRY(fraud::FraudConsumer::open(consumerLog(), *m_fraud_store, std::move(options)));
  consumer->setApplyObserver(m_apply_observer);
  return consumer;
}

Result<void> Platform::openConsumers() {
  if (!m_parts.complete()) {
    // A command that reads only fraud detection's state opens its consumer;
    // the projections and the pump need every part.
    if (m_parts.fraud && !m_fraud) {
      m_fraud = STAYLAB_TRY(openFraudDetection());
    }
    return {};
  }
  if (!m_search_projection) {
    m_search_projection = STAYLAB_TRY(makeProjection(kConsumerNames[0]));
  }
  if (!m_history_projection) {
    m_history_projection = STAYLAB_TRY(makeProjection(kConsumerNames[1]));
  }
  if (!m_fraud) {
    m_fraud = STAYLAB_TRY(openFraudDetection());
  }
  // Fraud detection's actions go to the event log itself, not through the
  // consumers' view of it.
  m_pump = std::make_unique<Pump>(
      *m_relay, std::vector<Consumer*>{m_search_projection.get(), m_history_projection.get()},
      *m_fraud, *m_event_log, *m_gateway, Pump::Options{m_pump_batch});
  return {};
}

Result<void> Platform::dropConsumer(std::string_view name) {
  if (name == kConsumerNames[0]) {
    m_search_projection.reset();
  } else if (name == kConsumerNames[1]) {
    m_history_projection.reset();
  } else if (name == kConsumerNames[2]) {
    m_fraud.reset();  // Without flush(): what it held in memory is lost.
  } else {
    return std::unexpected(Error{ErrorKind::NotFound, "consumer.unknown", "consumer",
                                 fmt::format("no consumer '{}'", name)});
  }
  m_pump.reset();
  return {};
}

Result<void> Platform::reopenConsumer(std::string_view name) {
  if (std::find(kConsumerNames.begin(), kConsumerNames.end(), name) == kConsumerNames.end()) {
    return std::unexpected(Error{ErrorKind::NotFound, "consumer.unknown", "consumer",
                                 fmt::format("no consumer '{}'", name)});
  }
  return openConsumers();
}

std::vector<Platform::IntegrityVerdict> Platform::verifyIntegrity() {
  if (!m_parts.complete()) {
    abortClosedPart("every part, which an integrity check reads");
  }
  std::vector<IntegrityVerdict> verdicts;
  verdicts.push_back({"listing.db", m_listing_engine->verifyIntegrity()});
  if (m_booking_engine != nullptr) {
    verdicts.push_back({"booking.db", m_booking_engine->verifyIntegrity()});
  }
  if (m_log_engine != nullptr) {
    verdicts.push_back({"events/", m_log_engine->verifyIntegrity()});
  }
  if (m_postgres_engine != nullptr) {
    verdicts.push_back({fmt::format("bookings on PostgreSQL (schema {})", m_engine_name),
                        m_postgres_engine->verifyIntegrity(),
                        "its five tables and the unique index on (property_id, night)"});
  }
  if (m_nats_engine != nullptr) {
    verdicts.push_back({fmt::format("events on NATS (streams {}_*)", m_engine_name),
                        m_nats_engine->verifyIntegrity(),
                        "every stream holds each offset it gave, none deleted"});
  }
  verdicts.push_back({"history/", m_history_engine->verifyIntegrity()});
  verdicts.push_back({"search/", m_search_engine->verifyIntegrity()});
  verdicts.push_back({"fraud/fraud.db", m_fraud_store->verifyIntegrity()});
  if (m_payment_engine != nullptr) {
    verdicts.push_back({"payment.db", m_payment_engine->verifyIntegrity()});
  }
  return verdicts;
}

void Platform::setApplyObserver(ApplyObserver observer) {
  m_apply_observer = std::move(observer);
  for (Consumer* projection : {m_search_projection.get(), m_history_projection.get()}) {
    if (projection) {
      projection->setApplyObserver(m_apply_observer);
    }
  }
  if (m_fraud) {
    m_fraud->setApplyObserver(m_apply_observer);
  }
}

size_t Platform::undeliveredEvents() const {
  return m_log_publisher->lostEvents();
}

PlatformPatterns Platform::patterns() const {
  PlatformPatterns patterns = m_patterns;
  patterns.query_model = m_gateway->queryModel();
  return patterns;
}

CommandContext Platform::newCommand(std::string caller) {
  std::string id = newId(*m_random, "cmd");
  return CommandContext{id, id, std::move(caller)};
}

}  // namespace staylab::app
