#include "domain/booking/booking_saga.h"

#include <array>

namespace staylab {

std::string_view toString(SagaStep step) {
  switch (step) {
    case SagaStep::Charging:
      return "charging";
    case SagaStep::Confirmed:
      return "confirmed";
    case SagaStep::Compensated:
      return "compensated";
  }
  return "unknown";
}

Result<SagaStep> parseSagaStep(std::string_view text) {
  for (SagaStep step : {SagaStep::Charging, SagaStep::Confirmed, SagaStep::Compensated}) {
    if (toString(step) == text) {
      return step;
    }
  }
  return invalidInput("step", "'{}' is not a saga step", text);
}

namespace booking {
namespace {

// The reason a compensated booking is rejected with: its charge's failure.
std::string paymentReason(const Error& error) {
  return fmt::format("payment: {}", error.message);
}

}  // namespace

AlsoInTransaction BookingSaga::sagaStep(SagaStep step) {
  if (m_compensation == Compensation::None) {
    return {};
  }
  return [this, step](BookingTransaction& tx, const Booking& booking,
                      std::string_view host_id) -> Result<void> {
    return tx.saveSaga(SagaRecord{booking.id, step, std::string(host_id), m_clock.nowNanos()});
  };
}

Result<HeldBooking> BookingSaga::begin(const PlaceBooking& command, const CommandContext& context) {
  return m_bookings.hold(command, context, sagaStep(SagaStep::Charging));
}

Result<payment::Charge> BookingSaga::charge(const Booking& held) {
  return m_payments.charge(payment::ChargeRequest{held.id, held.total_minor, held.currency});
}

Result<PlaceBookingAnswer> BookingSaga::complete(const HeldBooking& held,
                                                 const Result<payment::Charge>& charged,
                                                 const CommandContext& context) {
  const std::string& id = held.booking.id;
  if (charged) {
    Booking confirmed = STAYLAB_TRY(
        m_bookings.confirmHeld(id, held.host_id, context, sagaStep(SagaStep::Confirmed)));
    return PlaceBookingAnswer{std::move(confirmed), false};
  }
  if (m_compensation == Compensation::None) {
    return std::unexpected(charged.error());  // The nights stay held.
  }
  const std::string reason = paymentReason(charged.error());
  STAYLAB_TRY(compensate(id, reason, context));
  return std::unexpected(errors::paymentFailed(id, reason));
}

Result<Booking> BookingSaga::compensate(std::string_view booking_id, std::string_view reason,
                                        const CommandContext& context) {
  // The charge first: once voided, no charge of the key can still go
  // through, so the nights released below are never paid for.
  STAYLAB_TRY(m_payments.voidCharge(booking_id, reason));
  return m_bookings.releaseHeld(booking_id, reason, context, sagaStep(SagaStep::Compensated));
}

Result<PlaceBookingAnswer> BookingSaga::place(const PlaceBooking& command,
                                              const CommandContext& context) {
  HeldBooking held = STAYLAB_TRY(begin(command, context));
  if (held.replayed) {
    if (held.booking.status == BookingStatus::Rejected) {
      return std::unexpected(errors::paymentFailed(held.booking.id, held.booking.rejection_reason));
    }
    return PlaceBookingAnswer{std::move(held.booking), true};
  }
  const Result<payment::Charge> charged = charge(held.booking);
  return complete(held, charged, context);
}

Result<std::size_t> BookingSaga::recover(const CommandContext& context) {
  if (m_compensation == Compensation::None) {
    return std::size_t{0};  // No saga table to recover from.
  }
  std::vector<SagaRecord> open;
  STAYLAB_TRY(m_store.transact([&](BookingTransaction& tx) -> Result<void> {
    open = STAYLAB_TRY(tx.openSagas());
    return {};
  }));
  for (const SagaRecord& saga : open) {
    auto charge = STAYLAB_TRY(m_payments.find(saga.booking_id));
    if (charge && charge->status == payment::ChargeStatus::Charged) {
      STAYLAB_TRY(m_bookings.confirmHeld(saga.booking_id, saga.host_id, context,
                                         sagaStep(SagaStep::Confirmed)));
    } else {
      STAYLAB_TRY(
          compensate(saga.booking_id, "payment: not completed before the saga stopped", context));
    }
  }
  return open.size();
}

}  // namespace booking
}  // namespace staylab
