// Opening a store never creates it by accident: every adapter opened with
// StoreCreation::OpenExisting finds the store it expects or fails naming what
// is missing, and leaves the files as they were (leveldb's create_if_missing).
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "events/rocksdb_event_log.h"
#include "stores/document/sqlite_document_store.h"
#include "stores/relational/sqlite_booking_store.h"
#include "stores/text/xapian_text_index.h"
#include "stores/wide_column/rocksdb_wide_column_store.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using testing::TempDir;

std::set<std::string> listing(const std::filesystem::path& directory) {
  std::set<std::string> names;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ignored)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

template <typename T>
std::string codeOf(const Result<T>& result) {
  return result ? std::string("(opened)") : result.error().code;
}

TEST(StoreCreationTest, SqliteBookingStoreRefusesAMissingFileAndCreatesNone) {
  TempDir dir;
  auto store = SqliteBookingStore::open({dir / "booking.db"});
  EXPECT_EQ(codeOf(store), "sqlite.missing");
  EXPECT_TRUE(listing(dir.path()).empty());
}

TEST(StoreCreationTest, SqliteBookingStoreRefusesAnEmptiedFile) {
  TempDir dir;
  ASSERT_TRUE(SqliteBookingStore::open(
      {dir / "booking.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing}));
  std::ofstream(dir / "booking.db", std::ios::trunc).close();
  auto store = SqliteBookingStore::open({dir / "booking.db"});
  EXPECT_EQ(codeOf(store), "sqlite.empty");
  EXPECT_EQ(std::filesystem::file_size(dir / "booking.db"), 0u);
}

TEST(StoreCreationTest, SqliteStoresRefuseADatabaseWithoutTheirSchema) {
  TempDir dir;
  // A SQLite database, but the listing context's, not the booking context's.
  ASSERT_TRUE(SqliteDocumentStore::open(
      {dir / "listing.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing}));
  EXPECT_EQ(codeOf(SqliteBookingStore::open({dir / "listing.db"})), "sqlite.not_a_store");
  ASSERT_TRUE(SqliteBookingStore::open(
      {dir / "booking.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing}));
  EXPECT_EQ(codeOf(SqliteDocumentStore::open({dir / "booking.db"})), "sqlite.not_a_store");
}

TEST(StoreCreationTest, SqliteDocumentStoreRefusesAMissingOrEmptyFile) {
  TempDir dir;
  EXPECT_EQ(codeOf(SqliteDocumentStore::open({dir / "listing.db"})), "sqlite.missing");
  EXPECT_TRUE(listing(dir.path()).empty());
  std::ofstream(dir / "listing.db").close();
  EXPECT_EQ(codeOf(SqliteDocumentStore::open({dir / "listing.db"})), "sqlite.empty");
}

TEST(StoreCreationTest, SqliteStoresCreatedThenReopenedWithoutCreation) {
  TempDir dir;
  ASSERT_TRUE(SqliteBookingStore::open(
      {dir / "booking.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing}));
  ASSERT_TRUE(SqliteDocumentStore::open(
      {dir / "listing.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing}));
  auto bookings = SqliteBookingStore::open({dir / "booking.db"});
  ASSERT_TRUE(bookings) << bookings.error().describe();
  EXPECT_TRUE((*bookings)->verifyIntegrity());
  auto listings = SqliteDocumentStore::open({dir / "listing.db"});
  ASSERT_TRUE(listings) << listings.error().describe();
  EXPECT_TRUE((*listings)->verifyIntegrity());
}

RocksDbEventLog::Options logOptions(const std::filesystem::path& directory,
                                    StoreCreation creation = StoreCreation::OpenExisting) {
  RocksDbEventLog::Options options;
  options.directory = directory;
  options.creation = creation;
  return options;
}

EventEnvelope anEvent(int index) {
  EventEnvelope event;
  event.event_id = fmt::format("evt_{}", index);
  event.type = "PropertyCreated";
  event.aggregate_type = "property";
  event.aggregate_id = fmt::format("prop_{}", index);
  event.aggregate_version = 1;
  event.occurred_at_nanos = 1;
  event.correlation_id = "cor";
  event.causation_id = "cau";
  event.payload = nlohmann::json::object();
  return event;
}

TEST(StoreCreationTest, EventLogRefusesAMissingDirectoryAndCreatesNothing) {
  TempDir dir;
  EXPECT_EQ(codeOf(RocksDbEventLog::open(logOptions(dir / "events"))), "rocksdb.missing");
  EXPECT_FALSE(std::filesystem::exists(dir / "events"));
}

// The defect this guards: with create_if_missing, the first open after CURRENT
// was lost wrote a fresh MANIFEST and CURRENT, and the second took that empty
// database as the log and deleted the old table files.
TEST(StoreCreationTest, EventLogWithoutItsCurrentFileFailsEveryTimeAndKeepsItsFiles) {
  TempDir dir;
  {
    auto log = RocksDbEventLog::open(logOptions(dir / "events", StoreCreation::CreateIfMissing));
    ASSERT_TRUE(log) << log.error().describe();
    for (int index = 0; index < 50; ++index) {
      ASSERT_TRUE((*log)->append({anEvent(index)}));
    }
  }
  std::filesystem::remove(dir / "events" / "CURRENT");
  auto before = listing(dir / "events");
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_EQ(codeOf(RocksDbEventLog::open(logOptions(dir / "events"))), "rocksdb.missing")
        << "attempt " << attempt;
    EXPECT_EQ(listing(dir / "events"), before) << "attempt " << attempt;
  }
}

TEST(StoreCreationTest, ReopeningWithoutWritesLeavesNoFilesBehind) {
  TempDir dir;
  {
    auto log = RocksDbEventLog::open(logOptions(dir / "events", StoreCreation::CreateIfMissing));
    ASSERT_TRUE(log);
    ASSERT_TRUE((*log)->append({anEvent(1)}));
  }
  RocksDbWideColumnStore::Options history;
  history.directory = dir / "history";
  history.creation = StoreCreation::CreateIfMissing;
  history.families = {"info"};
  ASSERT_TRUE(RocksDbWideColumnStore::open(history));
  history.creation = StoreCreation::OpenExisting;
  auto settle = [&] {
    for (int open = 0; open < 3; ++open) {
      ASSERT_TRUE(RocksDbEventLog::open(logOptions(dir / "events")));
      ASSERT_TRUE(RocksDbWideColumnStore::open(history));
    }
  };
  settle();
  size_t events_files = listing(dir / "events").size();
  size_t history_files = listing(dir / "history").size();
  for (int open = 0; open < 30; ++open) {
    auto log = RocksDbEventLog::open(logOptions(dir / "events"));
    ASSERT_TRUE(log) << log.error().describe();
    EXPECT_EQ((*log)->endOffset("property", 0).value_or(-1) +
                  (*log)->endOffset("property", 1).value_or(-1) +
                  (*log)->endOffset("property", 2).value_or(-1) +
                  (*log)->endOffset("property", 3).value_or(-1),
              1);
    ASSERT_TRUE(RocksDbWideColumnStore::open(history));
  }
  EXPECT_LE(listing(dir / "events").size(), events_files);
  EXPECT_LE(listing(dir / "history").size(), history_files);
  for (const auto& name : listing(dir / "events")) {
    EXPECT_FALSE(name.starts_with("LOG")) << name;
  }
}

TEST(StoreCreationTest, WideColumnStoreRefusesAMissingDirectoryAndCreatesNothing) {
  TempDir dir;
  RocksDbWideColumnStore::Options history;
  history.directory = dir / "history";
  history.families = {"info"};
  EXPECT_EQ(codeOf(RocksDbWideColumnStore::open(history)), "rocksdb.missing");
  EXPECT_FALSE(std::filesystem::exists(dir / "history"));
}

TEST(StoreCreationTest, TextIndexRefusesAMissingDirectoryOrAMissingTable) {
  TempDir dir;
  EXPECT_EQ(codeOf(XapianTextIndex::open({.directory = dir / "search"})), "text.missing");
  EXPECT_FALSE(std::filesystem::exists(dir / "search"));
  {
    auto index = XapianTextIndex::open(
        {.directory = dir / "search", .creation = StoreCreation::CreateIfMissing});
    ASSERT_TRUE(index) << index.error().describe();
    SearchDocument document;
    document.id = "prop_1";
    document.title = "A flat by the sea";
    document.city = "Lisbon";
    document.currency = "EUR";
    document.price_minor = 10000;
    document.capacity = 2;
    TextIndexBatch batch;
    batch.upserts.push_back(document);
    auto applied = (*index)->apply(batch);
    ASSERT_TRUE(applied) << applied.error().describe();
  }
  auto reopened = XapianTextIndex::open({.directory = dir / "search"});
  ASSERT_TRUE(reopened) << reopened.error().describe();
  EXPECT_TRUE((*reopened)->verifyIntegrity());
  reopened->reset();
  for (const char* table : {"postlist.glass", "docdata.glass"}) {
    TempDir copy;
    std::filesystem::copy(dir / "search", copy / "search");
    std::filesystem::remove(copy / "search" / table);
    auto index = XapianTextIndex::open({.directory = copy / "search"});
    EXPECT_EQ(codeOf(index), "text.missing") << table;
  }
}

}  // namespace
}  // namespace staylab
