#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/booking/booking.h"
#include "domain/common/error.h"
#include "domain/listing/property.h"

namespace staylab::app {

// The JSON shapes staylab-cli prints with --json; stable for scripts.
nlohmann::json propertyJson(const listing::Property& property);
nlohmann::json bookingJson(const booking::Booking& booking);
nlohmann::json errorJson(const Error& error);

// Serialises JSON for output, replacing any invalid UTF-8 instead of throwing.
std::string dumpJson(const nlohmann::json& json, int indent = -1);

// Formats an amount in minor units for display ("120.50 EUR").
std::string formatMoney(int64_t minor_units, const std::string& currency);

// Prints rows as a plain-text table with a header, columns padded to fit.
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

void printProperty(std::ostream& out, const listing::Property& property);
void printBooking(std::ostream& out, const booking::Booking& booking);

}  // namespace staylab::app
