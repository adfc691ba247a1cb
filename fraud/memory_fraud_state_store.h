#pragma once

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "fraud/fraud_state_store.h"

namespace staylab::fraud {

// The in-memory twin of FraudStateStore, for unit tests of the layers above
// it. Passes the same contract tests as the SQLite store. begin() copies the
// committed tables, so a transaction costs the size of the state: a twin for
// tests, not for volume.
// Thread safety: none; one owner.
class MemoryFraudStateStore final : public FraudStateStore {
 public:
  Result<void> begin() override;
  Result<void> commit() override;
  void rollback() override;
  bool inTransaction() const override { return m_working.has_value(); }
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

 private:
  struct Vertex {
    VertexKind kind = VertexKind::Account;
    std::string name;
    int64_t root = 0;
  };
  struct Tables {
    std::deque<std::string> applied;  // Oldest first.
    std::unordered_set<std::string> applied_set;
    std::map<std::string, PropertyRecord> properties;
    std::map<std::string, std::set<std::string>> host_instruments;
    std::vector<BookingRecord> bookings;  // seq = index.
    std::map<BookingKey, std::unordered_map<std::string, std::vector<int64_t>>> booking_index;
    std::vector<Suspicion> suspicions;
    std::unordered_set<std::string> suspicion_keys;
    std::vector<Vertex> vertices;  // id = index + 1.
    std::map<std::pair<VertexKind, std::string>, int64_t> vertex_ids;
    std::set<std::pair<int64_t, int64_t>> edges;
    std::unordered_map<int64_t, ComponentSize> components;
    std::unordered_map<int64_t, std::vector<int64_t>> members;  // root -> vertex ids.
    ConsumerPosition position;
  };

  Tables& tables() { return m_working ? *m_working : m_committed; }

  Tables m_committed;
  std::optional<Tables> m_working;
};

}  // namespace staylab::fraud
