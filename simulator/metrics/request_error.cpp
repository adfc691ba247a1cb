#include "simulator/metrics/request_error.h"

namespace staylab::sim {
namespace {

struct Traits {
  std::string_view name;
  bool refusal = false;
  bool transient = false;
  bool overload = false;
};

// In RequestError order.
constexpr std::array<Traits, kRequestErrorCount> kTraits = {{
    {"store_outage", false, true, false},
    {"store_error", false, true, false},
    {"store_failure", false, false, false},
    {"link_loss", false, true, false},
    {"link_partition", false, true, false},
    {"unavailable_instance", false, true, false},
    {"instance_killed", false, true, false},
    {"rejected", false, true, true},
    {"timeout", false, true, true},
    {"overloaded", false, false, false},
    {"rate_limited", false, false, false},
    {"circuit_open", false, false, true},
    {"bulkhead_full", false, false, false},
    {"conflict", true, false, false},
    {"not_found", true, false, false},
    {"invalid", true, false, false},
    {"unavailable", false, false, false},
    {"error", false, false, false},
}};

const Traits& traitsOf(RequestError error) {
  return kTraits[static_cast<std::size_t>(error)];
}

}  // namespace

std::string_view toString(RequestError error) {
  return traitsOf(error).name;
}

std::optional<RequestError> requestErrorNamed(std::string_view name) {
  for (std::size_t index = 0; index < kTraits.size(); ++index) {
    if (kTraits[index].name == name)
      return static_cast<RequestError>(index);
  }
  return std::nullopt;
}

bool isRefusal(RequestError error) {
  return traitsOf(error).refusal;
}

bool isTransient(RequestError error) {
  return traitsOf(error).transient;
}

bool isOverload(RequestError error) {
  return traitsOf(error).overload;
}

}  // namespace staylab::sim
