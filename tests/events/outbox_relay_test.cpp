// The relay between the contexts' outboxes and the event log: it moves each
// outbox in order, and an outbox that fails holds back none of the others.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "events/memory_event_log.h"
#include "events/relay.h"
#include "stores/memory_outbox.h"
#include "tests/support/test_events.h"

namespace staylab {
namespace {

using testing::makeEvent;

// An outbox whose store can be taken down: every call fails while it is.
class SwitchableOutbox final : public OutboxSource {
 public:
  void add(const EventEnvelope& event) { m_outbox.append({event}); }
  void setDown(bool down) { m_down = down; }
  void setRemoveFails(bool fails) { m_remove_fails = fails; }

  Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override {
    if (m_down)
      return down();
    return m_outbox.peek(limit);
  }
  Result<void> removeOutbox(int64_t up_to_sequence) override {
    if (m_down || m_remove_fails)
      return down();
    m_outbox.remove(up_to_sequence);
    return {};
  }
  Result<size_t> outboxSize() override {
    if (m_down)
      return down();
    return m_outbox.size();
  }

 private:
  static std::unexpected<Error> down() { return storeFailure("store.outage", "the store is down"); }

  MemoryOutbox m_outbox;
  bool m_down = false;
  bool m_remove_fails = false;
};

class OutboxRelayTest : public ::testing::Test {
 protected:
  int64_t logged(const std::string& topic) { return m_log.endOffset(topic, 0).value(); }

  SwitchableOutbox m_listing;
  SwitchableOutbox m_booking;
  MemoryEventLog m_log{{{"property", 1}, {"booking", 1}}};
  OutboxRelay m_relay{{{"listing", &m_listing}, {"booking", &m_booking}}, m_log};
};

TEST_F(OutboxRelayTest, MovesEveryOutboxInBatchesAndEmptiesIt) {
  for (int64_t version = 1; version <= 3; ++version) {
    m_listing.add(makeEvent("property", "p1", version));
    m_booking.add(makeEvent("booking", "b1", version));
  }
  EXPECT_EQ(m_relay.step(2).value(), 4u);  // Two from each outbox.
  EXPECT_EQ(m_relay.step(2).value(), 2u);
  EXPECT_EQ(m_relay.step(2).value(), 0u);
  EXPECT_EQ(logged("property"), 3);
  EXPECT_EQ(logged("booking"), 3);
  EXPECT_EQ(m_relay.pending().value(), 0u);
  EXPECT_EQ(m_relay.movedTotal(), 6u);
}

TEST_F(OutboxRelayTest, AnOutboxThatIsDownHoldsBackNoOtherOutbox) {
  // Either way round: the outbox that is down comes before or after the other.
  for (const bool listing_down : {true, false}) {
    SCOPED_TRACE(listing_down ? "listing outbox down" : "booking outbox down");
    SwitchableOutbox listing;
    SwitchableOutbox booking;
    MemoryEventLog log{{{"property", 1}, {"booking", 1}}};
    OutboxRelay relay{{{"listing", &listing}, {"booking", &booking}}, log};
    listing.add(makeEvent("property", "p1", 1));
    booking.add(makeEvent("booking", "b1", 1));
    booking.add(makeEvent("booking", "b1", 2));
    (listing_down ? listing : booking).setDown(true);

    auto step = relay.step(10);
    ASSERT_FALSE(step.has_value());
    EXPECT_NE(step.error().message.find(listing_down ? "listing outbox" : "booking outbox"),
              std::string::npos)
        << step.error().message;
    // The healthy outbox went out regardless.
    EXPECT_EQ(log.endOffset("property", 0).value(), listing_down ? 0 : 1);
    EXPECT_EQ(log.endOffset("booking", 0).value(), listing_down ? 2 : 0);
    EXPECT_EQ(relay.movedTotal(), listing_down ? 2u : 1u);

    // Back up: the rest follows, and nothing goes out twice.
    (listing_down ? listing : booking).setDown(false);
    EXPECT_EQ(relay.step(10).value(), listing_down ? 1u : 2u);
    EXPECT_EQ(log.endOffset("property", 0).value(), 1);
    EXPECT_EQ(log.endOffset("booking", 0).value(), 2);
    EXPECT_EQ(relay.movedTotal(), 3u);
    EXPECT_EQ(relay.pending().value(), 0u);
  }
}

TEST_F(OutboxRelayTest, ABatchLeftInItsOutboxIsAppendedAgainNotLost) {
  m_listing.add(makeEvent("property", "p1", 1));
  m_booking.add(makeEvent("booking", "b1", 1));
  m_listing.setRemoveFails(true);

  auto step = m_relay.step(10);
  ASSERT_FALSE(step.has_value());
  EXPECT_NE(step.error().message.find("listing outbox"), std::string::npos) << step.error().message;
  EXPECT_EQ(logged("booking"), 1);  // Moved after the listing outbox failed.
  EXPECT_EQ(m_booking.outboxSize().value(), 0u);

  m_listing.setRemoveFails(false);
  EXPECT_EQ(m_relay.step(10).value(), 1u);
  EXPECT_EQ(logged("property"), 2);  // At least once: the duplicate carries the same id.
  const auto records = m_log.read("property", 0, 0, 10).value();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].event.event_id, records[1].event.event_id);
  EXPECT_EQ(m_listing.outboxSize().value(), 0u);
}

TEST_F(OutboxRelayTest, EveryOutboxDownMovesNothingAndNamesTheFirst) {
  m_listing.add(makeEvent("property", "p1", 1));
  m_listing.setDown(true);
  m_booking.setDown(true);
  auto step = m_relay.step(10);
  ASSERT_FALSE(step.has_value());
  EXPECT_NE(step.error().message.find("listing outbox"), std::string::npos) << step.error().message;
  EXPECT_EQ(m_relay.movedTotal(), 0u);
  EXPECT_EQ(logged("property"), 0);
}

}  // namespace
}  // namespace staylab
