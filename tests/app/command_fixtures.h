#pragma once

// Commands the gateway and audit suites send: a listing of a host's and a
// guest's stay, each with the fields a test does not care about filled in.

#include <string>

#include "domain/booking/booking_service.h"
#include "domain/listing/listing_service.h"

namespace staylab::app::testing {

// A two-guest listing in Utrecht at 80 EUR, owned by `host`.
inline listing::CreateProperty listingFor(const std::string& host) {
  listing::CreateProperty command;
  command.host = host;
  command.title = "Sunny loft by the canal";
  command.city = "Utrecht";
  command.price = "80";
  command.currency = "EUR";
  command.capacity = 2;
  return command;
}

// `guest`'s stay at `property`, from `from` to `to` (check-out day).
inline booking::PlaceBooking stayFor(const std::string& guest, const std::string& property,
                                     const std::string& from = "2030-05-10",
                                     const std::string& to = "2030-05-12") {
  booking::PlaceBooking command;
  command.property_id = property;
  command.guest = guest;
  command.from = from;
  command.to = to;
  return command;
}

}  // namespace staylab::app::testing
