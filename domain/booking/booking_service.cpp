#include "domain/booking/booking_service.h"

#include "domain/common/money.h"
#include "domain/common/text.h"
#include "domain/listing/listing_service.h"

namespace staylab::booking {
namespace {

constexpr int kAttempts = 3;

Result<std::string> optionalHandle(std::string_view text, std::string_view field) {
  if (text.empty()) {
    return std::string();
  }
  return handle(text, field);
}

nlohmann::json stayPayload(const Booking& booking) {
  return nlohmann::json{
      {"booking_id", booking.id},
      {"property_id", booking.property_id},
      {"guest_id", booking.guest_id},
      {"check_in", booking.check_in.toString()},
      {"check_out", booking.check_out.toString()},
      {"nights", booking.nights()},
      {"guests", booking.guests},
  };
}

}  // namespace

EventEnvelope BookingService::makeEvent(std::string type, const Booking& booking,
                                        nlohmann::json payload, const CommandContext& context) {
  EventEnvelope event;
  event.event_id = newId(m_random, "evt");
  event.type = std::move(type);
  event.schema_version = 1;
  event.aggregate_type = "booking";
  event.aggregate_id = booking.id;
  event.aggregate_version = booking.version;
  event.occurred_at_nanos = m_clock.nowNanos();
  event.correlation_id = context.correlation_id;
  event.causation_id = context.command_id;
  event.payload = std::move(payload);
  return event;
}

Result<PlaceBookingAnswer> BookingService::place(const PlaceBooking& command,
                                                 const CommandContext& context) {
  if (command.property_id.empty()) {
    return invalidInput("property", "must not be empty");
  }
  std::string guest = STAYLAB_TRY(handle(command.guest, "guest"));
  Stay stay = STAYLAB_TRY(Stay::parse(command.from, command.to));
  if (command.guests < 1 || command.guests > kMaxGuests) {
    return invalidInput("guests", "must be 1..{}, got {}", kMaxGuests, command.guests);
  }
  GuestSignals signals;
  signals.payment_fingerprint = STAYLAB_TRY(optionalHandle(command.payment, "payment"));
  signals.device = STAYLAB_TRY(optionalHandle(command.device, "device"));
  signals.ip = STAYLAB_TRY(listing::optionalIp(command.ip, "ip"));
  std::string key = STAYLAB_TRY(optionalHandle(command.idempotency_key, "key"));
  std::string property_id = STAYLAB_TRY(handle(command.property_id, "property"));

  PropertySnapshot property = STAYLAB_TRY(m_properties.find(property_id));
  if (!property.active) {
    return std::unexpected(listing::errors::propertySuspended(property_id));
  }
  if (command.guests > property.capacity) {
    return std::unexpected(
        errors::tooManyGuests(property_id, static_cast<int>(command.guests), property.capacity));
  }
  Currency currency = STAYLAB_TRY(Currency::parse(property.currency));
  Money nightly = STAYLAB_TRY(Money::fromMinor(property.price_minor, currency));
  Money total = STAYLAB_TRY(nightly.times(stay.nights()));

  std::string fingerprint =
      fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", property_id, guest, stay.checkIn().toString(),
                  stay.checkOut().toString(), command.guests, signals.payment_fingerprint,
                  signals.device, signals.ip);

  for (int attempt = 0;; ++attempt) {
    Booking booking;
    booking.id = newId(m_random, "bkg");
    booking.property_id = property_id;
    booking.guest_id = guest;
    booking.check_in = stay.checkIn();
    booking.check_out = stay.checkOut();
    booking.guests = static_cast<int>(command.guests);
    booking.total_minor = total.minorUnits();
    booking.currency = property.currency;
    booking.signals = signals;
    booking.created_at_nanos = m_clock.nowNanos();

    PlaceBookingAnswer answer;
    std::optional<Error> refusal;
    auto committed = m_store.transact([&](BookingTransaction& tx) -> Result<void> {
      refusal.reset();
      answer = PlaceBookingAnswer{};
      if (!key.empty()) {
        auto record = STAYLAB_TRY(tx.findIdempotency(key));
        if (record) {
          if (record->request_fingerprint != fingerprint) {
            return std::unexpected(errors::idempotencyKeyReused(key));
          }
          auto first = STAYLAB_TRY(tx.findBooking(record->booking_id));
          if (!first) {
            return storeFailure("booking.idempotency_dangling",
                                "idempotency key '{}' names missing booking {}", key,
                                record->booking_id);
          }
          answer.booking = *first;
          answer.booking.status = record->status;
          answer.replayed = true;
          if (record->status == BookingStatus::Rejected) {
            refusal = Error{ErrorKind::Refused, "booking.nights_taken", "", record->reason};
          }
          return {};
        }
      }
      auto taken = STAYLAB_TRY(tx.takenNights(property_id, stay.checkIn(), stay.checkOut()));
      std::vector<EventEnvelope> events;
      if (!taken.empty()) {
        Error error = errors::nightsTaken(property_id, taken);
        STAYLAB_TRY(booking.reject(error.message));
        nlohmann::json payload = stayPayload(booking);
        payload["reason"] = "nights_taken";
        nlohmann::json nights = nlohmann::json::array();
        for (const auto& night : taken) {
          nights.push_back(night.toString());
        }
        payload["taken_nights"] = nights;
        events.push_back(makeEvent("BookingRejected", booking, std::move(payload), context));
        refusal = error;
      } else {
        STAYLAB_TRY(booking.confirm());
        nlohmann::json payload = stayPayload(booking);
        payload["total_minor"] = booking.total_minor;
        payload["currency"] = booking.currency;
        payload["payment_fingerprint"] = signals.payment_fingerprint;
        payload["device"] = signals.device;
        payload["ip"] = signals.ip;
        payload["host_id"] = property.host_id;
        events.push_back(makeEvent("BookingPlaced", booking, std::move(payload), context));
      }
      STAYLAB_TRY(tx.insertBooking(booking));
      STAYLAB_TRY(tx.appendOutbox(events));
      if (!key.empty()) {
        STAYLAB_TRY(tx.saveIdempotency(IdempotencyRecord{
            key, fingerprint, booking.id, booking.status, booking.rejection_reason}));
      }
      answer.booking = booking;
      return {};
    });
    if (!committed) {
      if (committed.error().kind == ErrorKind::Conflict && attempt + 1 < kAttempts) {
        continue;  // Lost a race the store caught; look again.
      }
      return std::unexpected(committed.error());
    }
    if (refusal) {
      return std::unexpected(*refusal);
    }
    return answer;
  }
}

Result<Booking> BookingService::cancel(const CancelBooking& command,
                                       const CommandContext& context) {
  if (command.booking_id.empty()) {
    return invalidInput("booking", "must not be empty");
  }
  Booking result;
  STAYLAB_TRY(m_store.transact([&](BookingTransaction& tx) -> Result<void> {
    auto found = STAYLAB_TRY(tx.findBooking(command.booking_id));
    if (!found) {
      return std::unexpected(errors::bookingNotFound(command.booking_id));
    }
    Booking booking = *found;
    STAYLAB_TRY(booking.cancel());
    STAYLAB_TRY(tx.updateBooking(booking));
    STAYLAB_TRY(
        tx.appendOutbox({makeEvent("BookingCancelled", booking, stayPayload(booking), context)}));
    result = booking;
    return {};
  }));
  return result;
}

Result<Booking> BookingService::get(std::string_view booking_id) {
  auto found = STAYLAB_TRY(m_store.find(booking_id));
  if (!found) {
    return std::unexpected(errors::bookingNotFound(booking_id));
  }
  return *found;
}

Result<std::vector<Booking>> BookingService::list(const BookingFilter& filter) {
  return m_store.list(filter);
}

}  // namespace staylab::booking
