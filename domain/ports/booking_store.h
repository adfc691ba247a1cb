#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/booking/booking.h"
#include "domain/common/event_envelope.h"
#include "domain/ports/outbox.h"

namespace staylab {

// The first answer given to a PlaceBooking with an idempotency key.
struct IdempotencyRecord {
  std::string key;
  std::string request_fingerprint;  // Canonical form of the request it answered.
  std::string booking_id;
  booking::BookingStatus status = booking::BookingStatus::Pending;
  std::string reason;  // The refusal, when the answer was a rejection.
  bool operator==(const IdempotencyRecord&) const = default;
};

struct BookedNight {
  std::string property_id;
  Date night;
  std::string booking_id;
  bool operator==(const BookedNight&) const = default;
};

// Where a booking saga (domain/booking/booking_saga.h) stands: the saga
// table of the booking store, written in the same transactions as the
// booking it runs, so that a restart finds every saga left under way.
enum class SagaStep {
  Charging,     // Nights held (booking Pending); the charge's outcome is not yet recorded.
  Confirmed,    // Charged, booking Confirmed: done.
  Compensated,  // Charge failed or called off, nights released (booking Rejected): done.
};
std::string_view toString(SagaStep step);
Result<SagaStep> parseSagaStep(std::string_view text);

struct SagaRecord {
  std::string booking_id;
  SagaStep step = SagaStep::Charging;
  std::string host_id;  // For the BookingPlaced event of the confirmation.
  int64_t updated_at_nanos = 0;
  bool operator==(const SagaRecord&) const = default;
};

// The operations available inside one booking-store transaction. Everything
// done through it commits together or not at all.
class BookingTransaction {
 public:
  virtual ~BookingTransaction() = default;
  [[nodiscard]] virtual Result<std::optional<IdempotencyRecord>> findIdempotency(
      std::string_view key) = 0;
  [[nodiscard]] virtual Result<void> saveIdempotency(const IdempotencyRecord& record) = 0;
  // Returns the nights of [check_in, check_out) already held by a booking of the property.
  [[nodiscard]] virtual Result<std::vector<Date>> takenNights(std::string_view property_id,
                                                              Date check_in, Date check_out) = 0;
  [[nodiscard]] virtual Result<std::optional<booking::Booking>> findBooking(
      std::string_view booking_id) = 0;
  // Stores a new booking; a Pending or Confirmed one also takes its nights. Taking a
  // night another booking holds fails with Conflict "booking.night_taken":
  // the store itself refuses double bookings.
  [[nodiscard]] virtual Result<void> insertBooking(const booking::Booking& booking) = 0;
  // Stores a changed booking; one that no longer holds its nights (Rejected,
  // Cancelled) releases them.
  [[nodiscard]] virtual Result<void> updateBooking(const booking::Booking& booking) = 0;
  // Stores the saga of `record.booking_id`, replacing what it held.
  [[nodiscard]] virtual Result<void> saveSaga(const SagaRecord& record) = 0;
  // Returns the sagas still under way (step Charging), oldest first.
  [[nodiscard]] virtual Result<std::vector<SagaRecord>> openSagas() = 0;
  [[nodiscard]] virtual Result<void> appendOutbox(const std::vector<EventEnvelope>& events) = 0;
};

struct BookingFilter {
  std::optional<std::string> property_id;
  std::optional<std::string> guest_id;
};

// The booking context's relational store: bookings, their nights (one row per
// property and night, unique), idempotency keys, the saga table and the outbox.
// Errors: StoreFailure when the engine fails; transact() returns whatever the
// body returned, after rolling back when it failed.
// Thread safety: safe from any thread; transactions are serialised.
class BookingStore : public OutboxSource {
 public:
  using TransactionBody = std::function<Result<void>(BookingTransaction&)>;
  using IndexedBody = std::function<Result<void>(size_t index, BookingTransaction&)>;

  // Runs `body` in one serialisable transaction: commits when it succeeds,
  // rolls everything back when it fails.
  [[nodiscard]] virtual Result<void> transact(const TransactionBody& body) = 0;
  // Group commit: runs body(0) ... body(count - 1) in order in one
  // serialisable transaction, each in a savepoint of its own. A body that
  // fails has its own changes rolled back and its error as its result; the
  // changes of the others commit together, in one commit, and each sees those
  // of the bodies before it. Returns one result per body, or, when the
  // transaction as a whole fails (the commit, a savepoint), its error: then
  // nothing was committed.
  // Default: one transact() per body, for adapters without savepoints.
  [[nodiscard]] virtual Result<std::vector<Result<void>>> transactEach(size_t count,
                                                                       const IndexedBody& body) {
    std::vector<Result<void>> results;
    results.reserve(count);
    for (size_t index = 0; index < count; ++index) {
      results.push_back(transact([&](BookingTransaction& tx) { return body(index, tx); }));
    }
    return results;
  }
  [[nodiscard]] virtual Result<std::optional<booking::Booking>> find(
      std::string_view booking_id) = 0;
  // Returns matching bookings ordered by creation time, then id.
  [[nodiscard]] virtual Result<std::vector<booking::Booking>> list(const BookingFilter& filter) = 0;
  // Returns every held night, ordered by property and night.
  [[nodiscard]] virtual Result<std::vector<BookedNight>> bookedNights() = 0;
  // Returns those of `property_ids` that hold at least one night of `stay`,
  // each once, in ascending order; ids the store does not know are free.
  // Answers for every id at once, as one read: a query service asks once for
  // all its candidates.
  [[nodiscard]] virtual Result<std::vector<std::string>> bookedAmong(
      const std::vector<std::string>& property_ids, const Stay& stay) = 0;
};

}  // namespace staylab
