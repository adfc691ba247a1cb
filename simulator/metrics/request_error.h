#pragma once

// How a simulated request, or a step of an asynchronous part, can end other
// than in success, with the traits every reader of the metrics shares: the
// engine's patterns (retry what is transient), the metrics (count refusals
// apart), the app's health colours (tell overload from faults). The names
// are those of summary.json, timeseries.csv and the report.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>

namespace staylab::sim {

enum class RequestError : std::uint8_t {
  // Faults of what the request crosses.
  StoreOutage,          // A store refused every call (store_outage fault).
  StoreError,           // A store failed the call (store_error_rate fault).
  StoreFailure,         // A real store failed for a reason of its own.
  LinkLoss,             // The message was lost on a link.
  LinkPartition,        // The link dropped everything.
  UnavailableInstance,  // No instance of the component is alive.
  InstanceKilled,       // The instance serving it died before it could answer.
  // Overload: the system, or a pattern protecting it, shed the request.
  Rejected,      // The component's queue was full.
  Timeout,       // The answer did not come within the deadline.
  Overloaded,    // Past the engine's bound on requests in flight.
  RateLimited,   // The rate limit had no token.
  CircuitOpen,   // The circuit breaker refused the call.
  BulkheadFull,  // The bulkhead had no room for the call.
  // Refusals: the domain answered; the system worked.
  Conflict,  // Nights taken, a stale revision.
  NotFound,  // No such listing or booking.
  Invalid,   // Input the domain refuses.
  // Other failures.
  Unavailable,  // Nothing to act on (no booking left to cancel).
  Failed,       // A failure with no kind of its own.
};

inline constexpr std::size_t kRequestErrorCount = 18;

// Returns the error's name: "store_outage", "circuit_open", "conflict"...
std::string_view toString(RequestError error);
// Returns the error named `name`, or nothing.
std::optional<RequestError> requestErrorNamed(std::string_view name);

// Returns true for an answer of the domain (a conflict, a missing aggregate,
// invalid input), given by a working system: error rates count it, health
// and the failure charts do not.
bool isRefusal(RequestError error);
// Returns true for an error that a retry of the same call may not meet
// again: a fault of the path or a full queue, not a refusal, and not the
// shedding of a pattern.
bool isTransient(RequestError error);
// Returns true for the failures a saturated component causes by itself,
// without a fault: a full queue, a timeout, an open circuit.
bool isOverload(RequestError error);

// Orders errors by name, so that tables and files list them alphabetically.
struct ByErrorName {
  bool operator()(RequestError left, RequestError right) const {
    return toString(left) < toString(right);
  }
};

// Errors counted by kind, listed by name.
using ErrorCounts = std::map<RequestError, std::uint64_t, ByErrorName>;

}  // namespace staylab::sim
