#include "stores/payment/memory_payment_ledger.h"

#include <algorithm>

namespace staylab {

using payment::Charge;
using payment::ChargeStatus;

Result<Charge> MemoryPaymentLedger::openCharge(const Charge& charge) {
  std::lock_guard lock(m_mutex);
  return m_charges.try_emplace(charge.key, charge).first->second;
}

Result<Charge> MemoryPaymentLedger::settle(std::string_view key, ChargeStatus from, ChargeStatus to,
                                           std::string_view detail, int64_t at_nanos) {
  std::lock_guard lock(m_mutex);
  auto found = m_charges.find(key);
  if (found == m_charges.end()) {
    return std::unexpected(payment::errors::chargeNotFound(key));
  }
  Charge& charge = found->second;
  if (charge.status == from) {
    charge.status = to;
    charge.updated_at_nanos = at_nanos;
    (to == ChargeStatus::Charged ? charge.provider_reference : charge.reason) = detail;
  }
  return charge;
}

Result<std::optional<Charge>> MemoryPaymentLedger::find(std::string_view key) {
  std::lock_guard lock(m_mutex);
  auto found = m_charges.find(key);
  return found == m_charges.end() ? std::optional<Charge>() : std::optional<Charge>(found->second);
}

Result<std::vector<Charge>> MemoryPaymentLedger::list() {
  std::lock_guard lock(m_mutex);
  std::vector<Charge> charges;
  for (const auto& [key, charge] : m_charges) {
    charges.push_back(charge);
  }
  std::stable_sort(charges.begin(), charges.end(), [](const Charge& a, const Charge& b) {
    return std::tie(a.created_at_nanos, a.key) < std::tie(b.created_at_nanos, b.key);
  });
  return charges;
}

}  // namespace staylab
