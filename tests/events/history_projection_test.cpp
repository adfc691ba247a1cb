// The booking history projection over the event log, run against the RocksDB
// wide-column store and its in-memory twin.

#include "events/history_projection.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/memory_event_log.h"
#include "stores/wide_column/memory_wide_column_store.h"
#include "stores/wide_column/rocksdb_wide_column_store.h"
#include "tests/support/delivery_doubles.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using testing::TempDir;

const std::map<std::string, int> kTopics{{"property", 2}, {"booking", 3}};

// Makes booking envelopes shaped like the booking service's, with
// deterministic event ids.
class BookingEvents {
 public:
  EventEnvelope placed(const std::string& booking_id, const std::string& property_id,
                       const std::string& guest_id) {
    nlohmann::json payload = stay(booking_id, property_id, guest_id);
    payload["total_minor"] = 30000;
    payload["currency"] = "EUR";
    payload["payment_fingerprint"] = "card-1";
    payload["device"] = "device-1";
    payload["ip"] = "192.0.2.1";
    payload["host_id"] = "host-1";
    return make("BookingPlaced", booking_id, 1, std::move(payload));
  }
  EventEnvelope rejected(const std::string& booking_id, const std::string& property_id,
                         const std::string& guest_id) {
    nlohmann::json payload = stay(booking_id, property_id, guest_id);
    payload["reason"] = "nights_taken";
    payload["taken_nights"] = {"2027-06-01"};
    return make("BookingRejected", booking_id, 1, std::move(payload));
  }
  EventEnvelope cancelled(const std::string& booking_id, const std::string& property_id,
                          const std::string& guest_id) {
    return make("BookingCancelled", booking_id, 2, stay(booking_id, property_id, guest_id));
  }
  EventEnvelope make(std::string type, std::string booking_id, int64_t version,
                     nlohmann::json payload) {
    ++m_count;
    EventEnvelope event;
    event.event_id = fmt::format("evt-{:04}", m_count);
    event.type = std::move(type);
    event.schema_version = 1;
    event.aggregate_type = "booking";
    event.aggregate_id = std::move(booking_id);
    event.aggregate_version = version;
    event.occurred_at_nanos = 1'000'000 * m_count;
    event.correlation_id = fmt::format("cmd-{}", m_count);
    event.causation_id = event.correlation_id;
    event.payload = std::move(payload);
    return event;
  }

 private:
  static nlohmann::json stay(const std::string& booking_id, const std::string& property_id,
                             const std::string& guest_id) {
    return nlohmann::json{{"booking_id", booking_id},
                          {"property_id", property_id},
                          {"guest_id", guest_id},
                          {"check_in", "2027-06-01"},
                          {"check_out", "2027-06-04"},
                          {"nights", 3},
                          {"guests", 2}};
  }

  int m_count = 0;
};

std::vector<EventEnvelope> scenario(BookingEvents& events) {
  return {
      events.placed("bkg-1", "prop-a", "guest-1"),
      events.placed("bkg-2", "prop-a", "guest-2"),
      events.rejected("bkg-3", "prop-a", "guest-1"),
      events.cancelled("bkg-1", "prop-a", "guest-1"),
      events.placed("bkg-4", "prop-b", "guest-1"),
      events.make("BookingReminderSent", "bkg-4", 2, {{"booking_id", "bkg-4"}}),
      events.placed("bkg-5", "prop-c", "guest-3"),
      events.cancelled("bkg-5", "prop-c", "guest-3"),
  };
}

struct StoreKind {
  std::string name;
  bool rocksdb = false;

  friend void PrintTo(const StoreKind& kind, std::ostream* out) { *out << kind.name; }
};

std::unique_ptr<WideColumnStore> openStore(bool rocksdb, const std::filesystem::path& directory) {
  Result<std::unique_ptr<WideColumnStore>> store;
  if (rocksdb) {
    RocksDbWideColumnStore::Options options;
    options.directory = directory;
    options.creation = StoreCreation::CreateIfMissing;
    options.families = HistoryProjection::families();
    store = RocksDbWideColumnStore::open(options);
  } else {
    MemoryWideColumnStore::Options options;
    options.families = HistoryProjection::families();
    store = MemoryWideColumnStore::open(options);
  }
  if (!store) {
    ADD_FAILURE() << store.error().describe();
    return nullptr;
  }
  return std::move(*store);
}

class HistoryProjectionTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    m_store = openStore(GetParam().rocksdb, m_dir / "history");
    ASSERT_NE(m_store, nullptr);
    m_projection = std::make_unique<HistoryProjection>(*m_store, m_log);
  }

  // Makes a new projection, as after a restart; the RocksDB store is closed
  // and opened again, the twin is kept.
  void restart() {
    m_projection.reset();
    if (GetParam().rocksdb) {
      m_store.reset();
      m_store = openStore(true, m_dir / "history");
      ASSERT_NE(m_store, nullptr);
    }
    m_projection = std::make_unique<HistoryProjection>(*m_store, m_log);
  }

  void append(const std::vector<EventEnvelope>& events) {
    auto appended = m_log.append(events);
    ASSERT_TRUE(appended) << appended.error().describe();
  }

  size_t catchUp() {
    size_t total = 0;
    for (;;) {
      auto consumed = m_projection->step(100);
      EXPECT_TRUE(consumed) << consumed.error().describe();
      if (!consumed || *consumed == 0) {
        break;
      }
      total += *consumed;
    }
    EXPECT_EQ(m_projection->lag().value_or(-1), 0);
    return total;
  }

  std::string digest() {
    auto digest = m_projection->canonicalDigest();
    EXPECT_TRUE(digest) << digest.error().describe();
    return digest.value_or("");
  }

  // Returns the versions of a booking's cell, newest first, as parsed JSON.
  std::vector<std::pair<int64_t, nlohmann::json>> versions(const std::string& row,
                                                           const char* family,
                                                           const std::string& booking_id) {
    auto cells = m_store->versions(row, family, booking_id, 10);
    EXPECT_TRUE(cells) << cells.error().describe();
    std::vector<std::pair<int64_t, nlohmann::json>> result;
    for (const auto& cell : cells.value_or(std::vector<Cell>{})) {
      result.emplace_back(cell.timestamp, nlohmann::json::parse(cell.value));
    }
    return result;
  }

  void resetOffsets(int64_t offset) {
    WideColumnBatch batch;
    for (int partition = 0; partition < kTopics.at("booking"); ++partition) {
      batch.put("offsets", HistoryProjection::kMeta, fmt::format("booking/{}", partition), 0,
                std::to_string(offset));
    }
    ASSERT_TRUE(m_store->apply(batch));
  }

  TempDir m_dir;
  MemoryEventLog m_log{kTopics};
  BookingEvents m_events;
  std::unique_ptr<WideColumnStore> m_store;
  std::unique_ptr<HistoryProjection> m_projection;
};

TEST_P(HistoryProjectionTest, RecordsEveryStateChangePerPropertyAndPerGuest) {
  append(scenario(m_events));
  EXPECT_EQ(catchUp(), 8u);

  auto cancelled = versions("prop-a", HistoryProjection::kByProperty, "bkg-1");
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].first, 2);
  EXPECT_EQ(cancelled[1].first, 1);
  EXPECT_EQ(cancelled[1].second, (nlohmann::json{{"type", "BookingPlaced"},
                                                 {"status", "confirmed"},
                                                 {"booking_id", "bkg-1"},
                                                 {"guest_id", "guest-1"},
                                                 {"property_id", "prop-a"},
                                                 {"check_in", "2027-06-01"},
                                                 {"check_out", "2027-06-04"},
                                                 {"nights", 3},
                                                 {"total_minor", 30000},
                                                 {"currency", "EUR"},
                                                 {"occurred_at", 1'000'000},
                                                 {"event_id", "evt-0001"}}));
  EXPECT_EQ(cancelled[0].second["type"], "BookingCancelled");
  EXPECT_EQ(cancelled[0].second["status"], "cancelled");
  EXPECT_EQ(cancelled[0].second["event_id"], "evt-0004");
  EXPECT_TRUE(cancelled[0].second["total_minor"].is_null());

  auto rejected = versions("prop-a", HistoryProjection::kByProperty, "bkg-3");
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].second["status"], "rejected");
  EXPECT_EQ(rejected[0].second["reason"], "nights_taken");

  // The same changes under the guest.
  EXPECT_EQ(versions("guest-1", HistoryProjection::kByGuest, "bkg-1"), cancelled);
  auto guest_row = m_store->scanRow("guest-1", HistoryProjection::kByGuest).value();
  std::vector<std::pair<std::string, int64_t>> guest_cells;
  for (const auto& cell : guest_row) {
    guest_cells.emplace_back(cell.qualifier, cell.timestamp);
  }
  EXPECT_EQ(guest_cells, (std::vector<std::pair<std::string, int64_t>>{
                             {"bkg-1", 2}, {"bkg-1", 1}, {"bkg-3", 1}, {"bkg-4", 1}}));
  auto property_row = m_store->scanRow("prop-a", HistoryProjection::kByProperty).value();
  EXPECT_EQ(property_row.size(), 4u);  // bkg-1 twice, bkg-2, bkg-3.
  EXPECT_EQ(m_store->scanRow("guest-3", HistoryProjection::kByGuest).value().size(), 2u);
}

TEST_P(HistoryProjectionTest, OffsetsAreStoredInTheMetaFamily) {
  append(scenario(m_events));
  catchUp();
  auto offsets = m_store->scanRow("offsets", HistoryProjection::kMeta).value();
  int64_t total = 0;
  for (const auto& cell : offsets) {
    total += std::stoll(cell.value);
  }
  EXPECT_EQ(total, 8);
}

TEST_P(HistoryProjectionTest, ReplayingFromEarlierOffsetsChangesNothing) {
  append(scenario(m_events));
  catchUp();
  const std::string built = digest();

  for (int64_t offset : {0, 1}) {
    resetOffsets(offset);
    restart();
    EXPECT_GT(m_projection->lag().value(), 0);
    catchUp();
    EXPECT_EQ(digest(), built) << "offset " << offset;
  }
}

TEST_P(HistoryProjectionTest, DuplicatesAtNewOffsetsChangeNothing) {
  const std::vector<EventEnvelope> events = scenario(m_events);
  append(events);
  catchUp();
  const std::string built = digest();

  append(std::vector<EventEnvelope>(events.begin() + 1, events.end()));
  append(std::vector<EventEnvelope>(events.begin(), events.begin() + 4));
  EXPECT_EQ(catchUp(), events.size() - 1 + 4);
  EXPECT_EQ(digest(), built);
}

TEST_P(HistoryProjectionTest, RestartResumesFromTheStoredOffsets) {
  append(scenario(m_events));
  catchUp();
  const std::string built = digest();

  restart();
  EXPECT_EQ(m_projection->lag().value(), 0);
  EXPECT_EQ(m_projection->step(100).value(), 0u);
  EXPECT_EQ(digest(), built);

  append({m_events.cancelled("bkg-4", "prop-b", "guest-1")});
  EXPECT_EQ(m_projection->step(100).value(), 1u);
  EXPECT_EQ(versions("prop-b", HistoryProjection::kByProperty, "bkg-4").size(), 2u);
}

TEST_P(HistoryProjectionTest, RebuildGivesTheSameDigestAsTheIncrementalBuild) {
  for (const auto& event : scenario(m_events)) {
    append({event});
    ASSERT_TRUE(m_projection->step(1));
  }
  catchUp();
  const std::string incremental = digest();
  const std::string content = m_projection->canonicalContent().value();

  // A cell no event explains is dropped by the rebuild.
  ASSERT_TRUE(m_store->put(Cell{"prop-z", HistoryProjection::kByProperty, "bkg-z", 1, "{}"}));
  ASSERT_NE(digest(), incremental);

  ASSERT_TRUE(m_projection->rebuild());
  EXPECT_EQ(m_projection->lag().value(), 0);
  EXPECT_EQ(digest(), incremental);
  EXPECT_EQ(m_projection->canonicalContent().value(), content);
}

TEST_P(HistoryProjectionTest, StepRespectsItsMaximumAndLagDropsToZero) {
  append(scenario(m_events));
  EXPECT_EQ(m_projection->lag().value(), 8);
  EXPECT_EQ(m_projection->step(0).value(), 0u);
  EXPECT_EQ(m_projection->step(3).value(), 3u);
  EXPECT_EQ(m_projection->lag().value(), 5);
  EXPECT_EQ(m_projection->step(1000).value(), 5u);
  EXPECT_EQ(m_projection->lag().value(), 0);
}

TEST_P(HistoryProjectionTest, PoisonEventIsSkippedRecordedAndDoesNotWedge) {
  nlohmann::json no_guest = {{"booking_id", "bkg-1"},
                             {"property_id", "prop-a"},
                             {"check_in", "2027-06-01"},
                             {"check_out", "2027-06-04"},
                             {"nights", 3}};
  nlohmann::json bad_dates = no_guest;
  bad_dates["guest_id"] = "guest-1";
  bad_dates["check_out"] = "2027-02-30";
  append({m_events.make("BookingPlaced", "bkg-1", 1, no_guest),
          m_events.cancelled("bkg-1", "prop-a", "guest-1"),
          m_events.make("BookingPlaced", "bkg-2", 1, bad_dates)});
  EXPECT_EQ(catchUp(), 3u);

  EXPECT_EQ(m_projection->poisonCount(), 2u);
  auto records = m_projection->poisonRecords();
  ASSERT_TRUE(records) << records.error().describe();
  ASSERT_EQ(records->size(), 2u);
  std::map<std::string, PoisonRecord> by_event;
  for (const auto& record : *records) {
    by_event.emplace(record.event_id, record);
  }
  EXPECT_NE(by_event.at("evt-0001").reason.find("guest_id"), std::string::npos);
  EXPECT_EQ(by_event.at("evt-0001").position.offset, 0);
  EXPECT_EQ(by_event.at("evt-0003").type, "BookingPlaced");
  EXPECT_EQ(versions("prop-a", HistoryProjection::kByProperty, "bkg-1").size(), 1u);

  restart();
  EXPECT_EQ(m_projection->poisonRecords().value(), *records);
}

// Decorates a WideColumnStore: refuses (InvalidInput) any batch writing the
// row kRefusedRow, and fails (StoreFailure) the next `failures` applies.
class FaultyWideColumnStore final : public WideColumnStore {
 public:
  static constexpr const char* kRefusedRow = "guest-refused";

  explicit FaultyWideColumnStore(WideColumnStore& target) : m_target(target) {}

  void failNextApplies(int count) { m_failures = count; }

  std::vector<std::string> families() const override { return m_target.families(); }
  Result<void> put(const Cell& cell) override { return m_target.put(cell); }
  Result<void> apply(const WideColumnBatch& batch) override {
    if (m_failures > 0) {
      --m_failures;
      return storeFailure("wide_column.io", "injected failure");
    }
    for (const auto& put : batch.puts) {
      if (put.cell.row == kRefusedRow) {
        return invalidInput("row", "injected refusal");
      }
    }
    return m_target.apply(batch);
  }
  Result<std::optional<Cell>> latest(std::string_view row, std::string_view family,
                                     std::string_view qualifier) override {
    return m_target.latest(row, family, qualifier);
  }
  Result<std::vector<Cell>> versions(std::string_view row, std::string_view family,
                                     std::string_view qualifier, size_t limit) override {
    return m_target.versions(row, family, qualifier, limit);
  }
  Result<std::vector<Cell>> scanRow(std::string_view row, std::string_view family) override {
    return m_target.scanRow(row, family);
  }
  Result<std::vector<Cell>> scanPrefix(std::string_view prefix, std::string_view family,
                                       size_t limit) override {
    return m_target.scanPrefix(prefix, family, limit);
  }

 private:
  WideColumnStore& m_target;
  int m_failures = 0;
};

TEST_P(HistoryProjectionTest, CellsTheStoreRefusesMakeOnlyTheirEventPoison) {
  FaultyWideColumnStore faulty(*m_store);
  HistoryProjection projection(faulty, m_log);
  append({m_events.placed("bkg-1", "prop-a", "guest-1"),
          m_events.placed("bkg-2", "prop-a", FaultyWideColumnStore::kRefusedRow),
          m_events.placed("bkg-3", "prop-a", "guest-3")});
  while (projection.step(100).value() > 0) {
  }

  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(projection.poisonCount(), 1u);
  auto records = projection.poisonRecords().value();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_id, "evt-0002");
  EXPECT_NE(records[0].reason.find("injected refusal"), std::string::npos) << records[0].reason;
  auto row = m_store->scanRow("prop-a", HistoryProjection::kByProperty).value();
  ASSERT_EQ(row.size(), 2u);
  EXPECT_EQ(row[0].qualifier, "bkg-1");
  EXPECT_EQ(row[1].qualifier, "bkg-3");
}

TEST_P(HistoryProjectionTest, FailedBatchAppliesNothingAndIsRetried) {
  FaultyWideColumnStore faulty(*m_store);
  HistoryProjection projection(faulty, m_log);
  append(scenario(m_events));

  faulty.failNextApplies(1);
  auto failed = projection.step(100);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(projection.lag().value(), 8);
  EXPECT_EQ(m_store->scanPrefix("", HistoryProjection::kByProperty, 100).value().size(), 0u);

  while (projection.step(100).value() > 0) {
  }
  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(projection.canonicalDigest().value(), digest());
  EXPECT_EQ(m_store->scanRow("prop-a", HistoryProjection::kByProperty).value().size(), 4u);
}

// ---------------------------------------------------------------------------
// Delivery: the idempotent projection and the naive one under repeated
// deliveries and crashes.

using staylab::testing::driveToEnd;
using staylab::testing::naiveDelivery;

constexpr int64_t kSecond = 1'000'000'000;

// Returns the digest of a fresh projection rebuilt from `log`.
std::string rebuiltDigest(EventLog& log) {
  auto store = openStore(false, {});
  HistoryProjection fresh(*store, log);
  EXPECT_TRUE(fresh.rebuild());
  return fresh.canonicalDigest().value_or("");
}

TEST_P(HistoryProjectionTest, NaiveProjectionAddsAVersionForARepeatedDeliveryAwayFromARebuild) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "guest-1");
  append({placed, m_events.cancelled("bkg-1", "prop-a", "guest-1")});
  staylab::testing::DuplicatingLog twice(m_log);
  twice.duplicate(placed.event_id);
  ManualClock clock;
  HistoryProjection naive(*m_store, twice, {.delivery = naiveDelivery(clock)});
  staylab::testing::AppliedCounter applied;
  naive.setApplyObserver(applied.observer());
  driveToEnd(naive);

  EXPECT_EQ(applied.times(placed.event_id), 2);
  EXPECT_EQ(applied.repeats(), 1);
  EXPECT_EQ(applied.consumers(), std::set<std::string>{"history"});
  auto cells = versions("prop-a", HistoryProjection::kByProperty, "bkg-1");
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].first, 3);
  EXPECT_EQ(cells[0].second.at("status"), "cancelled");
  EXPECT_EQ(cells[1].second.at("status"), "confirmed");
  EXPECT_EQ(cells[2].second.at("status"), "confirmed");
  EXPECT_EQ(versions("guest-1", HistoryProjection::kByGuest, "bkg-1").size(), 3u);
  EXPECT_NE(naive.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(HistoryProjectionTest, IdempotentProjectionAppliesARepeatedDeliveryOnce) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "guest-1");
  append({placed, m_events.cancelled("bkg-1", "prop-a", "guest-1")});
  staylab::testing::DuplicatingLog twice(m_log);
  twice.duplicate(placed.event_id);
  HistoryProjection idempotent(*m_store, twice);
  staylab::testing::AppliedCounter applied;
  idempotent.setApplyObserver(applied.observer());
  driveToEnd(idempotent);

  EXPECT_EQ(applied.times(placed.event_id), 1);
  EXPECT_EQ(applied.repeats(), 0);
  EXPECT_EQ(versions("prop-a", HistoryProjection::kByProperty, "bkg-1").size(), 2u);
  EXPECT_EQ(idempotent.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(HistoryProjectionTest, IdempotentProjectionRecognisesAnEventPublishedAgainAtANewOffset) {
  // The relay publishes an event again when its outbox delete failed: the
  // same event at a new offset, once in a later batch and twice in one.
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "guest-1");
  const EventEnvelope cancelled = m_events.cancelled("bkg-1", "prop-a", "guest-1");
  staylab::testing::AppliedCounter applied;
  m_projection->setApplyObserver(applied.observer());
  append({placed});
  catchUp();
  append({placed, cancelled, cancelled});
  catchUp();

  EXPECT_EQ(applied.times(placed.event_id), 1);
  EXPECT_EQ(applied.times(cancelled.event_id), 1);
  EXPECT_EQ(applied.repeats(), 0);
  EXPECT_EQ(versions("prop-a", HistoryProjection::kByProperty, "bkg-1").size(), 2u);
  EXPECT_EQ(digest(), rebuiltDigest(m_log));
}

TEST_P(HistoryProjectionTest, IdempotentProjectionKeepsAnOlderVersionDeliveredAfterANewerOne) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "guest-1");
  const EventEnvelope cancelled = m_events.cancelled("bkg-1", "prop-a", "guest-1");
  append({cancelled});
  catchUp();
  append({placed});
  catchUp();

  auto cells = versions("prop-a", HistoryProjection::kByProperty, "bkg-1");
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_EQ(cells[0].second.at("status"), "cancelled");
  EXPECT_EQ(cells[1].second.at("status"), "confirmed");
}

TEST_P(HistoryProjectionTest, NaiveProjectionReappliesWhatACrashCaughtBeforeItsOffsetCommit) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "guest-1");
  append({placed});
  ManualClock clock;
  staylab::testing::AppliedCounter applied;
  {
    HistoryProjection naive(*m_store, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
  }  // Dropped without flush(): a crash; the cells were written, the offsets not.
  HistoryProjection reopened(*m_store, m_log, {.delivery = naiveDelivery(clock)});
  reopened.setApplyObserver(applied.observer());
  EXPECT_EQ(reopened.lag().value(), 1);
  driveToEnd(reopened);

  EXPECT_EQ(applied.times(placed.event_id), 2);
  EXPECT_EQ(versions("prop-a", HistoryProjection::kByProperty, "bkg-1").size(), 2u)
      << "one booking placed, two versions";
  EXPECT_NE(reopened.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(HistoryProjectionTest, NaiveProjectionCommitsItsOffsetsFiveSecondsLaterAndAtAFlush) {
  ManualClock clock;
  staylab::testing::AppliedCounter applied;
  append({m_events.placed("bkg-1", "prop-a", "guest-1")});
  {
    HistoryProjection naive(*m_store, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
    clock.advance(4 * kSecond);
    ASSERT_TRUE(naive.step(100));
  }  // Crashed before the 5 s were up: bkg-1's offset is lost.
  append({m_events.cancelled("bkg-1", "prop-a", "guest-1")});
  {
    HistoryProjection naive(*m_store, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
    clock.advance(5 * kSecond);
    ASSERT_TRUE(naive.step(100));  // Due: committed.
  }
  EXPECT_EQ(applied.repeats(), 1);
  append({m_events.placed("bkg-2", "prop-a", "guest-2")});
  {
    HistoryProjection naive(*m_store, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
    ASSERT_TRUE(naive.flush());  // A clean close.
  }
  HistoryProjection naive(*m_store, m_log, {.delivery = naiveDelivery(clock)});
  naive.setApplyObserver(applied.observer());
  EXPECT_EQ(naive.lag().value(), 0);
  driveToEnd(naive);
  EXPECT_EQ(applied.repeats(), 1) << "nothing applied again after the commits";
}

TEST_P(HistoryProjectionTest, NaiveProjectionWithoutRepeatsBuildsWhatTheIdempotentOneBuilds) {
  append(scenario(m_events));
  ManualClock clock;
  HistoryProjection naive(*m_store, m_log, {.delivery = naiveDelivery(clock)});
  driveToEnd(naive);
  EXPECT_EQ(naive.canonicalDigest().value(), rebuiltDigest(m_log));
  ASSERT_TRUE(naive.rebuild());
  EXPECT_EQ(naive.canonicalDigest().value(), rebuiltDigest(m_log));
  EXPECT_EQ(naive.lag().value(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, HistoryProjectionTest,
                         ::testing::Values(StoreKind{"RocksDb", true}, StoreKind{"Memory", false}),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param.name;
                         });

TEST(HistoryProjectionTwinTest, RocksDbAndTwinGiveTheSameDigestForTheSameLog) {
  TempDir dir;
  MemoryEventLog log(kTopics);
  BookingEvents events;
  ASSERT_TRUE(log.append(scenario(events)));
  auto rocksdb = openStore(true, dir / "history");
  auto memory = openStore(false, dir / "unused");
  ASSERT_NE(rocksdb, nullptr);
  ASSERT_NE(memory, nullptr);
  HistoryProjection real(*rocksdb, log);
  HistoryProjection twin(*memory, log);

  while (real.step(1).value() > 0) {
  }
  while (twin.step(100).value() > 0) {
  }
  EXPECT_EQ(real.canonicalContent().value(), twin.canonicalContent().value());
  EXPECT_EQ(real.canonicalDigest().value(), twin.canonicalDigest().value());
}

}  // namespace
}  // namespace staylab
