#include "app/migration/migration_store.h"

#include "stores/sqlite/sqlite.h"

namespace staylab::migration {
namespace {

using sqlite::Database;
using sqlite::Step;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS offsets (
  consumer TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, next INTEGER NOT NULL,
  PRIMARY KEY (consumer, topic, part));
CREATE TABLE IF NOT EXISTS outcomes (
  change_id INTEGER PRIMARY KEY, prop_no INTEGER NOT NULL, own INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('A', 'E')), tries INTEGER NOT NULL,
  reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS outcomes_by_property ON outcomes (prop_no, own);
CREATE TABLE IF NOT EXISTS id_map (
  kind TEXT NOT NULL CHECK (kind IN ('P', 'R')), legacy_key INTEGER NOT NULL, new_id TEXT NOT NULL,
  PRIMARY KEY (kind, legacy_key));
CREATE UNIQUE INDEX IF NOT EXISTS id_map_by_new ON id_map (kind, new_id);
CREATE TABLE IF NOT EXISTS property_changes (
  prop_no INTEGER PRIMARY KEY, change_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
)sql";

}  // namespace

MigrationStore::MigrationStore(std::unique_ptr<Database> db) : m_db(std::move(db)) {}
MigrationStore::~MigrationStore() = default;

Result<std::unique_ptr<MigrationStore>> MigrationStore::open(const std::filesystem::path& path,
                                                             StoreCreation creation) {
  sqlite::OpenOptions options;
  options.path = path;
  options.creation = creation;
  options.cache_kib = 4 * 1024;
  auto db = STAYLAB_TRY(
      Database::openStore(options, kSchema, "migration store",
                          {"offsets", "outcomes", "id_map", "property_changes", "counters"}));
  return std::unique_ptr<MigrationStore>(new MigrationStore(std::move(db)));
}

Result<void> MigrationStore::commit(const Bookkeeping& bookkeeping) {
  if (bookkeeping.empty())
    return {};
  return m_db->transaction([&]() -> Result<void> {
    for (const auto& offset : bookkeeping.offsets) {
      auto statement = STAYLAB_TRY(
          m_db->reuse("INSERT INTO offsets (consumer, topic, part, next) VALUES (?, ?, ?, ?) "
                      "ON CONFLICT (consumer, topic, part) DO UPDATE SET next = excluded.next"));
      statement->bind(1, offset.consumer).bind(2, offset.topic).bind(3, offset.partition);
      STAYLAB_TRY(statement->bind(4, offset.next).run());
    }
    for (const auto& decided : bookkeeping.outcomes) {
      auto statement = STAYLAB_TRY(
          m_db->reuse("INSERT INTO outcomes (change_id, prop_no, own, outcome, tries, reason) "
                      "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (change_id) DO NOTHING"));
      statement->bind(1, decided.change_id)
          .bind(2, decided.prop_no)
          .bind(3, decided.own ? 1 : 0)
          .bind(4, std::string_view(reinterpret_cast<const char*>(&decided.outcome), 1))
          .bind(5, decided.tries);
      STAYLAB_TRY(statement->bind(6, decided.reason).run());
    }
    for (const auto& mapping : bookkeeping.mappings) {
      auto statement =
          STAYLAB_TRY(m_db->reuse("INSERT INTO id_map (kind, legacy_key, new_id) VALUES (?, ?, ?) "
                                  "ON CONFLICT DO NOTHING"));
      statement->bind(1, std::string_view(&mapping.kind, 1)).bind(2, mapping.legacy_key);
      STAYLAB_TRY(statement->bind(3, mapping.new_id).run());
    }
    for (const auto& [prop_no, change_id] : bookkeeping.property_changes) {
      auto statement = STAYLAB_TRY(m_db->reuse(
          "INSERT INTO property_changes (prop_no, change_id) VALUES (?, ?) "
          "ON CONFLICT (prop_no) DO UPDATE SET change_id = max(change_id, excluded.change_id)"));
      STAYLAB_TRY(statement->bind(1, prop_no).bind(2, change_id).run());
    }
    for (const auto& [name, count] : bookkeeping.counts) {
      auto statement = STAYLAB_TRY(
          m_db->reuse("INSERT INTO counters (name, value) VALUES (?, ?) "
                      "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"));
      STAYLAB_TRY(statement->bind(1, name).bind(2, count).run());
    }
    return {};
  });
}

Result<int64_t> MigrationStore::offset(std::string_view consumer, std::string_view topic,
                                       int partition) {
  auto statement = STAYLAB_TRY(
      m_db->reuse("SELECT next FROM offsets WHERE consumer = ? AND topic = ? AND part = ?"));
  statement->bind(1, consumer).bind(2, topic).bind(3, partition);
  if (STAYLAB_TRY(statement->step()) == Step::Done)
    return 0;
  return statement->columnInt(0);
}

Result<std::optional<Outcome>> MigrationStore::outcome(int64_t change_id) {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT outcome FROM outcomes WHERE change_id = ?"));
  statement->bind(1, change_id);
  if (STAYLAB_TRY(statement->step()) == Step::Done)
    return std::nullopt;
  return static_cast<Outcome>(statement->columnText(0).at(0));
}

Result<int64_t> MigrationStore::decidedOf(int64_t prop_no) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT COUNT(*) FROM outcomes WHERE prop_no = ? AND own = 1"));
  statement->bind(1, prop_no);
  STAYLAB_TRY(statement->step());
  return statement->columnInt(0);
}

Result<std::map<int64_t, Outcome>> MigrationStore::outcomes() {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT change_id, outcome FROM outcomes"));
  std::map<int64_t, Outcome> decided;
  while (STAYLAB_TRY(statement->step()) == Step::Row)
    decided.emplace(statement->columnInt(0), static_cast<Outcome>(statement->columnText(1).at(0)));
  return decided;
}

Result<std::optional<std::string>> MigrationStore::newId(char kind, int64_t legacy_key) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT new_id FROM id_map WHERE kind = ? AND legacy_key = ?"));
  statement->bind(1, std::string_view(&kind, 1)).bind(2, legacy_key);
  if (STAYLAB_TRY(statement->step()) == Step::Done)
    return std::nullopt;
  return statement->columnText(0);
}

Result<std::optional<int64_t>> MigrationStore::legacyKey(char kind, std::string_view new_id) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT legacy_key FROM id_map WHERE kind = ? AND new_id = ?"));
  statement->bind(1, std::string_view(&kind, 1)).bind(2, new_id);
  if (STAYLAB_TRY(statement->step()) == Step::Done)
    return std::nullopt;
  return statement->columnInt(0);
}

Result<std::vector<IdMapping>> MigrationStore::mappings(char kind) {
  auto statement = STAYLAB_TRY(
      m_db->reuse("SELECT legacy_key, new_id FROM id_map WHERE kind = ? ORDER BY legacy_key"));
  statement->bind(1, std::string_view(&kind, 1));
  std::vector<IdMapping> found;
  while (STAYLAB_TRY(statement->step()) == Step::Row)
    found.push_back(IdMapping{kind, statement->columnInt(0), statement->columnText(1)});
  return found;
}

Result<int64_t> MigrationStore::lastPropertyChange(int64_t prop_no) {
  auto statement =
      STAYLAB_TRY(m_db->reuse("SELECT change_id FROM property_changes WHERE prop_no = ?"));
  statement->bind(1, prop_no);
  if (STAYLAB_TRY(statement->step()) == Step::Done)
    return 0;
  return statement->columnInt(0);
}

Result<std::map<std::string, int64_t, std::less<>>> MigrationStore::counters() {
  auto statement = STAYLAB_TRY(m_db->reuse("SELECT name, value FROM counters"));
  std::map<std::string, int64_t, std::less<>> values;
  while (STAYLAB_TRY(statement->step()) == Step::Row)
    values.emplace(statement->columnText(0), statement->columnInt(1));
  return values;
}

}  // namespace staylab::migration
