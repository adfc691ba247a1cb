#include "stores/payment/sandbox_payment_provider.h"

#include <fmt/format.h>

namespace staylab {

void SandboxPaymentProvider::setDeclineRule(DeclineRule rule) {
  std::lock_guard lock(m_mutex);
  m_decline = std::move(rule);
}

Result<std::string> SandboxPaymentProvider::charge(std::string_view key, int64_t amount_minor,
                                                   std::string_view currency) {
  std::lock_guard lock(m_mutex);
  if (auto found = m_held.find(key); found != m_held.end()) {
    return found->second.reference;  // The same key charges once.
  }
  if (m_decline && m_decline(key)) {
    return std::unexpected(Error{
        ErrorKind::Refused, "payment.declined", "",
        fmt::format("the card was declined for {} {} under {}", amount_minor, currency, key)});
  }
  ++m_charges_taken;
  std::string reference = fmt::format("psp-{}", m_charges_taken);
  m_held.emplace(std::string(key), Held{reference, amount_minor, false});
  return reference;
}

Result<void> SandboxPaymentProvider::refund(std::string_view key) {
  std::lock_guard lock(m_mutex);
  if (auto found = m_held.find(key); found != m_held.end()) {
    found->second.refunded = true;
  }
  return {};
}

int64_t SandboxPaymentProvider::chargesTaken() const {
  std::lock_guard lock(m_mutex);
  return m_charges_taken;
}

int64_t SandboxPaymentProvider::heldFor(std::string_view key) const {
  std::lock_guard lock(m_mutex);
  auto found = m_held.find(key);
  return found == m_held.end() || found->second.refunded ? 0 : found->second.amount_minor;
}

}  // namespace staylab
