#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "fraud/fraud_action.h"
#include "fraud/fraud_rules.h"

namespace staylab::fraud {

// A placed booking as fraud detection keeps it (from BookingPlaced). Signals
// are empty when absent.
struct BookingRecord {
  std::string booking_id;
  std::string property_id;
  std::string guest_id;
  std::string host_id;
  std::string payment_fingerprint;
  std::string device;
  std::string ip;
  int64_t occurred_at_nanos = 0;
  bool operator==(const BookingRecord&) const = default;
};

// A booking with its place in the order bookings were applied (0, 1, 2, ...).
struct StoredBooking {
  int64_t seq = 0;
  BookingRecord record;
  bool operator==(const StoredBooking&) const = default;
};

// The columns bookings are looked up by.
enum class BookingKey { BookingId, Guest, Host, Payment };

struct PropertyRecord {
  std::string host_id;
  int64_t version = 0;  // aggregate_version of the last PropertyCreated/Updated applied.
  bool operator==(const PropertyRecord&) const = default;
};

// The entity graph's vertices: accounts (guest and host handles) and
// instruments ("payment:..", "device:..", "ip:.."), each kind a namespace.
enum class VertexKind { Account = 0, Instrument = 1 };

// A vertex and the representative of its connected component. Every vertex
// names its component's root directly (merges relabel the smaller side), so a
// lookup is one read.
struct GraphVertex {
  int64_t id = 0;
  int64_t root = 0;
  bool operator==(const GraphVertex&) const = default;
};

// The size of a component, kept at its root.
struct ComponentSize {
  int64_t accounts = 0;
  int64_t vertices = 0;  // Accounts and instruments.
  bool operator==(const ComponentSize&) const = default;
};

// The whole graph by names, for statistics and cross-checks.
struct GraphContents {
  std::vector<std::string> accounts;
  std::vector<std::string> instruments;
  std::vector<std::pair<std::string, std::string>> edges;  // (account, instrument).
  int64_t components = 0;                                  // Distinct roots the store holds.
};

// Where fraud detection's consumer stands in the log: written with the effects
// it has applied, in one transaction.
struct ConsumerPosition {
  // "topic/partition" -> the next offset to read. A missing key means 0.
  std::map<std::string, int64_t> offsets;
  // Actions produced but not yet acknowledged as delivered, oldest first.
  std::vector<FraudAction> pending;
  // Known events skipped because their payload was malformed.
  int64_t skipped_events = 0;
  bool operator==(const ConsumerPosition&) const = default;
};

// Returns "topic/partition", the key of ConsumerPosition::offsets.
std::string offsetKey(std::string_view topic, int partition);

// Fraud detection's own store: keyed tables read one key at a time, so a
// process reads only what the events it applies touch, and a step writes only
// what it changed. Tables: applied event ids (a bounded window, oldest evicted
// first), properties, host instruments, bookings (with indexes by id, guest,
// host and payment fingerprint), suspicions, the entity graph as a persisted
// union-find (vertices with their root, edges, component sizes), and the
// consumer's position.
//
// Unit of work: begin() ... commit() makes every write between them durable at
// once, or (rollback(), or a crash) none of them. Reads inside see the
// transaction's own writes. A write outside a transaction is its own
// transaction.
//
// Errors: StoreFailure from the engine (the SQLite adapter names the file);
// Conflict "fraud.duplicate" when addSuspicion() meets a flagged subject.
// Thread safety: none; one owner.
class FraudStateStore {
 public:
  virtual ~FraudStateStore() = default;

  [[nodiscard]] virtual Result<void> begin() = 0;
  [[nodiscard]] virtual Result<void> commit() = 0;
  // Discards the open transaction's writes; does nothing without one.
  virtual void rollback() = 0;
  virtual bool inTransaction() const = 0;
  // Empties every table, the position included.
  [[nodiscard]] virtual Result<void> clear() = 0;

  // Applied event ids.
  [[nodiscard]] virtual Result<bool> eventApplied(std::string_view event_id) = 0;
  // Remembers `event_id` and forgets the oldest beyond the `keep` newest.
  [[nodiscard]] virtual Result<void> rememberEvent(std::string_view event_id, size_t keep) = 0;
  // Oldest first.
  [[nodiscard]] virtual Result<std::vector<std::string>> rememberedEvents() = 0;

  [[nodiscard]] virtual Result<std::optional<PropertyRecord>> property(
      std::string_view property_id) = 0;
  [[nodiscard]] virtual Result<void> putProperty(std::string_view property_id,
                                                 const PropertyRecord& record) = 0;
  [[nodiscard]] virtual Result<std::map<std::string, PropertyRecord>> properties() = 0;

  [[nodiscard]] virtual Result<std::set<std::string>> hostInstruments(std::string_view host) = 0;
  // Returns false when the host already had the instrument.
  [[nodiscard]] virtual Result<bool> addHostInstrument(std::string_view host,
                                                       std::string_view instrument) = 0;
  [[nodiscard]] virtual Result<std::map<std::string, std::set<std::string>>>
  allHostInstruments() = 0;

  // Appends a booking; returns its seq.
  [[nodiscard]] virtual Result<int64_t> addBooking(const BookingRecord& booking) = 0;
  // Returns the bookings whose `key` column equals `value`, in applied order.
  [[nodiscard]] virtual Result<std::vector<StoredBooking>> bookings(BookingKey key,
                                                                    std::string_view value) = 0;
  // Every booking, in applied order.
  [[nodiscard]] virtual Result<std::vector<StoredBooking>> allBookings() = 0;

  [[nodiscard]] virtual Result<bool> hasSuspicion(FraudRule rule, const Subject& subject) = 0;
  [[nodiscard]] virtual Result<void> addSuspicion(const Suspicion& suspicion) = 0;
  // In detection order.
  [[nodiscard]] virtual Result<std::vector<Suspicion>> suspicions() = 0;

  [[nodiscard]] virtual Result<std::optional<GraphVertex>> vertex(VertexKind kind,
                                                                  std::string_view name) = 0;
  // Adds a vertex as a component of its own (its root is itself).
  [[nodiscard]] virtual Result<GraphVertex> addVertex(VertexKind kind, std::string_view name) = 0;
  // Adds a vertex straight into the component whose root is `root`, growing
  // its sizes: what adding it and merging it there would do, in fewer writes.
  [[nodiscard]] virtual Result<GraphVertex> addVertexTo(VertexKind kind, std::string_view name,
                                                        int64_t root) = 0;
  // Returns false when the edge exists.
  [[nodiscard]] virtual Result<bool> addEdge(int64_t account, int64_t instrument) = 0;
  [[nodiscard]] virtual Result<ComponentSize> componentSize(int64_t root) = 0;
  // The names of the component's vertices of `kind`, sorted.
  [[nodiscard]] virtual Result<std::vector<std::string>> componentMembers(int64_t root,
                                                                          VertexKind kind) = 0;
  // Moves every vertex of `absorbed` to `root` and adds the sizes.
  [[nodiscard]] virtual Result<void> mergeComponents(int64_t absorbed, int64_t root) = 0;
  [[nodiscard]] virtual Result<GraphContents> graph() = 0;

  [[nodiscard]] virtual Result<ConsumerPosition> position() = 0;
  [[nodiscard]] virtual Result<void> putPosition(const ConsumerPosition& position) = 0;
};

// The key a store keeps a suspicion under: one per (rule, subject).
std::string suspicionKey(FraudRule rule, const Subject& subject);

}  // namespace staylab::fraud
