#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"

namespace staylab {

// Every domain event travels in this envelope, through a context's outbox and
// the event log. The payload is JSON; its shape is fixed per (type, schema_version).
struct EventEnvelope {
  std::string event_id;  // Unique; consumers deduplicate by it.
  std::string type;      // "BookingPlaced", ...
  int schema_version = 1;
  std::string aggregate_type;  // "property" or "booking"; also the event's topic.
  std::string aggregate_id;
  int64_t aggregate_version = 0;  // The aggregate's version after this event.
  int64_t occurred_at_nanos = 0;  // From the Clock port.
  std::string correlation_id;     // The command that started the chain.
  std::string causation_id;       // The command or event that caused this one.
  // Who did it, for the audit trail: the authenticated caller of the command
  // (its API key's caller name, "admin" for the local admin), or the service
  // that wrote the event itself ("fraud-service", "cdc", a consumer's name).
  // Set by the gateway and the pipeline, never from a request's body. Empty
  // when unknown: events of logs written before the field existed.
  std::string caller;
  nlohmann::json payload;

  // Returns the envelope as JSON; "caller" only when known, so an event
  // without one keeps the bytes of the older format.
  nlohmann::json toJson() const;
  // Validates the shape and types of every field; InvalidInput names the
  // field. "caller" is optional (older logs): absent, it decodes as unknown
  // (empty); present, it must be a non-empty string.
  static Result<EventEnvelope> fromJson(const nlohmann::json& json);
  // Decodes an envelope from its JSON text, as stored in an outbox row or a
  // log record: InvalidInput "event" when the text is not JSON, otherwise as
  // fromJson. Never throws.
  static Result<EventEnvelope> fromText(std::string_view text);

  bool operator==(const EventEnvelope&) const = default;
};

// An event as kept in a context's outbox: its envelope and the outbox's own
// increasing sequence number.
struct OutboxEntry {
  int64_t sequence = 0;
  EventEnvelope event;
};

}  // namespace staylab
