// The simulator's fault injection: the FaultBoard, the Faulty* store
// decorators (over the in-memory twins and the real SQLite booking store) and
// the delivery-fault event log, read by the real projections.

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/history_projection.h"
#include "events/memory_event_log.h"
#include "events/search_projection.h"
#include "simulator/faults/delivery_fault_log.h"
#include "simulator/faults/fault_board.h"
#include "simulator/faults/faulty_ports.h"
#include "stores/document/memory_document_store.h"
#include "stores/text/memory_text_index.h"
#include "stores/wide_column/memory_wide_column_store.h"
#include "tests/support/booking_fixtures.h"
#include "tests/support/result_assertions.h"

namespace staylab::sim {
namespace {

using booking::Booking;
using booking::BookingStatus;
using staylab::testing::failsWith;

constexpr std::string_view kOutage = FaultBoard::kOutageCode;
constexpr std::string_view kInjectedError = FaultBoard::kErrorCode;
constexpr size_t kEverything = 1'000'000;

Date day(std::string_view text) {
  return Date::parse(text).value();
}

// Returns success when `result` failed with the injected outage of `target`.
template <typename T>
::testing::AssertionResult isOutage(const Result<T>& result, std::string_view target) {
  auto failed = failsWith(result, ErrorKind::StoreFailure, kOutage);
  if (!failed) {
    return failed;
  }
  if (result.error().field != target) {
    return ::testing::AssertionFailure()
           << "field '" << result.error().field << "', expected '" << target << "'";
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------
// Test data

// Makes envelopes shaped like the listing and booking services' events, with
// deterministic ids; occurred_at is `epoch` + the given virtual time.
class EventFactory {
 public:
  explicit EventFactory(int64_t epoch = 0) : m_epoch(epoch) {}

  static nlohmann::json snapshot(const std::string& property_id, const std::string& title,
                                 const std::string& status = "active") {
    return nlohmann::json{
        {"property_id", property_id},
        {"host_id", "host-1"},
        {"title", title},
        {"description", "A place to stay"},
        {"city", "Lisbon"},
        {"amenities", {"kitchen", "wifi"}},
        {"capacity", 4},
        {"price_minor", 10000},
        {"currency", "EUR"},
        {"status", status},
        {"suspension_reason", ""},
        {"host_signals", {{"payout_fingerprint", ""}, {"device", ""}, {"ip", ""}}},
    };
  }

  EventEnvelope created(const std::string& property_id, const std::string& title) {
    return make("PropertyCreated", "property", property_id, 1, snapshot(property_id, title));
  }
  EventEnvelope updated(const std::string& property_id, int64_t version, const std::string& title,
                        const std::string& status = "active") {
    return make("PropertyUpdated", "property", property_id, version,
                snapshot(property_id, title, status));
  }
  EventEnvelope suspended(const std::string& property_id, int64_t version) {
    return make("PropertySuspended", "property", property_id, version,
                {{"property_id", property_id}, {"reason", "fraud"}});
  }
  EventEnvelope placed(const std::string& booking_id, const std::string& property_id,
                       const std::string& check_in, const std::string& check_out) {
    nlohmann::json payload = stay(booking_id, property_id, check_in, check_out);
    payload["total_minor"] = 30000;
    payload["currency"] = "EUR";
    payload["payment_fingerprint"] = "card-1";
    payload["device"] = "device-1";
    payload["ip"] = "192.0.2.1";
    payload["host_id"] = "host-1";
    return make("BookingPlaced", "booking", booking_id, 1, std::move(payload));
  }
  EventEnvelope rejected(const std::string& booking_id, const std::string& property_id,
                         const std::string& check_in, const std::string& check_out) {
    nlohmann::json payload = stay(booking_id, property_id, check_in, check_out);
    payload["reason"] = "nights_taken";
    payload["taken_nights"] = {check_in};
    return make("BookingRejected", "booking", booking_id, 1, std::move(payload));
  }
  EventEnvelope cancelled(const std::string& booking_id, const std::string& property_id,
                          const std::string& check_in, const std::string& check_out) {
    return make("BookingCancelled", "booking", booking_id, 2,
                stay(booking_id, property_id, check_in, check_out));
  }
  // Makes an event that occurs at virtual time `at`; the default is 1 ms per event made.
  EventEnvelope make(std::string type, std::string topic, std::string aggregate_id, int64_t version,
                     nlohmann::json payload, std::optional<Nanos> at = std::nullopt) {
    ++m_count;
    EventEnvelope event;
    event.event_id = fmt::format("evt-{:05}", m_count);
    event.type = std::move(type);
    event.schema_version = 1;
    event.aggregate_type = std::move(topic);
    event.aggregate_id = std::move(aggregate_id);
    event.aggregate_version = version;
    event.occurred_at_nanos = m_epoch + at.value_or(kMillisecond * m_count);
    event.correlation_id = fmt::format("cmd-{}", m_count);
    event.causation_id = event.correlation_id;
    event.payload = std::move(payload);
    return event;
  }
  // Makes an event of `topic` for aggregate "agg-1", occurring at virtual time `at`.
  EventEnvelope plain(std::string topic, Nanos at) {
    return make("Test", std::move(topic), "agg-1", 1, nlohmann::json::object(), at);
  }

 private:
  static nlohmann::json stay(const std::string& booking_id, const std::string& property_id,
                             const std::string& check_in, const std::string& check_out) {
    const int nights = day(check_out).daysSinceEpoch() - day(check_in).daysSinceEpoch();
    return nlohmann::json{{"booking_id", booking_id},
                          {"property_id", property_id},
                          {"guest_id", "guest-1"},
                          {"check_in", check_in},
                          {"check_out", check_out},
                          {"nights", nights},
                          {"guests", 2}};
  }

  int64_t m_epoch;
  int m_count = 0;
};

// A history exercising every effect of the projections.
std::vector<EventEnvelope> projectionScenario(EventFactory& events) {
  std::vector<EventEnvelope> history{
      events.created("prop-a", "Cozy apartment"),
      events.created("prop-b", "Sunny villa"),
      events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-05"),
      events.updated("prop-a", 2, "Cozy loft"),
      events.placed("bkg-2", "prop-b", "2027-07-01", "2027-07-03"),
      events.rejected("bkg-3", "prop-a", "2027-06-02", "2027-06-04"),
      events.cancelled("bkg-2", "prop-b", "2027-07-01", "2027-07-03"),
      events.placed("bkg-4", "prop-c", "2027-08-10", "2027-08-12"),
      events.created("prop-c", "Harbour cabin"),
      events.suspended("prop-b", 2),
      events.updated("prop-b", 3, "Sunny villa with pool", "suspended"),
      events.placed("bkg-5", "prop-c", "2027-08-12", "2027-08-14"),
  };
  // Enough bookings that reads fill whole batches.
  for (int index = 0; index < 60; ++index) {
    const std::string booking_id = fmt::format("bkg-x{:03}", index);
    const std::string property_id = fmt::format("prop-{}", "abc"[index % 3]);
    const Date check_in = day("2028-01-01").plusDays(index * 3);
    const Date check_out = check_in.plusDays(2);
    history.push_back(
        events.placed(booking_id, property_id, check_in.toString(), check_out.toString()));
    if (index % 4 == 0) {
      history.push_back(
          events.cancelled(booking_id, property_id, check_in.toString(), check_out.toString()));
    }
  }
  return history;
}

Booking makeBooking(std::string id, std::string property, const char* from, const char* to) {
  Booking booking;
  booking.id = std::move(id);
  booking.property_id = std::move(property);
  booking.guest_id = "guest-1";
  booking.check_in = day(from);
  booking.check_out = day(to);
  booking.total_minor = 1000;
  booking.currency = "EUR";
  booking.status = BookingStatus::Confirmed;
  booking.created_at_nanos = 1;
  return booking;
}

EventEnvelope outboxEvent(std::string id) {
  EventEnvelope event;
  event.event_id = std::move(id);
  event.type = "Test";
  event.aggregate_type = "booking";
  event.aggregate_id = "b";
  event.correlation_id = "c";
  event.causation_id = "c";
  event.payload = nlohmann::json::object();
  return event;
}

// ---------------------------------------------------------------------------
// Snapshots of a port's whole content, read from the wrapped store directly.

using OutboxSnapshot = std::vector<std::pair<int64_t, EventEnvelope>>;

OutboxSnapshot outboxOf(OutboxSource& source) {
  OutboxSnapshot snapshot;
  auto entries = source.peekOutbox(kEverything).value();
  for (auto& entry : entries) {
    snapshot.emplace_back(entry.sequence, std::move(entry.event));
  }
  return snapshot;
}

struct DocumentSnapshot {
  std::vector<Document> documents;
  OutboxSnapshot outbox;
  bool operator==(const DocumentSnapshot&) const = default;
};

DocumentSnapshot snapshotOf(DocumentStore& store) {
  return DocumentSnapshot{store.all("rooms").value(), outboxOf(store)};
}

struct BookingSnapshot {
  std::vector<Booking> bookings;
  std::vector<BookedNight> nights;
  OutboxSnapshot outbox;
  bool operator==(const BookingSnapshot&) const = default;
};

BookingSnapshot snapshotOf(BookingStore& store) {
  return BookingSnapshot{store.list(BookingFilter{}).value(), store.bookedNights().value(),
                         outboxOf(store)};
}

std::vector<Cell> snapshotOf(WideColumnStore& store) {
  std::vector<Cell> cells;
  for (const auto& family : store.families()) {
    auto family_cells = store.scanPrefix("", family, kEverything).value();
    cells.insert(cells.end(), family_cells.begin(), family_cells.end());
  }
  return cells;
}

struct TextSnapshot {
  std::vector<SearchDocument> documents;
  std::map<std::string, std::string> metadata;
  bool operator==(const TextSnapshot&) const = default;
};

TextSnapshot snapshotOf(TextIndex& index) {
  return TextSnapshot{index.allDocuments().value(), index.allMetadata().value()};
}

std::vector<LogRecord> snapshotOf(EventLog& log) {
  std::vector<LogRecord> records;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      auto read = log.read(topic, partition, 0, kEverything).value();
      records.insert(records.end(), read.begin(), read.end());
    }
  }
  return records;
}

SearchDocument searchDocument(std::string id, std::string title) {
  SearchDocument document;
  document.id = std::move(id);
  document.title = std::move(title);
  document.description = "A place to stay";
  document.city = "Lisbon";
  document.capacity = 2;
  document.price_minor = 9000;
  document.currency = "EUR";
  return document;
}

std::unique_ptr<MemoryWideColumnStore> openWideColumn(std::vector<std::string> families) {
  MemoryWideColumnStore::Options options;
  options.families = std::move(families);
  return MemoryWideColumnStore::open(options).value();
}

// A BookingStore decorator that counts how transactions reach the store it
// wraps, to show that transactEach arrives as one group commit.
class CountingBookingStore final : public BookingStore {
 public:
  explicit CountingBookingStore(std::unique_ptr<BookingStore> inner) : m_inner(std::move(inner)) {}

  int transactCalls = 0;
  int transactEachCalls = 0;

  Result<void> transact(const TransactionBody& body) override {
    ++transactCalls;
    return m_inner->transact(body);
  }
  Result<std::vector<Result<void>>> transactEach(size_t count, const IndexedBody& body) override {
    ++transactEachCalls;
    return m_inner->transactEach(count, body);
  }
  Result<std::optional<Booking>> find(std::string_view booking_id) override {
    return m_inner->find(booking_id);
  }
  Result<std::vector<Booking>> list(const BookingFilter& filter) override {
    return m_inner->list(filter);
  }
  Result<std::vector<BookedNight>> bookedNights() override { return m_inner->bookedNights(); }
  Result<std::vector<std::string>> bookedAmong(const std::vector<std::string>& property_ids,
                                               const Stay& stay) override {
    return m_inner->bookedAmong(property_ids, stay);
  }
  Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override {
    return m_inner->peekOutbox(limit);
  }
  Result<void> removeOutbox(int64_t up_to_sequence) override {
    return m_inner->removeOutbox(up_to_sequence);
  }
  Result<size_t> outboxSize() override { return m_inner->outboxSize(); }

 private:
  std::unique_ptr<BookingStore> m_inner;
};

// ---------------------------------------------------------------------------
// FaultBoard

TEST(FaultBoardTest, ClearBoardLetsEveryCallThroughAndChargesNothing) {
  FaultBoard board(1);
  EXPECT_FALSE(board.anyActive());
  for (int call = 0; call < 100; ++call) {
    EXPECT_TRUE(board.beforeCall("booking-db"));
  }
  EXPECT_EQ(board.takeCharge(), 0);
  EXPECT_EQ(board.injectedFailures("booking-db"), 0u);
}

TEST(FaultBoardTest, OutageFailsWithTheTargetNamedAndCountsEachCall) {
  FaultBoard board(1);
  board.setOutage("booking-db", true);
  EXPECT_TRUE(board.anyActive());
  EXPECT_TRUE(board.anyActive("booking-db"));
  EXPECT_FALSE(board.anyActive("listing-db"));
  auto result = board.beforeCall("booking-db");
  ASSERT_TRUE(isOutage(result, "booking-db"));
  EXPECT_EQ(result.error().message, "booking-db is down (injected outage)");
  EXPECT_TRUE(board.beforeCall("listing-db"));
  EXPECT_FALSE(board.beforeCall("booking-db"));
  EXPECT_EQ(board.injectedFailures("booking-db"), 2u);
  EXPECT_EQ(board.injectedFailures("booking-db", kOutage), 2u);
  EXPECT_EQ(board.injectedFailures("booking-db", kInjectedError), 0u);
  EXPECT_EQ(board.injectedFailures("listing-db"), 0u);

  board.setOutage("booking-db", false);
  EXPECT_FALSE(board.anyActive());
  EXPECT_TRUE(board.beforeCall("booking-db"));
}

TEST(FaultBoardTest, ClearAllEndsEveryFaultButKeepsCounters) {
  FaultBoard board(1);
  board.setOutage("a", true);
  board.setLatency("b", kMillisecond, 0);
  board.setErrorRate("c", 0.5);
  board.setDuplicate("t1", 0.5);
  board.setDelay("t2", kSecond, 0);
  board.setReorder("t3", 4);
  ASSERT_FALSE(board.beforeCall("a"));
  board.clearAll();
  EXPECT_FALSE(board.anyActive());
  EXPECT_TRUE(board.beforeCall("a"));
  EXPECT_EQ(board.duplicateProbability("t1"), 0.0);
  EXPECT_EQ(board.delay("t2"), (std::pair<Nanos, Nanos>(0, 0)));
  EXPECT_EQ(board.reorderWindow("t3"), 0);
  EXPECT_EQ(board.injectedFailures("a"), 1u);
}

TEST(FaultBoardTest, ZeroValuesClearEachFault) {
  FaultBoard board(1);
  board.setLatency("a", kMillisecond, kMicrosecond);
  board.setErrorRate("b", 0.2);
  board.setDuplicate("t", 0.2);
  board.setDelay("u", kSecond, kMillisecond);
  board.setReorder("v", 3);
  ASSERT_TRUE(board.anyActive());
  board.setLatency("a", 0, kMicrosecond);
  board.setErrorRate("b", 0);
  board.setDuplicate("t", 0);
  board.setDelay("u", 0, kMillisecond);
  board.setReorder("v", 1);
  EXPECT_FALSE(board.anyActive());
}

TEST(FaultBoardTest, ErrorRateFailsThatShareOfCallsAndRepeatsForTheSameSeed) {
  constexpr int kCalls = 10'000;
  // Returns which calls failed through a decorated wide-column store.
  auto failurePattern = [](std::uint64_t seed) {
    FaultBoard board(seed);
    FaultyWideColumnStore store(openWideColumn({"f"}), board, "history-db");
    board.setErrorRate("history-db", 0.3);
    std::vector<bool> failed;
    for (int call = 0; call < kCalls; ++call) {
      auto result = store.latest("row", "f", "q");
      if (!result) {
        EXPECT_TRUE(failsWith(result, ErrorKind::StoreFailure, kInjectedError));
        EXPECT_EQ(result.error().field, "history-db");
      }
      failed.push_back(!result);
    }
    EXPECT_EQ(board.injectedFailures("history-db"),
              static_cast<std::uint64_t>(std::count(failed.begin(), failed.end(), true)));
    return failed;
  };
  const auto first = failurePattern(42);
  const auto failures = std::count(first.begin(), first.end(), true);
  EXPECT_GE(failures, 2'800);
  EXPECT_LE(failures, 3'200);
  EXPECT_EQ(failurePattern(42), first);
  EXPECT_NE(failurePattern(43), first);
}

TEST(FaultBoardTest, TargetsDrawFromIndependentStreams) {
  // Calls on another target in between do not change a target's draws.
  FaultBoard alone(7);
  FaultBoard mixed(7);
  alone.setErrorRate("a", 0.5);
  mixed.setErrorRate("a", 0.5);
  mixed.setErrorRate("b", 0.5);
  for (int call = 0; call < 200; ++call) {
    (void)mixed.beforeCall("b");
    EXPECT_EQ(alone.beforeCall("a").has_value(), mixed.beforeCall("a").has_value());
  }
}

TEST(FaultBoardTest, LatencyChargeAccumulatesAndTakeChargeResetsIt) {
  FaultBoard board(3);
  board.setLatency("booking-db", 5 * kMillisecond, 0);
  for (int call = 0; call < 3; ++call) {
    ASSERT_TRUE(board.beforeCall("booking-db"));
  }
  EXPECT_TRUE(board.beforeCall("listing-db"));  // Not faulted: no charge.
  EXPECT_EQ(board.pendingCharge(), 15 * kMillisecond);
  EXPECT_EQ(board.takeCharge(), 15 * kMillisecond);
  EXPECT_EQ(board.takeCharge(), 0);

  // A refused call charges nothing.
  board.setOutage("booking-db", true);
  EXPECT_FALSE(board.beforeCall("booking-db"));
  EXPECT_EQ(board.takeCharge(), 0);
}

TEST(FaultBoardTest, LatencyJitterStaysWithinBoundsAndNeverBelowZero) {
  FaultBoard board(3);
  board.setLatency("db", kMillisecond, 3 * kMillisecond);
  Nanos smallest = kSecond;
  Nanos largest = 0;
  for (int call = 0; call < 2'000; ++call) {
    ASSERT_TRUE(board.beforeCall("db"));
    const Nanos charge = board.takeCharge();
    smallest = std::min(smallest, charge);
    largest = std::max(largest, charge);
  }
  EXPECT_EQ(smallest, 0);  // Clamped: half of the draws would be negative.
  EXPECT_LE(largest, 4 * kMillisecond);
  EXPECT_GT(largest, 3 * kMillisecond);
}

// ---------------------------------------------------------------------------
// FaultyDocumentStore

class FaultyDocumentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(m_store.ensureIndex("rooms", "$.city"));
    ASSERT_TRUE(m_store.insert("rooms", "r1", {{"city", "Lisbon"}}, {outboxEvent("e1")}));
    ASSERT_TRUE(m_store.insert("rooms", "r2", {{"city", "Porto"}}, {outboxEvent("e2")}));
  }

  FaultBoard m_board{11};
  FaultyDocumentStore m_store{std::make_unique<MemoryDocumentStore>(), m_board, "listing-db"};
};

TEST_F(FaultyDocumentStoreTest, OutageFailsEveryMethodAndLeavesTheStoreUnchanged) {
  const auto before = snapshotOf(m_store.inner());
  m_board.setOutage("listing-db", true);
  EXPECT_TRUE(isOutage(m_store.ensureIndex("rooms", "$.name"), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.insert("rooms", "r3", {{"city", "Faro"}}, {outboxEvent("e3")}),
                       "listing-db"));
  EXPECT_TRUE(isOutage(m_store.get("rooms", "r1"), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.replace("rooms", "r1", 1, {{"city", "Braga"}}, {outboxEvent("e4")}),
                       "listing-db"));
  EXPECT_TRUE(isOutage(m_store.remove("rooms", "r2", 1, {outboxEvent("e5")}), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.findEqual("rooms", "$.city", "Lisbon"), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.all("rooms"), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.query("rooms", DocumentQuery{}), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.peekOutbox(10), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.removeOutbox(100), "listing-db"));
  EXPECT_TRUE(isOutage(m_store.outboxSize(), "listing-db"));
  EXPECT_EQ(m_board.injectedFailures("listing-db"), 11u);
  EXPECT_EQ(snapshotOf(m_store.inner()), before);
  // The index was not created either.
  EXPECT_FALSE(m_store.inner().findEqual("rooms", "$.name", "x"));

  m_board.setOutage("listing-db", false);
  EXPECT_TRUE(m_store.get("rooms", "r1"));
  EXPECT_EQ(m_store.outboxSize().value(), 2u);
}

TEST_F(FaultyDocumentStoreTest, ForwardsEveryMethodToTheWrappedStore) {
  DocumentStore& inner = m_store.inner();
  ASSERT_TRUE(m_store.ensureIndex("rooms", "$.name"));
  EXPECT_TRUE(inner.findEqual("rooms", "$.name", "x"));

  ASSERT_TRUE(m_store.insert("rooms", "r3", {{"city", "Faro"}}, {outboxEvent("e3")}));
  EXPECT_EQ(inner.get("rooms", "r3").value().body, (nlohmann::json{{"city", "Faro"}}));

  EXPECT_EQ(m_store.get("rooms", "r1").value(), inner.get("rooms", "r1").value());

  ASSERT_TRUE(m_store.replace("rooms", "r1", 1, {{"city", "Braga"}}, {outboxEvent("e4")}));
  EXPECT_EQ(inner.get("rooms", "r1").value().revision, 2);

  auto found = m_store.findEqual("rooms", "$.city", "Braga").value();
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "r1");

  EXPECT_EQ(m_store.all("rooms").value(), inner.all("rooms").value());

  ASSERT_TRUE(m_store.remove("rooms", "r2", 1, {outboxEvent("e5")}));
  EXPECT_FALSE(inner.get("rooms", "r2"));

  EXPECT_EQ(m_store.outboxSize().value(), 5u);
  const auto peeked = m_store.peekOutbox(2).value();
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_EQ(peeked[0].event.event_id, "e1");
  ASSERT_TRUE(m_store.removeOutbox(peeked[1].sequence));
  EXPECT_EQ(inner.outboxSize().value(), 3u);
  EXPECT_EQ(m_board.injectedFailures("listing-db"), 0u);
}

// ---------------------------------------------------------------------------
// FaultyBookingStore, over the SQLite adapter and its twin

template <typename Factory>
class FaultyBookingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto counting = std::make_unique<CountingBookingStore>(m_factory.make());
    m_counting = counting.get();
    m_store = std::make_unique<FaultyBookingStore>(std::move(counting), m_board, "booking-db");
    ASSERT_TRUE(m_store->transact([](BookingTransaction& tx) -> Result<void> {
      STAYLAB_TRY(tx.insertBooking(makeBooking("b1", "p1", "2027-03-01", "2027-03-04")));
      STAYLAB_TRY(
          tx.saveIdempotency(IdempotencyRecord{"key-1", "fp", "b1", BookingStatus::Confirmed, ""}));
      return tx.appendOutbox({outboxEvent("e1"), outboxEvent("e2")});
    }));
    m_counting->transactCalls = 0;
  }

  Factory m_factory;
  FaultBoard m_board{5};
  CountingBookingStore* m_counting = nullptr;
  std::unique_ptr<FaultyBookingStore> m_store;
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using BookingFactories = ::testing::Types<staylab::testing::SqliteBookingStoreFactory,
                                          staylab::testing::MemoryBookingStoreFactory>;
TYPED_TEST_SUITE(FaultyBookingStoreTest, BookingFactories, FactoryNames);

TYPED_TEST(FaultyBookingStoreTest, OutageFailsEveryMethodAndLeavesTheStoreUnchanged) {
  FaultyBookingStore& store = *this->m_store;
  const auto before = snapshotOf(store.inner());
  this->m_board.setOutage("booking-db", true);
  bool body_ran = false;
  EXPECT_TRUE(isOutage(store.transact([&](BookingTransaction& tx) {
    body_ran = true;
    return tx.insertBooking(makeBooking("b2", "p1", "2027-04-01", "2027-04-02"));
  }),
                       "booking-db"));
  EXPECT_TRUE(isOutage(store.transactEach(2,
                                          [&](size_t index, BookingTransaction& tx) {
                                            body_ran = true;
                                            return tx.insertBooking(
                                                makeBooking(fmt::format("b{}", 10 + index), "p2",
                                                            "2027-04-01", "2027-04-02"));
                                          }),
                       "booking-db"));
  EXPECT_FALSE(body_ran);
  EXPECT_TRUE(isOutage(store.find("b1"), "booking-db"));
  EXPECT_TRUE(isOutage(store.list(BookingFilter{}), "booking-db"));
  EXPECT_TRUE(isOutage(store.bookedNights(), "booking-db"));
  EXPECT_TRUE(isOutage(store.bookedAmong({"p1"}, Stay::parse("2027-04-01", "2027-04-02").value()),
                       "booking-db"));
  EXPECT_TRUE(isOutage(store.peekOutbox(10), "booking-db"));
  EXPECT_TRUE(isOutage(store.removeOutbox(100), "booking-db"));
  EXPECT_TRUE(isOutage(store.outboxSize(), "booking-db"));
  EXPECT_EQ(this->m_board.injectedFailures("booking-db", kOutage), 9u);
  EXPECT_EQ(this->m_counting->transactCalls, 0);
  EXPECT_EQ(this->m_counting->transactEachCalls, 0);
  EXPECT_EQ(snapshotOf(store.inner()), before);

  this->m_board.setOutage("booking-db", false);
  EXPECT_TRUE(store.find("b1").value().has_value());
  EXPECT_EQ(store.outboxSize().value(), 2u);
}

TYPED_TEST(FaultyBookingStoreTest, ForwardsEveryMethodAndKeepsGroupCommit) {
  FaultyBookingStore& store = *this->m_store;
  BookingStore& inner = store.inner();

  ASSERT_TRUE(store.transact([](BookingTransaction& tx) -> Result<void> {
    auto key = STAYLAB_TRY(tx.findIdempotency("key-1"));
    EXPECT_TRUE(key.has_value());
    return tx.insertBooking(makeBooking("b2", "p2", "2027-05-01", "2027-05-03"));
  }));
  EXPECT_EQ(this->m_counting->transactCalls, 1);
  EXPECT_TRUE(inner.find("b2").value().has_value());

  // Group commit: one transactEach reaches the wrapped store, not one transact per body.
  auto results = store.transactEach(3, [](size_t index, BookingTransaction& tx) {
    // The second body takes b1's night and is rolled back alone.
    const char* from = index == 1 ? "2027-03-02" : "2027-06-01";
    return tx.insertBooking(makeBooking(fmt::format("g{}", index), fmt::format("p{}", index), from,
                                        index == 1 ? "2027-03-03" : "2027-06-02"));
  });
  ASSERT_TRUE(results) << results.error().describe();
  ASSERT_EQ(results->size(), 3u);
  EXPECT_TRUE((*results)[0]);
  EXPECT_FALSE((*results)[1]);
  EXPECT_TRUE((*results)[2]);
  EXPECT_EQ(this->m_counting->transactEachCalls, 1);
  EXPECT_EQ(this->m_counting->transactCalls, 1);
  EXPECT_TRUE(inner.find("g0").value().has_value());
  EXPECT_FALSE(inner.find("g1").value().has_value());

  EXPECT_EQ(store.find("b1").value(), inner.find("b1").value());
  BookingFilter filter;
  filter.property_id = "p2";
  EXPECT_EQ(store.list(filter).value(), inner.list(filter).value());
  EXPECT_EQ(store.list(filter).value().size(), 2u);  // b2 and g2.
  EXPECT_EQ(store.bookedNights().value(), inner.bookedNights().value());
  EXPECT_EQ(store.outboxSize().value(), 2u);
  const auto peeked = store.peekOutbox(1).value();
  ASSERT_EQ(peeked.size(), 1u);
  EXPECT_EQ(peeked[0].event.event_id, "e1");
  ASSERT_TRUE(store.removeOutbox(peeked[0].sequence));
  EXPECT_EQ(inner.outboxSize().value(), 1u);
  EXPECT_EQ(this->m_board.injectedFailures("booking-db"), 0u);
}

TYPED_TEST(FaultyBookingStoreTest, InjectedErrorsRollNothingIntoTheStore) {
  FaultyBookingStore& store = *this->m_store;
  this->m_board.setErrorRate("booking-db", 0.5);
  int committed = 0;
  for (int attempt = 0; attempt < 40; ++attempt) {
    auto result = store.transact([&](BookingTransaction& tx) {
      return tx.insertBooking(
          makeBooking(fmt::format("r{}", attempt), "p9", "2027-09-01", "2027-09-02"));
    });
    if (result) {
      ++committed;
      // The night is now taken: later bodies that reach the store are refused by it.
    } else if (result.error().code == kInjectedError) {
      EXPECT_FALSE(store.inner().find(fmt::format("r{}", attempt)).value().has_value());
    }
  }
  EXPECT_EQ(committed, 1);
  EXPECT_GT(this->m_board.injectedFailures("booking-db", kInjectedError), 0u);
}

// ---------------------------------------------------------------------------
// FaultyWideColumnStore

class FaultyWideColumnStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(m_store.put(Cell{"row-1", "f", "q", 1, "one"}));
    ASSERT_TRUE(m_store.put(Cell{"row-1", "f", "q", 2, "two"}));
    ASSERT_TRUE(m_store.put(Cell{"row-2", "g", "q", 1, "other"}));
  }

  FaultBoard m_board{13};
  FaultyWideColumnStore m_store{openWideColumn({"f", "g"}), m_board, "history-db"};
};

TEST_F(FaultyWideColumnStoreTest, OutageFailsEveryMethodAndLeavesTheStoreUnchanged) {
  const auto before = snapshotOf(m_store.inner());
  m_board.setOutage("history-db", true);
  WideColumnBatch batch;
  batch.put("row-3", "f", "q", 1, "three");
  batch.deleteRow("f", "row-1");
  EXPECT_TRUE(isOutage(m_store.put(Cell{"row-3", "f", "q", 1, "x"}), "history-db"));
  EXPECT_TRUE(isOutage(m_store.apply(batch), "history-db"));
  EXPECT_TRUE(isOutage(m_store.latest("row-1", "f", "q"), "history-db"));
  EXPECT_TRUE(isOutage(m_store.versions("row-1", "f", "q", 10), "history-db"));
  EXPECT_TRUE(isOutage(m_store.scanRow("row-1", "f"), "history-db"));
  EXPECT_TRUE(isOutage(m_store.scanPrefix("row", "f", 10), "history-db"));
  EXPECT_EQ(m_board.injectedFailures("history-db"), 6u);
  // families() describes how the store was opened; it cannot fail and does not.
  EXPECT_EQ(m_store.families(), (std::vector<std::string>{"f", "g"}));
  EXPECT_EQ(snapshotOf(m_store.inner()), before);

  m_board.setOutage("history-db", false);
  EXPECT_EQ(m_store.latest("row-1", "f", "q").value()->value, "two");
}

TEST_F(FaultyWideColumnStoreTest, ForwardsEveryMethodToTheWrappedStore) {
  WideColumnStore& inner = m_store.inner();
  EXPECT_EQ(m_store.families(), inner.families());
  ASSERT_TRUE(m_store.put(Cell{"row-3", "f", "q", 1, "three"}));
  EXPECT_EQ(inner.latest("row-3", "f", "q").value()->value, "three");
  WideColumnBatch batch;
  batch.deleteRow("g", "row-2");
  batch.put("row-4", "g", "q", 7, "four");
  ASSERT_TRUE(m_store.apply(batch));
  EXPECT_FALSE(inner.latest("row-2", "g", "q").value().has_value());
  EXPECT_EQ(inner.latest("row-4", "g", "q").value()->value, "four");

  EXPECT_EQ(m_store.latest("row-1", "f", "q").value(), inner.latest("row-1", "f", "q").value());
  EXPECT_EQ(m_store.versions("row-1", "f", "q", 10).value().size(), 2u);
  EXPECT_EQ(m_store.scanRow("row-1", "f").value(), inner.scanRow("row-1", "f").value());
  EXPECT_EQ(m_store.scanPrefix("row", "f", 10).value().size(), 3u);
  EXPECT_EQ(m_board.injectedFailures("history-db"), 0u);
}

// ---------------------------------------------------------------------------
// FaultyTextIndex

class FaultyTextIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TextIndexBatch batch;
    batch.upserts = {searchDocument("p1", "Cozy apartment"), searchDocument("p2", "Sunny villa")};
    batch.metadata = {{"offset/property/0", "2"}};
    ASSERT_TRUE(m_index.apply(batch));
  }

  FaultBoard m_board{17};
  FaultyTextIndex m_index{std::make_unique<MemoryTextIndex>(), m_board, "search-index"};
};

TEST_F(FaultyTextIndexTest, OutageFailsEveryMethodAndLeavesTheIndexUnchanged) {
  const auto before = snapshotOf(m_index.inner());
  m_board.setOutage("search-index", true);
  TextIndexBatch batch;
  batch.upserts = {searchDocument("p3", "Harbour cabin")};
  batch.removals = {"p1"};
  SearchQuery query;
  query.text = "villa";
  EXPECT_TRUE(isOutage(m_index.apply(batch), "search-index"));
  EXPECT_TRUE(isOutage(m_index.get("p1"), "search-index"));
  EXPECT_TRUE(isOutage(m_index.search(query), "search-index"));
  EXPECT_TRUE(isOutage(m_index.metadata("offset/property/0"), "search-index"));
  EXPECT_TRUE(isOutage(m_index.documentCount(), "search-index"));
  EXPECT_TRUE(isOutage(m_index.allDocuments(), "search-index"));
  EXPECT_TRUE(isOutage(m_index.allMetadata(), "search-index"));
  EXPECT_TRUE(isOutage(m_index.clear(), "search-index"));
  EXPECT_EQ(m_board.injectedFailures("search-index"), 8u);
  EXPECT_EQ(snapshotOf(m_index.inner()), before);

  m_board.setOutage("search-index", false);
  EXPECT_EQ(m_index.documentCount().value(), 2u);
}

TEST_F(FaultyTextIndexTest, ForwardsEveryMethodToTheWrappedIndex) {
  TextIndex& inner = m_index.inner();
  TextIndexBatch batch;
  batch.upserts = {searchDocument("p3", "Harbour cabin")};
  batch.removals = {"p1"};
  ASSERT_TRUE(m_index.apply(batch));
  EXPECT_TRUE(inner.get("p3").value().has_value());
  EXPECT_FALSE(inner.get("p1").value().has_value());

  EXPECT_EQ(m_index.get("p2").value(), inner.get("p2").value());
  SearchQuery query;
  query.text = "villa";
  const auto page = m_index.search(query).value();
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].id, "p2");
  EXPECT_EQ(m_index.metadata("offset/property/0").value(), std::optional<std::string>("2"));
  EXPECT_EQ(m_index.documentCount().value(), 2u);
  EXPECT_EQ(m_index.allDocuments().value(), inner.allDocuments().value());
  EXPECT_EQ(m_index.allMetadata().value(), inner.allMetadata().value());
  ASSERT_TRUE(m_index.clear());
  EXPECT_EQ(inner.documentCount().value(), 0u);
  EXPECT_TRUE(inner.allMetadata().value().empty());
  EXPECT_EQ(m_board.injectedFailures("search-index"), 0u);
}

// ---------------------------------------------------------------------------
// FaultyEventLog

class FaultyEventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(m_log.append({m_events.plain("booking", 1), m_events.plain("booking", 2)}));
  }

  const std::map<std::string, int> m_topics{{"booking", 1}, {"property", 2}};
  EventFactory m_events;
  FaultBoard m_board{19};
  FaultyEventLog m_log{std::make_unique<MemoryEventLog>(m_topics), m_board, "event-log"};
};

TEST_F(FaultyEventLogTest, OutageFailsEveryFallibleMethodAndLeavesTheLogUnchanged) {
  const auto before = snapshotOf(m_log.inner());
  m_board.setOutage("event-log", true);
  EXPECT_TRUE(isOutage(m_log.append({m_events.plain("booking", 3)}), "event-log"));
  EXPECT_TRUE(isOutage(m_log.read("booking", 0, 0, 10), "event-log"));
  EXPECT_TRUE(isOutage(m_log.endOffset("booking", 0), "event-log"));
  EXPECT_EQ(m_board.injectedFailures("event-log"), 3u);
  // topics() describes how the log was opened; it cannot fail and does not.
  EXPECT_EQ(m_log.topics(), m_topics);
  EXPECT_EQ(snapshotOf(m_log.inner()), before);

  m_board.setOutage("event-log", false);
  EXPECT_EQ(m_log.endOffset("booking", 0).value(), 2);
}

TEST_F(FaultyEventLogTest, ForwardsEveryMethodToTheWrappedLog) {
  EventLog& inner = m_log.inner();
  EXPECT_EQ(m_log.topics(), inner.topics());
  const auto positions = m_log.append({m_events.plain("booking", 3)}).value();
  ASSERT_EQ(positions.size(), 1u);
  EXPECT_EQ(positions[0].offset, 2);
  EXPECT_EQ(inner.endOffset("booking", 0).value(), 3);
  EXPECT_EQ(m_log.read("booking", 0, 1, 10).value(), inner.read("booking", 0, 1, 10).value());
  EXPECT_EQ(m_log.endOffset("booking", 0).value(), 3);
  EXPECT_EQ(m_board.injectedFailures("event-log"), 0u);
}

TEST(FaultyPortsTest, FactoriesWrapEachPortInItsDecorator) {
  FaultBoard board(23);
  board.setOutage("x", true);
  auto documents = decorateWithFaults(
      std::unique_ptr<DocumentStore>(std::make_unique<MemoryDocumentStore>()), board, "x");
  auto bookings = decorateWithFaults(
      std::unique_ptr<BookingStore>(std::make_unique<MemoryBookingStore>()), board, "x");
  auto cells =
      decorateWithFaults(std::unique_ptr<WideColumnStore>(openWideColumn({"f"})), board, "x");
  auto index = decorateWithFaults(std::unique_ptr<TextIndex>(std::make_unique<MemoryTextIndex>()),
                                  board, "x");
  auto log = decorateWithFaults(std::unique_ptr<EventLog>(std::make_unique<MemoryEventLog>(
                                    std::map<std::string, int>{{"booking", 1}})),
                                board, "x");
  EXPECT_NE(dynamic_cast<FaultyDocumentStore*>(documents.get()), nullptr);
  EXPECT_NE(dynamic_cast<FaultyBookingStore*>(bookings.get()), nullptr);
  EXPECT_NE(dynamic_cast<FaultyWideColumnStore*>(cells.get()), nullptr);
  EXPECT_NE(dynamic_cast<FaultyTextIndex*>(index.get()), nullptr);
  EXPECT_NE(dynamic_cast<FaultyEventLog*>(log.get()), nullptr);
  EXPECT_TRUE(isOutage(documents->outboxSize(), "x"));
  EXPECT_TRUE(isOutage(bookings->outboxSize(), "x"));
  EXPECT_TRUE(isOutage(cells->scanRow("r", "f"), "x"));
  EXPECT_TRUE(isOutage(index->documentCount(), "x"));
  EXPECT_TRUE(isOutage(log->endOffset("booking", 0), "x"));
}

// ---------------------------------------------------------------------------
// DeliveryFaultLog

constexpr int64_t kEpoch = 1'800'000'000'000'000'000;

class DeliveryFaultLogTest : public ::testing::Test {
 protected:
  // Appends `count` events to "booking", the i-th occurring at virtual time i * `spacing`.
  void appendSpaced(int count, Nanos spacing) {
    std::vector<EventEnvelope> events;
    for (int index = 0; index < count; ++index) {
      events.push_back(m_events.plain("booking", index * spacing));
    }
    ASSERT_TRUE(m_inner.append(events));
  }

  // Reads from `next` like a consumer storing "last offset + 1", and checks what it got.
  std::vector<int64_t> readFrom(int64_t& next, size_t limit) {
    const auto records = m_log.read("booking", 0, next, limit).value();
    std::vector<int64_t> offsets;
    for (const auto& record : records) {
      offsets.push_back(record.position.offset);
    }
    if (!records.empty()) {
      next = records.back().position.offset + 1;
    }
    return offsets;
  }

  EventFactory m_events{kEpoch};
  MemoryEventLog m_inner{{{"booking", 1}, {"property", 1}}};
  FaultBoard m_board{29};
  DeliveryFaultLog m_log{m_inner, m_board, kEpoch};
};

TEST_F(DeliveryFaultLogTest, ForwardsUnchangedWithoutDeliveryFaults) {
  appendSpaced(20, kSecond);
  m_board.setOutage("booking", true);  // A store fault: not the delivery decorator's business.
  EXPECT_EQ(m_log.topics(), m_inner.topics());
  EXPECT_EQ(m_log.read("booking", 0, 3, 10).value(), m_inner.read("booking", 0, 3, 10).value());
  EXPECT_EQ(m_log.endOffset("booking", 0).value(), 20);
  ASSERT_TRUE(m_log.append({m_events.plain("booking", 0)}));
  EXPECT_EQ(m_inner.endOffset("booking", 0).value(), 21);
}

TEST_F(DeliveryFaultLogTest, DelayWithholdsYoungEventsAndReleasesThemLaterWithoutLoss) {
  appendSpaced(10, kSecond);  // At 0 s, 1 s, ..., 9 s.
  m_board.setDelay("booking", 5 * kSecond, 0);

  int64_t next = 0;
  m_board.setNow(4 * kSecond);
  EXPECT_TRUE(readFrom(next, 100).empty());
  EXPECT_EQ(m_board.withheld("booking"), 10u);

  m_board.setNow(7 * kSecond);  // Events of 0, 1 and 2 s are visible.
  EXPECT_EQ(readFrom(next, 100), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_TRUE(readFrom(next, 100).empty());

  // The other topic is not delayed.
  ASSERT_TRUE(m_inner.append({m_events.plain("property", 6 * kSecond)}));
  EXPECT_EQ(m_log.read("property", 0, 0, 10).value().size(), 1u);

  std::vector<int64_t> delivered{0, 1, 2};
  for (Nanos now = 7 * kSecond; now <= 20 * kSecond; now += 250 * kMillisecond) {
    m_board.setNow(now);
    for (const int64_t offset : readFrom(next, 2)) {
      delivered.push_back(offset);
      // Never before the event's time plus the delay.
      EXPECT_LE(offset * kSecond + 5 * kSecond, now);
    }
  }
  EXPECT_EQ(delivered, (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));

  m_board.setDelay("booking", 0, 0);
  m_board.setNow(0);
  EXPECT_EQ(m_log.read("booking", 0, 0, 100).value().size(), 10u);
}

TEST_F(DeliveryFaultLogTest, JitteredDelayKeepsOrderAndLosesNothing) {
  appendSpaced(200, 100 * kMillisecond);
  m_board.setDelay("booking", 2 * kSecond, 1500 * kMillisecond);
  int64_t next = 0;
  std::vector<int64_t> delivered;
  for (Nanos now = 0; now <= 30 * kSecond; now += 50 * kMillisecond) {
    m_board.setNow(now);
    for (const int64_t offset : readFrom(next, 16)) {
      delivered.push_back(offset);
      EXPECT_LE(offset * 100 * kMillisecond + 500 * kMillisecond, now);  // Delay - jitter.
    }
  }
  ASSERT_EQ(delivered.size(), 200u);
  for (size_t index = 0; index < delivered.size(); ++index) {
    EXPECT_EQ(delivered[index], static_cast<int64_t>(index));
  }
}

TEST_F(DeliveryFaultLogTest, DuplicateDeliversRecordsTwiceInARowWithTheProbability) {
  appendSpaced(2'000, kMillisecond);
  m_board.setDuplicate("booking", 0.25);
  const auto records = m_log.read("booking", 0, 0, 10'000).value();
  std::vector<int64_t> distinct;
  std::uint64_t repeats = 0;
  for (size_t index = 0; index < records.size(); ++index) {
    if (index > 0 && records[index].position.offset == records[index - 1].position.offset) {
      EXPECT_EQ(records[index], records[index - 1]);  // Same position and content.
      ++repeats;
    } else {
      distinct.push_back(records[index].position.offset);
    }
  }
  ASSERT_EQ(distinct.size(), 2'000u);
  for (size_t index = 0; index < distinct.size(); ++index) {
    EXPECT_EQ(distinct[index], static_cast<int64_t>(index));
  }
  EXPECT_EQ(repeats, m_board.duplicatesDelivered("booking"));
  EXPECT_GE(repeats, 430u);  // 500 expected; sd ~19.
  EXPECT_LE(repeats, 570u);
}

TEST_F(DeliveryFaultLogTest, DuplicateNeverReturnsMoreThanTheLimit) {
  appendSpaced(50, kMillisecond);
  m_board.setDuplicate("booking", 1.0);
  const auto records = m_log.read("booking", 0, 0, 7).value();
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records[0].position.offset, 0);
  EXPECT_EQ(records[1].position.offset, 0);
  EXPECT_EQ(records[6].position.offset, 3);
}

TEST_F(DeliveryFaultLogTest, ReorderShufflesWithinTheWindowOnlyAndDeliversEveryOffset) {
  appendSpaced(103, kMillisecond);
  m_board.setReorder("booking", 4);
  const auto records = m_log.read("booking", 0, 0, 1'000).value();
  ASSERT_EQ(records.size(), 103u);
  std::set<int64_t> offsets;
  std::uint64_t moved = 0;
  for (size_t index = 0; index < records.size(); ++index) {
    const int64_t offset = records[index].position.offset;
    const int64_t chunk_start = static_cast<int64_t>(index / 4 * 4);
    EXPECT_GE(offset, chunk_start);
    EXPECT_LT(offset, chunk_start + 4);
    offsets.insert(offset);
    moved += offset != static_cast<int64_t>(index) ? 1 : 0;
  }
  EXPECT_EQ(offsets.size(), 103u);
  EXPECT_GT(moved, 40u);
  EXPECT_EQ(m_board.reordered("booking"), moved);

  // A consumer storing "last offset + 1" re-reads, never skips.
  int64_t next = 0;
  std::set<int64_t> seen;
  for (int read = 0; read < 1'000 && next < 103; ++read) {
    const auto batch = m_log.read("booking", 0, next, 5).value();
    for (const auto& record : batch) {
      seen.insert(record.position.offset);
    }
    ASSERT_FALSE(batch.empty());
    next = batch.back().position.offset + 1;
    if (seen.size() == 103u) {
      break;
    }
  }
  EXPECT_EQ(seen.size(), 103u);
}

TEST_F(DeliveryFaultLogTest, SameSeedAndCallsGiveTheSameDelivery) {
  appendSpaced(300, 10 * kMillisecond);
  auto deliveries = [&](std::uint64_t seed) {
    FaultBoard board(seed);
    DeliveryFaultLog log(m_inner, board, kEpoch);
    board.setDuplicate("booking", 0.3);
    board.setReorder("booking", 5);
    board.setDelay("booking", kSecond, 500 * kMillisecond);
    std::vector<int64_t> offsets;
    int64_t next = 0;
    for (Nanos now = 0; now <= 10 * kSecond; now += 100 * kMillisecond) {
      board.setNow(now);
      const auto records = log.read("booking", 0, next, 20).value();
      for (const auto& record : records) {
        offsets.push_back(record.position.offset);
        next = std::max(next, record.position.offset + 1);
      }
    }
    return offsets;
  };
  const auto first = deliveries(99);
  EXPECT_EQ(deliveries(99), first);
  EXPECT_NE(deliveries(100), first);
}

// ---------------------------------------------------------------------------
// Projections read through the delivery faults

const std::map<std::string, int> kProjectionTopics{{"property", 2}, {"booking", 3}};

// Steps `consumer` until it reports nothing consumed; returns the steps taken.
int drain(Consumer& consumer, size_t max_events) {
  int steps = 0;
  for (; steps < 10'000; ++steps) {
    auto consumed = consumer.step(max_events);
    EXPECT_TRUE(consumed) << consumed.error().describe();
    if (!consumed || *consumed == 0) {
      break;
    }
  }
  return steps;
}

TEST(DeliveryFaultProjectionTest, DuplicatedDeliveryAppliesNoEventTwiceInTheSearchModel) {
  EventFactory events(kEpoch);
  MemoryEventLog log(kProjectionTopics);
  ASSERT_TRUE(log.append(projectionScenario(events)));

  MemoryTextIndex clean_index;
  SearchProjection clean(clean_index, log, SearchProjection::Options{8});
  drain(clean, 20);
  const std::string expected = clean.canonicalDigest().value();

  FaultBoard board(31);
  board.setDuplicate("booking", 0.5);
  board.setDuplicate("property", 0.5);
  DeliveryFaultLog faulty_log(log, board, kEpoch);
  MemoryTextIndex index;
  SearchProjection projection(index, faulty_log, SearchProjection::Options{8});
  drain(projection, 20);
  EXPECT_GT(board.duplicatesDelivered("booking"), 10u);
  EXPECT_GT(board.duplicatesDelivered("property"), 0u);
  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(projection.canonicalDigest().value(), expected);
  EXPECT_EQ(projection.poisonCount(), clean.poisonCount());
}

TEST(DeliveryFaultProjectionTest, DelayedAndDuplicatedDeliveryConvergesInTheHistoryModel) {
  EventFactory events(kEpoch);
  MemoryEventLog log(kProjectionTopics);
  ASSERT_TRUE(log.append(projectionScenario(events)));

  auto clean_store = openWideColumn(HistoryProjection::families());
  HistoryProjection clean(*clean_store, log, HistoryProjection::Options{8});
  drain(clean, 20);
  const std::string expected = clean.canonicalDigest().value();

  FaultBoard board(37);
  board.setDuplicate("booking", 0.4);
  board.setDelay("booking", 20 * kMillisecond, 10 * kMillisecond);
  DeliveryFaultLog faulty_log(log, board, kEpoch);
  auto store = openWideColumn(HistoryProjection::families());
  HistoryProjection projection(*store, faulty_log, HistoryProjection::Options{8});
  // Virtual time advances while the projection keeps stepping: delayed events arrive late.
  for (Nanos now = 0; now <= 400 * kMillisecond; now += 5 * kMillisecond) {
    board.setNow(now);
    ASSERT_TRUE(projection.step(20));
  }
  drain(projection, 20);
  EXPECT_GT(board.withheld("booking"), 0u);
  EXPECT_GT(board.duplicatesDelivered("booking"), 10u);
  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(projection.canonicalDigest().value(), expected);
}

}  // namespace
}  // namespace staylab::sim
