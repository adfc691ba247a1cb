// Competing consumers: instances of one projection over one store share the
// partitions of its topics, each partition read by one instance (so each
// keeps its order), and dealt again when one leaves; together they build
// what one instance builds.

#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/memory_event_log.h"
#include "events/search_projection.h"
#include "stores/text/memory_text_index.h"
#include "tests/support/test_events.h"

namespace staylab {
namespace {

const std::map<std::string, int> kTopics{{"property", 2}, {"booking", 2}};

EventEnvelope placed(int serial) {
  const std::string booking_id = fmt::format("bkg-{}", serial);
  return staylab::testing::bookingPlaced(
      serial, booking_id,
      {{"booking_id", booking_id},
       {"property_id", fmt::format("prop-{}", serial % 7)},
       {"guest_id", "guest-1"},
       {"check_in", fmt::format("2027-06-{:02}", 1 + serial % 20)},
       {"check_out", fmt::format("2027-06-{:02}", 2 + serial % 20)},
       {"nights", 1},
       {"guests", 2},
       {"total_minor", 10000},
       {"currency", "EUR"},
       {"host_id", "host-1"}});
}

std::vector<EventEnvelope> bookings(int from, int count) {
  std::vector<EventEnvelope> events;
  for (int serial = from; serial < from + count; ++serial)
    events.push_back(placed(serial));
  return events;
}

// Returns the partitions with events each instance would read next.
std::vector<std::string> partitionsBehind(CursorConsumer& consumer) {
  std::vector<std::string> names;
  const std::vector<PartitionLag> lags = consumer.partitionLags().value();
  for (const PartitionLag& lag : lags) {
    if (lag.events > 0)
      names.push_back(fmt::format("{}/{}", lag.topic, lag.partition));
  }
  return names;
}

TEST(CompetingConsumersTest, InstancesShareThePartitionsAndBuildWhatOneBuilds) {
  MemoryEventLog log(kTopics);
  ASSERT_TRUE(log.append(bookings(1, 40)));
  MemoryTextIndex shared;
  SearchProjection first(shared, log);
  SearchProjection second(shared, log);
  first.assign(0, 2);
  second.assign(1, 2);
  // The partitions in order (property/0, property/1, booking/0, booking/1)
  // are dealt round-robin: each instance sees only its own.
  EXPECT_EQ(partitionsBehind(first), std::vector<std::string>{"booking/0"});
  EXPECT_EQ(partitionsBehind(second), std::vector<std::string>{"booking/1"});
  const int64_t total = log.endOffset("booking", 0).value() + log.endOffset("booking", 1).value();
  EXPECT_EQ(first.lag().value() + second.lag().value(), total);

  // Each step moves only its own partition.
  const size_t moved_first = first.step(1000).value();
  EXPECT_EQ(static_cast<int64_t>(moved_first), log.endOffset("booking", 0).value());
  EXPECT_EQ(first.lag().value(), 0);
  EXPECT_EQ(second.lag().value(), log.endOffset("booking", 1).value());
  EXPECT_EQ(second.step(1000).value() + moved_first, static_cast<size_t>(total));

  MemoryTextIndex alone_index;
  SearchProjection alone(alone_index, log);
  ASSERT_EQ(alone.step(1000).value(), static_cast<size_t>(total));
  EXPECT_EQ(first.canonicalDigest().value(), alone.canonicalDigest().value());
}

TEST(CompetingConsumersTest, ASurvivorTakesOverTheLeaversPartitionsFromTheirStoredOffsets) {
  MemoryEventLog log(kTopics);
  ASSERT_TRUE(log.append(bookings(1, 20)));
  MemoryTextIndex shared;
  auto leaver = std::make_unique<SearchProjection>(shared, log);
  SearchProjection survivor(shared, log);
  leaver->assign(1, 2);
  survivor.assign(0, 2);
  ASSERT_GT(leaver->step(1000).value(), 0u);
  ASSERT_GT(survivor.step(1000).value(), 0u);
  leaver.reset();  // It dies; the next events land on both partitions.
  ASSERT_TRUE(log.append(bookings(21, 20)));
  EXPECT_EQ(partitionsBehind(survivor), std::vector<std::string>{"booking/0"});

  survivor.assign(0, 1);  // Dealt again among the one live instance.
  EXPECT_EQ(partitionsBehind(survivor), (std::vector<std::string>{"booking/0", "booking/1"}));
  ASSERT_GT(survivor.step(1000).value(), 0u);
  EXPECT_EQ(survivor.lag().value(), 0);

  // Nothing was applied twice, nothing skipped: equal to one instance's build.
  MemoryTextIndex alone_index;
  SearchProjection alone(alone_index, log);
  ASSERT_GT(alone.step(1000).value(), 0u);
  EXPECT_EQ(survivor.canonicalDigest().value(), alone.canonicalDigest().value());
}

}  // namespace
}  // namespace staylab
