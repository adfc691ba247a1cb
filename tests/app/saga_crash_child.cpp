// A child process for the saga crash test: a booking side whose bookings are
// paid for (BookingPayment::Saga) on real stores in DATA_DIR. Opening the
// platform first finishes the sagas a killed predecessor left under way.
// The payment provider says what it does on stdout ("CHARGED key",
// "REFUNDED key"): it stands for the processor outside, whose record
// survives the booking side's death. The provider declines every fourth
// booking of a round.
//
//   saga_crash_child DATA_DIR ROUND recover
//     opens (and so recovers), says "RECOVERED", exits 0.
//   saga_crash_child DATA_DIR ROUND before-charge|after-charge|before-confirm SEED
//     says READY, places bookings ("ACK id", "REFUSED code"), and on the
//     sixth one stops at that point of its saga for good, saying "STOPPED id" then "HUNG":
//     before the provider charges, after it charged but before the ledger
//     recorded it, or after the charge was recorded but before the booking
//     is confirmed. The test kills it there.
#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>

#include "app/platform/platform.h"
#include "tests/support/child_voice.h"

namespace {

using namespace staylab;

using staylab::testing::say;

[[noreturn]] void hang(const std::string& booking_id) {
  say("STOPPED " + booking_id);
  say("HUNG");
  for (;;) {
    std::this_thread::sleep_for(std::chrono::hours(1));
  }
}

enum class HangAt { Never, BeforeCharge, AfterCharge, BeforeConfirm };

struct Plan {
  HangAt at = HangAt::Never;
  int hang_on = 6;              // The booking of the round that hangs (one the provider accepts).
  std::atomic<int> placing{0};  // The booking of the round being placed.
  std::atomic<bool> charged{false};  // The hanging booking's charge was recorded.
  std::string hanging_key;
};

// The provider outside, as the test sees it: its calls, said on stdout.
class LoggedProvider final : public PaymentProvider {
 public:
  LoggedProvider(std::unique_ptr<PaymentProvider> inner, Plan& plan)
      : m_inner(std::move(inner)), m_plan(plan) {}

  Result<std::string> charge(std::string_view key, int64_t amount_minor,
                             std::string_view currency) override {
    const bool hanging = m_plan.placing == m_plan.hang_on;
    if (hanging && m_plan.at == HangAt::BeforeCharge) {
      hang(std::string(key));
    }
    if (m_plan.placing % 4 == 3) {
      return std::unexpected(
          Error{ErrorKind::Refused, "payment.declined", "", "the card was declined"});
    }
    auto reference = STAYLAB_TRY(m_inner->charge(key, amount_minor, currency));
    say("CHARGED " + std::string(key));
    if (hanging && m_plan.at == HangAt::AfterCharge) {
      hang(std::string(key));
    }
    if (hanging) {
      m_plan.hanging_key = std::string(key);
      m_plan.charged = true;
    }
    return reference;
  }

  Result<void> refund(std::string_view key) override {
    STAYLAB_TRY(m_inner->refund(key));
    say("REFUNDED " + std::string(key));
    return {};
  }

 private:
  std::unique_ptr<PaymentProvider> m_inner;
  Plan& m_plan;
};

// Stops the booking side at the transaction that would confirm the hanging
// booking, once its charge is recorded.
class HangingBookingStore final : public BookingStore {
 public:
  HangingBookingStore(std::unique_ptr<BookingStore> inner, Plan& plan)
      : m_inner(std::move(inner)), m_plan(plan) {}

  Result<void> transact(const TransactionBody& body) override {
    if (m_plan.at == HangAt::BeforeConfirm && m_plan.charged) {
      hang(m_plan.hanging_key);
    }
    return m_inner->transact(body);
  }
  Result<std::vector<Result<void>>> transactEach(size_t count, const IndexedBody& body) override {
    return m_inner->transactEach(count, body);
  }
  Result<std::optional<booking::Booking>> find(std::string_view id) override {
    return m_inner->find(id);
  }
  Result<std::vector<booking::Booking>> list(const BookingFilter& filter) override {
    return m_inner->list(filter);
  }
  Result<std::vector<BookedNight>> bookedNights() override { return m_inner->bookedNights(); }
  Result<std::vector<std::string>> bookedAmong(const std::vector<std::string>& ids,
                                               const Stay& stay) override {
    return m_inner->bookedAmong(ids, stay);
  }
  Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override {
    return m_inner->peekOutbox(limit);
  }
  Result<void> removeOutbox(int64_t up_to) override { return m_inner->removeOutbox(up_to); }
  Result<size_t> outboxSize() override { return m_inner->outboxSize(); }

 private:
  std::unique_ptr<BookingStore> m_inner;
  Plan& m_plan;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    say("usage: saga_crash_child DATA_DIR ROUND MODE [SEED]");
    return 2;
  }
  const std::string mode = argv[3];
  Plan plan;
  if (mode == "before-charge") {
    plan.at = HangAt::BeforeCharge;
  } else if (mode == "after-charge") {
    plan.at = HangAt::AfterCharge;
  } else if (mode == "before-confirm") {
    plan.at = HangAt::BeforeConfirm;
  } else if (mode != "recover") {
    say("ERROR unknown mode " + mode);
    return 2;
  }
  app::PlatformOptions options;
  options.data_dir = argv[1];
  options.mode = app::OpenMode::InitialiseIfEmpty;
  options.payment = app::BookingPayment::Saga;
  options.decorators.payment_provider = [&plan](std::unique_ptr<PaymentProvider> inner) {
    return std::make_unique<LoggedProvider>(std::move(inner), plan);
  };
  options.decorators.booking_store = [&plan](std::unique_ptr<BookingStore> inner) {
    return std::make_unique<HangingBookingStore>(std::move(inner), plan);
  };
  auto platform = app::Platform::open(options);  // Recovers what is left under way.
  if (!platform) {
    say("ERROR " + platform.error().describe());
    return 3;
  }
  if (mode == "recover") {
    say("RECOVERED");
    return 0;
  }
  const std::string host = std::string("host-saga-round-") + argv[2];
  listing::CreateProperty create{
      host, "Saga test flat", "", "Testville", "90.00", "EUR", 4, {}, "", "", "", ""};
  auto property = (*platform)->listing().create(create, (*platform)->newCommand("test"));
  if (!property) {
    say("ERROR " + property.error().describe());
    return 3;
  }
  std::mt19937_64 rng(argc > 4 ? std::stoull(argv[4]) : 1);
  const Date first = Date::parse("2029-01-01").value();
  say("READY");
  const app::Caller admin{"test", app::Role::Admin};
  for (int night = 0;; night += 3) {
    ++plan.placing;
    booking::PlaceBooking command;
    command.property_id = property->id;
    command.guest = "guest-" + std::to_string(rng() % 20);
    command.from = first.plusDays(night).toString();
    command.to = first.plusDays(night + 2).toString();
    auto answer = (*platform)->gateway().placeBooking(admin, command);
    if (answer) {
      say("ACK " + answer->booking.id);
    } else if (answer.error().kind == ErrorKind::Refused) {
      say("REFUSED " + answer.error().code);
    } else {
      say("ERROR " + answer.error().describe());
      return 3;
    }
  }
}
