// What a projection does with poison, as DeliveryOptions::poison says: tried
// again, then moved to the topic's dead-letter topic with its error (the
// dead-letter topic pattern); or retried for ever, so that its partition
// blocks behind it while the others go on (head-of-line blocking).

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/history_projection.h"
#include "events/memory_event_log.h"
#include "events/search_projection.h"
#include "stores/text/memory_text_index.h"
#include "stores/wide_column/memory_wide_column_store.h"
#include "tests/support/test_events.h"

namespace staylab {
namespace {

const std::map<std::string, int> kTopics{
    {"property", 2}, {"booking", 3}, {"property.dlq", 1}, {"booking.dlq", 1}};

EventEnvelope placed(int serial, const std::string& booking_id) {
  return staylab::testing::bookingPlaced(serial, booking_id,
                                         {{"booking_id", booking_id},
                                          {"property_id", "prop-" + booking_id},
                                          {"guest_id", "guest-1"},
                                          {"check_in", "2027-06-01"},
                                          {"check_out", "2027-06-03"},
                                          {"nights", 2},
                                          {"guests", 2},
                                          {"total_minor", 20000},
                                          {"currency", "EUR"},
                                          {"host_id", "host-1"}});
}

// A known type whose payload lacks every field a consumer needs.
EventEnvelope poison(int serial, const std::string& booking_id) {
  return staylab::testing::bookingPlaced(serial, booking_id, {{"poison", true}});
}

// Returns `count` booking ids that fall in booking partition `partition`
// (`same`) or in another one.
std::vector<std::string> bookingIds(int partition, bool same, int count) {
  std::vector<std::string> ids;
  for (int candidate = 0; static_cast<int>(ids.size()) < count; ++candidate) {
    std::string id = fmt::format("bkg-{}", candidate);
    if ((partitionFor(id, kTopics.at("booking")) == partition) == same)
      ids.push_back(id);
  }
  return ids;
}

int64_t lagOf(CursorConsumer& consumer, const std::string& topic, int partition) {
  const std::vector<PartitionLag> lags = consumer.partitionLags().value();
  for (const PartitionLag& lag : lags) {
    if (lag.topic == topic && lag.partition == partition)
      return lag.events;
  }
  ADD_FAILURE() << "no partition " << topic << "/" << partition;
  return -1;
}

std::vector<LogRecord> deadLetters(EventLog& log, const std::string& topic) {
  return log.read(topic, 0, 0, 100).value();
}

class DeadLetterTest : public ::testing::Test {
 protected:
  // Appends poison in booking partition 0 between good events of the same
  // partition, and good events of the other partitions after it.
  void appendPoisonBetweenGoodEvents() {
    const auto same = bookingIds(0, true, 3);
    const auto others = bookingIds(0, false, 3);
    ASSERT_TRUE(m_log.append({placed(1, same[0]), poison(2, same[1]), placed(3, same[2]),
                              placed(4, others[0]), placed(5, others[1]), placed(6, others[2])}));
  }

  std::unique_ptr<SearchProjection> searchWith(PoisonPolicy policy) {
    SearchProjection::Options options;
    options.delivery.poison = policy;
    return std::make_unique<SearchProjection>(m_index, m_log, options);
  }

  MemoryEventLog m_log{kTopics};
  MemoryTextIndex m_index;
};

TEST_F(DeadLetterTest, PoisonIsTriedThenMovedToTheDeadLetterTopicWithItsError) {
  appendPoisonBetweenGoodEvents();
  auto projection = searchWith({PoisonHandling::DeadLetter, 3});

  // First try: everything before the poison and every other partition pass;
  // its partition holds at the poison.
  EXPECT_EQ(projection->step(100).value(), 4u + 1u);  // 4 passed, 1 try.
  EXPECT_EQ(lagOf(*projection, "booking", 0), 2);     // The poison and the event behind it.
  EXPECT_EQ(projection->lag().value(), 2);
  // Second try: held again.
  EXPECT_EQ(projection->step(100).value(), 1u);
  EXPECT_EQ(lagOf(*projection, "booking", 0), 2);
  EXPECT_TRUE(deadLetters(m_log, "booking.dlq").empty());
  // Third try: dead-lettered, recorded as poison, and the partition goes on.
  EXPECT_EQ(projection->step(100).value(), 1u);
  EXPECT_EQ(lagOf(*projection, "booking", 0), 1);
  EXPECT_EQ(projection->step(100).value(), 1u);
  EXPECT_EQ(projection->lag().value(), 0);
  EXPECT_EQ(projection->step(100).value(), 0u);

  EXPECT_EQ(projection->deadLettered(), 1u);
  EXPECT_EQ(projection->poisonRetries(), 2u);
  EXPECT_EQ(projection->poisonCount(), 1u);
  const auto letters = deadLetters(m_log, "booking.dlq");
  ASSERT_EQ(letters.size(), 1u);
  const EventEnvelope& letter = letters[0].event;
  EXPECT_EQ(letter.type, "DeadLettered");
  EXPECT_EQ(letter.event_id, "evt-0002/dlq/search");
  EXPECT_EQ(letter.causation_id, "evt-0002");
  EXPECT_EQ(letter.caller, "search");  // The consumer that gave up wrote the letter.
  EXPECT_EQ(letter.payload.at("consumer"), "search");
  EXPECT_EQ(letter.payload.at("topic"), "booking");
  EXPECT_EQ(letter.payload.at("partition"), 0);
  EXPECT_EQ(letter.payload.at("offset"), 1);
  EXPECT_EQ(letter.payload.at("attempts"), 3);
  EXPECT_NE(letter.payload.at("error").get<std::string>().find("booking_id"), std::string::npos)
      << letter.payload.dump();
  EXPECT_EQ(letter.payload.at("event").at("event_id"), "evt-0002");
  EXPECT_EQ(projection->poisonRecords().value().at(0).event_id, "evt-0002");
}

TEST_F(DeadLetterTest, RetriedForEverPoisonBlocksItsPartitionOnly) {
  appendPoisonBetweenGoodEvents();
  auto projection = searchWith({PoisonHandling::Block, 3});
  EXPECT_EQ(projection->step(100).value(), 4u);
  for (int step = 0; step < 10; ++step)
    EXPECT_EQ(projection->step(100).value(), 0u);  // Blocked: a drain stops here.

  // The log grows on every partition; only the blocked one falls behind.
  const auto same = bookingIds(0, true, 8);
  const auto others = bookingIds(0, false, 8);
  ASSERT_TRUE(m_log.append(
      {placed(7, same[3]), placed(8, same[4]), placed(9, others[3]), placed(10, others[4])}));
  EXPECT_EQ(projection->step(100).value(), 2u);
  EXPECT_EQ(lagOf(*projection, "booking", 0), 4);
  for (int partition = 1; partition < 3; ++partition)
    EXPECT_EQ(lagOf(*projection, "booking", partition), 0);
  EXPECT_EQ(projection->deadLettered(), 0u);
  EXPECT_GE(projection->poisonRetries(), 12u);
  EXPECT_EQ(projection->poisonCount(), 0u);
  EXPECT_TRUE(deadLetters(m_log, "booking.dlq").empty());

  // A rebuild passes the poison (it never writes to the log).
  ASSERT_TRUE(projection->rebuild());
  EXPECT_EQ(projection->lag().value(), 0);
  EXPECT_TRUE(deadLetters(m_log, "booking.dlq").empty());
}

TEST_F(DeadLetterTest, ARestartedConsumerTriesAnewBeforeDeadLettering) {
  appendPoisonBetweenGoodEvents();
  auto projection = searchWith({PoisonHandling::DeadLetter, 2});
  EXPECT_EQ(projection->step(100).value(), 5u);
  // The tries are kept in memory: a new instance tries anew, then moves it.
  projection = searchWith({PoisonHandling::DeadLetter, 2});
  EXPECT_EQ(projection->step(100).value(), 1u);
  EXPECT_TRUE(deadLetters(m_log, "booking.dlq").empty());
  EXPECT_EQ(projection->step(100).value(), 1u);
  EXPECT_EQ(projection->step(100).value(), 1u);
  EXPECT_EQ(deadLetters(m_log, "booking.dlq").size(), 1u);
  EXPECT_EQ(projection->lag().value(), 0);
}

TEST_F(DeadLetterTest, TheHistoryProjectionDeadLettersToo) {
  appendPoisonBetweenGoodEvents();
  auto store = MemoryWideColumnStore::open({HistoryProjection::families()}).value();
  HistoryProjection::Options options;
  options.delivery.poison = {PoisonHandling::DeadLetter, 1};
  HistoryProjection projection(*store, m_log, options);
  EXPECT_EQ(projection.step(100).value(), 6u);
  EXPECT_EQ(projection.lag().value(), 0);
  EXPECT_EQ(projection.deadLettered(), 1u);
  EXPECT_EQ(projection.poisonRetries(), 0u);
  const auto letters = deadLetters(m_log, "booking.dlq");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].event.payload.at("consumer"), "history");
}

}  // namespace
}  // namespace staylab
