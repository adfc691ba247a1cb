// Kills the booking side of a saga (a real child process, SIGKILL) at each
// point of a booking's saga: before the provider charges, after it charged
// but before the ledger recorded it, and after the charge was recorded but
// before the booking was confirmed. After each kill the next process's
// start finishes the sagas left under way; then no booking holds nights
// unpaid (no orphaned hold), and no guest was charged twice or charged for
// a booking that was not confirmed.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "stores/payment/sqlite_payment_ledger.h"
#include "stores/relational/sqlite_booking_store.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using booking::BookingStatus;
using payment::ChargeStatus;

constexpr auto kWithin = std::chrono::seconds(60);

// What the payment provider outside did, across every process.
struct ProviderRecord {
  std::map<std::string, int> charged;  // Charges taken, per key.
  std::set<std::string> refunded;
};

void collect(const std::vector<std::string>& lines, ProviderRecord& provider,
             std::set<std::string>& acknowledged) {
  for (const std::string& line : lines) {
    std::istringstream fields(line);
    std::string word;
    std::string key;
    fields >> word >> key;
    if (word == "CHARGED") {
      ++provider.charged[key];
    } else if (word == "REFUNDED") {
      provider.refunded.insert(key);
    } else if (word == "ACK") {
      acknowledged.insert(key);
    }
    EXPECT_NE(word, "ERROR") << line;
  }
}

// Starts the child, reads until `line` or its end, and returns what it said.
std::vector<std::string> runChild(const std::vector<std::string>& args, std::string_view line,
                                  bool kill) {
  testing::ChildProcess child(STAYLAB_SAGA_CRASH_CHILD_PATH, args);
  const bool reached = child.waitForLine(line, testing::ChildProcess::Clock::now() + kWithin);
  EXPECT_TRUE(reached) << "no '" << line << "' from " << child.describe();
  if (kill) {
    EXPECT_TRUE(child.kill()) << "the child was not alive to be killed: " << child.describe();
  }
  child.wait();
  if (kill) {
    EXPECT_TRUE(child.diedOfSigkill()) << child.describe();
  } else {
    EXPECT_EQ(child.exitCode(), 0) << child.describe();
  }
  return child.completeLines();
}

TEST(SagaCrash, NoOrphanedHoldAndNoDoubleChargeAfterAKillAtEachStepOfTheSaga) {
  testing::TempDir dir;
  ProviderRecord provider;
  std::set<std::string> acknowledged;
  std::set<std::string> hung;
  const std::vector<std::string> points = {"before-charge", "after-charge", "before-confirm"};
  for (std::size_t round = 0; round < points.size() * 2; ++round) {
    const std::string& point = points[round % points.size()];
    const std::string round_name = std::to_string(round);
    // Killed mid-saga, at `point` of its sixth booking.
    auto lines =
        runChild({dir.path().string(), round_name, point, std::to_string(round + 1)}, "HUNG", true);
    collect(lines, provider, acknowledged);
    for (const std::string& line : lines) {
      if (line.rfind("STOPPED ", 0) == 0) {
        hung.insert(line.substr(8));
      }
    }
    // The next start of the booking side finishes what the killed one left.
    collect(runChild({dir.path().string(), round_name, "recover"}, "RECOVERED", false), provider,
            acknowledged);

    auto store = SqliteBookingStore::open({dir / "booking.db"}).value();
    auto ledger = SqlitePaymentLedger::open({dir / "payment.db"}).value();
    std::vector<SagaRecord> open;
    ASSERT_TRUE(store->transact([&](BookingTransaction& tx) -> Result<void> {
      open = STAYLAB_TRY(tx.openSagas());
      return {};
    }));
    EXPECT_TRUE(open.empty()) << "round " << round << ": " << open.size() << " sagas left open";

    std::map<std::string, BookingStatus> status;
    auto bookings = store->list({}).value();
    for (const auto& booking : bookings) {
      status[booking.id] = booking.status;
      EXPECT_NE(booking.status, BookingStatus::Pending)
          << "round " << round << " (" << point << "): orphaned hold " << booking.id;
    }
    // Every held night belongs to a confirmed booking.
    auto nights = store->bookedNights().value();
    for (const auto& night : nights) {
      EXPECT_EQ(status[night.booking_id], BookingStatus::Confirmed) << night.booking_id;
    }
    // The ledger holds money for exactly the confirmed bookings.
    auto charges = ledger->list().value();
    std::map<std::string, ChargeStatus> charge_of;
    for (const auto& charge : charges) {
      charge_of[charge.key] = charge.status;
    }
    for (const auto& [id, booking_status] : status) {
      const bool paid = charge_of.contains(id) && charge_of[id] == ChargeStatus::Charged;
      EXPECT_EQ(paid, booking_status == BookingStatus::Confirmed)
          << "round " << round << " (" << point << "): booking " << id << " is "
          << booking::toString(booking_status);
    }
    // The provider took each key's money at most once, and kept it only
    // for the confirmed bookings.
    for (const auto& [key, times] : provider.charged) {
      EXPECT_EQ(times, 1) << "key " << key << " charged " << times << " times";
      const bool kept = !provider.refunded.contains(key);
      EXPECT_EQ(kept, status[key] == BookingStatus::Confirmed)
          << "round " << round << " (" << point << "): key " << key;
    }
  }
  // Each acknowledged booking stayed confirmed; each hung one was settled:
  // confirmed when its charge was recorded (before-confirm), released otherwise.
  auto store = SqliteBookingStore::open({dir / "booking.db"}).value();
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(store->find(id).value()->status, BookingStatus::Confirmed) << id;
  }
  EXPECT_EQ(hung.size(), points.size() * 2);
  std::size_t confirmed_after_crash = 0;
  for (const std::string& id : hung) {
    confirmed_after_crash += store->find(id).value()->status == BookingStatus::Confirmed ? 1 : 0;
  }
  EXPECT_EQ(confirmed_after_crash, 2u) << "the two killed after their charge was recorded";
}

}  // namespace
}  // namespace staylab
