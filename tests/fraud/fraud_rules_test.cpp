#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fraud/fraud_detector.h"
#include "fraud/sqlite_fraud_state_store.h"
#include "tests/fraud/fraud_test_events.h"
#include "tests/support/temp_dir.h"

namespace staylab::fraud {
namespace {

using testing::applyAll;
using testing::device;
using testing::EventFactory;
using testing::ip;
using testing::kHour;
using testing::kT0;
using testing::makeDetector;
using testing::marks;
using testing::noSignals;
using testing::payment;
using testing::published;
using testing::Signals;
using testing::stateOf;
using testing::statsOf;
using testing::suspicionsIn;
using testing::suspicionsOf;

// ---- SharedPayment ----

TEST(SharedPaymentRule, FiresWhenThirdDistinctGuestUsesFingerprint) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host"),
                      events.bookingPlaced("b1", "p1", "g1", "host", payment("card")),
                      events.bookingPlaced("b2", "p1", "g2", "host", payment("card"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SharedPayment).empty());

  auto actions =
      applyAll(detector, {events.bookingPlaced("b3", "p1", "g3", "host", payment("card"))});
  auto hits = suspicionsOf(detector, FraudRule::SharedPayment);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].subject, (Subject{SubjectKind::Instrument, "payment:card"}));
  EXPECT_EQ(hits[0].evidence["guests"], nlohmann::json({"g1", "g2", "g3"}));
  EXPECT_EQ(hits[0].evidence["bookings"], nlohmann::json({"b1", "b2", "b3"}));
  EXPECT_EQ(published(actions).size(), 1u);
  EXPECT_TRUE(marks(actions).empty());
}

TEST(SharedPaymentRule, DoesNotFireForTwoGuestsOrOneGuestManyTimes) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.bookingPlaced("b1", "p1", "g1", "host", payment("card")),
                      events.bookingPlaced("b2", "p1", "g2", "host", payment("card")),
                      events.bookingPlaced("b3", "p1", "g2", "host", payment("card")),
                      events.bookingPlaced("b4", "p1", "g1", "host", payment("card"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SharedPayment).empty());
}

TEST(SharedPaymentRule, HostPayoutFingerprintIsNotAGuestUse) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host", payment("card")),
                      events.bookingPlaced("b1", "p2", "g1", "other", payment("card")),
                      events.bookingPlaced("b2", "p2", "g2", "other", payment("card"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SharedPayment).empty());
}

TEST(SharedPaymentRule, HonoursConfiguredThreshold) {
  FraudRules rules;
  rules.shared_payment_guests = 4;
  EventFactory events;
  FraudDetector detector = makeDetector(rules);
  for (int guest = 1; guest <= 3; ++guest) {
    applyAll(detector, {events.bookingPlaced(fmt::format("b{}", guest), "p1",
                                             fmt::format("g{}", guest), "host", payment("card"))});
  }
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SharedPayment).empty());
  applyAll(detector, {events.bookingPlaced("b4", "p1", "g4", "host", payment("card"))});
  EXPECT_EQ(suspicionsOf(detector, FraudRule::SharedPayment).size(), 1u);
}

TEST(SharedPaymentRule, IsNotDuplicatedWhenMoreGuestsUseTheFingerprint) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  for (int guest = 1; guest <= 3; ++guest) {
    applyAll(detector, {events.bookingPlaced(fmt::format("b{}", guest), "p1",
                                             fmt::format("g{}", guest), "host", payment("card"))});
  }
  auto later =
      applyAll(detector, {events.bookingPlaced("b4", "p1", "g4", "host", payment("card")),
                          events.bookingPlaced("b5", "p1", "g5", "host", payment("card"))});
  // (The five guests now also form a ring; that is another rule.)
  for (const auto& event : published(later)) {
    EXPECT_NE(event.payload["rule"], "shared_payment");
  }
  EXPECT_EQ(suspicionsOf(detector, FraudRule::SharedPayment).size(), 1u);
}

// ---- Velocity ----

std::vector<EventEnvelope> bookingsAt(EventFactory& events, const std::string& guest,
                                      const std::vector<int64_t>& times) {
  std::vector<EventEnvelope> result;
  for (size_t index = 0; index < times.size(); ++index) {
    result.push_back(events.bookingPlaced(fmt::format("b_{}_{}", guest, index), "p1", guest, "host",
                                          noSignals(), times[index]));
  }
  return result;
}

TEST(VelocityRule, FiresOnFifthBookingWithinADay) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  auto four = bookingsAt(events, "g", {kT0, kT0 + kHour, kT0 + 2 * kHour, kT0 + 3 * kHour});
  applyAll(detector, four);
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::Velocity).empty());

  EventEnvelope fifth =
      events.bookingPlaced("b_g_4", "p1", "g", "host", noSignals(), kT0 + 4 * kHour);
  auto actions = applyAll(detector, {fifth});
  auto hits = suspicionsOf(detector, FraudRule::Velocity);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].subject, (Subject{SubjectKind::Account, "g"}));
  EXPECT_EQ(hits[0].detected_at_nanos, kT0 + 4 * kHour);
  EXPECT_EQ(hits[0].evidence["bookings"].size(), 5u);
  EXPECT_EQ(published(actions).size(), 1u);
}

TEST(VelocityRule, WindowIsInclusiveAtExactlyTwentyFourHours) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector,
           bookingsAt(events, "g",
                      {kT0, kT0 + kHour, kT0 + 2 * kHour, kT0 + 3 * kHour, kT0 + 24 * kHour}));
  EXPECT_EQ(suspicionsOf(detector, FraudRule::Velocity).size(), 1u);
}

TEST(VelocityRule, DoesNotFireWhenSpanIsOneNanosecondOverTheWindow) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector,
           bookingsAt(events, "g",
                      {kT0, kT0 + kHour, kT0 + 2 * kHour, kT0 + 3 * kHour, kT0 + 24 * kHour + 1}));
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::Velocity).empty());
}

TEST(VelocityRule, UsesEventTimeWhateverTheArrivalOrder) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  // Arrives late but lies inside the window of the four others.
  applyAll(detector, bookingsAt(events, "g",
                                {kT0 + 30 * kHour, kT0 + 10 * kHour, kT0 + 12 * kHour,
                                 kT0 + 20 * kHour, kT0 + 11 * kHour}));
  auto hits = suspicionsOf(detector, FraudRule::Velocity);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].evidence["first_at"], kT0 + 10 * kHour);
  EXPECT_EQ(hits[0].evidence["last_at"], kT0 + 30 * kHour);
}

TEST(VelocityRule, HonoursConfiguredCountAndWindow) {
  FraudRules rules;
  rules.velocity_bookings = 3;
  rules.velocity_window_nanos = kHour;
  EventFactory events;
  FraudDetector slow = makeDetector(rules);
  applyAll(slow, bookingsAt(events, "g", {kT0, kT0 + kHour / 2, kT0 + kHour + 1}));
  EXPECT_TRUE(suspicionsOf(slow, FraudRule::Velocity).empty());

  FraudDetector fast = makeDetector(rules);
  applyAll(fast, bookingsAt(events, "g", {kT0, kT0 + kHour / 2, kT0 + kHour}));
  EXPECT_EQ(suspicionsOf(fast, FraudRule::Velocity).size(), 1u);
}

TEST(VelocityRule, IsNotDuplicatedByFurtherBookings) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  std::vector<int64_t> times;
  for (int index = 0; index < 9; ++index) {
    times.push_back(kT0 + index * kHour);
  }
  auto actions = applyAll(detector, bookingsAt(events, "g", times));
  EXPECT_EQ(suspicionsOf(detector, FraudRule::Velocity).size(), 1u);
  EXPECT_EQ(published(actions).size(), 1u);
}

// ---- SelfDealing ----

TEST(SelfDealingRule, FiresWhenGuestIsTheHostByHandle) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host")});
  auto actions = applyAll(detector, {events.bookingPlaced("b1", "p1", "host", "host")});
  auto hits = suspicionsOf(detector, FraudRule::SelfDealing);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].subject, (Subject{SubjectKind::Booking, "b1"}));
  EXPECT_EQ(hits[0].property_id, "p1");
  EXPECT_EQ(hits[0].evidence["same_handle"], true);
  auto sent = marks(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command.property_id, "p1");
  EXPECT_NE(sent[0].command.reason.find("self_dealing"), std::string::npos);
  EXPECT_NE(sent[0].command.reason.find("b1"), std::string::npos);
}

struct SharedSignalCase {
  const char* name;
  Signals host;
  Signals guest;
  const char* instrument;
};

class SelfDealingBySignalTest : public ::testing::TestWithParam<SharedSignalCase> {};

TEST_P(SelfDealingBySignalTest, FiresWhenGuestSharesAHostSignal) {
  const auto& param = GetParam();
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host", param.host)});
  auto actions =
      applyAll(detector, {events.bookingPlaced("b1", "p1", "guest", "host", param.guest)});
  auto hits = suspicionsOf(detector, FraudRule::SelfDealing);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].evidence["shared_instruments"], nlohmann::json({param.instrument}));
  EXPECT_EQ(hits[0].evidence["same_handle"], false);
  ASSERT_EQ(marks(actions).size(), 1u);
  EXPECT_EQ(marks(actions)[0].command.property_id, "p1");
}

INSTANTIATE_TEST_SUITE_P(
    BySignal, SelfDealingBySignalTest,
    ::testing::Values(SharedSignalCase{"Payment", payment("card"), payment("card"), "payment:card"},
                      SharedSignalCase{"Device", device("phone"), device("phone"), "device:phone"},
                      SharedSignalCase{"Ip", ip("10.0.0.1"), ip("10.0.0.1"), "ip:10.0.0.1"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SelfDealingRule, DoesNotFireWhenDeviceOnlyMatchesAnotherGuest) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  auto actions =
      applyAll(detector, {events.propertyCreated("p1", "host", device("host-phone")),
                          events.bookingPlaced("b1", "p1", "g1", "host", device("shared-phone")),
                          events.bookingPlaced("b2", "p1", "g2", "host", device("shared-phone"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SelfDealing).empty());
  EXPECT_TRUE(marks(actions).empty());
}

TEST(SelfDealingRule, DoesNotFireWhenSignalMatchesAnotherHost) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host"),
                      events.propertyCreated("p2", "other", device("phone")),
                      events.bookingPlaced("b1", "p1", "guest", "host", device("phone"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SelfDealing).empty());
}

TEST(SelfDealingRule, FiresWhenHostDeclaresTheSignalAfterTheBooking) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host"),
                      events.bookingPlaced("b1", "p1", "guest", "host", device("phone"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SelfDealing).empty());
  auto actions =
      applyAll(detector, {events.propertyUpdated("p1", "host", device("phone"), 2, kT0 + kHour)});
  auto hits = suspicionsOf(detector, FraudRule::SelfDealing);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].detected_at_nanos, kT0 + kHour);
  ASSERT_EQ(marks(actions).size(), 1u);
  EXPECT_EQ(marks(actions)[0].command.property_id, "p1");
}

TEST(SelfDealingRule, FraudSuspectedEnvelopeIsDerivedFromTheTrigger) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host")});
  EventEnvelope trigger = events.bookingPlaced("b1", "p1", "host", "host", noSignals(), kT0 + 7);
  auto actions = applyAll(detector, {trigger});
  auto sent = published(actions);
  ASSERT_EQ(sent.size(), 1u);
  const EventEnvelope& event = sent[0];
  Subject subject{SubjectKind::Booking, "b1"};
  EXPECT_EQ(event.type, "FraudSuspected");
  EXPECT_EQ(event.aggregate_type, "fraud");
  EXPECT_EQ(event.aggregate_id, suspicionId(FraudRule::SelfDealing, subject));
  EXPECT_EQ(event.event_id, fraudEventId(FraudRule::SelfDealing, subject));
  EXPECT_EQ(event.correlation_id, trigger.correlation_id);
  EXPECT_EQ(event.causation_id, trigger.event_id);
  EXPECT_EQ(event.occurred_at_nanos, kT0 + 7);
  EXPECT_EQ(event.payload["rule"], "self_dealing");
  EXPECT_EQ(event.payload["property_id"], "p1");
  auto parsed = EventEnvelope::fromJson(event.toJson());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(*parsed, event);

  auto sent_marks = marks(actions);
  ASSERT_EQ(sent_marks.size(), 1u);
  EXPECT_EQ(sent_marks[0].context.command_id, fraudCommandId(FraudRule::SelfDealing, subject));
  EXPECT_EQ(sent_marks[0].context.correlation_id, trigger.correlation_id);
  EXPECT_EQ(sent_marks[0].context.caller, "fraud-service");
}

// ---- Ring ----

// Four guests chained by shared instruments: a -device- b -ip- c -payment- d.
std::vector<EventEnvelope> chainOfGuests(EventFactory& events, int guests) {
  std::vector<EventEnvelope> result{events.propertyCreated("p1", "host")};
  const std::vector<Signals> signals{
      Signals{"", "dev-ab", ""},
      Signals{"", "dev-ab", "10.0.0.2"},
      Signals{"pay-cd", "", "10.0.0.2"},
      Signals{"pay-cd", "", ""},
  };
  for (int guest = 0; guest < guests; ++guest) {
    result.push_back(events.bookingPlaced(fmt::format("b{}", guest), "p1",
                                          fmt::format("guest-{}", guest), "host",
                                          signals[static_cast<size_t>(guest)]));
  }
  return result;
}

TEST(RingRule, FiresForFourAccountsChainedByInstruments) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  auto actions = applyAll(detector, chainOfGuests(events, 4));
  auto hits = suspicionsOf(detector, FraudRule::Ring);
  ASSERT_EQ(hits.size(), 4u);
  for (const auto& hit : hits) {
    EXPECT_EQ(hit.subject.kind, SubjectKind::Account);
    EXPECT_EQ(hit.evidence["accounts"],
              nlohmann::json({"guest-0", "guest-1", "guest-2", "guest-3"}));
    EXPECT_EQ(hit.evidence["instruments"],
              nlohmann::json({"device:dev-ab", "ip:10.0.0.2", "payment:pay-cd"}));
  }
  EXPECT_TRUE(marks(actions).empty());  // The host is not in the ring.
  GraphStats stats = statsOf(detector);
  EXPECT_EQ(stats.accounts, 5u);  // Four guests and the host.
  EXPECT_EQ(stats.instruments, 3u);
  EXPECT_EQ(stats.vertices, 8u);
  EXPECT_EQ(stats.edges, 6u);
  EXPECT_EQ(stats.components, 2u);  // The ring and the lone host.
}

TEST(RingRule, DoesNotFireForThreeAccounts) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, chainOfGuests(events, 3));
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::Ring).empty());
}

TEST(RingRule, HonoursConfiguredRingSize) {
  FraudRules rules;
  rules.ring_accounts = 3;
  EventFactory events;
  FraudDetector detector = makeDetector(rules);
  applyAll(detector, chainOfGuests(events, 3));
  EXPECT_EQ(suspicionsOf(detector, FraudRule::Ring).size(), 3u);
}

TEST(RingRule, FlagsOnlyTheNewMemberWhenARingGrows) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, chainOfGuests(events, 4));
  auto actions =
      applyAll(detector, {events.bookingPlaced("b9", "p1", "late", "host", device("dev-ab"))});
  auto sent = published(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].payload["subject"]["id"], "late");
  EXPECT_EQ(suspicionsOf(detector, FraudRule::Ring).size(), 5u);
}

// h1 -device- g1 -ip- g2 -payment- g3, and g3 books h1's property p1.
TEST(RingRule, RingContainingTheHostMarksTheBookedProperty) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  auto actions = applyAll(
      detector,
      {events.propertyCreated("p1", "h1", device("dev-h1")), events.propertyCreated("p2", "h2"),
       events.bookingPlaced("b1", "p2", "g1", "h2", Signals{"", "dev-h1", "10.0.0.9"}),
       events.bookingPlaced("b2", "p2", "g2", "h2", Signals{"pay-x", "", "10.0.0.9"}),
       events.bookingPlaced("b3", "p1", "g3", "h1", payment("pay-x"))});
  EXPECT_TRUE(suspicionsOf(detector, FraudRule::SelfDealing).empty());
  auto sent = marks(actions);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command.property_id, "p1");
  EXPECT_NE(sent[0].command.reason.find("ring"), std::string::npos);
  Subject subject{SubjectKind::Property, "p1"};
  auto hits = suspicionsOf(detector, FraudRule::Ring);
  auto property_hit = std::find_if(hits.begin(), hits.end(),
                                   [&](const Suspicion& hit) { return hit.subject == subject; });
  ASSERT_NE(property_hit, hits.end());
  EXPECT_EQ(property_hit->property_id, "p1");
  EXPECT_EQ(property_hit->evidence["host"], "h1");
  EXPECT_EQ(property_hit->evidence["guest"], "g3");
  EXPECT_EQ(property_hit->evidence["booking_id"], "b3");
}

TEST(RingRule, MarksThePropertyWhenTheRingClosesAfterTheBooking) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  auto before = applyAll(
      detector,
      {events.propertyCreated("p1", "h1", device("dev-h1")), events.propertyCreated("p2", "h2"),
       events.bookingPlaced("b3", "p1", "g3", "h1", payment("pay-x")),
       events.bookingPlaced("b2", "p2", "g2", "h2", Signals{"pay-x", "", "10.0.0.9"}),
       events.bookingPlaced("b1", "p2", "g1", "h2", ip("10.0.0.9"))});
  EXPECT_TRUE(marks(before).empty());
  // g1 now uses h1's device: {g1, g2, g3} meets {h1}.
  auto after = applyAll(detector, {events.bookingPlaced("b4", "p2", "g1", "h2", device("dev-h1"))});
  auto sent = marks(after);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].command.property_id, "p1");
}

// ---- Idempotency, determinism, robustness ----

std::vector<EventEnvelope> mixedScenario(EventFactory& events) {
  std::vector<EventEnvelope> all{
      events.propertyCreated("p1", "h1", Signals{"payout-1", "dev-h1", "10.1.1.1"}),
      events.propertyCreated("p2", "h2"),
      events.bookingPlaced("b1", "p1", "h1", "h1"),
      events.bookingPlaced("b2", "p2", "g1", "h2", Signals{"card", "dev-1", ""}),
      events.bookingPlaced("b3", "p2", "g2", "h2", Signals{"card", "dev-h1", ""}),
      events.bookingPlaced("b4", "p1", "g3", "h1", Signals{"card", "", "10.2.2.2"}),
  };
  for (int index = 0; index < 5; ++index) {
    all.push_back(events.bookingPlaced(fmt::format("v{}", index), "p2", "speedy", "h2",
                                       ip("10.2.2.2"), kT0 + index * kHour));
  }
  return all;
}

TEST(FraudDetector, ReplayingAppliedEventsChangesNothing) {
  EventFactory events;
  auto scenario = mixedScenario(events);
  FraudDetector detector = makeDetector();
  applyAll(detector, scenario);
  ASSERT_FALSE(suspicionsIn(detector).empty());
  FraudState before = stateOf(detector);
  auto again = applyAll(detector, scenario);
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(stateOf(detector), before);
}

TEST(FraudDetector, SameBookingUnderANewEventIdChangesNothing) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.bookingPlaced("b1", "p1", "g1", "host", payment("card")),
                      events.bookingPlaced("b2", "p1", "g2", "host", payment("card"))});
  // b2 again, relayed twice with a fresh envelope: g3 is not a new user of "card".
  auto actions =
      applyAll(detector, {events.bookingPlaced("b2", "p1", "g3", "host", payment("card"))});
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(stateOf(detector).bookings.size(), 2u);
}

TEST(FraudDetector, ForgottenEventIdsStillReplayHarmlessly) {
  FraudDetectorOptions options;
  options.remembered_event_ids = 2;
  auto created = FraudDetector::create(options);
  ASSERT_TRUE(created.has_value());
  FraudDetector detector = std::move(*created);
  EventFactory events;
  auto scenario = mixedScenario(events);
  applyAll(detector, scenario);
  EXPECT_EQ(stateOf(detector).applied_event_ids.size(), 2u);
  auto digest = detector.canonicalDigest();
  auto again = applyAll(detector, scenario);
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(stateOf(detector).bookings.size(), scenario.size() - 2);
  EXPECT_EQ(detector.canonicalDigest().value(), digest.value());
}

TEST(FraudDetector, SameEventsInSameOrderGiveIdenticalStateAndActions) {
  EventFactory events;
  auto scenario = mixedScenario(events);
  FraudDetector first = makeDetector();
  FraudDetector second = makeDetector();
  auto first_actions = applyAll(first, scenario);
  auto second_actions = applyAll(second, scenario);
  EXPECT_EQ(first_actions, second_actions);
  EXPECT_EQ(stateOf(first), stateOf(second));
  EXPECT_EQ(statsOf(first), statsOf(second));
  // Every rule fired in the scenario.
  for (auto rule :
       {FraudRule::SharedPayment, FraudRule::Velocity, FraudRule::SelfDealing, FraudRule::Ring}) {
    EXPECT_FALSE(suspicionsOf(first, rule).empty()) << toString(rule);
  }
}

TEST(FraudDetector, SuspicionsDoNotDependOnInterleavingOfAggregates) {
  EventFactory events;
  auto scenario = mixedScenario(events);
  FraudDetector forward = makeDetector();
  applyAll(forward, scenario);
  FraudDetector backward = makeDetector();
  applyAll(backward, std::vector<EventEnvelope>(scenario.rbegin(), scenario.rend()));
  EXPECT_EQ(forward.canonicalDigest().value(), backward.canonicalDigest().value());
  EXPECT_EQ(suspicionsIn(forward).size(), suspicionsIn(backward).size());
}

TEST(FraudDetector, IgnoresEventsItDoesNotUse) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host")});
  auto fired = applyAll(detector, {events.bookingPlaced("b1", "p1", "host", "host")});
  FraudState before = stateOf(detector);
  EventEnvelope unknown = events.bookingPlaced("b2", "p1", "host", "host");
  unknown.type = "BookingSomethingElse";
  EventEnvelope wrong_topic = events.bookingPlaced("b3", "p1", "host", "host");
  wrong_topic.aggregate_type = "property";
  auto actions =
      applyAll(detector, {published(fired)[0], events.bookingCancelled("b1", "p1", "host", kT0),
                          events.propertySuspended("p1", 2, kT0), unknown, wrong_topic});
  EXPECT_TRUE(actions.empty());
  EXPECT_EQ(stateOf(detector), before);
}

TEST(FraudDetector, RejectsMalformedPayloadWithoutChangingState) {
  EventFactory events;
  FraudDetector detector = makeDetector();
  applyAll(detector, {events.propertyCreated("p1", "host")});
  FraudState before = stateOf(detector);

  EventEnvelope no_guest = events.bookingPlaced("b1", "p1", "g", "host");
  no_guest.payload.erase("guest_id");
  auto result = detector.apply(no_guest);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind, ErrorKind::InvalidInput);
  EXPECT_EQ(result.error().field, "payload.guest_id");

  EventEnvelope bad_signal = events.propertyCreated("p2", "host");
  bad_signal.payload["host_signals"]["device"] = 5;
  result = detector.apply(bad_signal);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field, "payload.host_signals.device");
  EXPECT_EQ(stateOf(detector), before);
}

TEST(FraudDetector, RejectsThresholdsOutOfRange) {
  FraudDetectorOptions options;
  options.rules.ring_accounts = 1;
  auto detector = FraudDetector::create(options);
  ASSERT_FALSE(detector.has_value());
  EXPECT_EQ(detector.error().field, "ring_accounts");
  options.rules = FraudRules{};
  options.rules.velocity_window_nanos = 0;
  EXPECT_FALSE(FraudDetector::create(options).has_value());
}

TEST(FraudDetector, ADetectorReopenedOverItsSqliteStoreContinuesLikeOneInMemory) {
  EventFactory events;
  auto scenario = mixedScenario(events);
  const size_t half = scenario.size() / 2;
  const std::vector<EventEnvelope> first_half(scenario.begin(), scenario.begin() + half);
  const std::vector<EventEnvelope> second_half(scenario.begin() + half, scenario.end());
  FraudDetector continuous = makeDetector();
  auto continuous_first = applyAll(continuous, first_half);
  auto continuous_rest = applyAll(continuous, second_half);

  staylab::testing::TempDir dir;
  SqliteFraudStateStore::Options options;
  options.path = dir.path() / "fraud.db";
  options.creation = StoreCreation::CreateIfMissing;
  {
    auto store = SqliteFraudStateStore::open(options);
    ASSERT_TRUE(store.has_value()) << store.error().describe();
    auto detector = FraudDetector::open(FraudDetectorOptions{}, **store);
    ASSERT_TRUE(detector.has_value());
    EXPECT_EQ(applyAll(*detector, first_half), continuous_first);
  }  // Each event committed on its own: closing loses nothing.
  options.creation = StoreCreation::OpenExisting;
  auto store = SqliteFraudStateStore::open(options);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  auto reopened = FraudDetector::open(FraudDetectorOptions{}, **store);
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ(applyAll(*reopened, second_half), continuous_rest);
  EXPECT_EQ(stateOf(continuous), stateOf(*reopened));
  EXPECT_EQ(statsOf(continuous), statsOf(*reopened));
  EXPECT_EQ(continuous.canonicalDigest().value(), reopened->canonicalDigest().value());
}

}  // namespace
}  // namespace staylab::fraud
