#include "domain/payment/payment.h"

#include <array>

namespace staylab::payment {
namespace {

constexpr std::array<ChargeStatus, 5> kStatuses = {ChargeStatus::Pending, ChargeStatus::Charged,
                                                   ChargeStatus::Declined, ChargeStatus::Voided,
                                                   ChargeStatus::Refunded};

}  // namespace

std::string_view toString(ChargeStatus status) {
  switch (status) {
    case ChargeStatus::Pending:
      return "pending";
    case ChargeStatus::Charged:
      return "charged";
    case ChargeStatus::Declined:
      return "declined";
    case ChargeStatus::Voided:
      return "voided";
    case ChargeStatus::Refunded:
      return "refunded";
  }
  return "unknown";
}

Result<ChargeStatus> parseChargeStatus(std::string_view text) {
  for (ChargeStatus status : kStatuses) {
    if (toString(status) == text) {
      return status;
    }
  }
  return invalidInput("status", "'{}' is not a charge status", text);
}

namespace errors {

Error declined(std::string_view key, std::string_view reason) {
  return Error{ErrorKind::Refused, "payment.declined", "",
               fmt::format("the charge for {} was declined: {}", key, reason)};
}

Error voided(std::string_view key) {
  return Error{ErrorKind::Refused, "payment.voided", "",
               fmt::format("the charge for {} was called off before it completed", key)};
}

Error chargeNotFound(std::string_view key) {
  return Error{ErrorKind::NotFound, "payment.not_found", "key",
               fmt::format("no charge with key '{}'", key)};
}

}  // namespace errors
}  // namespace staylab::payment
