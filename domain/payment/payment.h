#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/error.h"

namespace staylab::payment {

// The life of a charge in the Payment context's ledger:
//   Pending  -> Charged | Declined | Voided   (the provider answered, or the
//                                              saga gave up before it did)
//   Charged  -> Refunded                      (a compensation)
// Declined, Voided and Refunded are final: no money is held.
enum class ChargeStatus { Pending, Charged, Declined, Voided, Refunded };
std::string_view toString(ChargeStatus status);
Result<ChargeStatus> parseChargeStatus(std::string_view text);

// One charge, keyed by its idempotency key (the booking id of the saga that
// asked for it): the ledger holds at most one charge per key, so a retry,
// a replay or a recovery never charges twice.
struct Charge {
  std::string key;
  int64_t amount_minor = 0;
  std::string currency;
  ChargeStatus status = ChargeStatus::Pending;
  std::string provider_reference;  // The provider's id of the charge, once Charged.
  std::string reason;              // Why it was declined, voided or refunded.
  int64_t created_at_nanos = 0;
  int64_t updated_at_nanos = 0;

  // Returns whether the guest's money is taken (Charged).
  bool holdsMoney() const { return status == ChargeStatus::Charged; }

  bool operator==(const Charge&) const = default;
};

// Errors of the payment context.
namespace errors {
// Refused "payment.declined": the provider refused the charge, or could not be reached.
Error declined(std::string_view key, std::string_view reason);
// Refused "payment.voided": the charge was called off before it completed.
Error voided(std::string_view key);
Error chargeNotFound(std::string_view key);
}  // namespace errors

}  // namespace staylab::payment
