#include "domain/booking/booking.h"

namespace staylab::booking {

std::string_view toString(BookingStatus status) {
  switch (status) {
    case BookingStatus::Pending:
      return "pending";
    case BookingStatus::Confirmed:
      return "confirmed";
    case BookingStatus::Rejected:
      return "rejected";
    case BookingStatus::Cancelled:
      return "cancelled";
  }
  return "unknown";
}

Result<BookingStatus> parseStatus(std::string_view text) {
  for (auto status : {BookingStatus::Pending, BookingStatus::Confirmed, BookingStatus::Rejected,
                      BookingStatus::Cancelled}) {
    if (toString(status) == text) {
      return status;
    }
  }
  return invalidInput("status", "'{}' is not a booking status", text);
}

std::vector<Date> Booking::nightDates() const {
  std::vector<Date> nights;
  for (Date night = check_in; night < check_out; night = night.plusDays(1)) {
    nights.push_back(night);
  }
  return nights;
}

Result<void> Booking::confirm() {
  if (status != BookingStatus::Pending) {
    return std::unexpected(errors::invalidTransition(id, status, BookingStatus::Confirmed));
  }
  status = BookingStatus::Confirmed;
  return {};
}

Result<void> Booking::reject(std::string reason) {
  if (status != BookingStatus::Pending) {
    return std::unexpected(errors::invalidTransition(id, status, BookingStatus::Rejected));
  }
  status = BookingStatus::Rejected;
  rejection_reason = std::move(reason);
  return {};
}

Result<void> Booking::cancel() {
  if (status != BookingStatus::Confirmed) {
    return std::unexpected(errors::invalidTransition(id, status, BookingStatus::Cancelled));
  }
  status = BookingStatus::Cancelled;
  ++version;
  return {};
}

namespace errors {

Error nightsTaken(std::string_view property_id, const std::vector<Date>& nights) {
  std::string list;
  for (const auto& night : nights) {
    list += list.empty() ? "" : ", ";
    list += night.toString();
  }
  return Error{ErrorKind::Refused, "booking.nights_taken", "",
               fmt::format("property {} is already booked on {}", property_id, list)};
}

Error bookingNotFound(std::string_view booking_id) {
  return Error{ErrorKind::NotFound, "booking.not_found", "booking",
               fmt::format("no booking with id '{}'", booking_id)};
}

Error invalidTransition(std::string_view booking_id, BookingStatus from, BookingStatus to) {
  return Error{ErrorKind::Refused, "booking.invalid_transition", "",
               fmt::format("booking {} is {} and cannot become {}", booking_id, toString(from),
                           toString(to))};
}

Error tooManyGuests(std::string_view property_id, int guests, int capacity) {
  return Error{ErrorKind::Refused, "booking.too_many_guests", "guests",
               fmt::format("property {} sleeps {} guests; {} were requested", property_id, capacity,
                           guests)};
}

Error idempotencyKeyReused(std::string_view key) {
  return Error{ErrorKind::InvalidInput, "booking.idempotency_key_reused", "key",
               fmt::format("idempotency key '{}' was already used for a different booking "
                           "request",
                           key)};
}

Error currencyMismatch(std::string_view expected, std::string_view got) {
  return Error{ErrorKind::InvalidInput, "booking.currency_mismatch", "currency",
               fmt::format("expected {}, got {}", expected, got)};
}

Error paymentFailed(std::string_view booking_id, std::string_view reason) {
  return Error{ErrorKind::Refused, "booking.payment_failed", "",
               fmt::format("booking {} was not paid for ({}); its nights are free again",
                           booking_id, reason)};
}

}  // namespace errors
}  // namespace staylab::booking
