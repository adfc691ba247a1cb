#include "domain/common/money.h"

#include <array>

namespace staylab {
namespace {

struct CurrencyInfo {
  std::string_view code;
  int minor_digits;
};

// The currencies the platform takes. Extend with care: each needs its ISO 4217 exponent.
constexpr std::array kCurrencies{
    CurrencyInfo{"AUD", 2}, CurrencyInfo{"BRL", 2}, CurrencyInfo{"CAD", 2}, CurrencyInfo{"CHF", 2},
    CurrencyInfo{"CNY", 2}, CurrencyInfo{"CZK", 2}, CurrencyInfo{"DKK", 2}, CurrencyInfo{"EUR", 2},
    CurrencyInfo{"GBP", 2}, CurrencyInfo{"HKD", 2}, CurrencyInfo{"INR", 2}, CurrencyInfo{"JPY", 0},
    CurrencyInfo{"KRW", 0}, CurrencyInfo{"KWD", 3}, CurrencyInfo{"MXN", 2}, CurrencyInfo{"NOK", 2},
    CurrencyInfo{"NZD", 2}, CurrencyInfo{"PLN", 2}, CurrencyInfo{"SEK", 2}, CurrencyInfo{"SGD", 2},
    CurrencyInfo{"USD", 2}, CurrencyInfo{"ZAR", 2},
};

int64_t pow10(int digits) {
  int64_t value = 1;
  for (int digit = 0; digit < digits; ++digit) {
    value *= 10;
  }
  return value;
}

}  // namespace

Result<Currency> Currency::parse(std::string_view code, std::string_view field) {
  for (const auto& info : kCurrencies) {
    if (info.code == code) {
      return Currency(info.code, info.minor_digits);
    }
  }
  std::string allowed;
  for (const auto& info : kCurrencies) {
    allowed += allowed.empty() ? "" : " ";
    allowed += info.code;
  }
  return invalidInput(std::string(field), "'{}' is not an accepted ISO 4217 currency ({})", code,
                      allowed);
}

Result<Money> Money::fromMinor(int64_t minor_units, Currency currency, std::string_view field) {
  if (minor_units < 0) {
    return invalidInput(std::string(field), "amount must not be negative");
  }
  if (minor_units > kMaxMinorUnits) {
    return invalidInput(std::string(field), "amount exceeds {} minor units", kMaxMinorUnits);
  }
  return Money(minor_units, currency);
}

Result<Money> Money::parse(std::string_view text, Currency currency, std::string_view field) {
  auto fail = [&](std::string_view why) {
    return invalidInput(std::string(field), "'{}' {}", text, why);
  };
  if (text.empty()) {
    return fail("is empty; expected an amount such as 120.50");
  }
  if (text.front() == '-') {
    return fail("is negative; amounts must be positive");
  }
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  auto digits_only = [](std::string_view part) {
    for (char c : part) {
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  };
  if (whole.empty() || !digits_only(whole) || !digits_only(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    return fail("is not a plain decimal amount such as 120.50");
  }
  if (static_cast<int>(fraction.size()) > currency.minorDigits()) {
    return fail(fmt::format("has more than {} decimal places for {}", currency.minorDigits(),
                            currency.code()));
  }
  size_t first_significant = whole.find_first_not_of('0');
  std::string_view significant =
      first_significant == std::string_view::npos ? "" : whole.substr(first_significant);
  if (significant.size() > 15) {
    return fail("is too large");
  }
  int64_t minor = 0;
  for (char c : significant) {
    minor = minor * 10 + (c - '0');
  }
  minor *= pow10(currency.minorDigits());
  int64_t fraction_value = 0;
  for (char c : fraction) {
    fraction_value = fraction_value * 10 + (c - '0');
  }
  minor += fraction_value * pow10(currency.minorDigits() - static_cast<int>(fraction.size()));
  if (minor > kMaxMinorUnits) {
    return fail("is too large");
  }
  return Money(minor, currency);
}

Result<Money> Money::times(int64_t count) const {
  if (count < 0 || (count > 0 && m_minor > kMaxMinorUnits / count)) {
    return invalidInput("price", "{} times {} exceeds the largest amount", toString(), count);
  }
  return Money(m_minor * count, m_currency);
}

std::string Money::toDecimalString() const {
  int digits = m_currency.minorDigits();
  if (digits == 0) {
    return fmt::format("{}", m_minor);
  }
  int64_t scale = pow10(digits);
  return fmt::format("{}.{:0{}}", m_minor / scale, m_minor % scale, digits);
}

std::string Money::toString() const {
  return fmt::format("{} {}", toDecimalString(), m_currency.code());
}

}  // namespace staylab
