// The search projection over the event log, run against the Xapian index and
// its in-memory twin.

#include "events/search_projection.h"

#include <algorithm>
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
#include "stores/text/memory_text_index.h"
#include "stores/text/xapian_text_index.h"
#include "tests/support/delivery_doubles.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using testing::TempDir;
using Ids = std::vector<std::string>;

const std::map<std::string, int> kTopics{{"property", 2}, {"booking", 3}};

Date day(std::string_view text) {
  return Date::parse(text).value();
}

// Makes envelopes shaped like the listing and booking services' events, with
// deterministic event ids.
class EventFactory {
 public:
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
  EventEnvelope make(std::string type, std::string topic, std::string aggregate_id, int64_t version,
                     nlohmann::json payload) {
    ++m_count;
    EventEnvelope event;
    event.event_id = fmt::format("evt-{:04}", m_count);
    event.type = std::move(type);
    event.schema_version = 1;
    event.aggregate_type = std::move(topic);
    event.aggregate_id = std::move(aggregate_id);
    event.aggregate_version = version;
    event.occurred_at_nanos = 1'000'000 * m_count;
    event.correlation_id = fmt::format("cmd-{}", m_count);
    event.causation_id = event.correlation_id;
    event.payload = std::move(payload);
    return event;
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

  int m_count = 0;
};

// A history exercising every effect: updates, a suspension, bookings placed,
// rejected and cancelled, a booking before its property, an unknown type.
std::vector<EventEnvelope> scenario(EventFactory& events) {
  return {
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
      events.make("PropertyPhotographed", "property", "prop-a", 3, {{"property_id", "prop-a"}}),
      events.placed("bkg-5", "prop-c", "2027-08-12", "2027-08-14"),
  };
}

SearchQuery textQuery(std::string text) {
  SearchQuery query;
  query.text = std::move(text);
  return query;
}

SearchQuery stayQuery(std::string_view from, std::string_view to) {
  SearchQuery query;
  query.stay = Stay::parse(from, to).value();
  return query;
}

struct StoreKind {
  std::string name;
  bool xapian = false;

  friend void PrintTo(const StoreKind& kind, std::ostream* out) { *out << kind.name; }
};

class SearchProjectionTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    m_index = openIndex();
    ASSERT_NE(m_index, nullptr);
    m_projection = std::make_unique<SearchProjection>(*m_index, m_log);
  }

  std::unique_ptr<TextIndex> openIndex() {
    if (!GetParam().xapian) {
      return std::make_unique<MemoryTextIndex>();
    }
    XapianTextIndex::Options options;
    options.directory = m_dir / "search";
    options.creation = StoreCreation::CreateIfMissing;
    auto index = XapianTextIndex::open(options);
    if (!index) {
      ADD_FAILURE() << index.error().describe();
      return nullptr;
    }
    return std::move(*index);
  }

  // Makes a new projection, as after a restart; the Xapian index is closed
  // and opened again, the twin is kept.
  void restart() {
    m_projection.reset();
    if (GetParam().xapian) {
      m_index.reset();
      m_index = openIndex();
      ASSERT_NE(m_index, nullptr);
    }
    m_projection = std::make_unique<SearchProjection>(*m_index, m_log);
  }

  void append(const std::vector<EventEnvelope>& events) {
    auto appended = m_log.append(events);
    ASSERT_TRUE(appended) << appended.error().describe();
  }

  // Steps until caught up; returns how many events were consumed.
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

  Ids search(const SearchQuery& query) {
    auto page = m_index->search(query);
    EXPECT_TRUE(page) << page.error().describe();
    Ids ids;
    for (const auto& hit : page.value_or(SearchPage{}).hits) {
      ids.push_back(hit.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::optional<SearchDocument> document(const std::string& id) {
    auto stored = m_index->get(id);
    EXPECT_TRUE(stored) << stored.error().describe();
    return stored.value_or(std::nullopt);
  }

  std::string digest() {
    auto digest = m_projection->canonicalDigest();
    EXPECT_TRUE(digest) << digest.error().describe();
    return digest.value_or("");
  }

  // Stores `offset` as the next offset of every partition, or each
  // partition's end halved when `offset` is negative.
  void resetOffsets(int64_t offset) {
    TextIndexBatch batch;
    for (const auto& [topic, partitions] : kTopics) {
      for (int partition = 0; partition < partitions; ++partition) {
        int64_t next = offset >= 0 ? offset : m_log.endOffset(topic, partition).value() / 2;
        batch.metadata[fmt::format("offset/{}/{}", topic, partition)] = std::to_string(next);
      }
    }
    ASSERT_TRUE(m_index->apply(batch));
  }

  TempDir m_dir;
  MemoryEventLog m_log{kTopics};
  EventFactory m_events;
  std::unique_ptr<TextIndex> m_index;
  std::unique_ptr<SearchProjection> m_projection;
};

TEST_P(SearchProjectionTest, CreatedPropertyBecomesSearchable) {
  append({m_events.created("prop-a", "Cozy apartment"), m_events.created("prop-b", "Villa")});
  EXPECT_EQ(catchUp(), 2u);

  EXPECT_EQ(search(textQuery("apartments")), Ids{"prop-a"});
  auto stored = document("prop-a");
  ASSERT_TRUE(stored);
  EXPECT_TRUE(stored->listed);
  EXPECT_EQ(stored->source_version, 1);
  EXPECT_EQ(stored->city, "Lisbon");
  EXPECT_EQ(stored->amenities, (std::vector<std::string>{"kitchen", "wifi"}));
  EXPECT_EQ(stored->capacity, 4);
  EXPECT_EQ(stored->price_minor, 10000);
  EXPECT_EQ(stored->currency, "EUR");
}

TEST_P(SearchProjectionTest, UpdateMakesTheNewTitleFoundAndTheOldNot) {
  append({m_events.created("prop-a", "Cozy apartment"), m_events.updated("prop-a", 2, "Villa")});
  catchUp();

  EXPECT_EQ(search(textQuery("villa")), Ids{"prop-a"});
  EXPECT_EQ(search(textQuery("apartment")), Ids{});
  EXPECT_EQ(document("prop-a")->source_version, 2);
}

TEST_P(SearchProjectionTest, OlderSnapshotArrivingLateChangesNothing) {
  append({m_events.created("prop-a", "Cozy apartment"), m_events.updated("prop-a", 3, "Villa"),
          m_events.updated("prop-a", 2, "Castle")});
  catchUp();

  EXPECT_EQ(document("prop-a")->title, "Villa");
  EXPECT_EQ(document("prop-a")->source_version, 3);
}

TEST_P(SearchProjectionTest, BookedNightsHideThePropertyForOverlappingStaysOnly) {
  append({m_events.created("prop-a", "Cozy apartment"), m_events.created("prop-b", "Villa"),
          m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-05")});
  catchUp();

  EXPECT_EQ(document("prop-a")->booked_nights,
            (std::vector<Date>{day("2027-06-01"), day("2027-06-02"), day("2027-06-03"),
                               day("2027-06-04")}));
  EXPECT_EQ(search(stayQuery("2027-06-04", "2027-06-06")), Ids{"prop-b"});
  EXPECT_EQ(search(stayQuery("2027-05-30", "2027-06-02")), Ids{"prop-b"});
  EXPECT_EQ(search(stayQuery("2027-06-05", "2027-06-07")), (Ids{"prop-a", "prop-b"}));
  EXPECT_EQ(search(stayQuery("2027-05-29", "2027-06-01")), (Ids{"prop-a", "prop-b"}));
}

TEST_P(SearchProjectionTest, CancellationFreesTheNights) {
  append({m_events.created("prop-a", "Cozy apartment"),
          m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-05")});
  catchUp();
  ASSERT_EQ(search(stayQuery("2027-06-02", "2027-06-03")), Ids{});

  append({m_events.cancelled("bkg-1", "prop-a", "2027-06-01", "2027-06-05")});
  catchUp();
  EXPECT_EQ(search(stayQuery("2027-06-02", "2027-06-03")), Ids{"prop-a"});
  EXPECT_TRUE(document("prop-a")->booked_nights.empty());
}

TEST_P(SearchProjectionTest, RejectedBookingHoldsNoNights) {
  append({m_events.created("prop-a", "Cozy apartment"),
          m_events.rejected("bkg-1", "prop-a", "2027-06-01", "2027-06-05")});
  catchUp();
  EXPECT_EQ(search(stayQuery("2027-06-01", "2027-06-05")), Ids{"prop-a"});
}

TEST_P(SearchProjectionTest, SuspendedPropertyDisappearsFromSearchButIsKept) {
  append({m_events.created("prop-a", "Cozy apartment"), m_events.created("prop-b", "Cozy villa"),
          m_events.suspended("prop-a", 2)});
  catchUp();

  EXPECT_EQ(search(textQuery("cozy")), Ids{"prop-b"});
  EXPECT_EQ(search(SearchQuery()), Ids{"prop-b"});
  auto stored = document("prop-a");
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->listed);
  EXPECT_EQ(stored->source_version, 2);
  EXPECT_EQ(stored->title, "Cozy apartment");

  // A later snapshot of the suspended property keeps it out of search.
  append({m_events.updated("prop-a", 3, "Cozy castle", "suspended")});
  catchUp();
  EXPECT_EQ(search(textQuery("castle")), Ids{});
  EXPECT_EQ(document("prop-a")->title, "Cozy castle");
}

TEST_P(SearchProjectionTest, BookingBeforeItsPropertyIsKeptInAnUnlistedPlaceholder) {
  append({m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-03")});
  catchUp();
  auto placeholder = document("prop-a");
  ASSERT_TRUE(placeholder);
  EXPECT_FALSE(placeholder->listed);
  EXPECT_EQ(placeholder->source_version, 0);
  EXPECT_EQ(placeholder->booked_nights, (std::vector<Date>{day("2027-06-01"), day("2027-06-02")}));
  EXPECT_EQ(search(SearchQuery()), Ids{});

  append({m_events.created("prop-a", "Cozy apartment")});
  catchUp();
  auto created = document("prop-a");
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->listed);
  EXPECT_EQ(created->title, "Cozy apartment");
  EXPECT_EQ(created->booked_nights, placeholder->booked_nights);
  EXPECT_EQ(search(textQuery("apartment")), Ids{"prop-a"});
  EXPECT_EQ(search(stayQuery("2027-06-02", "2027-06-04")), Ids{});
  EXPECT_EQ(search(stayQuery("2027-06-03", "2027-06-04")), Ids{"prop-a"});
}

TEST_P(SearchProjectionTest, NightsStayHeldWhileAnotherBookingHoldsThem) {
  // One booking partition, so the log order is the order of application: B
  // takes the nights before A's cancellation is seen, as can happen when
  // the two bookings sit in different partitions.
  MemoryEventLog log({{"property", 1}, {"booking", 1}});
  SearchProjection projection(*m_index, log);
  ASSERT_TRUE(log.append({m_events.created("prop-a", "Cozy apartment"),
                          m_events.placed("bkg-a", "prop-a", "2027-06-01", "2027-06-04"),
                          m_events.placed("bkg-b", "prop-a", "2027-06-02", "2027-06-05"),
                          m_events.cancelled("bkg-a", "prop-a", "2027-06-01", "2027-06-04")}));
  ASSERT_EQ(projection.step(100).value(), 4u);

  EXPECT_EQ(document("prop-a")->booked_nights,
            (std::vector<Date>{day("2027-06-02"), day("2027-06-03"), day("2027-06-04")}));
  EXPECT_EQ(search(stayQuery("2027-06-01", "2027-06-02")), Ids{"prop-a"});
  EXPECT_EQ(search(stayQuery("2027-06-03", "2027-06-04")), Ids{});
}

TEST_P(SearchProjectionTest, ReplayingFromEarlierOffsetsChangesNothing) {
  append(scenario(m_events));
  catchUp();
  const std::string built = digest();
  const Ids available = search(stayQuery("2027-06-02", "2027-06-03"));

  for (int64_t offset : {int64_t{0}, int64_t{1}, int64_t{-1}}) {
    resetOffsets(offset);
    restart();
    EXPECT_GT(m_projection->lag().value(), 0) << "offset " << offset;
    catchUp();
    EXPECT_EQ(digest(), built) << "offset " << offset;
  }
  EXPECT_EQ(search(stayQuery("2027-06-02", "2027-06-03")), available);
}

TEST_P(SearchProjectionTest, DuplicatesAtNewOffsetsChangeNothing) {
  const std::vector<EventEnvelope> events = scenario(m_events);
  append(events);
  catchUp();
  const std::string built = digest();

  // The relay may publish a batch again after a crash: same event ids, new offsets.
  append(std::vector<EventEnvelope>(events.begin() + 2, events.end()));
  append(std::vector<EventEnvelope>(events.begin(), events.begin() + 5));
  EXPECT_EQ(catchUp(), events.size() - 2 + 5);
  EXPECT_EQ(digest(), built);
}

TEST_P(SearchProjectionTest, RestartResumesFromTheStoredOffsets) {
  append(scenario(m_events));
  catchUp();
  const std::string built = digest();

  restart();
  EXPECT_EQ(m_projection->lag().value(), 0);
  EXPECT_EQ(m_projection->step(100).value(), 0u);
  EXPECT_EQ(digest(), built);

  append({m_events.updated("prop-a", 3, "Harbour loft")});
  EXPECT_EQ(m_projection->lag().value(), 1);
  EXPECT_EQ(m_projection->step(100).value(), 1u);
  EXPECT_EQ(search(textQuery("harbour")), (Ids{"prop-a", "prop-c"}));
}

TEST_P(SearchProjectionTest, RebuildGivesTheSameDigestAsTheIncrementalBuild) {
  const std::vector<EventEnvelope> events = scenario(m_events);
  // Built one event per step, interleaved with appends.
  for (const auto& event : events) {
    append({event});
    ASSERT_TRUE(m_projection->step(1));
  }
  catchUp();
  const std::string incremental = digest();
  const std::string content = m_projection->canonicalContent().value();

  ASSERT_TRUE(m_projection->rebuild());
  EXPECT_EQ(m_projection->lag().value(), 0);
  EXPECT_EQ(digest(), incremental);
  EXPECT_EQ(m_projection->canonicalContent().value(), content);
}

TEST_P(SearchProjectionTest, RebuildDropsWhatTheLogDoesNotSay) {
  append({m_events.created("prop-a", "Cozy apartment")});
  catchUp();
  TextIndexBatch stray;
  SearchDocument document;
  document.id = "stray";
  document.title = "Not from the log";
  stray.upserts.push_back(document);
  ASSERT_TRUE(m_index->apply(stray));

  ASSERT_TRUE(m_projection->rebuild());
  EXPECT_FALSE(this->document("stray"));
  EXPECT_EQ(search(SearchQuery()), Ids{"prop-a"});
}

TEST_P(SearchProjectionTest, StepRespectsItsMaximumAndLagDropsToZero) {
  const std::vector<EventEnvelope> events = scenario(m_events);
  append(events);
  EXPECT_EQ(m_projection->lag().value(), static_cast<int64_t>(events.size()));

  EXPECT_EQ(m_projection->step(0).value(), 0u);
  EXPECT_EQ(m_projection->step(3).value(), 3u);
  EXPECT_EQ(m_projection->lag().value(), static_cast<int64_t>(events.size()) - 3);
  EXPECT_EQ(m_projection->step(4).value(), 4u);
  EXPECT_EQ(m_projection->step(1000).value(), events.size() - 7);
  EXPECT_EQ(m_projection->lag().value(), 0);
  EXPECT_EQ(m_projection->step(1000).value(), 0u);
}

TEST_P(SearchProjectionTest, SmallBatchesGiveTheSameResult) {
  SearchProjection::Options options;
  options.max_batch = 1;
  m_projection = std::make_unique<SearchProjection>(*m_index, m_log, options);
  append(scenario(m_events));
  catchUp();
  const std::string one_by_one = digest();

  ASSERT_TRUE(m_projection->rebuild());
  EXPECT_EQ(digest(), one_by_one);
}

TEST_P(SearchProjectionTest, PoisonEventIsSkippedRecordedAndDoesNotWedge) {
  nlohmann::json bad_snapshot = EventFactory::snapshot("prop-a", "Cozy apartment");
  bad_snapshot["capacity"] = "four";
  nlohmann::json bad_booking = {{"booking_id", "bkg-1"}, {"property_id", "prop-a"}};
  nlohmann::json negative_price = EventFactory::snapshot("prop-b", "Villa");
  negative_price["price_minor"] = -5;
  append({m_events.make("PropertyCreated", "property", "prop-a", 1, bad_snapshot),
          m_events.updated("prop-a", 2, "Sunny villa"),
          m_events.make("BookingPlaced", "booking", "bkg-1", 1, bad_booking),
          m_events.make("PropertyCreated", "property", "prop-b", 1, negative_price)});
  EXPECT_EQ(catchUp(), 4u);

  EXPECT_EQ(m_projection->poisonCount(), 3u);
  EXPECT_EQ(search(textQuery("villa")), Ids{"prop-a"});
  EXPECT_FALSE(document("prop-b"));
  auto records = m_projection->poisonRecords();
  ASSERT_TRUE(records) << records.error().describe();
  ASSERT_EQ(records->size(), 3u);
  std::map<std::string, PoisonRecord> by_event;
  for (const auto& record : *records) {
    by_event.emplace(record.event_id, record);
  }
  const PoisonRecord& capacity = by_event.at("evt-0001");
  EXPECT_EQ(capacity.type, "PropertyCreated");
  EXPECT_EQ(capacity.position.topic, "property");
  EXPECT_EQ(capacity.position.offset, 0);
  EXPECT_NE(capacity.reason.find("capacity"), std::string::npos) << capacity.reason;
  EXPECT_NE(by_event.at("evt-0003").reason.find("check_in"), std::string::npos);
  EXPECT_NE(by_event.at("evt-0004").reason.find("price_minor"), std::string::npos);

  // The records are kept in the index, under their position.
  restart();
  EXPECT_EQ(m_projection->poisonRecords().value(), *records);
  EXPECT_TRUE(
      m_index->metadata(fmt::format("poison/property/{}/0", capacity.position.partition)).value());
}

TEST_P(SearchProjectionTest, UnsupportedSchemaVersionIsPoison) {
  EventEnvelope future = m_events.created("prop-a", "Cozy apartment");
  future.schema_version = 2;
  append({future});
  EXPECT_EQ(catchUp(), 1u);
  EXPECT_EQ(m_projection->poisonCount(), 1u);
  EXPECT_FALSE(document("prop-a"));
}

TEST_P(SearchProjectionTest, UnknownEventTypesAreSkippedAndTheirOffsetsPass) {
  append({m_events.make("PropertyPhotographed", "property", "prop-a", 1, {{"x", 1}}),
          m_events.make("FraudSuspected", "booking", "bkg-1", 1, nlohmann::json::object())});
  EXPECT_EQ(catchUp(), 2u);
  EXPECT_EQ(m_index->documentCount().value(), 0u);
  EXPECT_EQ(m_projection->poisonCount(), 0u);
}

// Decorates a TextIndex: refuses (InvalidInput) any batch upserting a
// document titled kRefusedTitle, and fails (StoreFailure) the next
// `failures` applies.
class FaultyTextIndex final : public TextIndex {
 public:
  static constexpr const char* kRefusedTitle = "Refused by the store";

  explicit FaultyTextIndex(TextIndex& target) : m_target(target) {}

  void failNextApplies(int count) { m_failures = count; }

  Result<void> apply(const TextIndexBatch& batch) override {
    if (m_failures > 0) {
      --m_failures;
      return storeFailure("text.engine", "injected failure");
    }
    for (const auto& document : batch.upserts) {
      if (document.title == kRefusedTitle) {
        return invalidInput("title", "injected refusal");
      }
    }
    return m_target.apply(batch);
  }
  Result<std::optional<SearchDocument>> get(std::string_view id) override {
    return m_target.get(id);
  }
  Result<SearchPage> search(const SearchQuery& query) override { return m_target.search(query); }
  Result<std::optional<std::string>> metadata(std::string_view key) override {
    return m_target.metadata(key);
  }
  Result<size_t> documentCount() override { return m_target.documentCount(); }
  Result<std::vector<SearchDocument>> allDocuments() override { return m_target.allDocuments(); }
  Result<std::map<std::string, std::string>> allMetadata() override {
    return m_target.allMetadata();
  }
  Result<void> clear() override { return m_target.clear(); }

 private:
  TextIndex& m_target;
  int m_failures = 0;
};

TEST_P(SearchProjectionTest, EffectTheStoreRefusesBecomesPoisonAlone) {
  FaultyTextIndex faulty(*m_index);
  SearchProjection projection(faulty, m_log);
  append({m_events.created("prop-a", "Cozy apartment"),
          m_events.created("prop-b", FaultyTextIndex::kRefusedTitle),
          m_events.created("prop-c", "Cozy villa"), m_events.updated("prop-a", 2, "Cozy loft")});
  while (projection.step(100).value() > 0) {
  }

  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(projection.poisonCount(), 1u);
  EXPECT_EQ(search(textQuery("cozy")), (Ids{"prop-a", "prop-c"}));
  EXPECT_EQ(document("prop-a")->title, "Cozy loft");
  auto records = projection.poisonRecords().value();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event_id, "evt-0002");
  EXPECT_NE(records[0].reason.find("injected refusal"), std::string::npos) << records[0].reason;
}

TEST_P(SearchProjectionTest, FailedCommitAppliesNothingAndIsRetried) {
  FaultyTextIndex faulty(*m_index);
  SearchProjection projection(faulty, m_log);
  append({m_events.created("prop-a", "Cozy apartment"),
          m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-03")});

  faulty.failNextApplies(1);
  auto failed = projection.step(100);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(projection.lag().value(), 2);

  while (projection.step(100).value() > 0) {
  }
  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(search(textQuery("apartment")), Ids{"prop-a"});
  EXPECT_EQ(document("prop-a")->booked_nights.size(), 2u);
}

// ---------------------------------------------------------------------------
// Delivery: the idempotent projection and the naive one under repeated
// deliveries and crashes.

using staylab::testing::driveToEnd;
using staylab::testing::naiveDelivery;

constexpr int64_t kSecond = 1'000'000'000;

// Returns the digest of a fresh projection rebuilt from `log`.
std::string rebuiltDigest(EventLog& log) {
  MemoryTextIndex index;
  SearchProjection fresh(index, log);
  EXPECT_TRUE(fresh.rebuild());
  return fresh.canonicalDigest().value_or("");
}

TEST_P(SearchProjectionTest, NaiveProjectionAppliesARepeatedDeliveryTwiceAwayFromARebuild) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-05");
  append({m_events.created("prop-a", "Cozy apartment"), placed,
          m_events.cancelled("bkg-1", "prop-a", "2027-06-01", "2027-06-05")});
  staylab::testing::DuplicatingLog twice(m_log);
  twice.duplicate(placed.event_id);
  ManualClock clock;
  SearchProjection naive(*m_index, twice, {.delivery = naiveDelivery(clock)});
  staylab::testing::AppliedCounter applied;
  naive.setApplyObserver(applied.observer());
  driveToEnd(naive);

  EXPECT_EQ(applied.times(placed.event_id), 2);
  EXPECT_EQ(applied.repeats(), 1);
  EXPECT_EQ(applied.consumers(), std::set<std::string>{"search"});
  EXPECT_EQ(document("prop-a")->booked_nights,
            Stay::parse("2027-06-01", "2027-06-05").value().nightDates())
      << "the second copy's nights outlive the cancellation";
  EXPECT_EQ(search(stayQuery("2027-06-02", "2027-06-03")), Ids{});
  EXPECT_NE(naive.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(SearchProjectionTest, IdempotentProjectionAppliesARepeatedDeliveryOnce) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-05");
  append({m_events.created("prop-a", "Cozy apartment"), placed,
          m_events.cancelled("bkg-1", "prop-a", "2027-06-01", "2027-06-05"),
          m_events.rejected("bkg-2", "prop-a", "2027-06-01", "2027-06-02")});
  staylab::testing::DuplicatingLog twice(m_log);
  twice.duplicate(placed.event_id);
  SearchProjection idempotent(*m_index, twice);
  staylab::testing::AppliedCounter applied;
  idempotent.setApplyObserver(applied.observer());
  driveToEnd(idempotent);

  EXPECT_EQ(applied.times(placed.event_id), 1);
  EXPECT_EQ(applied.repeats(), 0);
  EXPECT_EQ(applied.times("evt-0004"), 0) << "a rejection has no effect on search";
  EXPECT_TRUE(document("prop-a")->booked_nights.empty());
  EXPECT_EQ(idempotent.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(SearchProjectionTest, NaiveProjectionLetsALateCopyOfAnOlderSnapshotListASuspendedProperty) {
  const EventEnvelope created = m_events.created("prop-a", "Cozy apartment");
  append({created, m_events.suspended("prop-a", 2), created});
  ManualClock clock;
  SearchProjection naive(*m_index, m_log, {.delivery = naiveDelivery(clock)});
  driveToEnd(naive);
  EXPECT_EQ(search(textQuery("cozy")), Ids{"prop-a"}) << "listed again by the late copy";
  EXPECT_EQ(document("prop-a")->source_version, 1);
  EXPECT_NE(naive.canonicalDigest().value(), rebuiltDigest(m_log));

  ASSERT_TRUE(m_projection->rebuild());
  EXPECT_EQ(search(textQuery("cozy")), Ids{});
}

TEST_P(SearchProjectionTest, NaiveProjectionReappliesWhatACrashCaughtBeforeItsOffsetCommit) {
  const EventEnvelope placed = m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-03");
  append({m_events.created("prop-a", "Cozy apartment"), placed});
  ManualClock clock;
  staylab::testing::AppliedCounter applied;
  {
    SearchProjection naive(*m_index, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
    EXPECT_EQ(naive.lag().value(), 0);
  }  // Dropped without flush(): a crash; the effects were written, the offsets not.
  SearchProjection reopened(*m_index, m_log, {.delivery = naiveDelivery(clock)});
  reopened.setApplyObserver(applied.observer());
  EXPECT_EQ(reopened.lag().value(), 2);
  driveToEnd(reopened);

  EXPECT_EQ(applied.times(placed.event_id), 2);
  EXPECT_EQ(document("prop-a")->booked_nights.size(), 4u) << "two nights, held twice";
  EXPECT_NE(reopened.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(SearchProjectionTest, NaiveProjectionCommitsItsOffsetsFiveSecondsLaterAndAtAFlush) {
  ManualClock clock;
  staylab::testing::AppliedCounter applied;
  append({m_events.created("prop-a", "Cozy apartment")});
  {
    SearchProjection naive(*m_index, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
    clock.advance(5 * kSecond);
    ASSERT_TRUE(naive.step(100));  // Nothing new to read, but the offsets are due.
  }
  append({m_events.placed("bkg-1", "prop-a", "2027-06-01", "2027-06-03")});
  {
    SearchProjection naive(*m_index, m_log, {.delivery = naiveDelivery(clock)});
    naive.setApplyObserver(applied.observer());
    driveToEnd(naive);
    ASSERT_TRUE(naive.flush());  // A clean close.
  }
  SearchProjection naive(*m_index, m_log, {.delivery = naiveDelivery(clock)});
  naive.setApplyObserver(applied.observer());
  EXPECT_EQ(naive.lag().value(), 0);
  driveToEnd(naive);
  EXPECT_EQ(applied.repeats(), 0);
  EXPECT_EQ(naive.canonicalDigest().value(), rebuiltDigest(m_log));
}

TEST_P(SearchProjectionTest, NaiveProjectionWithoutRepeatsBuildsWhatTheIdempotentOneBuilds) {
  append(scenario(m_events));
  ManualClock clock;
  SearchProjection naive(*m_index, m_log, {.delivery = naiveDelivery(clock)});
  driveToEnd(naive);
  EXPECT_EQ(naive.canonicalDigest().value(), rebuiltDigest(m_log));
  ASSERT_TRUE(naive.rebuild());
  EXPECT_EQ(naive.canonicalDigest().value(), rebuiltDigest(m_log));
  EXPECT_EQ(naive.lag().value(), 0);
}

INSTANTIATE_TEST_SUITE_P(Stores, SearchProjectionTest,
                         ::testing::Values(StoreKind{"Xapian", true}, StoreKind{"Memory", false}),
                         [](const ::testing::TestParamInfo<StoreKind>& info) {
                           return info.param.name;
                         });

TEST(SearchProjectionTwinTest, XapianAndTwinGiveTheSameDigestForTheSameLog) {
  TempDir dir;
  MemoryEventLog log(kTopics);
  EventFactory events;
  ASSERT_TRUE(log.append(scenario(events)));
  XapianTextIndex::Options options;
  options.directory = dir / "search";
  options.creation = StoreCreation::CreateIfMissing;
  auto xapian = XapianTextIndex::open(options).value();
  MemoryTextIndex memory;
  SearchProjection real(*xapian, log);
  SearchProjection twin(memory, log);

  // Different step sizes, so the partitions interleave differently.
  while (real.step(2).value() > 0) {
  }
  while (twin.step(100).value() > 0) {
  }
  EXPECT_EQ(real.canonicalContent().value(), twin.canonicalContent().value());
  EXPECT_EQ(real.canonicalDigest().value(), twin.canonicalDigest().value());
  EXPECT_EQ(xapian->allMetadata().value(), memory.allMetadata().value());
}

}  // namespace
}  // namespace staylab
