#include "domain/payment/payment_service.h"

namespace staylab::payment {

Result<Charge> PaymentService::answer(const Charge& charge) {
  switch (charge.status) {
    case ChargeStatus::Charged:
      return charge;
    case ChargeStatus::Declined:
      return std::unexpected(errors::declined(charge.key, charge.reason));
    case ChargeStatus::Pending:
    case ChargeStatus::Voided:
    case ChargeStatus::Refunded:
      break;
  }
  return std::unexpected(errors::voided(charge.key));
}

Result<Charge> PaymentService::charge(const ChargeRequest& request) {
  if (request.key.empty()) {
    return invalidInput("key", "must not be empty");
  }
  if (request.amount_minor < 0) {
    return invalidInput("amount", "must not be negative, got {}", request.amount_minor);
  }
  const int64_t now = m_clock.nowNanos();
  Charge pending{
      request.key, request.amount_minor, request.currency, ChargeStatus::Pending, "", "", now, now};
  const Charge opened = STAYLAB_TRY(m_ledger.openCharge(pending));
  if (opened.status != ChargeStatus::Pending) {
    return answer(opened);  // Asked before: the first answer stands.
  }
  auto reference = m_provider.charge(request.key, request.amount_minor, request.currency);
  if (!reference) {
    // Nothing was charged: the charge is declined, with the provider's reason.
    const Charge settled =
        STAYLAB_TRY(m_ledger.settle(request.key, ChargeStatus::Pending, ChargeStatus::Declined,
                                    reference.error().message, m_clock.nowNanos()));
    if (settled.status == ChargeStatus::Declined) {
      return std::unexpected(reference.error());
    }
    return answer(settled);
  }
  const Charge settled = STAYLAB_TRY(m_ledger.settle(
      request.key, ChargeStatus::Pending, ChargeStatus::Charged, *reference, m_clock.nowNanos()));
  if (settled.status != ChargeStatus::Charged) {
    // Called off while the provider charged: give the money back.
    STAYLAB_TRY(m_provider.refund(request.key));
  }
  return answer(settled);
}

Result<Charge> PaymentService::voidCharge(std::string_view key, std::string_view reason) {
  if (key.empty()) {
    return invalidInput("key", "must not be empty");
  }
  const int64_t now = m_clock.nowNanos();
  Charge voided{std::string(key), 0, "", ChargeStatus::Voided, "", std::string(reason), now, now};
  Charge charge = STAYLAB_TRY(m_ledger.openCharge(voided));
  if (charge.status == ChargeStatus::Pending) {
    // Its charge() may be under way, or died with the provider's answer
    // unrecorded: refund whatever the provider did, then void it.
    STAYLAB_TRY(m_provider.refund(key));
    charge =
        STAYLAB_TRY(m_ledger.settle(key, ChargeStatus::Pending, ChargeStatus::Voided, reason, now));
  }
  if (charge.status == ChargeStatus::Charged) {
    STAYLAB_TRY(m_provider.refund(key));
    charge = STAYLAB_TRY(
        m_ledger.settle(key, ChargeStatus::Charged, ChargeStatus::Refunded, reason, now));
  }
  return charge;
}

Result<std::optional<Charge>> PaymentService::find(std::string_view key) {
  return m_ledger.find(key);
}

Result<std::vector<Charge>> PaymentService::list() {
  return m_ledger.list();
}

}  // namespace staylab::payment
