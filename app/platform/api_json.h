#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "domain/booking/booking.h"
#include "domain/common/error.h"
#include "domain/listing/property.h"
#include "domain/ports/event_log.h"
#include "domain/ports/text_index.h"
#include "domain/ports/wide_column_store.h"

// The JSON shapes of the platform's answers, shared by every front end:
// staylab-cli prints them with --json and the HTTP server sends them as
// bodies. Stable for scripts.
namespace staylab::app {

nlohmann::json propertyJson(const listing::Property& property);
nlohmann::json bookingJson(const booking::Booking& booking);
// The error object: {"error": {"kind", "code", "field", "message"}}.
nlohmann::json errorJson(const Error& error);
nlohmann::json searchHitJson(const SearchHit& hit);
// One cell of the booking history: booking id, version and the change.
nlohmann::json historyCellJson(const Cell& cell);
// One event of the log with its position.
nlohmann::json logRecordJson(const LogRecord& record);
// One event of an audit trail: when, what, to which aggregate, its summary
// (auditSummary) and where it sits in the log.
nlohmann::json auditEntryJson(const LogRecord& record);

// Formats an amount in minor units for display ("120.50 EUR").
std::string formatMoney(int64_t minor_units, const std::string& currency);

// Serialises JSON for output, replacing any invalid UTF-8 instead of throwing.
std::string dumpJson(const nlohmann::json& json, int indent = -1);

}  // namespace staylab::app
