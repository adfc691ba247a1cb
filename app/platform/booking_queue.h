#pragma once

// Queue-based load leveling with asynchronous request-reply for PlaceBooking
// (PlatformPatterns::booking_intake == BookingIntake::Queued). submit()
// appends the command to the topic `booking-requests` of the event log (one
// partition: a FIFO queue) and answers at once with a status id; drain(),
// the worker, takes the commands in order and places each through the
// booking service, with the status id as its idempotency key, so a command
// taken twice (a worker that restarts from an older offset) books once;
// status() tells the caller how its request ended, or that it waits.
//
// The worker's position and the statuses live in memory: a new queue starts
// from offset 0 and learns every status again from the idempotency keys.
//
// Thread safety: not thread-safe; one caller at a time (the gateway's
// thread, or the simulator's).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "domain/booking/booking_service.h"
#include "domain/common/command_context.h"
#include "domain/ports/clock.h"
#include "domain/ports/event_log.h"
#include "domain/ports/random.h"

namespace staylab::app {

// Where a queued booking request stands.
struct BookingRequestStatus {
  enum class State { Waiting, Done };
  State state = State::Waiting;
  // Done: the booking service's answer (a confirmed booking, or the refusal
  // or failure, as place() gave it).
  std::optional<Result<booking::PlaceBookingAnswer>> answer;
};

// How far the worker is behind the queue: `waiting` of `end` commands.
struct QueueDepth {
  std::int64_t waiting = 0;
  std::int64_t end = 0;
};

class BookingQueue {
 public:
  static constexpr std::string_view kTopic = "booking-requests";
  static constexpr int kPartitions = 1;  // One partition: the queue's order is kept.

  // Keeps references to everything it is given, which must outlive it.
  BookingQueue(EventLog& log, booking::BookingService& bookings, const Clock& clock,
               RandomSource& random)
      : m_log(log), m_bookings(bookings), m_clock(clock), m_random(random) {}

  // Appends `command` to the queue; returns its status id. The caller's
  // rights are the gateway's to check. Errors: the log's (nothing queued).
  [[nodiscard]] Result<std::string> submit(const booking::PlaceBooking& command,
                                           const CommandContext& context);
  // Places up to `max` queued commands in order; returns how many it took.
  // A store failure stops it before the command it failed on, which the
  // next drain tries again; a refusal (nights taken) is that command's
  // outcome.
  [[nodiscard]] Result<std::size_t> drain(std::size_t max);
  // Returns the commands waiting for the worker.
  [[nodiscard]] Result<QueueDepth> depth();
  // Returns where request `status_id` stands; NotFound for an id this
  // queue never gave.
  [[nodiscard]] Result<BookingRequestStatus> status(std::string_view status_id) const;

 private:
  EventLog& m_log;
  booking::BookingService& m_bookings;
  const Clock& m_clock;
  RandomSource& m_random;
  std::int64_t m_next = 0;  // The worker's offset in the queue's partition.
  std::map<std::string, BookingRequestStatus, std::less<>> m_statuses;
};

}  // namespace staylab::app
