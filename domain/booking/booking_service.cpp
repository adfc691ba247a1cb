#include "domain/booking/booking_service.h"

#include <cassert>
#include <iterator>

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

nlohmann::json placedPayload(const Booking& booking, std::string_view host_id) {
  nlohmann::json payload = stayPayload(booking);
  payload["total_minor"] = booking.total_minor;
  payload["currency"] = booking.currency;
  payload["payment_fingerprint"] = booking.signals.payment_fingerprint;
  payload["device"] = booking.signals.device;
  payload["ip"] = booking.signals.ip;
  payload["host_id"] = std::string(host_id);
  return payload;
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
  event.caller = context.caller;
  event.payload = std::move(payload);
  return event;
}

struct BookingService::Prepared {
  std::string property_id;
  std::string guest;
  Stay stay;
  int guests = 1;
  GuestSignals signals;
  std::string key;
  std::string fingerprint;  // Canonical form of the request, for idempotency keys.
  PropertySnapshot property;
  int64_t total_minor = 0;
};

// What placeIn() decided: the answer, or the refusal to answer with once the
// transaction has committed (a rejection is committed, then refused).
struct BookingService::Outcome {
  PlaceBookingAnswer answer;
  std::optional<Error> refusal;
  std::vector<EventEnvelope> events;  // What the transaction wrote, to publish once committed.
};

Result<BookingService::Prepared> BookingService::prepare(
    const PlaceBooking& command, std::map<std::string, PropertySnapshot>* known) {
  if (command.property_id.empty()) {
    return invalidInput("property", "must not be empty");
  }
  std::string guest = STAYLAB_TRY(handle(command.guest, "guest"));
  Stay stay = STAYLAB_TRY(Stay::parse(command.from, command.to));
  // The platform's clock, not the caller, decides what is bookable: a stay
  // that starts before today (UTC) is over or under way.
  constexpr int64_t kNanosPerDay = 86'400'000'000'000;
  const int64_t now = m_clock.nowNanos();
  const int64_t today = now / kNanosPerDay - (now % kNanosPerDay < 0 ? 1 : 0);
  if (stay.checkIn().daysSinceEpoch() < today) {
    auto today_date = Date::fromDays(today);
    return invalidInput("from", "check-in {} is in the past (today is {})",
                        stay.checkIn().toString(),
                        today_date ? today_date->toString() : std::string("unknown"));
  }
  if (command.guests < 1 || command.guests > kMaxGuests) {
    return invalidInput("guests", "must be 1..{}, got {}", kMaxGuests, command.guests);
  }
  GuestSignals signals;
  signals.payment_fingerprint = STAYLAB_TRY(optionalHandle(command.payment, "payment"));
  signals.device = STAYLAB_TRY(optionalHandle(command.device, "device"));
  signals.ip = STAYLAB_TRY(listing::optionalIp(command.ip, "ip"));
  std::string key = STAYLAB_TRY(optionalHandle(command.idempotency_key, "key"));
  std::string property_id = STAYLAB_TRY(handle(command.property_id, "property"));

  const PropertySnapshot* seen = nullptr;
  if (known) {
    if (auto found = known->find(property_id); found != known->end()) {
      seen = &found->second;
    }
  }
  PropertySnapshot property;
  if (seen) {
    property = *seen;
  } else {
    property = STAYLAB_TRY(m_properties.find(property_id));
    if (known) {
      known->emplace(property_id, property);
    }
  }
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
  return Prepared{std::move(property_id),           std::move(guest),    stay,
                  static_cast<int>(command.guests), std::move(signals),  std::move(key),
                  std::move(fingerprint),           std::move(property), total.minorUnits()};
}

Booking BookingService::draft(const Prepared& prepared) {
  Booking booking;
  booking.id = newId(m_random, "bkg");
  booking.property_id = prepared.property_id;
  booking.guest_id = prepared.guest;
  booking.check_in = prepared.stay.checkIn();
  booking.check_out = prepared.stay.checkOut();
  booking.guests = prepared.guests;
  booking.total_minor = prepared.total_minor;
  booking.currency = prepared.property.currency;
  booking.signals = prepared.signals;
  booking.created_at_nanos = m_clock.nowNanos();
  return booking;
}

Result<void> BookingService::placeIn(BookingTransaction& tx, const Prepared& prepared,
                                     Booking booking, const CommandContext& context,
                                     Outcome& outcome, Placement placement,
                                     const AlsoInTransaction& also) {
  outcome = Outcome{};
  const std::string& key = prepared.key;
  if (!key.empty()) {
    auto record = STAYLAB_TRY(tx.findIdempotency(key));
    if (record) {
      if (record->request_fingerprint != prepared.fingerprint) {
        return std::unexpected(errors::idempotencyKeyReused(key));
      }
      auto first = STAYLAB_TRY(tx.findBooking(record->booking_id));
      if (!first) {
        return storeFailure("booking.idempotency_dangling",
                            "idempotency key '{}' names missing booking {}", key,
                            record->booking_id);
      }
      outcome.answer.booking = *first;
      outcome.answer.replayed = true;
      if (record->status != BookingStatus::Pending) {
        // Answered at once: the first answer, whatever became of the booking.
        outcome.answer.booking.status = record->status;
        if (record->status == BookingStatus::Rejected) {
          outcome.refusal = Error{ErrorKind::Refused, "booking.nights_taken", "", record->reason};
        }
      } else if (first->status == BookingStatus::Rejected) {
        // Held, then its payment failed: the booking as it ended.
        outcome.refusal = errors::paymentFailed(first->id, first->rejection_reason);
      }
      return {};
    }
  }
  const std::string& property_id = prepared.property_id;
  auto taken =
      STAYLAB_TRY(tx.takenNights(property_id, prepared.stay.checkIn(), prepared.stay.checkOut()));
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
    outcome.refusal = error;
  } else if (placement == Placement::Confirm) {
    STAYLAB_TRY(booking.confirm());
    events.push_back(makeEvent("BookingPlaced", booking,
                               placedPayload(booking, prepared.property.host_id), context));
  }
  // Held: it stays Pending, holding its nights, and tells no one yet.
  STAYLAB_TRY(tx.insertBooking(booking));
  if (also && booking.status == BookingStatus::Pending) {
    STAYLAB_TRY(also(tx, booking, prepared.property.host_id));
  }
  if (m_publishing.throughOutbox()) {
    STAYLAB_TRY(tx.appendOutbox(events));
  }
  outcome.events = std::move(events);
  if (!key.empty()) {
    STAYLAB_TRY(tx.saveIdempotency(IdempotencyRecord{key, prepared.fingerprint, booking.id,
                                                     booking.status, booking.rejection_reason}));
  }
  outcome.answer.booking = std::move(booking);
  return {};
}

Result<void> BookingService::placeWithRetries(const Prepared& prepared,
                                              const CommandContext& context, Outcome& outcome,
                                              Placement placement, const AlsoInTransaction& also) {
  for (int attempt = 0;; ++attempt) {
    Booking booking = draft(prepared);
    auto committed = m_store.transact([&](BookingTransaction& tx) -> Result<void> {
      return placeIn(tx, prepared, booking, context, outcome, placement, also);
    });
    if (!committed) {
      if (committed.error().kind == ErrorKind::Conflict && attempt + 1 < kAttempts) {
        continue;  // Lost a race the store caught; look again.
      }
      return std::unexpected(committed.error());
    }
    m_publishing.afterCommit(outcome.events);
    if (outcome.refusal) {
      return std::unexpected(*outcome.refusal);
    }
    return {};
  }
}

Result<PlaceBookingAnswer> BookingService::place(const PlaceBooking& command,
                                                 const CommandContext& context) {
  const Prepared prepared = STAYLAB_TRY(prepare(command, nullptr));
  Outcome outcome;
  STAYLAB_TRY(placeWithRetries(prepared, context, outcome, Placement::Confirm, {}));
  return std::move(outcome.answer);
}

Result<HeldBooking> BookingService::hold(const PlaceBooking& command, const CommandContext& context,
                                         const AlsoInTransaction& also) {
  const Prepared prepared = STAYLAB_TRY(prepare(command, nullptr));
  Outcome outcome;
  STAYLAB_TRY(placeWithRetries(prepared, context, outcome, Placement::Hold, also));
  return HeldBooking{std::move(outcome.answer.booking), prepared.property.host_id,
                     outcome.answer.replayed};
}

Result<Booking> BookingService::confirmHeld(std::string_view booking_id, std::string_view host_id,
                                            const CommandContext& context,
                                            const AlsoInTransaction& also) {
  return settleHeld(booking_id, BookingStatus::Confirmed, host_id, context, also);
}

Result<Booking> BookingService::releaseHeld(std::string_view booking_id, std::string_view reason,
                                            const CommandContext& context,
                                            const AlsoInTransaction& also) {
  return settleHeld(booking_id, BookingStatus::Rejected, reason, context, also);
}

Result<Booking> BookingService::settleHeld(std::string_view booking_id, BookingStatus to,
                                           std::string_view detail, const CommandContext& context,
                                           const AlsoInTransaction& also) {
  Booking result;
  std::vector<EventEnvelope> events;
  STAYLAB_TRY(m_store.transact([&](BookingTransaction& tx) -> Result<void> {
    events.clear();
    auto found = STAYLAB_TRY(tx.findBooking(booking_id));
    if (!found) {
      return std::unexpected(errors::bookingNotFound(booking_id));
    }
    Booking booking = *found;
    if (booking.status != to) {
      if (to == BookingStatus::Confirmed) {
        STAYLAB_TRY(booking.confirm());
        events.push_back(
            makeEvent("BookingPlaced", booking, placedPayload(booking, detail), context));
      } else {
        STAYLAB_TRY(booking.reject(std::string(detail)));
        nlohmann::json payload = stayPayload(booking);
        payload["reason"] = "payment";
        events.push_back(makeEvent("BookingRejected", booking, std::move(payload), context));
      }
      STAYLAB_TRY(tx.updateBooking(booking));
      if (m_publishing.throughOutbox()) {
        STAYLAB_TRY(tx.appendOutbox(events));
      }
    }
    if (also) {
      STAYLAB_TRY(also(tx, booking, to == BookingStatus::Confirmed ? detail : ""));
    }
    result = std::move(booking);
    return {};
  }));
  m_publishing.afterCommit(events);
  return result;
}

std::vector<Result<PlaceBookingAnswer>> BookingService::placeMany(
    const std::vector<PlaceBooking>& commands, const std::vector<CommandContext>& contexts) {
  assert(commands.size() == contexts.size() && "one context per command");
  std::vector<Result<PlaceBookingAnswer>> answers(commands.size());
  std::vector<std::optional<Prepared>> prepared(commands.size());
  std::vector<Outcome> outcomes(commands.size());
  // A group looks each property up once: the snapshot is what place() would
  // have read a moment earlier.
  std::map<std::string, PropertySnapshot> known;
  std::vector<size_t> round;  // Commands that go to the store in this attempt.
  for (size_t index = 0; index < commands.size(); ++index) {
    auto ready = prepare(commands[index], &known);
    if (!ready) {
      answers[index] = std::unexpected(std::move(ready).error());
      continue;
    }
    prepared[index].emplace(std::move(*ready));
    round.push_back(index);
  }

  for (int attempt = 0; !round.empty(); ++attempt) {
    const bool last_attempt = attempt + 1 >= kAttempts;
    auto results = m_store.transactEach(
        round.size(), [&](size_t position, BookingTransaction& tx) -> Result<void> {
          const size_t index = round[position];
          return placeIn(tx, *prepared[index], draft(*prepared[index]), contexts[index],
                         outcomes[index]);
        });
    std::vector<size_t> again;
    std::vector<EventEnvelope> committed_events;  // Of this round's commit, in command order.
    for (size_t position = 0; position < round.size(); ++position) {
      const size_t index = round[position];
      const Result<void> result =
          results ? (*results)[position] : Result<void>(std::unexpected(results.error()));
      if (!result) {
        // Lost a race the store caught: look again, as place() does.
        if (result.error().kind == ErrorKind::Conflict && !last_attempt) {
          again.push_back(index);
        } else {
          answers[index] = std::unexpected(result.error());
        }
      } else {
        auto& events = outcomes[index].events;
        std::move(events.begin(), events.end(), std::back_inserter(committed_events));
        if (outcomes[index].refusal) {
          answers[index] = std::unexpected(*outcomes[index].refusal);
        } else {
          answers[index] = std::move(outcomes[index].answer);
        }
      }
    }
    m_publishing.afterCommit(committed_events);
    round = std::move(again);
  }
  return answers;
}

Result<Booking> BookingService::cancel(const CancelBooking& command,
                                       const CommandContext& context) {
  if (command.booking_id.empty()) {
    return invalidInput("booking", "must not be empty");
  }
  Booking result;
  std::vector<EventEnvelope> events;
  STAYLAB_TRY(m_store.transact([&](BookingTransaction& tx) -> Result<void> {
    auto found = STAYLAB_TRY(tx.findBooking(command.booking_id));
    if (!found) {
      return std::unexpected(errors::bookingNotFound(command.booking_id));
    }
    Booking booking = *found;
    STAYLAB_TRY(booking.cancel());
    STAYLAB_TRY(tx.updateBooking(booking));
    events = {makeEvent("BookingCancelled", booking, stayPayload(booking), context)};
    if (m_publishing.throughOutbox()) {
      STAYLAB_TRY(tx.appendOutbox(events));
    }
    result = booking;
    return {};
  }));
  m_publishing.afterCommit(events);
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
