#pragma once

// An event envelope every log adapter accepts, for tests of the layers that
// move events: the log contract, the relay.

#include <cstdint>
#include <string>

#include <fmt/format.h>

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

}  // namespace staylab::testing
