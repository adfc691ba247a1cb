#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "domain/booking/booking_service.h"
#include "domain/listing/listing_service.h"

namespace staylab::app {

enum class Role { Guest, Host, FraudService, Admin };
std::string_view toString(Role role);
Result<Role> parseRole(std::string_view text);

// An authenticated caller: a handle and the role its API key grants.
struct Caller {
  std::string name;
  Role role = Role::Guest;
};

// API keys and the callers they stand for, kept in a JSON file
// (api-keys.json in the data directory), written atomically.
// Thread safety: safe from any thread.
class KeyRing {
 public:
  static Result<std::unique_ptr<KeyRing>> open(std::filesystem::path file);

  // Returns the caller of `api_key`; Refused "gateway.unauthenticated" when unknown.
  [[nodiscard]] Result<Caller> authenticate(std::string_view api_key) const;
  // Issues a new key for `caller`, drawn from `random`, and saves the ring.
  [[nodiscard]] Result<std::string> issue(const Caller& caller, RandomSource& random);
  std::map<std::string, Caller> keys() const;

 private:
  explicit KeyRing(std::filesystem::path file) : m_file(std::move(file)) {}
  Result<void> save() const;

  std::filesystem::path m_file;
  mutable std::mutex m_mutex;
  std::map<std::string, Caller> m_keys;  // GUARDED_BY(m_mutex)
};

// The single entry for commands and queries from outside. It checks what the
// caller's role allows, gives every command a fresh command id and
// correlation id (carried by every event the command causes), and routes the
// command to its context's handler.
//
// Roles: a guest books and cancels for itself; a host creates and edits its
// own listings; the fraud service suspends listings; an admin may do all.
// Refused "gateway.forbidden" otherwise.
class Gateway {
 public:
  Gateway(listing::ListingService& listing, booking::BookingService& bookings, RandomSource& random)
      : m_listing(listing), m_bookings(bookings), m_random(random) {}

  [[nodiscard]] Result<listing::Property> createProperty(const Caller& caller,
                                                         const listing::CreateProperty& command);
  [[nodiscard]] Result<listing::Property> updateProperty(const Caller& caller,
                                                         const listing::UpdateProperty& command);
  // `context`, when given, continues a chain started elsewhere (fraud
  // detection passes the command id and correlation id of its suspicion).
  [[nodiscard]] Result<listing::Property> markPropertyFraud(
      const Caller& caller, const listing::MarkPropertyFraud& command,
      std::optional<CommandContext> context = std::nullopt);
  [[nodiscard]] Result<booking::PlaceBookingAnswer> placeBooking(
      const Caller& caller, const booking::PlaceBooking& command);
  // Group commit of PlaceBooking commands (BookingService::placeMany): each
  // command is checked, gets its own ids and answer exactly as through
  // placeBooking(), and the accepted ones share one store commit. Returns one
  // answer per command, in order.
  [[nodiscard]] std::vector<Result<booking::PlaceBookingAnswer>> placeBookings(
      const Caller& caller, const std::vector<booking::PlaceBooking>& commands);
  [[nodiscard]] Result<booking::Booking> cancelBooking(const Caller& caller,
                                                       const booking::CancelBooking& command);

  // Queries are open to every authenticated caller.
  [[nodiscard]] Result<listing::Property> getProperty(std::string_view id);
  [[nodiscard]] Result<std::vector<listing::Property>> listProperties(
      std::optional<std::string_view> city);
  [[nodiscard]] Result<std::vector<booking::Booking>> listBookings(const BookingFilter& filter);

 private:
  CommandContext newContext(const Caller& caller, std::string correlation_id = {});

  listing::ListingService& m_listing;
  booking::BookingService& m_bookings;
  RandomSource& m_random;
};

}  // namespace staylab::app
