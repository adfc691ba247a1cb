#pragma once

#include <array>
#include <functional>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "app/platform/booking_queue.h"
#include "app/platform/composed_search.h"
#include "app/platform/gateway.h"
#include "app/platform/pump.h"
#include "app/platform/server_engines.h"
#include "domain/booking/booking_saga.h"
#include "domain/booking/booking_service.h"
#include "domain/common/platform_patterns.h"
#include "domain/listing/listing_service.h"
#include "domain/ports/booking_store.h"
#include "domain/ports/clock.h"
#include "domain/ports/document_store.h"
#include "domain/ports/event_log.h"
#include "domain/ports/event_publisher.h"
#include "domain/ports/payment_ledger.h"
#include "domain/ports/payment_provider.h"
#include "domain/ports/random.h"
#include "domain/ports/text_index.h"
#include "domain/ports/wide_column_store.h"
#include "events/cursor_consumer.h"
#include "fraud/sqlite_fraud_state_store.h"

namespace staylab {
class SqliteDocumentStore;
class SqliteBookingStore;
class RocksDbWideColumnStore;
class XapianTextIndex;
class RocksDbEventLog;
class NatsEventLog;
class PostgresBookingStore;
class LogEventPublisher;
class SqlitePaymentLedger;
}  // namespace staylab

namespace staylab::app {

enum class Durability {
  Normal,  // Survives a crash of the process (WAL, no fsync per commit).
  Full,    // Also survives a power loss (fsync per commit).
};

// Wrappers around the ports the platform opens, for the simulator's fault
// decorators (simulator/faults). Each, when set, receives the real adapter
// and returns what the services will use instead.
struct PortDecorators {
  std::function<std::unique_ptr<DocumentStore>(std::unique_ptr<DocumentStore>)> listing_store;
  std::function<std::unique_ptr<BookingStore>(std::unique_ptr<BookingStore>)> booking_store;
  std::function<std::unique_ptr<WideColumnStore>(std::unique_ptr<WideColumnStore>)> history_store;
  std::function<std::unique_ptr<TextIndex>(std::unique_ptr<TextIndex>)> search_index;
  std::function<std::unique_ptr<EventLog>(std::unique_ptr<EventLog>)> event_log;
  // The log as the consumers read it (delivery faults), wrapping the
  // (decorated) event log by reference.
  std::function<std::unique_ptr<EventLog>(EventLog&)> consumer_log;
  // The publisher the Listing and Booking services publish through with
  // EventPublication::DualWrite (unused with the outbox), wrapping by
  // reference the platform's own, which appends to the (decorated) event log
  // at once and counts what it fails to append (Platform::undeliveredEvents).
  // A wrapper may defer the append, or drop what it holds (a killed
  // instance); it counts what it loses itself.
  std::function<std::unique_ptr<EventPublisher>(EventPublisher&)> event_publisher;
  // The payment provider the Payment context calls (BookingPayment other
  // than None), wrapping the platform's sandbox provider.
  std::function<std::unique_ptr<PaymentProvider>(std::unique_ptr<PaymentProvider>)>
      payment_provider;
};

// Whether a booking is paid for, and how (domain/booking/booking_saga.h).
enum class BookingPayment {
  None,                     // Confirmed at once, unpaid; no payment.db. Default.
  Saga,                     // Hold, charge, confirm; compensated when the charge fails.
  SagaWithoutCompensation,  // The same steps; a failed charge leaves the nights held.
};

// How Platform::open treats the data directory. No mode ever re-creates a
// write store (listing.db, booking.db) or the event log that an existing data
// directory lacks: losing one is reported, never papered over.
enum class OpenMode {
  // Every store must be there; nothing is created, a missing data directory
  // included. For commands that only read.
  Existing,
  // A data directory that does not exist or is empty is initialised with
  // every store; any other must hold every store, as with Existing.
  InitialiseIfEmpty,
  // As Existing for the write stores and the log; the read models (search,
  // history, fraud detection) are deleted and created empty, for a rebuild
  // from the log (so a damaged or missing read model can be made again).
  RebuildReadModels,
};

// The parts of the platform beside its write stores (listing.db, booking.db,
// payment.db, the API keys and the services over them, which are always
// opened: SQLite opens them in a millisecond). A command that reads one read
// model opens that one alone; the pump, the relay and the projections exist
// only when every part is open.
struct PlatformParts {
  bool event_log = true;  // events/ (RocksDB).
  bool history = true;    // history/ (RocksDB).
  bool search = true;     // search/ (Xapian).
  bool fraud = true;      // fraud/ and its detector's state; needs the event log.

  static constexpr PlatformParts all() { return {}; }
  static constexpr PlatformParts writeStoresOnly() { return {false, false, false, false}; }
  constexpr bool complete() const { return event_log && history && search && fraud; }
};

struct PlatformOptions {
  std::filesystem::path data_dir;
  OpenMode mode = OpenMode::Existing;          // Default: Existing.
  Durability durability = Durability::Normal;  // Default: Normal.
  // Sources of time and randomness; when null, the system clock and a
  // randomly seeded generator are used. Not owned; must outlive the platform.
  const Clock* clock = nullptr;
  RandomSource* random = nullptr;
  size_t pump_batch = 4096;  // Most events per pump step and per read-model commit. Default: 4096.
  // Fraud detection commits its store at most once per this many events
  // consumed (and when the platform closes); a crash replays the rest from
  // the log. Default: 8192.
  size_t fraud_save_every_events = 8192;
  PortDecorators decorators;  // Default: none.
  // Which patterns the platform is built with (see PlatformPatterns).
  // Default: every pattern on (CQRS, outbox, idempotent consumers).
  PlatformPatterns patterns;
  // Whether bookings are paid for. With payment the data directory also
  // holds payment.db (the Payment context's ledger, created with the other
  // write stores, required once there), and opening finishes the booking
  // sagas a crash left under way. Default: None.
  BookingPayment payment = BookingPayment::None;
  // Which parts to open. Every part is opened whatever this says when the
  // data directory is initialised, when the services publish by dual write
  // or queue bookings (both append to the log), and for a rebuild. Default:
  // all.
  PlatformParts parts;
  // Where the event log and the booking store run (ServerEngines): the data
  // directory by default, or NATS JetStream and PostgreSQL. A data directory
  // keeps the engines it was initialised with (engines.json). Default: none.
  ServerEngines servers;
  // Topics the log holds besides the platform's own (topic -> partitions),
  // for parts composed around the platform that append to the log (a
  // migration's CDC topics: app/migration). Default: none.
  std::map<std::string, int> extra_topics;
};

// The composition root: opens every context's store in its own files under
// the data directory and wires the services to them.
//
// Layout of the data directory:
//   listing.db   document store (SQLite + JSON1)   Listing context
//   booking.db   relational store (SQLite, WAL)    Booking context
//   history/     wide-column store (RocksDB)       booking history projection
//   search/      text index (Xapian)               search projection
//   events/      event log (RocksDB)               topics property, booking, fraud,
//                                                  property.dlq, booking.dlq
//   fraud/       fraud.db (SQLite, WAL)            fraud detection's own state
//   api-keys.json                                  the gateway's API keys
//   engines.json                                   with PlatformOptions::servers only: which
//                                                  stores live on a server, by what name
//   payment.db   payment ledger (SQLite)           Payment context (with BookingPayment only)
//
// A part left closed (PlatformOptions::parts) has no accessor: calling one
// is a programming error, and aborts saying which part it wanted.
class Platform {
 public:
  static Result<std::unique_ptr<Platform>> open(const PlatformOptions& options);
  // A clean close: saves what the consumers hold only in memory (fraud
  // detection's state, a naive consumer's offsets), best effort: what a
  // failed save loses, the log replays at the next open.
  ~Platform();

  listing::ListingService& listing() { return *m_listing; }
  // The listing service's cache (PlatformPatterns::listing_cache); null
  // without one.
  listing::ListingCache* listingCache() { return m_listing_cache.get(); }
  booking::BookingService& bookings() { return *m_bookings; }
  // The Payment context and the booking saga; null without BookingPayment.
  payment::PaymentService* payments() { return m_payments.get(); }
  booking::BookingSaga* bookingSaga() { return m_saga.get(); }
  DocumentStore& listingStore() { return *m_listing_store; }
  BookingStore& bookingStore() { return *m_booking_store; }
  WideColumnStore& historyStore() { return opened(m_history_store, "history store"); }
  TextIndex& searchIndex() { return opened(m_search_index, "search index"); }
  EventLog& eventLog() { return opened(m_event_log, "event log"); }
  // What the services publish through with EventPublication::DualWrite: the
  // decorated publisher, or the platform's own.
  EventPublisher& eventPublisher() { return *m_event_publisher; }
  // Returns how many events the platform's own publisher failed to append
  // (a dual write whose second write failed; the change stayed committed).
  // Always 0 with the outbox. A publisher decorator's losses are its own.
  size_t undeliveredEvents() const;
  CursorConsumer& searchProjection() { return opened(m_search_projection, "search projection"); }
  CursorConsumer& historyProjection() { return opened(m_history_projection, "history projection"); }
  fraud::FraudConsumer& fraudDetection() { return opened(m_fraud, "fraud detection"); }
  Gateway& gateway() { return *m_gateway; }
  // The queue PlaceBooking goes through with BookingIntake::Queued; null
  // with the synchronous intake.
  BookingQueue* bookingQueue() { return m_booking_queue.get(); }
  // Search by API composition over the listing and booking stores.
  ComposedSearch& composedSearch() { return *m_composed_search; }
  // The patterns the platform was opened with, the query model as it is now.
  PlatformPatterns patterns() const;
  // The parts that are open.
  const PlatformParts& parts() const { return m_parts; }
  // Makes the gateway's searches use `model` from the next one on (CQRS on or
  // off while running). Safe from any thread.
  void setQueryModel(QueryModel model) { m_gateway->setQueryModel(model); }
  KeyRing& keys() { return *m_keys; }
  // The pump over every consumer; absent while a consumer is dropped.
  Pump& pump() { return opened(m_pump, "pump"); }
  OutboxRelay& relay() { return opened(m_relay, "outbox relay"); }
  const Clock& clock() const { return *m_clock; }
  RandomSource& random() { return *m_random; }
  const std::filesystem::path& dataDir() const { return m_data_dir; }

  // One engine's own integrity check over one store's files.
  struct IntegrityVerdict {
    std::string store;    // The store's file or folder in the data directory.
    Result<void> result;  // StoreFailure describing the damage, when damaged.
    // What a passing check looked at, for `check`'s detail.
    std::string checked = "the engine's own check found no damage";
  };
  // Runs each engine's own check: SQLite's integrity_check on listing.db and
  // booking.db, RocksDB's checksum verification on events/ and history/,
  // Xapian's check on search/. Reads every page; for `check`, not hot paths.
  // A store on a server (PlatformOptions::servers) is checked for what the
  // platform relies on: the event log's streams hold every offset, the
  // booking schema keeps its unique index on (property_id, night).
  std::vector<IntegrityVerdict> verifyIntegrity();

  // Returns a fresh context for a command issued by `caller`.
  CommandContext newCommand(std::string caller);

  // The topics of the platform's event log, in name order.
  static std::vector<std::string> topicNames();

  // Opens only the event log of an existing data directory, for commands
  // that read nothing else (audit): no write store or read model is opened,
  // so a lost or damaged one does not stand in the way. The data directory's
  // errors are open()'s with OpenMode::Existing (InvalidInput naming "data"
  // for a missing or empty one); StoreFailure naming events/ when the log is
  // missing or damaged. Every topic the log recorded is readable.
  // With `servers`, as PlatformOptions::servers says.
  [[nodiscard]] static Result<std::unique_ptr<EventLog>> openEventLog(
      const std::filesystem::path& data_dir, const ServerEngines& servers = {});

  // The consumers by name: "search-projection", "history-projection",
  // "fraud-detection".
  static constexpr std::array<std::string_view, 3> kConsumerNames = {
      "search-projection", "history-projection", "fraud-detection"};
  // Simulates the crash of a consumer's process: drops it without saving
  // what it holds in memory. Until reopenConsumer(), the pump and the
  // accessors of that consumer must not be used. NotFound for another name.
  [[nodiscard]] Result<void> dropConsumer(std::string_view name);
  // Opens a dropped consumer again from what its store holds (a no-op for
  // one that is open).
  [[nodiscard]] Result<void> reopenConsumer(std::string_view name);
  // Returns a new instance of the projection `name` ("search-projection" or
  // "history-projection") over the platform's own store and the consumers'
  // log, built as the platform builds its own (batch, delivery, poison,
  // apply observer): an instance of competing consumers, to be given its
  // share of the partitions (CursorConsumer::assign). NotFound for another
  // name.
  [[nodiscard]] Result<std::unique_ptr<CursorConsumer>> makeProjection(std::string_view name);
  // The log as the consumers read it (the event log unless decorated).
  EventLog& consumerLog() { return m_consumer_log ? *m_consumer_log : eventLog(); }
  // Tells `observer` of every event a consumer applies from now on, each
  // consumer by its name ("search", "history", "fraud"): see Consumer and
  // fraud::FraudConsumer for when an event counts as applied. The observer
  // outlives the consumers: it is given to those reopened after a crash
  // too, so it may count events applied twice. It must stay callable until
  // the platform is destroyed (a clean close may still report). An empty
  // function stops it.
  void setApplyObserver(ApplyObserver observer);

 private:
  Platform() = default;
  // Returns *part; aborts naming `what` when that part was not opened.
  template <typename Part>
  static Part& opened(const std::unique_ptr<Part>& part, const char* what) {
    if (!part) {
      abortClosedPart(what);
    }
    return *part;
  }
  [[noreturn]] static void abortClosedPart(const char* what);
  // Opens the consumers that are not open (fraud detection alone when the
  // platform lacks a part), then rebuilds the pump over them.
  Result<void> openConsumers();
  Result<std::unique_ptr<fraud::FraudConsumer>> openFraudDetection();

  std::filesystem::path m_data_dir;
  PlatformParts m_parts;
  PlatformPatterns m_patterns;  // As opened; the gateway holds the live query model.
  std::unique_ptr<Clock> m_owned_clock;
  std::unique_ptr<RandomSource> m_owned_random;
  const Clock* m_clock = nullptr;
  RandomSource* m_random = nullptr;
  // The engines under the (possibly decorated) ports, for verifyIntegrity();
  // null for a store on a server (PlatformOptions::servers), whose server
  // checks its own data.
  SqliteDocumentStore* m_listing_engine = nullptr;
  SqliteBookingStore* m_booking_engine = nullptr;
  RocksDbWideColumnStore* m_history_engine = nullptr;
  XapianTextIndex* m_search_engine = nullptr;
  RocksDbEventLog* m_log_engine = nullptr;
  NatsEventLog* m_nats_engine = nullptr;              // With PlatformOptions::servers.
  PostgresBookingStore* m_postgres_engine = nullptr;  // With PlatformOptions::servers.
  std::string m_engine_name;                          // Their name on the servers.
  std::unique_ptr<DocumentStore> m_listing_store;
  std::unique_ptr<BookingStore> m_booking_store;
  std::unique_ptr<WideColumnStore> m_history_store;
  std::unique_ptr<TextIndex> m_search_index;
  std::unique_ptr<EventLog> m_event_log;
  std::unique_ptr<EventLog> m_consumer_log;
  std::unique_ptr<LogEventPublisher> m_log_publisher;
  std::unique_ptr<EventPublisher> m_publisher_decorator;
  EventPublisher* m_event_publisher = nullptr;
  ApplyObserver m_apply_observer;
  size_t m_pump_batch = 4096;
  size_t m_fraud_save_every_events = 8192;
  std::unique_ptr<fraud::SqliteFraudStateStore> m_fraud_store;
  std::unique_ptr<listing::ListingCache> m_listing_cache;
  std::unique_ptr<listing::ListingService> m_listing;
  std::unique_ptr<PropertyDirectory> m_directory;
  std::unique_ptr<booking::BookingService> m_bookings;
  SqlitePaymentLedger* m_payment_engine = nullptr;
  std::unique_ptr<PaymentLedger> m_payment_ledger;
  std::unique_ptr<PaymentProvider> m_payment_provider;
  std::unique_ptr<payment::PaymentService> m_payments;
  std::unique_ptr<booking::BookingSaga> m_saga;
  std::unique_ptr<CursorConsumer> m_search_projection;
  std::unique_ptr<CursorConsumer> m_history_projection;
  std::unique_ptr<fraud::FraudConsumer> m_fraud;
  std::unique_ptr<OutboxRelay> m_relay;
  std::unique_ptr<KeyRing> m_keys;
  std::unique_ptr<ComposedSearch> m_composed_search;
  std::unique_ptr<Gateway> m_gateway;
  std::unique_ptr<BookingQueue> m_booking_queue;
  std::unique_ptr<Pump> m_pump;
};

// Returns $XDG_DATA_HOME/staylab, or ~/.local/share/staylab.
std::filesystem::path defaultDataDir();

}  // namespace staylab::app
