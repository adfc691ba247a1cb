#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "domain/ports/payment_provider.h"

namespace staylab {

// A payment provider's sandbox, in the manner of a card processor's test
// mode: it approves every charge (unless told to decline a key), honours
// idempotency keys (a key charges once; a refund gives it back once) and
// keeps the money it holds per key, so tests and the simulator can check
// that nothing was charged twice. The simulator gives it its latency and
// failures from outside (a station's model, the fault decorators).
// Thread safety: safe from any thread (one mutex).
class SandboxPaymentProvider final : public PaymentProvider {
 public:
  // Decides whether the charge of a key is declined. Default: approve all.
  using DeclineRule = std::function<bool(std::string_view key)>;
  void setDeclineRule(DeclineRule rule);

  Result<std::string> charge(std::string_view key, int64_t amount_minor,
                             std::string_view currency) override;
  Result<void> refund(std::string_view key) override;

  // Returns how many charges took money (a key charged again counts once).
  int64_t chargesTaken() const;
  // Returns the money held now for `key` (0 once refunded or never charged).
  int64_t heldFor(std::string_view key) const;

 private:
  struct Held {
    std::string reference;
    int64_t amount_minor = 0;
    bool refunded = false;
  };

  mutable std::mutex m_mutex;
  DeclineRule m_decline;                            // GUARDED_BY(m_mutex)
  std::map<std::string, Held, std::less<>> m_held;  // GUARDED_BY(m_mutex)
  int64_t m_charges_taken = 0;                      // GUARDED_BY(m_mutex)
};

}  // namespace staylab
