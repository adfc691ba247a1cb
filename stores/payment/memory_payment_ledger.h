#pragma once

#include <map>
#include <mutex>
#include <string>

#include "domain/ports/payment_ledger.h"

namespace staylab {

// The in-memory twin of SqlitePaymentLedger, for tests of the layers above
// the port. Same contract: one charge per key, moves only from the status
// named.
// Thread safety: safe from any thread (one mutex).
class MemoryPaymentLedger final : public PaymentLedger {
 public:
  Result<payment::Charge> openCharge(const payment::Charge& charge) override;
  Result<payment::Charge> settle(std::string_view key, payment::ChargeStatus from,
                                 payment::ChargeStatus to, std::string_view detail,
                                 int64_t at_nanos) override;
  Result<std::optional<payment::Charge>> find(std::string_view key) override;
  Result<std::vector<payment::Charge>> list() override;

 private:
  std::mutex m_mutex;
  std::map<std::string, payment::Charge, std::less<>> m_charges;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab
