#include "fraud/sqlite_fraud_state_store.h"

#include "support/crash_point.h"

namespace staylab::fraud {
namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Step;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS applied_events (
  seq      INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS properties (
  property_id TEXT PRIMARY KEY,
  host_id     TEXT NOT NULL,
  version     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS host_instruments (
  host_id    TEXT NOT NULL,
  instrument TEXT NOT NULL,
  PRIMARY KEY (host_id, instrument)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bookings (
  seq                 INTEGER PRIMARY KEY,
  booking_id          TEXT NOT NULL,
  property_id         TEXT NOT NULL,
  guest_id            TEXT NOT NULL,
  host_id             TEXT NOT NULL,
  payment_fingerprint TEXT NOT NULL,
  device              TEXT NOT NULL,
  ip                  TEXT NOT NULL,
  occurred_at         INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bookings_by_id ON bookings (booking_id);
CREATE INDEX IF NOT EXISTS bookings_by_guest ON bookings (guest_id);
CREATE INDEX IF NOT EXISTS bookings_by_host ON bookings (host_id);
CREATE INDEX IF NOT EXISTS bookings_by_payment ON bookings (payment_fingerprint);
CREATE TABLE IF NOT EXISTS suspicions (
  seq  INTEGER PRIMARY KEY,
  key  TEXT NOT NULL UNIQUE,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS vertices (
  id   INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL CHECK (kind IN (0, 1)),
  name TEXT NOT NULL,
  root INTEGER NOT NULL,
  UNIQUE (kind, name)
);
CREATE INDEX IF NOT EXISTS vertices_by_root ON vertices (root, kind);
CREATE TABLE IF NOT EXISTS edges (
  account    INTEGER NOT NULL,
  instrument INTEGER NOT NULL,
  PRIMARY KEY (account, instrument)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS components (
  root     INTEGER PRIMARY KEY,
  accounts INTEGER NOT NULL,
  vertices INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS offsets (
  key    TEXT PRIMARY KEY,
  offset INTEGER NOT NULL CHECK (offset >= 0)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pending_actions (
  seq  INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

constexpr const char* kBookingColumns =
    "seq, booking_id, property_id, guest_id, host_id, payment_fingerprint, device, ip, occurred_at";

std::string_view keyColumn(BookingKey key) {
  switch (key) {
    case BookingKey::BookingId:
      return "booking_id";
    case BookingKey::Guest:
      return "guest_id";
    case BookingKey::Host:
      return "host_id";
    case BookingKey::Payment:
      return "payment_fingerprint";
  }
  return "booking_id";
}

StoredBooking readBooking(const Statement& row) {
  StoredBooking stored;
  stored.seq = row.columnInt(0);
  stored.record.booking_id = row.columnText(1);
  stored.record.property_id = row.columnText(2);
  stored.record.guest_id = row.columnText(3);
  stored.record.host_id = row.columnText(4);
  stored.record.payment_fingerprint = row.columnText(5);
  stored.record.device = row.columnText(6);
  stored.record.ip = row.columnText(7);
  stored.record.occurred_at_nanos = row.columnInt(8);
  return stored;
}

Result<std::vector<StoredBooking>> readBookings(Statement& statement) {
  std::vector<StoredBooking> found;
  while (STAYLAB_TRY(statement.step()) == Step::Row) {
    found.push_back(readBooking(statement));
  }
  return found;
}

Result<nlohmann::json> parseBody(const Database& db, std::string_view table,
                                 std::string_view body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return storeFailure("fraud.corrupt_row", "a row of {} in {} is not JSON", table,
                        db.path().string());
  }
  return json;
}

Result<bool> exists(Database& db, const std::string& sql, std::string_view value) {
  auto statement = STAYLAB_TRY(db.reuse(sql));
  statement->bind(1, value);
  return STAYLAB_TRY(statement->step()) == Step::Row;
}

}  // namespace

Result<std::unique_ptr<SqliteFraudStateStore>> SqliteFraudStateStore::open(const Options& options) {
  sqlite::OpenOptions open_options;
  open_options.path = options.path;
  open_options.creation = options.creation;
  open_options.sync = options.sync;
  auto db = STAYLAB_TRY(Database::openStore(
      open_options, kSchema, "fraud detection's store",
      {"applied_events", "properties", "host_instruments", "bookings", "suspicions", "vertices",
       "edges", "components", "offsets", "pending_actions", "counters"}));
  return std::unique_ptr<SqliteFraudStateStore>(new SqliteFraudStateStore(std::move(db)));
}

SqliteFraudStateStore::~SqliteFraudStateStore() {
  rollback();
}

Result<void> SqliteFraudStateStore::begin() {
  if (m_in_transaction) {
    return storeFailure("fraud.transaction", "a transaction is already open on {}",
                        m_db->path().string());
  }
  STAYLAB_TRY(m_db->exec("BEGIN IMMEDIATE"));
  m_in_transaction = true;
  return {};
}

Result<void> SqliteFraudStateStore::commit() {
  if (!m_in_transaction) {
    return storeFailure("fraud.transaction", "no transaction is open on {}", m_db->path().string());
  }
  support::crashPoint("fraud.state_commit");
  auto committed = m_db->exec("COMMIT");
  if (!committed) {
    rollback();  // A failed COMMIT may leave the transaction open: end it.
    return committed;
  }
  m_in_transaction = false;
  return {};
}

void SqliteFraudStateStore::rollback() {
  if (m_in_transaction) {
    (void)m_db->exec("ROLLBACK");  // Fails only when SQLite already rolled back.
    m_in_transaction = false;
  }
}

Result<void> SqliteFraudStateStore::clear() {
  return m_db->exec(
      "DELETE FROM applied_events; DELETE FROM properties; DELETE FROM host_instruments; "
      "DELETE FROM bookings; DELETE FROM suspicions; DELETE FROM vertices; DELETE FROM edges; "
      "DELETE FROM components; DELETE FROM offsets; DELETE FROM pending_actions; "
      "DELETE FROM counters;");
}

Result<bool> SqliteFraudStateStore::eventApplied(std::string_view event_id) {
  return exists(*m_db, "SELECT 1 FROM applied_events WHERE event_id = ?", event_id);
}

Result<void> SqliteFraudStateStore::rememberEvent(std::string_view event_id, size_t keep) {
  auto* insert = STAYLAB_TRY(m_db->cached(
      "INSERT INTO applied_events (seq, event_id) VALUES "
      "((SELECT COALESCE(MAX(seq) + 1, 0) FROM applied_events), ?) ON CONFLICT DO NOTHING"));
  insert->bind(1, event_id);
  STAYLAB_TRY(insert->run());
  // Rows hold consecutive seqs (only the oldest are deleted), so the newest
  // `keep` are those above MAX(seq) - keep.
  auto* evict = STAYLAB_TRY(m_db->cached(
      "DELETE FROM applied_events WHERE seq <= (SELECT MAX(seq) FROM applied_events) - ?"));
  evict->bind(1, static_cast<int64_t>(keep));
  return evict->run();
}

Result<std::vector<std::string>> SqliteFraudStateStore::rememberedEvents() {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT event_id FROM applied_events ORDER BY seq"));
  std::vector<std::string> ids;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    ids.push_back(statement->columnText(0));
  }
  return ids;
}

Result<std::optional<PropertyRecord>> SqliteFraudStateStore::property(
    std::string_view property_id) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT host_id, version FROM properties WHERE property_id = ?"));
  statement->bind(1, property_id);
  if (STAYLAB_TRY(statement->step()) == Step::Done) {
    return std::optional<PropertyRecord>();
  }
  return PropertyRecord{statement->columnText(0), statement->columnInt(1)};
}

Result<void> SqliteFraudStateStore::putProperty(std::string_view property_id,
                                                const PropertyRecord& record) {
  auto* upsert = STAYLAB_TRY(
      m_db->cached("INSERT INTO properties (property_id, host_id, version) VALUES (?, ?, ?) "
                   "ON CONFLICT (property_id) DO UPDATE SET host_id = excluded.host_id, "
                   "version = excluded.version"));
  upsert->bind(1, property_id).bind(2, record.host_id).bind(3, record.version);
  return upsert->run();
}

Result<std::map<std::string, PropertyRecord>> SqliteFraudStateStore::properties() {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT property_id, host_id, version FROM properties"));
  std::map<std::string, PropertyRecord> all;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    all.emplace(statement->columnText(0),
                PropertyRecord{statement->columnText(1), statement->columnInt(2)});
  }
  return all;
}

Result<std::set<std::string>> SqliteFraudStateStore::hostInstruments(std::string_view host) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT instrument FROM host_instruments WHERE host_id = ?"));
  statement->bind(1, host);
  std::set<std::string> instruments;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    instruments.insert(statement->columnText(0));
  }
  return instruments;
}

Result<bool> SqliteFraudStateStore::addHostInstrument(std::string_view host,
                                                      std::string_view instrument) {
  auto* insert = STAYLAB_TRY(m_db->cached(
      "INSERT INTO host_instruments (host_id, instrument) VALUES (?, ?) ON CONFLICT DO NOTHING"));
  insert->bind(1, host).bind(2, instrument);
  STAYLAB_TRY(insert->run());
  return m_db->changes() > 0;
}

Result<std::map<std::string, std::set<std::string>>> SqliteFraudStateStore::allHostInstruments() {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT host_id, instrument FROM host_instruments"));
  std::map<std::string, std::set<std::string>> all;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    all[statement->columnText(0)].insert(statement->columnText(1));
  }
  return all;
}

Result<int64_t> SqliteFraudStateStore::addBooking(const BookingRecord& booking) {
  auto* insert = STAYLAB_TRY(m_db->cached(
      fmt::format("INSERT INTO bookings ({}) VALUES "
                  "((SELECT COALESCE(MAX(seq) + 1, 0) FROM bookings), ?, ?, ?, ?, ?, ?, ?, ?)",
                  kBookingColumns)));
  insert->bind(1, booking.booking_id)
      .bind(2, booking.property_id)
      .bind(3, booking.guest_id)
      .bind(4, booking.host_id)
      .bind(5, booking.payment_fingerprint)
      .bind(6, booking.device)
      .bind(7, booking.ip)
      .bind(8, booking.occurred_at_nanos);
  STAYLAB_TRY(insert->run());
  return m_db->lastInsertRowId();
}

Result<std::vector<StoredBooking>> SqliteFraudStateStore::bookings(BookingKey key,
                                                                   std::string_view value) {
  auto statement = STAYLAB_TRY(m_db->reuse(fmt::format(
      "SELECT {} FROM bookings WHERE {} = ? ORDER BY seq", kBookingColumns, keyColumn(key))));
  statement->bind(1, value);
  return readBookings(*statement);
}

Result<std::vector<StoredBooking>> SqliteFraudStateStore::allBookings() {
  auto statement = STAYLAB_TRY(
      m_db->reuse(fmt::format("SELECT {} FROM bookings ORDER BY seq", kBookingColumns)));
  return readBookings(*statement);
}

Result<bool> SqliteFraudStateStore::hasSuspicion(FraudRule rule, const Subject& subject) {
  return exists(*m_db, "SELECT 1 FROM suspicions WHERE key = ?", suspicionKey(rule, subject));
}

Result<void> SqliteFraudStateStore::addSuspicion(const Suspicion& suspicion) {
  auto* insert = STAYLAB_TRY(m_db->cached("INSERT INTO suspicions (key, body) VALUES (?, ?)"));
  insert->bind(1, suspicionKey(suspicion.rule, suspicion.subject))
      .bind(2, suspicion.toJson().dump());
  auto inserted = insert->run();
  if (!inserted && inserted.error().kind == ErrorKind::Conflict) {
    return std::unexpected(Error{ErrorKind::Conflict, "fraud.duplicate", "",
                                 fmt::format("suspicion '{}' is already recorded", suspicion.id)});
  }
  return inserted;
}

Result<std::vector<Suspicion>> SqliteFraudStateStore::suspicions() {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT body FROM suspicions ORDER BY seq"));
  std::vector<Suspicion> all;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    nlohmann::json json = STAYLAB_TRY(parseBody(*m_db, "suspicions", statement->columnText(0)));
    auto suspicion = Suspicion::fromJson(json);
    if (!suspicion) {
      return storeFailure("fraud.corrupt_row", "a suspicion in {} is malformed: {}",
                          m_db->path().string(), suspicion.error().describe());
    }
    all.push_back(std::move(*suspicion));
  }
  return all;
}

Result<std::optional<GraphVertex>> SqliteFraudStateStore::vertex(VertexKind kind,
                                                                 std::string_view name) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT id, root FROM vertices WHERE kind = ? AND name = ?"));
  statement->bind(1, static_cast<int64_t>(kind)).bind(2, name);
  if (STAYLAB_TRY(statement->step()) == Step::Done) {
    return std::optional<GraphVertex>();
  }
  return GraphVertex{statement->columnInt(0), statement->columnInt(1)};
}

Result<GraphVertex> SqliteFraudStateStore::insertVertex(VertexKind kind, std::string_view name,
                                                        std::optional<int64_t> root) {
  // Without a root the vertex is its own: root = the id it gets.
  auto* insert =
      STAYLAB_TRY(m_db->cached("INSERT INTO vertices (id, kind, name, root) VALUES "
                               "((SELECT COALESCE(MAX(id) + 1, 1) FROM vertices), ?1, ?2, "
                               "COALESCE(?3, (SELECT COALESCE(MAX(id) + 1, 1) FROM vertices)))"));
  insert->bind(1, static_cast<int64_t>(kind)).bind(2, name);
  if (root) {
    insert->bind(3, *root);
  } else {
    insert->bindNull(3);
  }
  auto inserted = insert->run();
  if (!inserted && inserted.error().kind == ErrorKind::Conflict) {
    return std::unexpected(
        Error{ErrorKind::Conflict, "fraud.duplicate", "", fmt::format("vertex '{}' exists", name)});
  }
  STAYLAB_TRY(inserted);
  const int64_t id = m_db->lastInsertRowId();
  return GraphVertex{id, root.value_or(id)};
}

Result<GraphVertex> SqliteFraudStateStore::addVertex(VertexKind kind, std::string_view name) {
  const GraphVertex vertex = STAYLAB_TRY(insertVertex(kind, name, std::nullopt));
  auto* component = STAYLAB_TRY(
      m_db->cached("INSERT INTO components (root, accounts, vertices) VALUES (?, ?, 1)"));
  component->bind(1, vertex.id).bind(2, int64_t{kind == VertexKind::Account ? 1 : 0});
  STAYLAB_TRY(component->run());
  return vertex;
}

Result<GraphVertex> SqliteFraudStateStore::addVertexTo(VertexKind kind, std::string_view name,
                                                       int64_t root) {
  // The insert first: a duplicate is refused before anything changed.
  const GraphVertex vertex = STAYLAB_TRY(insertVertex(kind, name, root));
  auto* grow = STAYLAB_TRY(m_db->cached(
      "UPDATE components SET accounts = accounts + ?, vertices = vertices + 1 WHERE root = ?"));
  grow->bind(1, int64_t{kind == VertexKind::Account ? 1 : 0}).bind(2, root);
  STAYLAB_TRY(grow->run());
  if (m_db->changes() == 0) {
    // Within a transaction, which the caller rolls back.
    return storeFailure("fraud.graph_inconsistent", "{} is not the root of a component in {}", root,
                        m_db->path().string());
  }
  return vertex;
}

Result<bool> SqliteFraudStateStore::addEdge(int64_t account, int64_t instrument) {
  auto* insert = STAYLAB_TRY(
      m_db->cached("INSERT INTO edges (account, instrument) VALUES (?, ?) ON CONFLICT DO NOTHING"));
  insert->bind(1, account).bind(2, instrument);
  STAYLAB_TRY(insert->run());
  return m_db->changes() > 0;
}

Result<ComponentSize> SqliteFraudStateStore::componentSize(int64_t root) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT accounts, vertices FROM components WHERE root = ?"));
  statement->bind(1, root);
  if (STAYLAB_TRY(statement->step()) == Step::Done) {
    return ComponentSize{};
  }
  return ComponentSize{statement->columnInt(0), statement->columnInt(1)};
}

Result<std::vector<std::string>> SqliteFraudStateStore::componentMembers(int64_t root,
                                                                         VertexKind kind) {
  auto statement = STAYLAB_TRY(
      m_db->reuse("SELECT name FROM vertices WHERE root = ? AND kind = ? ORDER BY name"));
  statement->bind(1, root).bind(2, static_cast<int64_t>(kind));
  std::vector<std::string> names;
  while (STAYLAB_TRY(statement->step()) == Step::Row) {
    names.push_back(statement->columnText(0));
  }
  return names;
}

Result<void> SqliteFraudStateStore::mergeComponents(int64_t absorbed, int64_t root) {
  if (absorbed == root) {
    return {};
  }
  auto* relabel = STAYLAB_TRY(m_db->cached("UPDATE vertices SET root = ?1 WHERE root = ?2"));
  relabel->bind(1, root).bind(2, absorbed);
  STAYLAB_TRY(relabel->run());
  auto* sizes = STAYLAB_TRY(m_db->cached(
      "UPDATE components SET accounts = accounts + (SELECT accounts FROM components WHERE root = "
      "?2), vertices = vertices + (SELECT vertices FROM components WHERE root = ?2) "
      "WHERE root = ?1"));
  sizes->bind(1, root).bind(2, absorbed);
  STAYLAB_TRY(sizes->run());
  auto* gone = STAYLAB_TRY(m_db->cached("DELETE FROM components WHERE root = ?"));
  gone->bind(1, absorbed);
  return gone->run();
}

Result<GraphContents> SqliteFraudStateStore::graph() {
  GraphContents contents;
  {
    auto statement = STAYLAB_TRY(m_db->reuse("SELECT kind, name FROM vertices ORDER BY id"));
    while (STAYLAB_TRY(statement->step()) == Step::Row) {
      (statement->columnInt(0) == static_cast<int64_t>(VertexKind::Account) ? contents.accounts
                                                                            : contents.instruments)
          .push_back(statement->columnText(1));
    }
  }
  {
    auto statement = STAYLAB_TRY(
        m_db->reuse("SELECT a.name, i.name FROM edges JOIN vertices a ON a.id = edges.account "
                    "JOIN vertices i ON i.id = edges.instrument"));
    while (STAYLAB_TRY(statement->step()) == Step::Row) {
      contents.edges.emplace_back(statement->columnText(0), statement->columnText(1));
    }
  }
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT COUNT(*) FROM components"));
  STAYLAB_TRY(statement->step());
  contents.components = statement->columnInt(0);
  return contents;
}

Result<ConsumerPosition> SqliteFraudStateStore::position() {
  ConsumerPosition position;
  {
    auto statement = STAYLAB_TRY(m_db->reuse("SELECT key, offset FROM offsets"));
    while (STAYLAB_TRY(statement->step()) == Step::Row) {
      position.offsets.emplace(statement->columnText(0), statement->columnInt(1));
    }
  }
  {
    auto statement = STAYLAB_TRY(m_db->reuse("SELECT body FROM pending_actions ORDER BY seq"));
    while (STAYLAB_TRY(statement->step()) == Step::Row) {
      nlohmann::json json =
          STAYLAB_TRY(parseBody(*m_db, "pending_actions", statement->columnText(0)));
      auto action = fraudActionFromJson(json);
      if (!action) {
        return storeFailure("fraud.corrupt_row", "a pending action in {} is malformed: {}",
                            m_db->path().string(), action.error().describe());
      }
      position.pending.push_back(std::move(*action));
    }
  }
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT value FROM counters WHERE name = 'skipped_events'"));
  if (STAYLAB_TRY(statement->step()) == Step::Row) {
    position.skipped_events = statement->columnInt(0);
  }
  return position;
}

Result<void> SqliteFraudStateStore::putPosition(const ConsumerPosition& position) {
  STAYLAB_TRY(m_db->exec("DELETE FROM offsets; DELETE FROM pending_actions;"));
  auto* offset = STAYLAB_TRY(m_db->cached("INSERT INTO offsets (key, offset) VALUES (?, ?)"));
  for (const auto& [key, value] : position.offsets) {
    offset->reset();
    offset->bind(1, key).bind(2, value);
    STAYLAB_TRY(offset->run());
  }
  auto* pending =
      STAYLAB_TRY(m_db->cached("INSERT INTO pending_actions (seq, body) VALUES (?, ?)"));
  int64_t seq = 0;
  for (const auto& action : position.pending) {
    pending->reset();
    pending->bind(1, seq++).bind(2, fraudActionToJson(action).dump());
    STAYLAB_TRY(pending->run());
  }
  auto* skipped =
      STAYLAB_TRY(m_db->cached("INSERT INTO counters (name, value) VALUES ('skipped_events', ?) "
                               "ON CONFLICT (name) DO UPDATE SET value = excluded.value"));
  skipped->bind(1, position.skipped_events);
  return skipped->run();
}

Result<void> SqliteFraudStateStore::verifyIntegrity() {
  return m_db->integrityCheck();
}

}  // namespace staylab::fraud
