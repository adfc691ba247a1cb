#include "fraud/memory_fraud_state_store.h"

#include <algorithm>

namespace staylab::fraud {
namespace {

const std::string& keyColumn(const BookingRecord& booking, BookingKey key) {
  switch (key) {
    case BookingKey::BookingId:
      return booking.booking_id;
    case BookingKey::Guest:
      return booking.guest_id;
    case BookingKey::Host:
      return booking.host_id;
    case BookingKey::Payment:
      return booking.payment_fingerprint;
  }
  return booking.booking_id;
}

constexpr BookingKey kBookingKeys[] = {BookingKey::BookingId, BookingKey::Guest, BookingKey::Host,
                                       BookingKey::Payment};

}  // namespace

Result<void> MemoryFraudStateStore::begin() {
  if (m_working) {
    return storeFailure("fraud.transaction", "a transaction is already open");
  }
  m_working = m_committed;
  return {};
}

Result<void> MemoryFraudStateStore::commit() {
  if (!m_working) {
    return storeFailure("fraud.transaction", "no transaction is open");
  }
  m_committed = std::move(*m_working);
  m_working.reset();
  return {};
}

void MemoryFraudStateStore::rollback() {
  m_working.reset();
}

Result<void> MemoryFraudStateStore::clear() {
  tables() = Tables{};
  return {};
}

Result<bool> MemoryFraudStateStore::eventApplied(std::string_view event_id) {
  return tables().applied_set.contains(std::string(event_id));
}

Result<void> MemoryFraudStateStore::rememberEvent(std::string_view event_id, size_t keep) {
  Tables& t = tables();
  if (t.applied_set.insert(std::string(event_id)).second) {
    t.applied.emplace_back(event_id);
  }
  while (t.applied.size() > keep) {
    t.applied_set.erase(t.applied.front());
    t.applied.pop_front();
  }
  return {};
}

Result<std::vector<std::string>> MemoryFraudStateStore::rememberedEvents() {
  const Tables& t = tables();
  return std::vector<std::string>(t.applied.begin(), t.applied.end());
}

Result<std::optional<PropertyRecord>> MemoryFraudStateStore::property(
    std::string_view property_id) {
  const auto& properties = tables().properties;
  auto found = properties.find(std::string(property_id));
  return found == properties.end() ? std::optional<PropertyRecord>() : found->second;
}

Result<void> MemoryFraudStateStore::putProperty(std::string_view property_id,
                                                const PropertyRecord& record) {
  tables().properties[std::string(property_id)] = record;
  return {};
}

Result<std::map<std::string, PropertyRecord>> MemoryFraudStateStore::properties() {
  return tables().properties;
}

Result<std::set<std::string>> MemoryFraudStateStore::hostInstruments(std::string_view host) {
  const auto& hosts = tables().host_instruments;
  auto found = hosts.find(std::string(host));
  return found == hosts.end() ? std::set<std::string>() : found->second;
}

Result<bool> MemoryFraudStateStore::addHostInstrument(std::string_view host,
                                                      std::string_view instrument) {
  return tables().host_instruments[std::string(host)].emplace(instrument).second;
}

Result<std::map<std::string, std::set<std::string>>> MemoryFraudStateStore::allHostInstruments() {
  return tables().host_instruments;
}

Result<int64_t> MemoryFraudStateStore::addBooking(const BookingRecord& booking) {
  Tables& t = tables();
  const auto seq = static_cast<int64_t>(t.bookings.size());
  t.bookings.push_back(booking);
  for (BookingKey key : kBookingKeys) {
    t.booking_index[key][keyColumn(booking, key)].push_back(seq);
  }
  return seq;
}

Result<std::vector<StoredBooking>> MemoryFraudStateStore::bookings(BookingKey key,
                                                                   std::string_view value) {
  const Tables& t = tables();
  std::vector<StoredBooking> found;
  auto index = t.booking_index.find(key);
  if (index == t.booking_index.end()) {
    return found;
  }
  auto seqs = index->second.find(std::string(value));
  if (seqs == index->second.end()) {
    return found;
  }
  for (int64_t seq : seqs->second) {
    found.push_back({seq, t.bookings[static_cast<size_t>(seq)]});
  }
  return found;
}

Result<std::vector<StoredBooking>> MemoryFraudStateStore::allBookings() {
  const Tables& t = tables();
  std::vector<StoredBooking> all;
  for (size_t seq = 0; seq < t.bookings.size(); ++seq) {
    all.push_back({static_cast<int64_t>(seq), t.bookings[seq]});
  }
  return all;
}

Result<bool> MemoryFraudStateStore::hasSuspicion(FraudRule rule, const Subject& subject) {
  return tables().suspicion_keys.contains(suspicionKey(rule, subject));
}

Result<void> MemoryFraudStateStore::addSuspicion(const Suspicion& suspicion) {
  Tables& t = tables();
  if (!t.suspicion_keys.insert(suspicionKey(suspicion.rule, suspicion.subject)).second) {
    return std::unexpected(Error{ErrorKind::Conflict, "fraud.duplicate", "",
                                 fmt::format("suspicion '{}' is already recorded", suspicion.id)});
  }
  t.suspicions.push_back(suspicion);
  return {};
}

Result<std::vector<Suspicion>> MemoryFraudStateStore::suspicions() {
  return tables().suspicions;
}

Result<std::optional<GraphVertex>> MemoryFraudStateStore::vertex(VertexKind kind,
                                                                 std::string_view name) {
  const Tables& t = tables();
  auto found = t.vertex_ids.find({kind, std::string(name)});
  if (found == t.vertex_ids.end()) {
    return std::optional<GraphVertex>();
  }
  return GraphVertex{found->second, t.vertices[static_cast<size_t>(found->second - 1)].root};
}

Result<GraphVertex> MemoryFraudStateStore::addVertex(VertexKind kind, std::string_view name) {
  Tables& t = tables();
  const auto id = static_cast<int64_t>(t.vertices.size()) + 1;
  if (!t.vertex_ids.emplace(std::make_pair(kind, std::string(name)), id).second) {
    return std::unexpected(
        Error{ErrorKind::Conflict, "fraud.duplicate", "", fmt::format("vertex '{}' exists", name)});
  }
  t.vertices.push_back({kind, std::string(name), id});
  t.components[id] = ComponentSize{kind == VertexKind::Account ? 1 : 0, 1};
  t.members[id].push_back(id);
  return GraphVertex{id, id};
}

Result<GraphVertex> MemoryFraudStateStore::addVertexTo(VertexKind kind, std::string_view name,
                                                       int64_t root) {
  Tables& t = tables();
  auto component = t.components.find(root);
  if (component == t.components.end()) {
    return storeFailure("fraud.graph_inconsistent", "{} is not the root of a component", root);
  }
  const auto id = static_cast<int64_t>(t.vertices.size()) + 1;
  if (!t.vertex_ids.emplace(std::make_pair(kind, std::string(name)), id).second) {
    return std::unexpected(
        Error{ErrorKind::Conflict, "fraud.duplicate", "", fmt::format("vertex '{}' exists", name)});
  }
  t.vertices.push_back({kind, std::string(name), root});
  component->second.accounts += kind == VertexKind::Account ? 1 : 0;
  component->second.vertices += 1;
  t.members[root].push_back(id);
  return GraphVertex{id, root};
}

Result<bool> MemoryFraudStateStore::addEdge(int64_t account, int64_t instrument) {
  return tables().edges.emplace(account, instrument).second;
}

Result<ComponentSize> MemoryFraudStateStore::componentSize(int64_t root) {
  const auto& components = tables().components;
  auto found = components.find(root);
  return found == components.end() ? ComponentSize{} : found->second;
}

Result<std::vector<std::string>> MemoryFraudStateStore::componentMembers(int64_t root,
                                                                         VertexKind kind) {
  const Tables& t = tables();
  std::vector<std::string> names;
  auto members = t.members.find(root);
  if (members == t.members.end()) {
    return names;
  }
  for (int64_t id : members->second) {
    const Vertex& vertex = t.vertices[static_cast<size_t>(id - 1)];
    if (vertex.kind == kind) {
      names.push_back(vertex.name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> MemoryFraudStateStore::mergeComponents(int64_t absorbed, int64_t root) {
  Tables& t = tables();
  if (absorbed == root) {
    return {};
  }
  auto& moved = t.members[absorbed];
  for (int64_t id : moved) {
    t.vertices[static_cast<size_t>(id - 1)].root = root;
  }
  auto& kept = t.members[root];
  kept.insert(kept.end(), moved.begin(), moved.end());
  t.members.erase(absorbed);
  ComponentSize& size = t.components[root];
  const ComponentSize gone = t.components[absorbed];
  size.accounts += gone.accounts;
  size.vertices += gone.vertices;
  t.components.erase(absorbed);
  return {};
}

Result<GraphContents> MemoryFraudStateStore::graph() {
  const Tables& t = tables();
  GraphContents contents;
  for (const Vertex& vertex : t.vertices) {
    (vertex.kind == VertexKind::Account ? contents.accounts : contents.instruments)
        .push_back(vertex.name);
  }
  for (const auto& [account, instrument] : t.edges) {
    contents.edges.emplace_back(t.vertices[static_cast<size_t>(account - 1)].name,
                                t.vertices[static_cast<size_t>(instrument - 1)].name);
  }
  contents.components = static_cast<int64_t>(t.components.size());
  return contents;
}

Result<ConsumerPosition> MemoryFraudStateStore::position() {
  return tables().position;
}

Result<void> MemoryFraudStateStore::putPosition(const ConsumerPosition& position) {
  tables().position = position;
  return {};
}

}  // namespace staylab::fraud
