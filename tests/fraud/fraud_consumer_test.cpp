#include <memory>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/memory_event_log.h"
#include "fraud/fraud_consumer.h"
#include "fraud/sqlite_fraud_state_store.h"
#include "tests/fraud/fraud_test_events.h"
#include "tests/support/delivery_doubles.h"
#include "tests/support/temp_dir.h"

namespace staylab::fraud {
namespace {

using testing::EventFactory;
using testing::kHour;
using testing::kT0;
using testing::noSignals;
using testing::Signals;

// Six hosts and a crowd of guests whose instruments overlap, with one guest
// booking hourly: every rule fires somewhere.
std::vector<EventEnvelope> busyScenario(EventFactory& events) {
  std::vector<EventEnvelope> all;
  for (int property = 0; property < 6; ++property) {
    all.push_back(events.propertyCreated(
        fmt::format("prop-{}", property), fmt::format("host-{}", property),
        Signals{fmt::format("payout-{}", property), fmt::format("hdev-{}", property), ""},
        kT0 + property));
  }
  for (int booking = 0; booking < 120; ++booking) {
    int property = booking % 6;
    std::string guest =
        booking % 4 == 0 ? std::string("speedy") : fmt::format("guest-{}", (booking * 7) % 30);
    Signals signals{fmt::format("card-{}", (booking * 11) % 40),
                    booking % 9 == 0 ? fmt::format("hdev-{}", (booking / 9) % 6)
                                     : fmt::format("dev-{}", booking % 25),
                    booking % 5 == 0 ? fmt::format("10.0.0.{}", booking % 3) : std::string()};
    all.push_back(events.bookingPlaced(
        fmt::format("bkg-{}", booking), fmt::format("prop-{}", property), guest,
        fmt::format("host-{}", property), signals, kT0 + booking * (kHour / 3)));
  }
  return all;
}

class FraudConsumerTest : public ::testing::Test {
 protected:
  FraudConsumerTest() : m_log({{"property", 4}, {"booking", 4}, {"fraud", 2}}) {
    m_scenario = busyScenario(m_events);
  }

  void appendScenario() { ASSERT_TRUE(m_log.append(m_scenario).has_value()); }

  std::unique_ptr<SqliteFraudStateStore> openStore(const std::string& name = "fraud") {
    SqliteFraudStateStore::Options options;
    options.path = m_dir / fmt::format("{}.db", name);
    options.creation = StoreCreation::CreateIfMissing;
    auto store = SqliteFraudStateStore::open(options);
    EXPECT_TRUE(store.has_value()) << store.error().describe();
    return std::move(*store);
  }

  std::unique_ptr<FraudConsumer> openConsumer(FraudStateStore& store) {
    auto consumer = FraudConsumer::open(m_log, store);
    EXPECT_TRUE(consumer.has_value()) << consumer.error().describe();
    return std::move(*consumer);
  }

  // Steps until caught up; returns the events consumed.
  size_t drain(FraudConsumer& consumer, size_t batch) {
    size_t total = 0;
    for (;;) {
      auto consumed = consumer.step(batch);
      EXPECT_TRUE(consumed.has_value()) << consumed.error().describe();
      if (!consumed || *consumed == 0) {
        return total;
      }
      total += *consumed;
    }
  }

  std::string digest(const FraudConsumer& consumer) {
    auto result = consumer.canonicalDigest();
    EXPECT_TRUE(result.has_value());
    return result.value_or("");
  }

  staylab::testing::TempDir m_dir;
  MemoryEventLog m_log;
  EventFactory m_events;
  std::vector<EventEnvelope> m_scenario;
};

FraudState stateOf(const FraudConsumer& consumer) {
  return testing::stateOf(consumer.detector());
}

int64_t sumOfOffsets(const std::map<std::string, int64_t>& offsets) {
  return std::accumulate(offsets.begin(), offsets.end(), int64_t{0},
                         [](int64_t sum, const auto& entry) { return sum + entry.second; });
}

TEST_F(FraudConsumerTest, ConsumesBothTopicsAndSavesOffsetsWithEffects) {
  appendScenario();
  auto store = openStore();
  auto consumer = openConsumer(*store);
  auto consumed = consumer->step(10'000);
  ASSERT_TRUE(consumed.has_value()) << consumed.error().describe();
  EXPECT_EQ(*consumed, m_scenario.size());
  for (auto rule :
       {FraudRule::SharedPayment, FraudRule::Velocity, FraudRule::SelfDealing, FraudRule::Ring}) {
    EXPECT_FALSE(testing::suspicionsOf(consumer->detector(), rule).empty()) << toString(rule);
  }
  EXPECT_FALSE(consumer->pendingActions().empty());

  auto saved = store->position();
  ASSERT_TRUE(saved.has_value()) << saved.error().describe();
  EXPECT_FALSE(store->inTransaction()) << "the step committed";
  EXPECT_EQ(sumOfOffsets(saved->offsets), static_cast<int64_t>(m_scenario.size()));
  EXPECT_EQ(saved->pending, consumer->pendingActions());
  auto again = consumer->step(10'000);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0u);
}

TEST_F(FraudConsumerTest, ResumesAfterRestartWithoutDoubleApplying) {
  appendScenario();
  auto reference_store = openStore("reference");
  auto reference = openConsumer(*reference_store);
  drain(*reference, 10'000);

  auto store = openStore();
  {
    auto first = openConsumer(*store);
    for (int step = 0; step < 5; ++step) {
      auto consumed = first->step(7);
      ASSERT_TRUE(consumed.has_value());
      EXPECT_EQ(*consumed, 7u);
    }
  }  // "Crash": only what step() saved survives.
  auto second = openConsumer(*store);
  EXPECT_EQ(sumOfOffsets(second->offsets()), 35);
  EXPECT_EQ(drain(*second, 7), m_scenario.size() - 35);

  EXPECT_EQ(stateOf(*second).bookings.size(), 120u);
  EXPECT_EQ(digest(*second), digest(*reference));
  EXPECT_EQ(stateOf(*second), stateOf(*reference));
  EXPECT_EQ(second->pendingActions(), reference->pendingActions());
  EXPECT_EQ(second->offsets(), reference->offsets());
}

TEST_F(FraudConsumerTest, RebuildYieldsTheSameDigestAndRegeneratesActions) {
  auto store = openStore();
  auto consumer = openConsumer(*store);
  // Bookings reach the log (and the consumer) before the properties they name:
  // an interleaving unlike the time-merged one a rebuild will see.
  std::vector<EventEnvelope> bookings;
  std::vector<EventEnvelope> properties;
  for (const auto& event : m_scenario) {
    (event.aggregate_type == "booking" ? bookings : properties).push_back(event);
  }
  ASSERT_TRUE(m_log.append(bookings).has_value());
  EXPECT_EQ(drain(*consumer, 40), bookings.size());
  ASSERT_TRUE(m_log.append(properties).has_value());
  EXPECT_EQ(drain(*consumer, 40), properties.size());
  std::string before = digest(*consumer);
  size_t produced = consumer->pendingActions().size();
  ASSERT_TRUE(consumer->acknowledge(produced).has_value());

  auto rebuilt = consumer->rebuild();
  ASSERT_TRUE(rebuilt.has_value()) << rebuilt.error().describe();
  EXPECT_EQ(digest(*consumer), before);
  EXPECT_EQ(consumer->pendingActions().size(), produced);
  EXPECT_EQ(sumOfOffsets(consumer->offsets()), static_cast<int64_t>(m_scenario.size()));

  // The rebuilt state is what was committed.
  const FraudState rebuilt_state = stateOf(*consumer);
  consumer.reset();
  auto reopened = openConsumer(*store);
  EXPECT_EQ(digest(*reopened), before);
  EXPECT_EQ(stateOf(*reopened), rebuilt_state);
}

TEST_F(FraudConsumerTest, AcknowledgeRemovesDeliveredActionsDurably) {
  appendScenario();
  auto store = openStore();
  auto consumer = openConsumer(*store);
  drain(*consumer, 50);
  const auto pending = consumer->pendingActions();
  ASSERT_GE(pending.size(), 3u);

  // Deliver the first two the way the application does.
  for (size_t index = 0; index < 2; ++index) {
    if (const auto* publish = std::get_if<PublishFraudSuspected>(&pending[index])) {
      ASSERT_TRUE(m_log.append({publish->event}).has_value());
    }
  }
  ASSERT_TRUE(consumer->acknowledge(2).has_value());
  EXPECT_EQ(consumer->pendingActions().size(), pending.size() - 2);

  auto too_many = consumer->acknowledge(pending.size());
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().kind, ErrorKind::InvalidInput);

  auto reopened = openConsumer(*store);
  ASSERT_EQ(reopened->pendingActions().size(), pending.size() - 2);
  EXPECT_EQ(reopened->pendingActions().front(), pending[2]);
  // The fraud topic's own events are not consumed.
  auto consumed = reopened->step(100);
  ASSERT_TRUE(consumed.has_value());
  EXPECT_EQ(*consumed, 0u);
}

TEST_F(FraudConsumerTest, EveryFraudSuspectedIsAcceptedByTheLog) {
  appendScenario();
  auto store = openStore();
  auto consumer = openConsumer(*store);
  drain(*consumer, 1000);
  std::vector<EventEnvelope> events = testing::published(consumer->pendingActions());
  ASSERT_FALSE(events.empty());
  auto positions = m_log.append(events);
  ASSERT_TRUE(positions.has_value()) << positions.error().describe();
  for (const auto& position : *positions) {
    EXPECT_EQ(position.topic, "fraud");
  }
}

TEST_F(FraudConsumerTest, SkipsAMalformedEventAndCountsIt) {
  EventEnvelope broken = m_events.bookingPlaced("bkg-broken", "prop-0", "guest", "host-0");
  broken.payload.erase("guest_id");
  ASSERT_TRUE(m_log.append({broken}).has_value());
  appendScenario();
  auto store = openStore();
  auto consumer = openConsumer(*store);
  EXPECT_EQ(drain(*consumer, 1000), m_scenario.size() + 1);
  EXPECT_EQ(consumer->skippedEvents(), 1);
  auto reopened = openConsumer(*store);
  EXPECT_EQ(reopened->skippedEvents(), 1);
}

TEST_F(FraudConsumerTest, RefusesALogWithoutItsTopics) {
  MemoryEventLog other({{"booking", 2}});
  auto store = openStore();
  auto consumer = FraudConsumer::open(other, *store);
  ASSERT_TRUE(consumer.has_value());
  auto consumed = (*consumer)->step(10);
  ASSERT_FALSE(consumed.has_value());
  EXPECT_EQ(consumed.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(consumed.error().field, "topic");
}

TEST_F(FraudConsumerTest, ARebuildThatFailsToReadTheLogKeepsThePreviousState) {
  appendScenario();
  auto store = openStore();
  auto consumer = openConsumer(*store);
  drain(*consumer, 1000);
  const std::string before = digest(*consumer);
  const FraudState state = stateOf(*consumer);

  MemoryEventLog without_topics({{"booking", 2}});
  auto other = FraudConsumer::open(without_topics, *store);
  consumer.reset();
  ASSERT_TRUE(other.has_value()) << other.error().describe();
  auto rebuilt = (*other)->rebuild();
  ASSERT_FALSE(rebuilt.has_value());
  EXPECT_EQ(rebuilt.error().field, "topic");
  EXPECT_FALSE(store->inTransaction());
  EXPECT_EQ(digest(**other), before);
  EXPECT_EQ(stateOf(**other), state);
}

// ---------------------------------------------------------------------------
// Delivery: the idempotent consumer and the naive one under repeated
// deliveries and crashes.

constexpr int64_t kSecond = 1'000'000'000;

// Two bookings by one guest are a Velocity case here; one is not.
FraudConsumerOptions optionsFor(ConsumerDelivery delivery, const Clock& clock) {
  FraudConsumerOptions options;
  options.detector.rules.velocity_bookings = 2;
  options.delivery = DeliveryOptions{delivery, &clock};
  return options;
}

class FraudDeliveryTest : public FraudConsumerTest {
 protected:
  FraudDeliveryTest() {
    m_booking = m_events.bookingPlaced("bkg-1", "prop-1", "guest-1", "host-1", noSignals(), kT0);
    EXPECT_TRUE(m_log.append({m_events.propertyCreated("prop-1", "host-1"), m_booking}));
  }

  std::unique_ptr<FraudConsumer> open(EventLog& log, FraudStateStore& store,
                                      ConsumerDelivery delivery) {
    auto consumer = FraudConsumer::open(log, store, optionsFor(delivery, m_clock));
    EXPECT_TRUE(consumer.has_value()) << consumer.error().describe();
    consumer.value()->setApplyObserver(m_applied.observer());
    return std::move(*consumer);
  }

  // Returns the digest of a fresh idempotent consumer rebuilt from the log.
  std::string rebuiltDigest() {
    auto store = openStore("fresh");
    auto fresh =
        FraudConsumer::open(m_log, *store, optionsFor(ConsumerDelivery::Idempotent, m_clock));
    EXPECT_TRUE(fresh.has_value());
    EXPECT_TRUE(fresh.value()->rebuild());
    return digest(**fresh);
  }

  // Consumes the whole log, as `delivery` says, with the booking delivered twice.
  std::unique_ptr<FraudConsumer> consumeTheBookingTwice(ConsumerDelivery delivery) {
    m_twice.duplicate(m_booking.event_id);
    m_store = openStore();
    auto consumer = open(m_twice, *m_store, delivery);
    drain(*consumer, 100);
    return consumer;
  }

  ManualClock m_clock;
  EventEnvelope m_booking;
  staylab::testing::AppliedCounter m_applied;
  staylab::testing::DuplicatingLog m_twice{m_log};
  std::unique_ptr<SqliteFraudStateStore> m_store;
};

TEST_F(FraudDeliveryTest, NaiveConsumerCountsARepeatedBookingAndDiffersFromARebuild) {
  auto naive = consumeTheBookingTwice(ConsumerDelivery::Naive);

  EXPECT_EQ(m_applied.times(m_booking.event_id), 2);
  EXPECT_EQ(m_applied.consumers(), std::set<std::string>{"fraud"});
  EXPECT_EQ(testing::suspicionsOf(naive->detector(), FraudRule::Velocity).size(), 1u)
      << "one booking counted twice looks like two";
  EXPECT_NE(digest(*naive), rebuiltDigest());
}

TEST_F(FraudDeliveryTest, IdempotentConsumerAppliesARepeatedBookingOnce) {
  auto idempotent = consumeTheBookingTwice(ConsumerDelivery::Idempotent);

  EXPECT_EQ(m_applied.times(m_booking.event_id), 1);
  EXPECT_EQ(m_applied.repeats(), 0);
  EXPECT_TRUE(testing::suspicionsOf(idempotent->detector(), FraudRule::Velocity).empty());
  EXPECT_EQ(digest(*idempotent), rebuiltDigest());
}

TEST_F(FraudDeliveryTest, NaiveConsumerReappliesWhatACrashCaughtBeforeItsOffsetCommit) {
  auto store = openStore();
  {
    auto naive = open(m_log, *store, ConsumerDelivery::Naive);
    drain(*naive, 100);
    EXPECT_EQ(sumOfOffsets(store->position().value().offsets), 0) << "not committed yet";
  }  // Dropped without flush(): a crash after the effects were saved.
  auto reopened = open(m_log, *store, ConsumerDelivery::Naive);
  drain(*reopened, 100);

  EXPECT_EQ(m_applied.times(m_booking.event_id), 2);
  EXPECT_EQ(stateOf(*reopened).bookings.size(), 2u);
  EXPECT_EQ(testing::suspicionsOf(reopened->detector(), FraudRule::Velocity).size(), 1u);
  EXPECT_NE(digest(*reopened), rebuiltDigest());

  reopened.reset();  // Crashed again: the store holding the booking twice still opens.
  auto third = open(m_log, *store, ConsumerDelivery::Naive);
  drain(*third, 100);
  EXPECT_EQ(stateOf(*third).bookings.size(), 3u);
}

TEST_F(FraudDeliveryTest, NaiveConsumerCommitsItsOffsetsFiveSecondsLaterAndAtAFlush) {
  auto store = openStore();
  {
    auto naive = open(m_log, *store, ConsumerDelivery::Naive);
    drain(*naive, 100);
    m_clock.advance(5 * kSecond);
    ASSERT_TRUE(naive->step(100));  // Nothing new to read, but the offsets are due.
    EXPECT_EQ(sumOfOffsets(store->position().value().offsets), 2);
  }
  ASSERT_TRUE(m_log.append(
      {m_events.bookingPlaced("bkg-2", "prop-1", "guest-2", "host-1", noSignals(), kT0 + 1)}));
  {
    auto naive = open(m_log, *store, ConsumerDelivery::Naive);
    drain(*naive, 100);
    ASSERT_TRUE(naive->flush());  // A clean close.
  }
  auto naive = open(m_log, *store, ConsumerDelivery::Naive);
  EXPECT_EQ(drain(*naive, 100), 0u);
  EXPECT_EQ(m_applied.repeats(), 0);
  EXPECT_EQ(digest(*naive), rebuiltDigest());
}

TEST_F(FraudDeliveryTest, IdempotentConsumerReportsWhatACrashLostOnlyOnceSaved) {
  auto store = openStore();
  FraudConsumerOptions options = optionsFor(ConsumerDelivery::Idempotent, m_clock);
  options.save_every_events = 1000;
  {
    auto consumer = FraudConsumer::open(m_log, *store, options).value();
    consumer->setApplyObserver(m_applied.observer());
    drain(*consumer, 100);
    EXPECT_EQ(m_applied.times(m_booking.event_id), 0) << "not saved yet";
  }  // A crash: effects and offsets are lost together.
  auto consumer = FraudConsumer::open(m_log, *store, options).value();
  consumer->setApplyObserver(m_applied.observer());
  drain(*consumer, 100);
  ASSERT_TRUE(consumer->flush());
  EXPECT_EQ(m_applied.times(m_booking.event_id), 1);
  EXPECT_EQ(m_applied.repeats(), 0);
}

TEST_F(FraudDeliveryTest, NaiveConsumerNeedsAClock) {
  auto store = openStore();
  FraudConsumerOptions options;
  options.delivery.mode = ConsumerDelivery::Naive;
  auto refused = FraudConsumer::open(m_log, *store, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "delivery.clock");
}

}  // namespace
}  // namespace staylab::fraud
