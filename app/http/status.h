#pragma once

#include <string>

#include "domain/common/error.h"

// How the platform's errors become HTTP statuses, one table for every route.
namespace staylab::app::http {

// Returns the status for an error the platform or a route returned:
//   400 InvalidInput (the field and the rule)
//   401 Refused "gateway.unauthenticated"
//   403 Refused "gateway.forbidden"
//   404 NotFound
//   409 Refused by the domain (nights taken, suspended listing, a cancelled
//       booking cancelled again) and Conflict (a concurrent writer won)
//   503 StoreFailure (a store failed; the request may be retried)
// HTTP-level refusals carry their own status (see httpError).
int statusFor(const Error& error);

// Returns an error the HTTP layer itself raises ("http.*" codes, kind
// InvalidInput: the request is at fault); the dispatcher picks its status.
Error httpError(std::string code, std::string field, std::string message);

}  // namespace staylab::app::http
