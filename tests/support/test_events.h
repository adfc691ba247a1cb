#pragma once

// Event envelopes for tests of the layers that move and apply events: one
// every log adapter accepts (the log contract, the relay), and the
// BookingPlaced a projection applies.

#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "domain/common/event_envelope.h"

namespace staylab::testing {

// Version `version` of aggregate `aggregate_id` in `topic`, with an id of
// its own ("topic/aggregate/version").
inline EventEnvelope makeEvent(std::string topic, std::string aggregate_id, int64_t version) {
  EventEnvelope event;
  event.event_id = fmt::format("{}/{}/{}", topic, aggregate_id, version);
  event.type = "TestHappened";
  event.schema_version = 1;
  event.aggregate_type = std::move(topic);
  event.aggregate_id = std::move(aggregate_id);
  event.aggregate_version = version;
  event.occurred_at_nanos = 1'700'000'000'000'000'000 + version;
  event.correlation_id = "command-1";
  event.causation_id = "command-1";
  event.payload = nlohmann::json{{"version", version}};
  return event;
}

// The `serial`-th BookingPlaced of booking `booking_id`, with `payload`; its
// ids, time and correlation follow from `serial`.
inline EventEnvelope bookingPlaced(int serial, std::string booking_id, nlohmann::json payload) {
  EventEnvelope event;
  event.event_id = fmt::format("evt-{:04}", serial);
  event.type = "BookingPlaced";
  event.schema_version = 1;
  event.aggregate_type = "booking";
  event.aggregate_id = std::move(booking_id);
  event.aggregate_version = 1;
  event.occurred_at_nanos = 1'000'000LL * serial;
  event.correlation_id = fmt::format("cmd-{}", serial);
  event.causation_id = event.correlation_id;
  event.payload = std::move(payload);
  return event;
}

}  // namespace staylab::testing
