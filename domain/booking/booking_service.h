#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/booking/booking.h"
#include "domain/common/command_context.h"
#include "domain/ports/booking_store.h"
#include "domain/ports/clock.h"
#include "domain/ports/event_publisher.h"
#include "domain/ports/property_directory.h"
#include "domain/ports/random.h"

namespace staylab::booking {

// A booking request as the caller sent it; the service validates every field.
struct PlaceBooking {
  std::string property_id;
  std::string guest;
  std::string from;  // Check-in, YYYY-MM-DD.
  std::string to;    // Check-out, YYYY-MM-DD (exclusive).
  int64_t guests = 1;
  std::string payment;          // Optional payment fingerprint.
  std::string device;           // Optional.
  std::string ip;               // Optional.
  std::string idempotency_key;  // Optional; retries with the same key get the first answer.
};

struct CancelBooking {
  std::string booking_id;
};

struct PlaceBookingAnswer {
  Booking booking;
  bool replayed = false;  // True when the answer is the stored first answer for the key.
};

// The booking context's command and query handlers.
//
// place(): a confirmed booking and its BookingPlaced event commit together; a
// request whose nights are taken commits a Rejected booking and its
// BookingRejected event, then answers Refused "booking.nights_taken".
// placeMany(): group commit of several PlaceBooking commands (see there).
// Events commit in the store's outbox with their change, or, with
// EventPublishing::dualWrite, are published once the change has committed,
// rejections included (see EventPublishing).
// Thread safety: safe to call from any thread.
class BookingService {
 public:
  BookingService(BookingStore& store, PropertyDirectory& properties, const Clock& clock,
                 RandomSource& random, EventPublishing publishing = {})
      : m_store(store),
        m_properties(properties),
        m_clock(clock),
        m_random(random),
        m_publishing(publishing) {}

  [[nodiscard]] Result<PlaceBookingAnswer> place(const PlaceBooking& command,
                                                 const CommandContext& context);
  // Places `commands[i]` under `contexts[i]` (same sizes), each with exactly
  // the checks, effects and answer of place(), as if placed one after the
  // other in order: a later command sees the nights and idempotency keys of
  // the earlier ones. Every command that reaches the store runs in its own
  // savepoint of one store transaction, so all of them share one commit; a
  // command that fails leaves no trace and does not affect the others. When
  // the shared commit itself fails, every command that reached the store
  // gets that error (none of them was acknowledged). Returns one answer per
  // command, in order.
  [[nodiscard]] std::vector<Result<PlaceBookingAnswer>> placeMany(
      const std::vector<PlaceBooking>& commands, const std::vector<CommandContext>& contexts);
  [[nodiscard]] Result<Booking> cancel(const CancelBooking& command, const CommandContext& context);
  [[nodiscard]] Result<Booking> get(std::string_view booking_id);
  [[nodiscard]] Result<std::vector<Booking>> list(const BookingFilter& filter);

 private:
  struct Prepared;
  struct Outcome;

  EventEnvelope makeEvent(std::string type, const Booking& booking, nlohmann::json payload,
                          const CommandContext& context);
  // Validates `command` and looks its property up in `m_properties`, or in
  // `known` when it holds it (filled as properties are found).
  Result<Prepared> prepare(const PlaceBooking& command,
                           std::map<std::string, PropertySnapshot>* known);
  // Returns a Pending booking for `prepared`, with a fresh id and the current time.
  Booking draft(const Prepared& prepared);
  // Answers `prepared` inside `tx`: replays a known idempotency key, or stores
  // `booking` confirmed (or rejected when its nights are taken) with its event.
  Result<void> placeIn(BookingTransaction& tx, const Prepared& prepared, Booking booking,
                       const CommandContext& context, Outcome& outcome);

  BookingStore& m_store;
  PropertyDirectory& m_properties;
  const Clock& m_clock;
  RandomSource& m_random;
  EventPublishing m_publishing;
};

}  // namespace staylab::booking
