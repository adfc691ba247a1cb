#pragma once

#include <functional>
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

// A booking held by hold(): Pending, its nights taken, with what its
// confirmation will need.
struct HeldBooking {
  Booking booking;        // As stored now: Pending, or, for a replayed key, as it ended.
  std::string host_id;    // The listing's host, for the BookingPlaced event.
  bool replayed = false;  // True when the key was used before: nothing new was held.
};

// A step another part of the context adds to a transaction of the booking
// service (the saga's row, written with the booking it runs): given the
// booking as the transaction leaves it and its listing's host (empty when
// the step does not know it).
using AlsoInTransaction =
    std::function<Result<void>(BookingTransaction&, const Booking&, std::string_view host_id)>;

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

  // The steps of a booking paid for (the saga of domain/booking/booking_saga.h).
  // hold(): place() without the answer: the booking is stored Pending and
  // holds its nights, with no event yet (nothing happened the others must
  // know), and `also` runs in the same transaction. Taken nights are
  // refused (and recorded) as by place(); a known key answers the booking as
  // it is now.
  [[nodiscard]] Result<HeldBooking> hold(const PlaceBooking& command, const CommandContext& context,
                                         const AlsoInTransaction& also = {});
  // Moves the Pending booking `booking_id` to Confirmed with its
  // BookingPlaced event, `also` in the same transaction. A booking already
  // Confirmed is answered as it is (a repeated step); any other is
  // Refused "booking.invalid_transition".
  [[nodiscard]] Result<Booking> confirmHeld(std::string_view booking_id, std::string_view host_id,
                                            const CommandContext& context,
                                            const AlsoInTransaction& also = {});
  // Moves the Pending booking `booking_id` to Rejected with `reason`,
  // releasing its nights, with its BookingRejected event (reason "payment"),
  // `also` in the same transaction. A booking already Rejected is answered
  // as it is; any other is Refused "booking.invalid_transition".
  [[nodiscard]] Result<Booking> releaseHeld(std::string_view booking_id, std::string_view reason,
                                            const CommandContext& context,
                                            const AlsoInTransaction& also = {});
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
  // Whether placeIn() confirms a booking at once, or holds it Pending.
  enum class Placement { Confirm, Hold };
  // Answers `prepared` inside `tx`: replays a known idempotency key, or stores
  // `booking` confirmed (held, with `also`, for Placement::Hold), or rejected
  // when its nights are taken, with its event.
  Result<void> placeIn(BookingTransaction& tx, const Prepared& prepared, Booking booking,
                       const CommandContext& context, Outcome& outcome,
                       Placement placement = Placement::Confirm,
                       const AlsoInTransaction& also = {});
  // Runs place()'s attempts: `body` in one transaction, again when the store
  // caught a lost race, then publishes what committed.
  Result<void> placeWithRetries(const Prepared& prepared, const CommandContext& context,
                                Outcome& outcome, Placement placement,
                                const AlsoInTransaction& also);
  // Moves a Pending booking to `to` with its event (settle of hold()).
  Result<Booking> settleHeld(std::string_view booking_id, BookingStatus to, std::string_view detail,
                             const CommandContext& context, const AlsoInTransaction& also);

  BookingStore& m_store;
  PropertyDirectory& m_properties;
  const Clock& m_clock;
  RandomSource& m_random;
  EventPublishing m_publishing;
};

}  // namespace staylab::booking
