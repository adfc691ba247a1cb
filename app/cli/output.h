#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/platform/api_json.h"
#include "domain/booking/booking.h"
#include "domain/common/error.h"
#include "domain/listing/property.h"

namespace staylab::app {

// Prints rows as a plain-text table with a header, columns padded to fit.
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

void printProperty(std::ostream& out, const listing::Property& property);
void printBooking(std::ostream& out, const booking::Booking& booking);

}  // namespace staylab::app
