// The contract of FraudStateStore, run against the SQLite store and the
// in-memory twin alike; then what only the SQLite store promises (files).
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "fraud/memory_fraud_state_store.h"
#include "fraud/sqlite_fraud_state_store.h"
#include "stores/sqlite/checksum_vfs.h"
#include "tests/fraud/fraud_test_events.h"
#include "tests/support/temp_dir.h"

namespace staylab::fraud {
namespace {

using testing::applyAll;
using testing::EventFactory;
using testing::makeDetector;
using testing::Signals;

BookingRecord booking(std::string id, std::string guest, std::string host, std::string payment,
                      int64_t at) {
  return BookingRecord{std::move(id),
                       "prop-1",
                       std::move(guest),
                       std::move(host),
                       std::move(payment),
                       "dev",
                       "",
                       at};
}

Suspicion suspicionOn(std::string account) {
  Suspicion suspicion;
  suspicion.rule = FraudRule::Velocity;
  suspicion.subject = Subject{SubjectKind::Account, std::move(account)};
  suspicion.id = suspicionId(suspicion.rule, suspicion.subject);
  suspicion.evidence = nlohmann::json{{"guest", suspicion.subject.id}};
  suspicion.caused_by = "evt-1";
  return suspicion;
}

// A position with both kinds of actions, as a detector produces them.
ConsumerPosition richPosition() {
  EventFactory events;
  FraudDetector detector = makeDetector();
  ConsumerPosition position;
  position.pending = applyAll(
      detector, {events.propertyCreated("p1", "h1", Signals{"payout", "dev-h1", "10.0.0.1"}),
                 events.bookingPlaced("b1", "p1", "h1", "h1")});
  position.offsets = {{"booking/0", 4}, {"booking/3", 1}, {"property/2", 1}};
  position.skipped_events = 2;
  return position;
}

struct StoreMaker {
  std::string name;
  std::function<std::unique_ptr<FraudStateStore>(const std::filesystem::path&)> make;
};

class FraudStateStoreContract : public ::testing::TestWithParam<StoreMaker> {
 protected:
  void SetUp() override { m_store = GetParam().make(m_dir.path()); }

  template <typename T>
  T ok(Result<T> result) {
    EXPECT_TRUE(result.has_value()) << result.error().describe();
    return result.value_or(T{});
  }
  void ok(Result<void> result) { EXPECT_TRUE(result.has_value()) << result.error().describe(); }

  staylab::testing::TempDir m_dir;
  std::unique_ptr<FraudStateStore> m_store;
};

TEST_P(FraudStateStoreContract, CommittedWritesAreReadBackByKey) {
  FraudStateStore& store = *m_store;
  ok(store.begin());
  ok(store.putProperty("prop-1", PropertyRecord{"host-1", 3}));
  EXPECT_TRUE(ok(store.addHostInstrument("host-1", "payment:card")));
  EXPECT_FALSE(ok(store.addHostInstrument("host-1", "payment:card")));
  ok(store.rememberEvent("evt-1", 10));
  ok(store.addSuspicion(suspicionOn("guest-1")));
  ok(store.commit());
  EXPECT_FALSE(store.inTransaction());

  EXPECT_EQ(ok(store.property("prop-1")), (PropertyRecord{"host-1", 3}));
  EXPECT_FALSE(ok(store.property("prop-2")).has_value());
  EXPECT_EQ(ok(store.hostInstruments("host-1")), std::set<std::string>{"payment:card"});
  EXPECT_TRUE(ok(store.hostInstruments("host-2")).empty());
  EXPECT_TRUE(ok(store.eventApplied("evt-1")));
  EXPECT_FALSE(ok(store.eventApplied("evt-2")));
  EXPECT_TRUE(ok(store.hasSuspicion(FraudRule::Velocity, {SubjectKind::Account, "guest-1"})));
  EXPECT_FALSE(ok(store.hasSuspicion(FraudRule::Ring, {SubjectKind::Account, "guest-1"})));
  EXPECT_EQ(ok(store.suspicions()), std::vector<Suspicion>{suspicionOn("guest-1")});
}

TEST_P(FraudStateStoreContract, RollbackDiscardsEveryWriteSinceBegin) {
  FraudStateStore& store = *m_store;
  ok(store.putProperty("kept", PropertyRecord{"host-1", 1}));  // Its own transaction.
  ok(store.begin());
  ok(store.putProperty("dropped", PropertyRecord{"host-1", 1}));
  ok(store.addBooking(booking("b1", "g1", "host-1", "card", 1)));
  ok(store.addVertex(VertexKind::Account, "g1"));
  ok(store.putPosition(richPosition()));
  EXPECT_TRUE(ok(store.property("dropped")).has_value()) << "a transaction sees its own writes";
  store.rollback();
  EXPECT_FALSE(store.inTransaction());
  EXPECT_TRUE(ok(store.property("kept")).has_value());
  EXPECT_FALSE(ok(store.property("dropped")).has_value());
  EXPECT_TRUE(ok(store.allBookings()).empty());
  EXPECT_FALSE(ok(store.vertex(VertexKind::Account, "g1")).has_value());
  EXPECT_EQ(ok(store.position()), ConsumerPosition{});
}

TEST_P(FraudStateStoreContract, ABeginInsideATransactionIsRefused) {
  ok(m_store->begin());
  EXPECT_FALSE(m_store->begin().has_value());
  m_store->rollback();
  EXPECT_FALSE(m_store->commit().has_value()) << "nothing to commit";
}

TEST_P(FraudStateStoreContract, RemembersOnlyTheNewestEventIds) {
  for (int index = 0; index < 5; ++index) {
    ok(m_store->rememberEvent(fmt::format("evt-{}", index), 3));
  }
  ok(m_store->rememberEvent("evt-4", 3));  // Known: neither added nor moved.
  EXPECT_EQ(ok(m_store->rememberedEvents()), (std::vector<std::string>{"evt-2", "evt-3", "evt-4"}));
  EXPECT_FALSE(ok(m_store->eventApplied("evt-1")));
  EXPECT_TRUE(ok(m_store->eventApplied("evt-2")));
}

TEST_P(FraudStateStoreContract, FindsBookingsByEveryKeyInAppliedOrder) {
  FraudStateStore& store = *m_store;
  const int64_t first = ok(store.addBooking(booking("b1", "g1", "h1", "card-a", 30)));
  const int64_t second = ok(store.addBooking(booking("b2", "g2", "h1", "card-a", 10)));
  const int64_t third = ok(store.addBooking(booking("b1", "g1", "h2", "", 20)));  // Repeated id.
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);

  auto ids = [](const std::vector<StoredBooking>& found) {
    std::vector<std::string> result;
    for (const auto& stored : found) {
      result.push_back(fmt::format("{}@{}", stored.record.booking_id, stored.record.host_id));
    }
    return result;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids(ok(store.bookings(BookingKey::BookingId, "b1"))), (Ids{"b1@h1", "b1@h2"}));
  EXPECT_EQ(ids(ok(store.bookings(BookingKey::Guest, "g1"))), (Ids{"b1@h1", "b1@h2"}));
  EXPECT_EQ(ids(ok(store.bookings(BookingKey::Host, "h1"))), (Ids{"b1@h1", "b2@h1"}));
  EXPECT_EQ(ids(ok(store.bookings(BookingKey::Payment, "card-a"))), (Ids{"b1@h1", "b2@h1"}));
  EXPECT_TRUE(ok(store.bookings(BookingKey::Guest, "nobody")).empty());
  auto all = ok(store.allBookings());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].record, booking("b2", "g2", "h1", "card-a", 10));
  EXPECT_EQ(all[1].seq, second);
}

TEST_P(FraudStateStoreContract, ASecondSuspicionOnOneSubjectIsAConflict) {
  ok(m_store->addSuspicion(suspicionOn("guest-1")));
  auto again = m_store->addSuspicion(suspicionOn("guest-1"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().kind, ErrorKind::Conflict);
  EXPECT_EQ(again.error().code, "fraud.duplicate");
  EXPECT_EQ(ok(m_store->suspicions()).size(), 1u);
}

TEST_P(FraudStateStoreContract, MergingComponentsRelabelsTheAbsorbedSideAndAddsItsSizes) {
  FraudStateStore& store = *m_store;
  const GraphVertex alice = ok(store.addVertex(VertexKind::Account, "alice"));
  const GraphVertex bob = ok(store.addVertex(VertexKind::Account, "bob"));
  const GraphVertex card = ok(store.addVertex(VertexKind::Instrument, "payment:card"));
  EXPECT_EQ(alice.root, alice.id);
  EXPECT_FALSE(store.addVertex(VertexKind::Account, "alice").has_value());
  EXPECT_TRUE(ok(store.addEdge(alice.id, card.id)));
  EXPECT_FALSE(ok(store.addEdge(alice.id, card.id)));
  ok(store.addEdge(bob.id, card.id));
  ok(store.mergeComponents(card.root, alice.root));
  ok(store.mergeComponents(bob.root, alice.root));

  EXPECT_EQ(ok(store.vertex(VertexKind::Instrument, "payment:card"))->root, alice.id);
  EXPECT_EQ(ok(store.vertex(VertexKind::Account, "bob"))->root, alice.id);
  EXPECT_FALSE(ok(store.vertex(VertexKind::Instrument, "alice")).has_value())
      << "kinds are namespaces";
  EXPECT_EQ(ok(store.componentSize(alice.id)), (ComponentSize{2, 3}));
  EXPECT_EQ(ok(store.componentSize(bob.id)), ComponentSize{}) << "no longer a root";
  EXPECT_EQ(ok(store.componentMembers(alice.id, VertexKind::Account)),
            (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(ok(store.componentMembers(alice.id, VertexKind::Instrument)),
            std::vector<std::string>{"payment:card"});
  GraphContents graph = ok(store.graph());
  EXPECT_EQ(graph.components, 1);
  EXPECT_EQ(graph.edges.size(), 2u);
  EXPECT_EQ(graph.accounts.size(), 2u);
}

TEST_P(FraudStateStoreContract, AVertexAddedIntoAComponentGrowsItsRoot) {
  FraudStateStore& store = *m_store;
  const GraphVertex alice = ok(store.addVertex(VertexKind::Account, "alice"));
  const GraphVertex card = ok(store.addVertexTo(VertexKind::Instrument, "payment:card", alice.id));
  const GraphVertex bob = ok(store.addVertexTo(VertexKind::Account, "bob", alice.id));
  EXPECT_EQ(card.root, alice.id);
  EXPECT_EQ(ok(store.vertex(VertexKind::Account, "bob")), bob);
  EXPECT_EQ(ok(store.componentSize(alice.id)), (ComponentSize{2, 3}));
  EXPECT_EQ(ok(store.graph()).components, 1);
  auto again = store.addVertexTo(VertexKind::Account, "bob", alice.id);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, "fraud.duplicate");
  EXPECT_EQ(ok(store.componentSize(alice.id)), (ComponentSize{2, 3}))
      << "a refusal changes nothing";
}

TEST_P(FraudStateStoreContract, ThePositionRoundTripsWithBothKindsOfActions) {
  const ConsumerPosition position = richPosition();
  ASSERT_FALSE(testing::marks(position.pending).empty());
  ASSERT_FALSE(testing::published(position.pending).empty());
  ok(m_store->putPosition(position));
  EXPECT_EQ(ok(m_store->position()), position);
  ConsumerPosition fewer = position;
  fewer.pending.erase(fewer.pending.begin());
  fewer.offsets.erase("booking/3");
  ok(m_store->putPosition(fewer));
  EXPECT_EQ(ok(m_store->position()), fewer) << "a position replaces the one before";
}

TEST_P(FraudStateStoreContract, ClearEmptiesEveryTable) {
  FraudStateStore& store = *m_store;
  ok(store.putProperty("prop-1", PropertyRecord{"host-1", 1}));
  ok(store.addHostInstrument("host-1", "ip:1"));
  ok(store.addBooking(booking("b1", "g1", "h1", "card", 1)));
  ok(store.addSuspicion(suspicionOn("g1")));
  ok(store.rememberEvent("evt-1", 5));
  ok(store.addVertex(VertexKind::Account, "g1"));
  ok(store.putPosition(richPosition()));
  ok(store.clear());
  EXPECT_TRUE(ok(store.properties()).empty());
  EXPECT_TRUE(ok(store.allHostInstruments()).empty());
  EXPECT_TRUE(ok(store.allBookings()).empty());
  EXPECT_TRUE(ok(store.suspicions()).empty());
  EXPECT_TRUE(ok(store.rememberedEvents()).empty());
  EXPECT_EQ(ok(store.graph()).components, 0);
  EXPECT_EQ(ok(store.position()), ConsumerPosition{});
  // Seqs start again, as in a new store.
  const int64_t seq = ok(store.addBooking(booking("b2", "g1", "h1", "", 1)));
  const auto all = ok(store.allBookings());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all.front().seq, seq);
}

std::unique_ptr<SqliteFraudStateStore> openSqlite(const std::filesystem::path& path,
                                                  StoreCreation creation) {
  SqliteFraudStateStore::Options options;
  options.path = path;
  options.creation = creation;
  auto store = SqliteFraudStateStore::open(options);
  EXPECT_TRUE(store.has_value()) << store.error().describe();
  return store ? std::move(*store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    Stores, FraudStateStoreContract,
    ::testing::Values(StoreMaker{"Memory",
                                 [](const std::filesystem::path&) {
                                   return std::unique_ptr<FraudStateStore>(
                                       std::make_unique<MemoryFraudStateStore>());
                                 }},
                      StoreMaker{"Sqlite",
                                 [](const std::filesystem::path& dir) {
                                   return std::unique_ptr<FraudStateStore>(openSqlite(
                                       dir / "fraud.db", StoreCreation::CreateIfMissing));
                                 }}),
    [](const auto& info) { return info.param.name; });

// ---- SQLite only: the file ----

TEST(SqliteFraudStateStore, CommittedStateSurvivesReopenAndAnOpenTransactionDoesNot) {
  staylab::testing::TempDir dir;
  {
    auto store = openSqlite(dir / "fraud.db", StoreCreation::CreateIfMissing);
    ASSERT_TRUE(store->putProperty("kept", PropertyRecord{"h", 1}));
    ASSERT_TRUE(store->begin());
    ASSERT_TRUE(store->putProperty("lost", PropertyRecord{"h", 1}));
  }  // Closed with the transaction open, as a process that dies.
  auto store = openSqlite(dir / "fraud.db", StoreCreation::OpenExisting);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->property("kept").value().has_value());
  EXPECT_FALSE(store->property("lost").value().has_value());
  EXPECT_TRUE(store->verifyIntegrity().has_value());
}

TEST(SqliteFraudStateStore, OpeningRefusesAMissingOrEmptiedFileAndCreatesNothing) {
  staylab::testing::TempDir dir;
  SqliteFraudStateStore::Options options;
  options.path = dir / "fraud.db";
  auto missing = SqliteFraudStateStore::open(options);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, "sqlite.missing");
  EXPECT_FALSE(std::filesystem::exists(options.path));

  std::ofstream(options.path).close();
  auto empty = SqliteFraudStateStore::open(options);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, "sqlite.empty");
}

TEST(SqliteFraudStateStore, AFileThatIsNotTheStoreIsAStoreFailure) {
  staylab::testing::TempDir dir;
  std::ofstream(dir / "fraud.db") << "{ not a database";
  SqliteFraudStateStore::Options options;
  options.path = dir / "fraud.db";
  auto opened = SqliteFraudStateStore::open(options);
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().kind, ErrorKind::StoreFailure);
}

TEST(SqliteFraudStateStore, AMalformedRowIsNamedNotTakenForData) {
  staylab::testing::TempDir dir;
  {
    auto store = openSqlite(dir / "fraud.db", StoreCreation::CreateIfMissing);
    ASSERT_TRUE(store->addSuspicion(suspicionOn("g1")));
  }
  sqlite3* raw = nullptr;
  // Through the store's own VFS, so the page checksums stay right and only the
  // row is wrong.
  ASSERT_EQ(sqlite3_open_v2((dir / "fraud.db").c_str(), &raw, SQLITE_OPEN_READWRITE,
                            sqlite::checksum_vfs::ensureRegistered()),
            SQLITE_OK);
  EXPECT_EQ(
      sqlite3_exec(raw, "UPDATE suspicions SET body = '{\"rule\": 7}'", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(raw);
  auto store = openSqlite(dir / "fraud.db", StoreCreation::OpenExisting);
  auto read = store->suspicions();
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, "fraud.corrupt_row");
}

}  // namespace
}  // namespace staylab::fraud
