// The platform with each pattern switched off, on real stores: search by API
// composition instead of the read model (CQRS off), the dual write instead of
// the outbox, naive consumers instead of idempotent ones.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "domain/common/text.h"
#include "tests/app/platform_fixtures.h"
#include "tests/support/delivery_doubles.h"

namespace staylab::app {
namespace {

using testing::allChecksPass;
using testing::kNanosPerMinute;
using testing::must;
using testing::SeededPlatform;
using Ids = std::set<std::string>;

Ids idsOf(const SearchPage& page) {
  Ids ids;
  for (const auto& hit : page.hits) {
    ids.insert(hit.id);
  }
  return ids;
}

Stay stay(const std::string& from, const std::string& to) {
  return must(Stay::parse(from, to), "stay");
}

// Returns a listing of `city` free for [from, to), as the write stores say.
std::string freeListing(Platform& platform, const std::string& city, const std::string& from,
                        const std::string& to) {
  SearchQuery query;
  query.city = city;
  query.stay = stay(from, to);
  auto free = must(platform.composedSearch().search(query), "free listings");
  if (free.hits.empty()) {
    throw std::runtime_error(fmt::format("no listing of {} is free from {} to {}", city, from, to));
  }
  return free.hits.front().id;
}

// Places a booking of `property_id` for [from, to) as the guest itself.
Result<booking::PlaceBookingAnswer> book(Platform& platform, const std::string& guest,
                                         const std::string& property_id, const std::string& from,
                                         const std::string& to) {
  booking::PlaceBooking command;
  command.property_id = property_id;
  command.guest = guest;
  command.from = from;
  command.to = to;
  return platform.gateway().placeBooking(Caller{guest, Role::Guest}, command);
}

// Returns the events of aggregate `id` in `topic` of the platform's log.
std::vector<EventEnvelope> eventsOf(Platform& platform, const std::string& topic,
                                    const std::string& id) {
  EventLog& log = platform.eventLog();
  const int partition = partitionFor(id, log.topics().at(topic));
  std::vector<EventEnvelope> events;
  for (const auto& record : must(log.read(topic, partition, 0, 1'000'000), "read the log")) {
    if (record.event.aggregate_id == id) {
      events.push_back(record.event);
    }
  }
  return events;
}

// Queries without text, on which the read model and the composition must
// agree: every filter alone and together.
std::vector<SearchQuery> queriesWithoutText(Platform& platform) {
  const auto properties = must(platform.listing().list(std::nullopt), "list the listings");
  const listing::Property& first = properties.front();
  std::vector<SearchQuery> queries;
  SearchQuery query;
  query.limit = 1000;
  queries.push_back(query);  // Everything listed.
  query.city = first.city;
  queries.push_back(query);
  query.city = "PORTO";
  queries.push_back(query);
  query.city.reset();
  query.stay = stay("2030-02-10", "2030-02-17");
  queries.push_back(query);
  query.min_capacity = 4;
  queries.push_back(query);
  query.city = "lisbon";
  queries.push_back(query);
  query = SearchQuery{};
  query.limit = 1000;
  query.currency = "EUR";
  query.max_price_minor = 12'000;
  queries.push_back(query);
  query.amenities = {"wifi", "Pool"};
  queries.push_back(query);
  query.stay = stay("2030-03-01", "2030-03-04");
  query.min_capacity = 2;
  queries.push_back(query);
  return queries;
}

TEST(ComposedSearchTest, FindsTheSameListingsAsTheReadModelForQueriesWithoutText) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  for (const SearchQuery& query : queriesWithoutText(platform)) {
    auto read_model = must(platform.searchIndex().search(query), "read model");
    auto composed = must(platform.composedSearch().search(query), "composition");
    SCOPED_TRACE(fmt::format("city {}, stay {}, guests {}, max price {}, {} amenities",
                             query.city.value_or("-"), query.stay.has_value(),
                             query.min_capacity.value_or(0), query.max_price_minor.value_or(0),
                             query.amenities.size()));
    EXPECT_FALSE(composed.hits.empty());
    EXPECT_EQ(idsOf(composed), idsOf(read_model));
    EXPECT_EQ(composed.estimated_total, read_model.estimated_total);
  }
}

TEST(ComposedSearchTest, NeverOffersABookedListingForItsNights) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  const auto bookings = must(platform.bookings().list({}), "list the bookings");
  int checked = 0;
  for (const auto& placed : bookings) {
    if (placed.status != booking::BookingStatus::Confirmed || ++checked > 40) {
      continue;
    }
    const auto property = must(platform.listing().get(placed.property_id), "get the listing");
    SearchQuery query;
    query.city = property.city;
    query.limit = 1000;
    // The last night of the stay only, and the whole stay.
    for (const Stay& nights :
         {stay(placed.check_out.plusDays(-1).toString(), placed.check_out.toString()),
          stay(placed.check_in.toString(), placed.check_out.toString())}) {
      query.stay = nights;
      EXPECT_FALSE(idsOf(must(platform.composedSearch().search(query), "search"))
                       .contains(placed.property_id))
          << placed.id;
    }
    query.stay = stay(placed.check_out.toString(), placed.check_out.plusDays(1).toString());
    const bool listed = property.status == listing::PropertyStatus::Active;
    EXPECT_EQ(
        idsOf(must(platform.composedSearch().search(query), "search")).contains(placed.property_id),
        listed &&
            must(platform.bookingStore().bookedAmong({placed.property_id}, *query.stay), "booked")
                .empty())
        << "free again from check-out: " << placed.id;
  }
  EXPECT_GT(checked, 10);
}

TEST(ComposedSearchTest, WordsFindListingsWhoseTitleOrDescriptionHoldsThem) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  const auto properties = must(platform.listing().list(std::nullopt), "list the listings");
  for (const std::string text : {"LOFT", "courtyard quiet", "harbour", "wifi desk"}) {
    SearchQuery query;
    query.text = text;
    query.limit = 1000;
    const Ids found = idsOf(must(platform.composedSearch().search(query), "search"));
    Ids expected;
    for (const auto& property : properties) {
      const std::string haystack =
          foldAsciiCase(property.title) + "\n" + foldAsciiCase(property.description);
      bool every_word = property.status == listing::PropertyStatus::Active;
      size_t start = 0;
      while (every_word && start < text.size()) {
        size_t end = std::min(text.find(' ', start), text.size());
        every_word =
            haystack.find(foldAsciiCase(text.substr(start, end - start))) != std::string::npos;
        start = end + 1;
      }
      if (every_word) {
        expected.insert(property.id);
      }
    }
    EXPECT_FALSE(expected.empty()) << text;
    EXPECT_EQ(found, expected) << text;
  }
}

TEST(ComposedSearchTest, RanksByWordsInTitleThenDescriptionAndSortsByPrice) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  SearchQuery query;
  query.text = "loft quiet";
  query.limit = 1000;
  auto page = must(platform.composedSearch().search(query), "search");
  ASSERT_GT(page.hits.size(), 1u);
  for (size_t index = 1; index < page.hits.size(); ++index) {
    const auto& before = page.hits[index - 1];
    const auto& after = page.hits[index];
    EXPECT_TRUE(before.relevance > after.relevance ||
                (before.relevance == after.relevance && before.id < after.id));
    EXPECT_GE(after.relevance, 2.0) << "each word scores at least 1";
  }
  query.sort = SearchSort::PriceAscending;
  query.limit = 5;
  query.offset = 2;
  auto priced = must(platform.composedSearch().search(query), "search");
  EXPECT_EQ(priced.estimated_total, page.hits.size());
  ASSERT_EQ(priced.hits.size(), 5u);
  EXPECT_TRUE(std::is_sorted(priced.hits.begin(), priced.hits.end(), [](auto& a, auto& b) {
    return std::tie(a.price_minor, a.id) < std::tie(b.price_minor, b.id);
  }));
}

TEST(ComposedSearchTest, RefusesWhatTheReadModelRefuses) {
  SeededPlatform run(7);
  SearchQuery query;
  query.max_price_minor = 100;
  auto refused = run.platform().composedSearch().search(query);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "currency");
  query = SearchQuery{};
  query.limit = 0;
  EXPECT_FALSE(run.platform().composedSearch().candidates(query));
  query.limit = 20;
  query.text = "?!";
  EXPECT_TRUE(must(run.platform().composedSearch().search(query), "search").hits.empty());
}

TEST(ComposedSearchTest, PhasesRunApartSeeWhatChangedBetweenThem) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  SearchQuery query;
  query.city = "Porto";
  query.stay = stay("2030-12-01", "2030-12-03");
  query.limit = 1000;
  auto candidates = must(platform.composedSearch().candidates(query), "phase 1");
  ASSERT_FALSE(candidates.empty());
  const std::string chosen = candidates.front().id;
  ASSERT_TRUE(idsOf(must(platform.composedSearch().available(candidates, query), "phase 2"))
                  .contains(chosen));

  must(book(platform, "late-guest", chosen, "2030-12-02", "2030-12-05"), "book");
  EXPECT_FALSE(idsOf(must(platform.composedSearch().available(candidates, query), "phase 2"))
                   .contains(chosen))
      << "phase 2 reads the booking store as it is now";
}

TEST(ComposedSearchTest, GatewaySwitchesBetweenReadModelAndCompositionWhileRunning) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  EXPECT_EQ(platform.patterns().query_model, QueryModel::ReadModel);
  SearchQuery query;
  query.city = "Lisbon";
  query.stay = stay("2030-11-10", "2030-11-12");
  query.limit = 1000;
  const Ids before = idsOf(must(platform.gateway().search(query), "search"));
  ASSERT_FALSE(before.empty());
  const std::string chosen = *before.begin();

  run.clock().advance(kNanosPerMinute);
  must(book(platform, "quick-guest", chosen, "2030-11-10", "2030-11-11"), "book");

  EXPECT_TRUE(idsOf(must(platform.gateway().search(query), "search")).contains(chosen))
      << "the read model lags until the pump moves the event";
  platform.setQueryModel(QueryModel::Composition);
  EXPECT_EQ(platform.patterns().query_model, QueryModel::Composition);
  EXPECT_FALSE(idsOf(must(platform.gateway().search(query), "search")).contains(chosen))
      << "the composition reads the booking store itself";
  platform.setQueryModel(QueryModel::ReadModel);
  must(platform.pump().drain(), "drain");
  EXPECT_FALSE(idsOf(must(platform.gateway().search(query), "search")).contains(chosen));
  EXPECT_TRUE(allChecksPass(platform));
}

// Decorates the platform's event log: appends fail while `down` is set.
class SwitchableLog final : public EventLog {
 public:
  SwitchableLog(std::unique_ptr<EventLog> inner, const std::atomic<bool>& down)
      : m_inner(std::move(inner)), m_down(down) {}

  std::map<std::string, int> topics() const override { return m_inner->topics(); }
  Result<std::vector<LogPosition>> append(const std::vector<EventEnvelope>& events) override {
    if (m_down.load()) {
      return storeFailure("log.down", "the event log is down (test)");
    }
    return m_inner->append(events);
  }
  Result<std::vector<LogRecord>> read(std::string_view topic, int partition, int64_t from_offset,
                                      size_t limit) override {
    return m_inner->read(topic, partition, from_offset, limit);
  }
  Result<int64_t> endOffset(std::string_view topic, int partition) override {
    return m_inner->endOffset(topic, partition);
  }

 private:
  std::unique_ptr<EventLog> m_inner;
  const std::atomic<bool>& m_down;
};

// A seeded platform publishing with `publication`, whose event log fails
// appends while `m_log_down` is set.
class PublicationTest : public ::testing::Test {
 protected:
  std::unique_ptr<SeededPlatform> open(EventPublication publication) {
    PlatformOptions options;
    options.patterns.publication = publication;
    options.decorators.event_log = [this](std::unique_ptr<EventLog> log) {
      return std::make_unique<SwitchableLog>(std::move(log), m_log_down);
    };
    return std::make_unique<SeededPlatform>(7, std::move(options));
  }

  // Books a free Porto listing for two nights, as a guest; returns the booking.
  booking::Booking bookWhileTheLogIsDown(SeededPlatform& run) {
    const std::string property_id =
        freeListing(run.platform(), "Porto", "2030-10-01", "2030-10-03");
    m_log_down = true;
    run.clock().advance(kNanosPerMinute);
    auto answer = book(run.platform(), "late-guest", property_id, "2030-10-01", "2030-10-03");
    EXPECT_TRUE(answer) << answer.error().describe();
    return answer ? answer->booking : booking::Booking{};
  }

  // Returns whether the log holds an event of aggregate `id`.
  static bool logged(Platform& platform, const std::string& topic, const std::string& id) {
    return !eventsOf(platform, topic, id).empty();
  }

  std::atomic<bool> m_log_down{false};
};

TEST_F(PublicationTest, DualWriteWithAHealthyLogConvergesAndPassesTheChecks) {
  auto run = open(EventPublication::DualWrite);
  Platform& platform = run->platform();
  EXPECT_EQ(platform.patterns().publication, EventPublication::DualWrite);
  EXPECT_GT(run->report().bookings, 0);
  EXPECT_EQ(must(platform.listingStore().outboxSize(), "outbox"), 0u);
  EXPECT_EQ(must(platform.bookingStore().outboxSize(), "outbox"), 0u);
  EXPECT_EQ(platform.undeliveredEvents(), 0u);
  EXPECT_FALSE(platform.fraudDetection().detector().suspicions().value().empty())
      << "fraud detection saw the events and suspended listings through the same services";
  EXPECT_TRUE(allChecksPass(platform));
}

TEST_F(PublicationTest, DualWriteLosesTheEventsOfAChangeCommittedWhileTheLogIsDown) {
  auto run = open(EventPublication::DualWrite);
  Platform& platform = run->platform();
  const booking::Booking placed = bookWhileTheLogIsDown(*run);
  EXPECT_EQ(placed.status, booking::BookingStatus::Confirmed) << "the guest was told yes";
  EXPECT_EQ(must(platform.bookings().get(placed.id), "stored").status,
            booking::BookingStatus::Confirmed);
  EXPECT_EQ(platform.undeliveredEvents(), 1u);

  m_log_down = false;
  must(platform.pump().drain(), "drain");
  EXPECT_FALSE(logged(platform, "booking", placed.id)) << "nothing ever sends it again";
  EXPECT_EQ(platform.undeliveredEvents(), 1u);

  // The write store is ahead of the log, and the read model (fed by the log)
  // still offers the booked nights; the booking store refuses them.
  auto checks = must(checkInvariants(platform), "check");
  auto in_log = std::find_if(checks.begin(), checks.end(), [](const CheckResult& check) {
    return check.name == "every committed event in the log";
  });
  ASSERT_NE(in_log, checks.end());
  EXPECT_FALSE(in_log->passed);
  EXPECT_NE(in_log->detail.find(placed.id), std::string::npos) << in_log->detail;
  SearchQuery query;
  query.city = "Porto";
  query.stay = stay("2030-10-01", "2030-10-03");
  query.limit = 1000;
  EXPECT_TRUE(
      idsOf(must(platform.gateway().search(query), "read model")).contains(placed.property_id));
  EXPECT_FALSE(idsOf(must(platform.composedSearch().search(query), "write stores"))
                   .contains(placed.property_id));
}

TEST_F(PublicationTest, OutboxKeepsTheEventsOfAChangeCommittedWhileTheLogIsDown) {
  auto run = open(EventPublication::Outbox);
  Platform& platform = run->platform();
  const booking::Booking placed = bookWhileTheLogIsDown(*run);
  EXPECT_EQ(placed.status, booking::BookingStatus::Confirmed);
  EXPECT_FALSE(platform.pump().drain()) << "the relay cannot move it yet";
  EXPECT_EQ(must(platform.bookingStore().outboxSize(), "outbox"), 1u);

  m_log_down = false;
  must(platform.pump().drain(), "drain");
  EXPECT_TRUE(logged(platform, "booking", placed.id));
  EXPECT_EQ(platform.undeliveredEvents(), 0u);
  EXPECT_TRUE(allChecksPass(platform));
}

TEST_F(PublicationTest, PublisherDecoratorIsWhatTheServicesPublishThrough) {
  // Holds every publish back until released, as a deferring decorator would.
  class Deferred final : public EventPublisher {
   public:
    explicit Deferred(EventPublisher& inner) : m_inner(inner) {}
    Result<void> publish(const std::vector<EventEnvelope>& events) override {
      m_held.insert(m_held.end(), events.begin(), events.end());
      return {};
    }
    Result<void> release() {
      auto published = m_inner.publish(m_held);
      m_held.clear();
      return published;
    }
    size_t held() const { return m_held.size(); }

   private:
    EventPublisher& m_inner;
    std::vector<EventEnvelope> m_held;
  };
  Deferred* deferred = nullptr;
  PlatformOptions options;
  options.patterns.publication = EventPublication::DualWrite;
  options.decorators.event_publisher = [&](EventPublisher& inner) {
    auto made = std::make_unique<Deferred>(inner);
    deferred = made.get();
    return made;
  };
  SeededPlatform run(7, std::move(options));
  ASSERT_NE(deferred, nullptr);
  EXPECT_EQ(&run.platform().eventPublisher(), deferred);
  EXPECT_GT(deferred->held(), 0u) << "every seeded change's events wait in the decorator";
  EXPECT_FALSE(allChecksPass(run.platform()));
  // Fraud detection's suspensions, caused by the released events, are held in turn.
  for (int round = 0; round < 5 && deferred->held() > 0; ++round) {
    must(deferred->release(), "release");
    must(run.platform().pump().drain(), "drain");
  }
  EXPECT_EQ(deferred->held(), 0u);
  EXPECT_TRUE(allChecksPass(run.platform()));
}

// A seeded platform whose consumers apply deliveries as `delivery` says,
// with an observer counting what they apply.
class DeliveryTest : public ::testing::Test {
 protected:
  std::unique_ptr<SeededPlatform> open(ConsumerDelivery delivery) {
    PlatformOptions options;
    options.patterns.delivery = delivery;
    auto run = std::make_unique<SeededPlatform>(7, std::move(options));
    run->platform().setApplyObserver(m_applied.observer());
    return run;
  }

  // Books a listing for two nights at the current time, then drains.
  std::string bookAndDrain(SeededPlatform& run) {
    const std::string property_id =
        freeListing(run.platform(), "Porto", "2030-09-01", "2030-09-03");
    auto answer =
        must(book(run.platform(), "steady-guest", property_id, "2030-09-01", "2030-09-03"), "book");
    must(run.platform().pump().drain(), "drain");
    return answer.booking.id;
  }

  // Crashes every consumer and opens it again, then drains.
  static void crashAndReopenConsumers(Platform& platform) {
    for (std::string_view name : Platform::kConsumerNames) {
      must(platform.dropConsumer(name), "drop");
    }
    for (std::string_view name : Platform::kConsumerNames) {
      must(platform.reopenConsumer(name), "reopen");
    }
    must(platform.pump().drain(), "drain");
  }

  // Returns the names of the checks that failed.
  static std::set<std::string> failedChecks(Platform& platform) {
    std::set<std::string> failed;
    for (const auto& check : must(checkInvariants(platform), "check")) {
      if (!check.passed) {
        failed.insert(check.name);
      }
    }
    return failed;
  }

  staylab::testing::AppliedCounter m_applied;
};

TEST_F(DeliveryTest, NaiveConsumersWithoutRepeatsPassTheChecks) {
  auto run = open(ConsumerDelivery::Naive);
  EXPECT_EQ(run->platform().patterns().delivery, ConsumerDelivery::Naive);
  bookAndDrain(*run);
  EXPECT_EQ(m_applied.consumers(), (std::set<std::string>{"fraud", "history", "search"}));
  EXPECT_EQ(m_applied.repeats(), 0);
  EXPECT_TRUE(allChecksPass(run->platform()));
}

TEST_F(DeliveryTest, NaiveConsumersCrashedBeforeTheirOffsetCommitApplyEventsTwice) {
  auto run = open(ConsumerDelivery::Naive);
  Platform& platform = run->platform();
  const std::string booking_id = bookAndDrain(*run);  // At once: no offset commit is due.
  EXPECT_EQ(m_applied.repeats(), 0);

  crashAndReopenConsumers(platform);
  EXPECT_GT(m_applied.repeats(), 0);
  const auto booked = eventsOf(platform, "booking", booking_id);
  ASSERT_EQ(booked.size(), 1u);
  EXPECT_EQ(m_applied.times(booked.front().event_id), 6) << "by search, history and fraud, twice";
  EXPECT_EQ(failedChecks(platform),
            (std::set<std::string>{"search equals a rebuild", "history equals a rebuild",
                                   "fraud detection equals a rebuild"}));

  ASSERT_TRUE(rebuildReadModels(platform));
  EXPECT_TRUE(allChecksPass(platform)) << "a rebuild replays each event once";
}

TEST_F(DeliveryTest, NaiveConsumersCommitTheirOffsetsAtACleanClose) {
  auto run = open(ConsumerDelivery::Naive);
  Platform& platform = run->platform();
  bookAndDrain(*run);
  run->clock().advance(5'000'000'000);
  must(platform.pump().drain(), "drain");  // The offsets are due: committed.
  crashAndReopenConsumers(platform);
  EXPECT_EQ(m_applied.repeats(), 0);
  EXPECT_TRUE(allChecksPass(platform));
}

TEST_F(DeliveryTest, IdempotentConsumersCrashedAndReopenedApplyNothingTwice) {
  auto run = open(ConsumerDelivery::Idempotent);
  Platform& platform = run->platform();
  bookAndDrain(*run);
  crashAndReopenConsumers(platform);
  EXPECT_EQ(m_applied.repeats(), 0);
  EXPECT_TRUE(allChecksPass(platform));
}

}  // namespace
}  // namespace staylab::app
