#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "domain/common/store_creation.h"
#include "fraud/fraud_state_store.h"
#include "stores/sqlite/sqlite.h"

namespace staylab::fraud {

inline constexpr std::string_view kFraudDatabaseName = "fraud.db";

// Fraud detection's state in SQLite (WAL), one file (fraud.db): each table of
// FraudStateStore is a table with the indexes its lookups use, so opening the
// store reads nothing and a step reads and writes only the rows its events
// touch. A transaction is BEGIN IMMEDIATE ... COMMIT on the connection; a
// failed COMMIT is rolled back, so after any failure the file holds the last
// committed state, offsets and effects together.
//
// Errors: StoreFailure from SQLite ("sqlite.*", naming the file; "sqlite.missing"
// or "sqlite.empty" when an existing store's file is gone or emptied, which is
// never taken for an empty state); "fraud.corrupt_row" when a row does not
// parse. Thread safety: none; one owner.
class SqliteFraudStateStore final : public FraudStateStore {
 public:
  struct Options {
    std::filesystem::path path;
    sqlite::Sync sync = sqlite::Sync::Normal;  // Default: Normal (survives process crashes).
    // Default: OpenExisting, which refuses a missing, empty or schemaless file
    // and creates nothing.
    StoreCreation creation = StoreCreation::OpenExisting;
  };

  [[nodiscard]] static Result<std::unique_ptr<SqliteFraudStateStore>> open(const Options& options);
  ~SqliteFraudStateStore() override;

  Result<void> begin() override;
  Result<void> commit() override;
  void rollback() override;
  bool inTransaction() const override { return m_in_transaction; }
  Result<void> clear() override;

  Result<bool> eventApplied(std::string_view event_id) override;
  Result<void> rememberEvent(std::string_view event_id, size_t keep) override;
  Result<std::vector<std::string>> rememberedEvents() override;

  Result<std::optional<PropertyRecord>> property(std::string_view property_id) override;
  Result<void> putProperty(std::string_view property_id, const PropertyRecord& record) override;
  Result<std::map<std::string, PropertyRecord>> properties() override;

  Result<std::set<std::string>> hostInstruments(std::string_view host) override;
  Result<bool> addHostInstrument(std::string_view host, std::string_view instrument) override;
  Result<std::map<std::string, std::set<std::string>>> allHostInstruments() override;

  Result<int64_t> addBooking(const BookingRecord& booking) override;
  Result<std::vector<StoredBooking>> bookings(BookingKey key, std::string_view value) override;
  Result<std::vector<StoredBooking>> allBookings() override;

  Result<bool> hasSuspicion(FraudRule rule, const Subject& subject) override;
  Result<void> addSuspicion(const Suspicion& suspicion) override;
  Result<std::vector<Suspicion>> suspicions() override;

  Result<std::optional<GraphVertex>> vertex(VertexKind kind, std::string_view name) override;
  Result<GraphVertex> addVertex(VertexKind kind, std::string_view name) override;
  Result<GraphVertex> addVertexTo(VertexKind kind, std::string_view name, int64_t root) override;
  Result<bool> addEdge(int64_t account, int64_t instrument) override;
  Result<ComponentSize> componentSize(int64_t root) override;
  Result<std::vector<std::string>> componentMembers(int64_t root, VertexKind kind) override;
  Result<void> mergeComponents(int64_t absorbed, int64_t root) override;
  Result<GraphContents> graph() override;

  Result<ConsumerPosition> position() override;
  Result<void> putPosition(const ConsumerPosition& position) override;

  // Runs SQLite's integrity check; StoreFailure "sqlite.corrupt" on damage.
  [[nodiscard]] Result<void> verifyIntegrity();
  const std::filesystem::path& path() const { return m_db->path(); }

 private:
  explicit SqliteFraudStateStore(std::unique_ptr<sqlite::Database> db) : m_db(std::move(db)) {}
  // Inserts a vertex whose root is `root`, or itself without one.
  Result<GraphVertex> insertVertex(VertexKind kind, std::string_view name,
                                   std::optional<int64_t> root);

  std::unique_ptr<sqlite::Database> m_db;
  bool m_in_transaction = false;
};

}  // namespace staylab::fraud
