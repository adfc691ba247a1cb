#pragma once

#include <map>
#include <mutex>
#include <utility>

#include "domain/ports/booking_store.h"
#include "stores/memory_outbox.h"

namespace staylab {

// The in-memory twin of SqliteBookingStore, for tests of the layers above the
// port. Same contract: a night is held by at most one booking, and a failed
// transaction leaves no trace.
class MemoryBookingStore final : public BookingStore {
 public:
  Result<void> transact(const TransactionBody& body) override;
  Result<std::vector<Result<void>>> transactEach(size_t count, const IndexedBody& body) override;
  Result<std::optional<booking::Booking>> find(std::string_view booking_id) override;
  Result<std::vector<booking::Booking>> list(const BookingFilter& filter) override;
  Result<std::vector<BookedNight>> bookedNights() override;
  Result<std::vector<std::string>> bookedAmong(const std::vector<std::string>& property_ids,
                                               const Stay& stay) override;

  Result<std::vector<OutboxEntry>> peekOutbox(size_t limit) override;
  Result<void> removeOutbox(int64_t up_to_sequence) override;
  Result<size_t> outboxSize() override;

  struct State {
    std::map<std::string, booking::Booking, std::less<>> bookings;
    std::map<std::pair<std::string, int32_t>, std::string> nights;  // (property, day) -> booking
    std::map<std::string, IdempotencyRecord, std::less<>> keys;
    std::map<std::string, SagaRecord, std::less<>> sagas;
    MemoryOutbox outbox;
  };

 private:
  std::mutex m_mutex;
  State m_state;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab
