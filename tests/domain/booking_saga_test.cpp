// The booking saga's mechanism (domain/booking/booking_saga.h): its steps,
// its compensation, the idempotent charge, and its recovery from the saga
// table after a crash, over the real SQLite booking store and its twin.
#include <gtest/gtest.h>

#include "domain/booking/booking_saga.h"
#include "stores/payment/memory_payment_ledger.h"
#include "stores/payment/sandbox_payment_provider.h"
#include "tests/support/booking_fixtures.h"

namespace staylab::booking {
namespace {

using payment::ChargeStatus;
using staylab::testing::FixedPropertyDirectory;

constexpr int64_t kStartNanos = 1'800'000'000'000'000'000;

PlaceBooking stay(std::string guest, std::string from, std::string to) {
  PlaceBooking command;
  command.property_id = "prop_a";
  command.guest = std::move(guest);
  command.from = std::move(from);
  command.to = std::move(to);
  return command;
}

// One process of the booking side: the services over the stores it is given.
struct BookingSide {
  BookingSide(BookingStore& store, PropertyDirectory& properties, PaymentLedger& ledger,
              PaymentProvider& provider, const Clock& clock, RandomSource& random,
              Compensation compensation)
      : service(store, properties, clock, random),
        payments(ledger, provider, clock),
        saga(service, store, payments, clock, compensation) {}
  BookingService service;
  payment::PaymentService payments;
  BookingSaga saga;
};

template <typename Factory>
class BookingSagaTest : public ::testing::Test {
 protected:
  BookingSagaTest() {
    m_properties.add(PropertySnapshot{"prop_a", "host-a", 4, 10000, "EUR", true});
  }

  std::unique_ptr<BookingSide> side(Compensation compensation = Compensation::Compensate) {
    return std::make_unique<BookingSide>(*m_store, m_properties, m_ledger, m_provider, m_clock,
                                         m_random, compensation);
  }
  std::vector<SagaRecord> openSagas() {
    std::vector<SagaRecord> open;
    EXPECT_TRUE(m_store->transact([&](BookingTransaction& tx) -> Result<void> {
      open = tx.openSagas().value();
      return {};
    }));
    return open;
  }
  std::vector<std::string> outboxTypes() {
    std::vector<std::string> types;
    auto entries = m_store->peekOutbox(1000).value();
    for (const auto& entry : entries) {
      types.push_back(entry.event.type);
    }
    return types;
  }

  Factory m_factory;
  std::unique_ptr<BookingStore> m_store = m_factory.make();
  FixedPropertyDirectory m_properties;
  MemoryPaymentLedger m_ledger;
  SandboxPaymentProvider m_provider;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{5};
  CommandContext m_context{"cmd-1", "corr-1", "guest"};
};

struct FactoryNames {
  template <typename T>
  static std::string GetName(int) {
    return T::kName;
  }
};

using Factories = ::testing::Types<staylab::testing::MemoryBookingStoreFactory,
                                   staylab::testing::SqliteBookingStoreFactory>;
TYPED_TEST_SUITE(BookingSagaTest, Factories, FactoryNames);

TYPED_TEST(BookingSagaTest, HoldsThenChargesThenConfirmsWithOneChargeAndOneEvent) {
  auto booking_side = this->side();
  BookingSaga& saga = booking_side->saga;
  HeldBooking held = saga.begin(stay("g1", "2027-05-01", "2027-05-04"), this->m_context).value();
  // Step 1: the nights are held by a Pending booking, its saga open, no event yet.
  EXPECT_EQ(held.booking.status, BookingStatus::Pending);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 3u);
  ASSERT_EQ(this->openSagas().size(), 1u);
  EXPECT_EQ(this->openSagas()[0].host_id, "host-a");
  EXPECT_TRUE(this->outboxTypes().empty());

  auto charged = saga.charge(held.booking);
  ASSERT_TRUE(charged) << charged.error().describe();
  EXPECT_EQ(charged->amount_minor, 30000);
  auto answer = saga.complete(held, charged, this->m_context).value();
  EXPECT_EQ(answer.booking.status, BookingStatus::Confirmed);
  EXPECT_EQ(this->m_store->find(held.booking.id).value()->status, BookingStatus::Confirmed);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 3u);
  EXPECT_TRUE(this->openSagas().empty());
  EXPECT_EQ(this->outboxTypes(), (std::vector<std::string>{"BookingPlaced"}));
  EXPECT_EQ(this->m_provider.chargesTaken(), 1);
  EXPECT_EQ(this->m_provider.heldFor(held.booking.id), 30000);
}

TYPED_TEST(BookingSagaTest, AFailedChargeIsCompensatedTheNightsReleasedAndTheBookingRejected) {
  this->m_provider.setDeclineRule([](std::string_view) { return true; });
  auto booking_side = this->side();
  auto answer = booking_side->saga.place(stay("g1", "2027-05-01", "2027-05-04"), this->m_context);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "booking.payment_failed");
  auto bookings = this->m_store->list({}).value();
  ASSERT_EQ(bookings.size(), 1u);
  EXPECT_EQ(bookings[0].status, BookingStatus::Rejected);
  EXPECT_EQ(bookings[0].rejection_reason.rfind("payment: ", 0), 0u) << bookings[0].rejection_reason;
  EXPECT_TRUE(this->m_store->bookedNights().value().empty());
  EXPECT_TRUE(this->openSagas().empty());
  EXPECT_EQ(this->outboxTypes(), (std::vector<std::string>{"BookingRejected"}));
  EXPECT_EQ(this->m_store->peekOutbox(10).value()[0].event.payload["reason"], "payment");
  EXPECT_EQ(this->m_ledger.find(bookings[0].id).value()->status, ChargeStatus::Declined);

  // The nights are free for the next guest.
  this->m_provider.setDeclineRule({});
  auto next = booking_side->saga.place(stay("g2", "2027-05-02", "2027-05-03"), this->m_context);
  ASSERT_TRUE(next) << next.error().describe();
  EXPECT_EQ(next->booking.status, BookingStatus::Confirmed);
}

TYPED_TEST(BookingSagaTest, WithoutCompensationAFailedChargeLeavesTheNightsHeldAndNoSaga) {
  this->m_provider.setDeclineRule([](std::string_view) { return true; });
  auto booking_side = this->side(Compensation::None);
  auto answer = booking_side->saga.place(stay("g1", "2027-05-01", "2027-05-04"), this->m_context);
  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().code, "payment.declined");
  auto bookings = this->m_store->list({}).value();
  ASSERT_EQ(bookings.size(), 1u);
  EXPECT_EQ(bookings[0].status, BookingStatus::Pending);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 3u);
  EXPECT_TRUE(this->openSagas().empty());
  EXPECT_EQ(booking_side->saga.recover(this->m_context).value(), 0u);
  // The orphaned hold refuses the next guest.
  this->m_provider.setDeclineRule({});
  auto next = booking_side->saga.place(stay("g2", "2027-05-02", "2027-05-03"), this->m_context);
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code, "booking.nights_taken");
}

TYPED_TEST(BookingSagaTest, RecoveryConfirmsAPaidSagaAndCompensatesTheOthersAfterACrash) {
  std::string paid_id;
  std::string unpaid_id;
  std::string charging_id;
  {
    auto crashed = this->side();
    // Charged, then the process died before confirming.
    HeldBooking paid =
        crashed->saga.begin(stay("g1", "2027-06-01", "2027-06-03"), this->m_context).value();
    ASSERT_TRUE(crashed->saga.charge(paid.booking));
    paid_id = paid.booking.id;
    // Held, then died before charging.
    unpaid_id = crashed->saga.begin(stay("g2", "2027-06-10", "2027-06-12"), this->m_context)
                    .value()
                    .booking.id;
    // Died while the provider was charging: the ledger's charge is Pending.
    HeldBooking charging =
        crashed->saga.begin(stay("g3", "2027-06-20", "2027-06-22"), this->m_context).value();
    charging_id = charging.booking.id;
    ASSERT_TRUE(this->m_ledger.openCharge(
        payment::Charge{charging_id, 20000, "EUR", ChargeStatus::Pending, "", "", 1, 1}));
    ASSERT_TRUE(this->m_provider.charge(charging_id, 20000, "EUR"));
  }
  EXPECT_EQ(this->openSagas().size(), 3u);

  auto restarted = this->side();
  const CommandContext recovery{"cmd-r", "corr-r", "saga-recovery"};
  EXPECT_EQ(restarted->saga.recover(recovery).value(), 3u);
  EXPECT_TRUE(this->openSagas().empty());
  // What the recovery decided is its own doing: its events carry its caller.
  auto recovered = this->m_store->peekOutbox(1000).value();
  EXPECT_EQ(recovered.size(), 3u);
  for (const auto& entry : recovered) {
    EXPECT_EQ(entry.event.caller, "saga-recovery") << entry.event.type;
  }
  EXPECT_EQ(this->m_store->find(paid_id).value()->status, BookingStatus::Confirmed);
  EXPECT_EQ(this->m_store->find(unpaid_id).value()->status, BookingStatus::Rejected);
  EXPECT_EQ(this->m_store->find(charging_id).value()->status, BookingStatus::Rejected);
  EXPECT_EQ(this->m_ledger.find(unpaid_id).value()->status, ChargeStatus::Voided);
  EXPECT_EQ(this->m_ledger.find(charging_id).value()->status, ChargeStatus::Voided);
  // Money is held for the confirmed booking only, and was taken once for it.
  EXPECT_EQ(this->m_provider.heldFor(paid_id), 20000);
  EXPECT_EQ(this->m_provider.heldFor(charging_id), 0);
  EXPECT_EQ(this->m_store->bookedNights().value().size(), 2u);
  // A second recovery finds nothing left to do.
  EXPECT_EQ(restarted->saga.recover(this->m_context).value(), 0u);

  // A charge that comes late for a voided saga takes nothing.
  auto late = restarted->saga.charge(this->m_store->find(unpaid_id).value().value());
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, "payment.voided");
  EXPECT_EQ(this->m_provider.heldFor(unpaid_id), 0);
}

TYPED_TEST(BookingSagaTest, AReplayedKeyAnswersTheSagaAsItEndedWithoutRunningItAgain) {
  this->m_provider.setDeclineRule([](std::string_view) { return true; });
  auto booking_side = this->side();
  PlaceBooking command = stay("g1", "2027-05-01", "2027-05-04");
  command.idempotency_key = "k-1";
  ASSERT_FALSE(booking_side->saga.place(command, this->m_context));
  this->m_provider.setDeclineRule({});
  auto again = booking_side->saga.place(command, this->m_context);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "booking.payment_failed");
  EXPECT_EQ(this->m_store->list({}).value().size(), 1u);
  EXPECT_EQ(this->m_provider.chargesTaken(), 0);
}

TEST(PaymentService, ChargesAKeyOnceHoweverOftenItIsAsked) {
  MemoryPaymentLedger ledger;
  SandboxPaymentProvider provider;
  ManualClock clock{kStartNanos};
  payment::PaymentService payments(ledger, provider, clock);
  const payment::ChargeRequest request{"bkg-1", 4500, "EUR"};
  auto first = payments.charge(request).value();
  auto second = payments.charge(request).value();
  EXPECT_EQ(first, second);
  EXPECT_EQ(first.status, ChargeStatus::Charged);
  EXPECT_EQ(provider.chargesTaken(), 1);
  EXPECT_EQ(ledger.list().value().size(), 1u);
  // Voiding a charged key refunds it, once.
  EXPECT_EQ(payments.voidCharge("bkg-1", "payment").value().status, ChargeStatus::Refunded);
  EXPECT_EQ(payments.voidCharge("bkg-1", "payment").value().status, ChargeStatus::Refunded);
  EXPECT_EQ(provider.heldFor("bkg-1"), 0);
}

}  // namespace
}  // namespace staylab::booking
