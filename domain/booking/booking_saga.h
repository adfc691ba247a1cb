#pragma once

// A booking paid for, as a saga run by orchestration: the booking service
// drives each step and keeps where the saga stands in the saga table of its
// own store (BookingTransaction::saveSaga), in the same transaction as the
// booking, so that a restart finds every saga left under way and finishes
// it (recover()). Orchestration rather than choreography: the steps and
// their compensation read in one place, and the state a recovery needs is
// one row beside the booking instead of being spread across the events of
// two contexts.
//
//   1. hold     booking Pending, its nights held, saga Charging   (booking store)
//   2. charge   the Payment context charges, key = the booking id (payment ledger)
//   3. confirm  booking Confirmed, BookingPlaced, saga Confirmed  (booking store)
//   on a failed or called-off charge, the compensation:
//   3'. void the charge (a late charge of the key is refused, money taken is refunded),
//       then release: booking Rejected (reason payment), BookingRejected, saga Compensated
//
// With Compensation::None (the pattern switched off) the steps are the same
// but nothing is written to the saga table and nothing is compensated: a
// booking whose charge fails stays Pending and keeps holding its nights,
// and a restart knows nothing of it.
//
// Thread safety: as the services it drives (safe from any thread).

#include <cstddef>
#include <string>

#include "domain/booking/booking_service.h"
#include "domain/payment/payment_service.h"

namespace staylab::booking {

enum class Compensation {
  Compensate,  // The saga: durable steps, compensation, recovery. Default.
  None,        // No saga table, no compensation: a failed charge leaves the hold.
};

class BookingSaga {
 public:
  BookingSaga(BookingService& bookings, BookingStore& store, payment::PaymentService& payments,
              const Clock& clock, Compensation compensation = Compensation::Compensate)
      : m_bookings(bookings),
        m_store(store),
        m_payments(payments),
        m_clock(clock),
        m_compensation(compensation) {}

  Compensation compensation() const { return m_compensation; }

  // Runs the three steps in turn; the answer of place() with payment: the
  // booking Confirmed, or Refused "booking.payment_failed" once compensated
  // (with Compensation::None, the charge's error, the nights still held).
  [[nodiscard]] Result<PlaceBookingAnswer> place(const PlaceBooking& command,
                                                 const CommandContext& context);

  // Step 1. Holds the booking's nights (BookingService::hold) and, with
  // compensation, opens its saga in the same transaction. A replayed key
  // answers the booking as it is now: its saga is not run again.
  [[nodiscard]] Result<HeldBooking> begin(const PlaceBooking& command,
                                          const CommandContext& context);
  // Step 2. Charges the held booking's total, keyed by its id.
  [[nodiscard]] Result<payment::Charge> charge(const Booking& held);
  // Step 3. Confirms the booking when `charged` holds a charge; otherwise
  // compensates (with compensation) and answers Refused
  // "booking.payment_failed", or (without) answers the charge's error.
  [[nodiscard]] Result<PlaceBookingAnswer> complete(const HeldBooking& held,
                                                    const Result<payment::Charge>& charged,
                                                    const CommandContext& context);

  // Finishes every saga left under way (after a crash, or a caller that
  // gave up between two steps): a booking whose charge went through is
  // confirmed, any other compensated. Returns how many it finished. Safe to
  // run at any time and again: each step checks where its saga stands.
  [[nodiscard]] Result<std::size_t> recover(const CommandContext& context);

 private:
  // Voids the booking's charge, then releases its nights and closes its saga.
  Result<Booking> compensate(std::string_view booking_id, std::string_view reason,
                             const CommandContext& context);
  // Writes the saga's row with `step` in the transaction (with compensation only).
  AlsoInTransaction sagaStep(SagaStep step);

  BookingService& m_bookings;
  BookingStore& m_store;
  payment::PaymentService& m_payments;
  const Clock& m_clock;
  Compensation m_compensation;
};

}  // namespace staylab::booking
