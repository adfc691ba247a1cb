#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/payment/payment.h"
#include "domain/ports/clock.h"
#include "domain/ports/payment_ledger.h"
#include "domain/ports/payment_provider.h"

namespace staylab::payment {

struct ChargeRequest {
  std::string key;  // The idempotency key: the booking id of the saga asking.
  int64_t amount_minor = 0;
  std::string currency;
};

// The Payment context's handlers: charges through the provider, recorded in
// the ledger under their idempotency key, so that a charge asked for twice
// (a retry, a recovery after a crash) is taken once.
//
// charge(): opens a Pending charge under the key (or finds the key's
// charge), asks the provider, and settles the charge Charged or Declined.
// A key already Charged answers its charge without asking the provider
// again; a key Declined, Voided or Refunded is refused.
// voidCharge(): the compensation of charge(): a key without a charge is
// voided at once (a late charge() of it is refused), a Pending one is
// refunded at the provider whatever it did and voided, a Charged one is
// refunded. Either may be called again: what is done stays done.
// Errors: the provider's, when it failed (nothing charged; the charge is
// Declined with the reason); Refused "payment.declined" or
// "payment.voided"; the ledger's StoreFailure.
// Thread safety: as the ledger and the provider.
class PaymentService {
 public:
  PaymentService(PaymentLedger& ledger, PaymentProvider& provider, const Clock& clock)
      : m_ledger(ledger), m_provider(provider), m_clock(clock) {}

  [[nodiscard]] Result<Charge> charge(const ChargeRequest& request);
  [[nodiscard]] Result<Charge> voidCharge(std::string_view key, std::string_view reason);
  [[nodiscard]] Result<std::optional<Charge>> find(std::string_view key);
  [[nodiscard]] Result<std::vector<Charge>> list();

 private:
  // Answers the charge the ledger holds after an attempt: Charged as is,
  // anything else as its refusal.
  static Result<Charge> answer(const Charge& charge);

  PaymentLedger& m_ledger;
  PaymentProvider& m_provider;
  const Clock& m_clock;
};

}  // namespace staylab::payment
