#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "domain/common/error.h"
#include "domain/payment/payment.h"

namespace staylab {

// The Payment context's ledger: one charge per idempotency key, and the
// moves of its status. Both moves are atomic in the store, so two callers
// racing on one key (a retry beside a recovery) cannot both win.
// Errors: StoreFailure when the engine fails; NotFound "payment.not_found"
// from settle() for a key without a charge.
// Thread safety: safe from any thread.
class PaymentLedger {
 public:
  virtual ~PaymentLedger() = default;

  // Stores `charge` under its key unless the key already has a charge;
  // returns the key's charge afterwards (the one stored, or the first).
  [[nodiscard]] virtual Result<payment::Charge> openCharge(const payment::Charge& charge) = 0;
  // Moves the key's charge from `from` to `to`, noting `detail` (the
  // provider's reference for Charged, a reason otherwise) at `at_nanos`,
  // when its status is `from`; returns the charge afterwards (unchanged when
  // its status was not `from`).
  [[nodiscard]] virtual Result<payment::Charge> settle(std::string_view key,
                                                       payment::ChargeStatus from,
                                                       payment::ChargeStatus to,
                                                       std::string_view detail,
                                                       int64_t at_nanos) = 0;
  [[nodiscard]] virtual Result<std::optional<payment::Charge>> find(std::string_view key) = 0;
  // Returns every charge, ordered by creation time, then key.
  [[nodiscard]] virtual Result<std::vector<payment::Charge>> list() = 0;
};

}  // namespace staylab
