#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/common/date.h"
#include "domain/common/error.h"

namespace staylab::booking {

// Pending -> Confirmed | Rejected; Confirmed -> Cancelled.
enum class BookingStatus { Pending, Confirmed, Rejected, Cancelled };
std::string_view toString(BookingStatus status);
Result<BookingStatus> parseStatus(std::string_view text);

inline constexpr int kMaxGuests = 50;

// Signals about the guest's request; used by fraud detection.
struct GuestSignals {
  std::string payment_fingerprint;
  std::string device;
  std::string ip;
  bool operator==(const GuestSignals&) const = default;
};

// The Booking aggregate. A Pending booking (held while its payment is under
// way) and a Confirmed one hold their nights; other states hold none.
struct Booking {
  std::string id;
  std::string property_id;
  std::string guest_id;
  Date check_in;
  Date check_out;
  int guests = 1;
  int64_t total_minor = 0;
  std::string currency;
  BookingStatus status = BookingStatus::Pending;
  std::string rejection_reason;  // Set when Rejected.
  GuestSignals signals;
  int64_t created_at_nanos = 0;
  int64_t version = 1;  // 1 when placed (confirmed or rejected), +1 per later change.

  // Returns whether the booking holds its nights (Pending or Confirmed).
  bool holdsNights() const {
    return status == BookingStatus::Pending || status == BookingStatus::Confirmed;
  }
  int nights() const { return check_out.daysSinceEpoch() - check_in.daysSinceEpoch(); }
  std::vector<Date> nightDates() const;

  // Moves Pending to Confirmed.
  [[nodiscard]] Result<void> confirm();
  // Moves Pending to Rejected with a reason.
  [[nodiscard]] Result<void> reject(std::string reason);
  // Moves Confirmed to Cancelled; anything else is Refused.
  [[nodiscard]] Result<void> cancel();

  bool operator==(const Booking&) const = default;
};

// Errors of the booking context.
namespace errors {
Error nightsTaken(std::string_view property_id, const std::vector<Date>& nights);
Error bookingNotFound(std::string_view booking_id);
Error invalidTransition(std::string_view booking_id, BookingStatus from, BookingStatus to);
Error tooManyGuests(std::string_view property_id, int guests, int capacity);
Error idempotencyKeyReused(std::string_view key);
Error currencyMismatch(std::string_view expected, std::string_view got);
// Refused "booking.payment_failed": the charge failed, the nights were released.
Error paymentFailed(std::string_view booking_id, std::string_view reason);
}  // namespace errors

}  // namespace staylab::booking
