#include "stores/relational/memory_booking_store.h"

#include <algorithm>
#include <set>

namespace staylab {
namespace {

using booking::Booking;

// Collects a transaction's writes over the committed state; commit() applies them.
class MemoryBookingTransaction final : public BookingTransaction {
 public:
  explicit MemoryBookingTransaction(const MemoryBookingStore::State& base) : m_base(base) {}

  Result<std::optional<IdempotencyRecord>> findIdempotency(std::string_view key) override {
    if (auto it = m_keys.find(key); it != m_keys.end()) {
      return std::optional<IdempotencyRecord>(it->second);
    }
    if (auto it = m_base.keys.find(key); it != m_base.keys.end()) {
      return std::optional<IdempotencyRecord>(it->second);
    }
    return std::optional<IdempotencyRecord>();
  }

  Result<void> saveIdempotency(const IdempotencyRecord& record) override {
    if (findIdempotency(record.key).value()) {
      return std::unexpected(Error{ErrorKind::Conflict, "sqlite.constraint", "key",
                                   fmt::format("idempotency key '{}' exists", record.key)});
    }
    m_keys[record.key] = record;
    return {};
  }

  Result<std::vector<Date>> takenNights(std::string_view property_id, Date check_in,
                                        Date check_out) override {
    std::vector<Date> taken;
    for (Date night = check_in; night < check_out; night = night.plusDays(1)) {
      if (holder(std::string(property_id), night.daysSinceEpoch())) {
        taken.push_back(night);
      }
    }
    return taken;
  }

  Result<std::optional<Booking>> findBooking(std::string_view booking_id) override {
    if (auto it = m_bookings.find(booking_id); it != m_bookings.end()) {
      return std::optional<Booking>(it->second);
    }
    if (auto it = m_base.bookings.find(booking_id); it != m_base.bookings.end()) {
      return std::optional<Booking>(it->second);
    }
    return std::optional<Booking>();
  }

  Result<void> insertBooking(const Booking& booking) override {
    if (findBooking(booking.id).value()) {
      return std::unexpected(Error{ErrorKind::Conflict, "sqlite.constraint", "",
                                   fmt::format("booking {} exists", booking.id)});
    }
    if (booking.holdsNights()) {
      for (Date night : booking.nightDates()) {
        if (holder(booking.property_id, night.daysSinceEpoch())) {
          return std::unexpected(Error{ErrorKind::Conflict, "booking.night_taken", "",
                                       fmt::format("the store refused night {} of property {}: "
                                                   "it is already booked",
                                                   night.toString(), booking.property_id)});
        }
      }
      for (Date night : booking.nightDates()) {
        m_nights[{booking.property_id, night.daysSinceEpoch()}] = booking.id;
      }
    }
    m_bookings[booking.id] = booking;
    return {};
  }

  Result<void> updateBooking(const Booking& booking) override {
    auto existing = findBooking(booking.id).value();
    if (!existing) {
      return std::unexpected(booking::errors::bookingNotFound(booking.id));
    }
    Booking updated = *existing;
    updated.status = booking.status;
    updated.rejection_reason = booking.rejection_reason;
    updated.version = booking.version;
    if (!updated.holdsNights()) {
      for (Date night : updated.nightDates()) {
        auto key = std::make_pair(updated.property_id, night.daysSinceEpoch());
        if (holder(key.first, key.second) == updated.id) {
          m_nights[key] = std::nullopt;
        }
      }
    }
    m_bookings[updated.id] = updated;
    return {};
  }

  Result<void> appendOutbox(const std::vector<EventEnvelope>& events) override {
    m_events.insert(m_events.end(), events.begin(), events.end());
    return {};
  }

  Result<void> saveSaga(const SagaRecord& record) override {
    m_sagas[record.booking_id] = record;
    return {};
  }

  Result<std::vector<SagaRecord>> openSagas() override {
    std::map<std::string, SagaRecord, std::less<>> merged = m_base.sagas;
    for (const auto& [id, record] : m_sagas) {
      merged[id] = record;
    }
    std::vector<SagaRecord> open;
    for (const auto& [id, record] : merged) {
      if (record.step == SagaStep::Charging) {
        open.push_back(record);
      }
    }
    std::stable_sort(open.begin(), open.end(), [](const SagaRecord& a, const SagaRecord& b) {
      return std::tie(a.updated_at_nanos, a.booking_id) <
             std::tie(b.updated_at_nanos, b.booking_id);
    });
    return open;
  }

  void commit(MemoryBookingStore::State& state) {
    for (auto& [id, record] : m_sagas) {
      state.sagas[id] = record;
    }
    for (auto& [id, booking] : m_bookings) {
      state.bookings[id] = booking;
    }
    for (auto& [key, holder] : m_nights) {
      if (holder) {
        state.nights[key] = *holder;
      } else {
        state.nights.erase(key);
      }
    }
    for (auto& [key, record] : m_keys) {
      state.keys[key] = record;
    }
    state.outbox.append(m_events);
  }

 private:
  std::optional<std::string> holder(const std::string& property_id, int32_t day) const {
    auto key = std::make_pair(property_id, day);
    if (auto it = m_nights.find(key); it != m_nights.end()) {
      return it->second;
    }
    if (auto it = m_base.nights.find(key); it != m_base.nights.end()) {
      return it->second;
    }
    return std::nullopt;
  }

  const MemoryBookingStore::State& m_base;
  std::map<std::string, Booking, std::less<>> m_bookings;
  std::map<std::pair<std::string, int32_t>, std::optional<std::string>> m_nights;
  std::map<std::string, IdempotencyRecord, std::less<>> m_keys;
  std::map<std::string, SagaRecord, std::less<>> m_sagas;
  std::vector<EventEnvelope> m_events;
};

}  // namespace

Result<void> MemoryBookingStore::transact(const TransactionBody& body) {
  std::lock_guard lock(m_mutex);
  MemoryBookingTransaction transaction(m_state);
  STAYLAB_TRY(body(transaction));
  transaction.commit(m_state);
  return {};
}

Result<std::vector<Result<void>>> MemoryBookingStore::transactEach(size_t count,
                                                                   const IndexedBody& body) {
  std::lock_guard lock(m_mutex);
  std::vector<Result<void>> results;
  results.reserve(count);
  for (size_t index = 0; index < count; ++index) {
    MemoryBookingTransaction transaction(m_state);
    Result<void> result = body(index, transaction);
    if (result) {
      transaction.commit(m_state);
    }
    results.push_back(std::move(result));
  }
  return results;
}

Result<std::optional<Booking>> MemoryBookingStore::find(std::string_view booking_id) {
  std::lock_guard lock(m_mutex);
  if (auto it = m_state.bookings.find(booking_id); it != m_state.bookings.end()) {
    return std::optional<Booking>(it->second);
  }
  return std::optional<Booking>();
}

Result<std::vector<Booking>> MemoryBookingStore::list(const BookingFilter& filter) {
  std::lock_guard lock(m_mutex);
  std::vector<Booking> result;
  for (const auto& [id, booking] : m_state.bookings) {
    if ((!filter.property_id || booking.property_id == *filter.property_id) &&
        (!filter.guest_id || booking.guest_id == *filter.guest_id)) {
      result.push_back(booking);
    }
  }
  std::stable_sort(result.begin(), result.end(), [](const Booking& a, const Booking& b) {
    return std::tie(a.created_at_nanos, a.id) < std::tie(b.created_at_nanos, b.id);
  });
  return result;
}

Result<std::vector<BookedNight>> MemoryBookingStore::bookedNights() {
  std::lock_guard lock(m_mutex);
  std::vector<BookedNight> result;
  for (const auto& [key, booking_id] : m_state.nights) {
    result.push_back(BookedNight{key.first, Date::fromDays(key.second).value(), booking_id});
  }
  return result;
}

Result<std::vector<std::string>> MemoryBookingStore::bookedAmong(
    const std::vector<std::string>& property_ids, const Stay& stay) {
  std::lock_guard lock(m_mutex);
  std::set<std::string> booked;
  for (const auto& property_id : property_ids) {
    auto first = m_state.nights.lower_bound({property_id, stay.checkIn().daysSinceEpoch()});
    if (first != m_state.nights.end() && first->first.first == property_id &&
        first->first.second < stay.checkOut().daysSinceEpoch()) {
      booked.insert(property_id);
    }
  }
  return std::vector<std::string>(booked.begin(), booked.end());
}

Result<std::vector<OutboxEntry>> MemoryBookingStore::peekOutbox(size_t limit) {
  std::lock_guard lock(m_mutex);
  return m_state.outbox.peek(limit);
}

Result<void> MemoryBookingStore::removeOutbox(int64_t up_to_sequence) {
  std::lock_guard lock(m_mutex);
  m_state.outbox.remove(up_to_sequence);
  return {};
}

Result<size_t> MemoryBookingStore::outboxSize() {
  std::lock_guard lock(m_mutex);
  return m_state.outbox.size();
}

}  // namespace staylab
