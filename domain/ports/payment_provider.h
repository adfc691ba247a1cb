#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/error.h"

namespace staylab {

// The payment provider outside the platform (a card processor), as the
// Payment context calls it. Both calls carry the charge's idempotency key,
// which real providers accept (an "Idempotency-Key" header): the same key
// never charges twice, and refunding a key that was never charged is a
// no-op, so the Payment context may repeat either after a crash.
// Errors: Refused "payment.declined" when the provider declines; any other
// error when it could not be reached or failed (nothing was charged).
// Thread safety: as the adapter says.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;

  // Charges `amount_minor` of `currency` under `key`; returns the provider's
  // reference of the charge.
  [[nodiscard]] virtual Result<std::string> charge(std::string_view key, int64_t amount_minor,
                                                   std::string_view currency) = 0;
  // Gives back what `key` charged, if anything.
  [[nodiscard]] virtual Result<void> refund(std::string_view key) = 0;
};

}  // namespace staylab
