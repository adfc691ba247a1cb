#pragma once

// The anti-corruption layer between the legacy monolith's model and the new
// domain: every translation in both directions lives here, so neither side
// learns the other's model. Legacy rows carry decimal text prices, dates as
// "YYYYMMDD", amenities as one comma-separated text and one-letter status
// codes; the new domain has Money, Date, sets and enums.
//
// A legacy row the new domain cannot hold (a malformed price or date, a
// capacity out of range) is InvalidInput naming the legacy column: such a
// change goes through the retry topic to the error topic, never half applied.

#include <cstdint>
#include <string>
#include <string_view>

#include "app/legacy/legacy_monolith.h"
#include "domain/booking/booking.h"
#include "domain/booking/booking_service.h"
#include "domain/common/error.h"
#include "domain/listing/listing_service.h"
#include "domain/listing/property.h"

namespace staylab::migration {

// Reads a CDC change's row image (a JSON object of the legacy columns).
Result<legacy::PropertyRow> propertyImage(std::string_view image);
Result<legacy::ReservationRow> reservationImage(std::string_view image);

// The id a property born in the legacy system gets in the new one: stable,
// derived from its PROP_NO, shaped as the listing service's own ids.
std::string importedPropertyId(int64_t prop_no);
// The idempotency key of try `tries` of the booking a legacy reservation
// becomes. Each try has its own key: the booking service answers a key with
// its first answer for ever, so a try refused (nights taken, until a
// cancellation overtaken in another partition arrives) must not condemn the
// next. A try delivered again after a crash reuses its key: the record
// carries its tries.
std::string reservationKey(int64_t res_no, int tries);

// A legacy PRICE (decimal text, always two places) as the new domain writes
// a price in `currency` ("371.00" JPY -> "371"); InvalidInput "PRICE" for
// text that is not a plain decimal or has places the currency lacks.
Result<std::string> newPrice(std::string_view legacy_price, std::string_view currency);

// Legacy to new.
Result<listing::CreateProperty> createCommand(const legacy::PropertyRow& row);
// Every field the legacy row holds, so that applying it twice changes nothing.
Result<listing::UpdateProperty> updateCommand(const legacy::PropertyRow& row,
                                              std::string_view property_id);
Result<booking::PlaceBooking> placeCommand(const legacy::ReservationRow& row,
                                           std::string_view property_id, int tries);

// New to legacy (the sync-back and the initial load). prop_no and res_no are
// the rows' keys (0 for a new row).
Result<legacy::PropertyRow> propertyRow(const listing::Property& property, int64_t prop_no);
Result<legacy::ReservationRow> reservationRow(const booking::Booking& booking, int64_t prop_no,
                                              int64_t res_no);

// Whether the two systems hold the same listing or booking, compared in the
// new domain's terms (the legacy row translated, amenities as a set).
bool sameListing(const legacy::PropertyRow& row, const listing::Property& property);
bool sameBooking(const legacy::ReservationRow& row, const booking::Booking& booking);

// "YYYYMMDD" <-> Date.
Result<Date> legacyDate(std::string_view text, std::string_view column);
std::string legacyDateText(const Date& date);

}  // namespace staylab::migration
