#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/ports/event_log.h"

// The audit trail: what one caller did, read from the event log. Every event
// carries its caller (EventEnvelope::caller): the authenticated caller of the
// command that caused it, as the gateway knew it (the API key's caller name,
// "admin" for the local admin), or the service that wrote it itself
// ("fraud-service", "cdc", "saga-recovery", a consumer's name for its
// dead letters). Events of logs written before the field existed have no
// caller and belong to no trail.
namespace staylab::app {

struct AuditRequest {
  std::optional<std::string> caller;  // Required.
};

// Returns every event of the log whose caller is `request.caller`, in log
// order (as tailEvents orders: time, then topic, partition and offset). An
// unknown caller has an empty trail. InvalidInput naming "caller" when it is
// missing, empty or not a handle (1 to 64 of [A-Za-z0-9._:@-], the rule of
// `keys add --caller`); StoreFailure when the log fails.
[[nodiscard]] Result<std::vector<LogRecord>> auditTrail(EventLog& log, const AuditRequest& request);

// Returns a one-line summary of `event` for people: the payload's scalar
// fields that say what happened (property, guest, stay, title, city, reason,
// rule, ...) as key=value, in a fixed order; the aggregate id is left out.
std::string auditSummary(const EventEnvelope& event);

}  // namespace staylab::app
