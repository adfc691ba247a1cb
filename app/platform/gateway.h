#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "app/platform/booking_queue.h"
#include "app/platform/composed_search.h"
#include "app/platform/key_ring.h"
#include "domain/booking/booking_saga.h"
#include "domain/booking/booking_service.h"
#include "domain/common/platform_patterns.h"
#include "domain/listing/listing_service.h"
#include "domain/ports/text_index.h"

namespace staylab::app {

// The single entry for commands and queries from outside. It checks what the
// caller's role allows, gives every command a fresh command id and
// correlation id (carried by every event the command causes), and routes the
// command to its context's handler.
//
// Roles: a guest books and cancels for itself; a host creates and edits its
// own listings; the fraud service suspends listings; an admin may do all.
// Refused "gateway.forbidden" otherwise.
//
// Searches are answered by the search read model or by composition over the
// write stores, as the query model says; it may change at any time, and
// takes effect from the next search.
class Gateway {
 public:
  // Keeps references to everything it is given, which must outlive it.
  // `search_index` may be null (a platform opened without its read models):
  // search() by the read model then fails.
  Gateway(listing::ListingService& listing, booking::BookingService& bookings, RandomSource& random,
          TextIndex* search_index, ComposedSearch& composed_search,
          QueryModel query_model = QueryModel::ReadModel)
      : m_listing(listing),
        m_bookings(bookings),
        m_random(random),
        m_search_index(search_index),
        m_composed_search(composed_search),
        m_query_model(query_model) {}

  [[nodiscard]] Result<listing::Property> createProperty(const Caller& caller,
                                                         const listing::CreateProperty& command);
  [[nodiscard]] Result<listing::Property> updateProperty(const Caller& caller,
                                                         const listing::UpdateProperty& command);
  // `context`, when given, continues a chain started elsewhere (fraud
  // detection passes the command id and correlation id of its suspicion).
  [[nodiscard]] Result<listing::Property> markPropertyFraud(
      const Caller& caller, const listing::MarkPropertyFraud& command,
      std::optional<CommandContext> context = std::nullopt);
  // Through the booking saga when one is set (a platform whose bookings are
  // paid for), through the booking service otherwise.
  [[nodiscard]] Result<booking::PlaceBookingAnswer> placeBooking(
      const Caller& caller, const booking::PlaceBooking& command);
  // Places single bookings through `saga` from now on (null: without
  // payment). Group commits (placeBookings) stay unpaid. Not thread-safe
  // with placeBooking(): set it once, when the platform is built.
  void setBookingSaga(booking::BookingSaga* saga) { m_saga = saga; }
  // Group commit of PlaceBooking commands (BookingService::placeMany): each
  // command is checked, gets its own ids and answer exactly as through
  // placeBooking(), and the accepted ones share one store commit. Returns one
  // answer per command, in order.
  [[nodiscard]] std::vector<Result<booking::PlaceBookingAnswer>> placeBookings(
      const Caller& caller, const std::vector<booking::PlaceBooking>& commands);
  // Queue-based load leveling (setBookingQueue): checks the caller as
  // placeBooking() does, queues the command and answers "accepted" with
  // its status id at once. InvalidInput "intake" without a queue.
  [[nodiscard]] Result<std::string> submitBooking(const Caller& caller,
                                                  const booking::PlaceBooking& command);
  // Returns where a queued booking request stands (asynchronous
  // request-reply: the caller polls it). NotFound for an unknown id.
  [[nodiscard]] Result<BookingRequestStatus> bookingStatus(std::string_view status_id);
  // Queues PlaceBooking through `queue` for submitBooking(); null for none.
  // `queue` must outlive the gateway.
  void setBookingQueue(BookingQueue* queue) { m_queue = queue; }

  [[nodiscard]] Result<booking::Booking> cancelBooking(const Caller& caller,
                                                       const booking::CancelBooking& command);

  // Searches the listings, for any caller (listings are public): the search
  // read model's TextIndex::search with QueryModel::ReadModel, or
  // ComposedSearch::search with QueryModel::Composition.
  [[nodiscard]] Result<SearchPage> search(const SearchQuery& query);
  // Chooses how search() answers from now on. Safe from any thread.
  void setQueryModel(QueryModel model) { m_query_model.store(model, std::memory_order_relaxed); }
  QueryModel queryModel() const { return m_query_model.load(std::memory_order_relaxed); }

  // Listings are public: every caller may read them.
  [[nodiscard]] Result<listing::Property> getProperty(std::string_view id);
  [[nodiscard]] Result<std::vector<listing::Property>> listProperties(
      std::optional<std::string_view> city);
  // A guest sees its own bookings (no filter means its own; another guest's
  // is forbidden); a host those of one of its listings (--property); the
  // fraud service and an admin every booking.
  [[nodiscard]] Result<std::vector<booking::Booking>> listBookings(const Caller& caller,
                                                                   BookingFilter filter);
  // Returns success when `caller` may read the booking history of a guest
  // (`guest`) or of a property (`property_id`): a guest its own, a host its
  // listings', the fraud service and an admin any. Refused
  // "gateway.forbidden" otherwise; NotFound for an unknown property.
  [[nodiscard]] Result<void> authorizeHistory(const Caller& caller,
                                              std::optional<std::string_view> guest,
                                              std::optional<std::string_view> property_id);

 private:
  CommandContext newContext(const Caller& caller, std::string correlation_id = {});

  listing::ListingService& m_listing;
  booking::BookingService& m_bookings;
  booking::BookingSaga* m_saga = nullptr;
  RandomSource& m_random;
  TextIndex* m_search_index;
  ComposedSearch& m_composed_search;
  std::atomic<QueryModel> m_query_model;
  BookingQueue* m_queue = nullptr;
};

}  // namespace staylab::app
