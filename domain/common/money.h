#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/error.h"

namespace staylab {

// An ISO 4217 currency from an allow-list, with its number of minor-unit digits.
class Currency {
 public:
  // Accepts an allow-listed upper-case code ("EUR"); anything else is InvalidInput.
  static Result<Currency> parse(std::string_view code, std::string_view field = "currency");

  std::string_view code() const { return m_code; }
  int minorDigits() const { return m_minor_digits; }
  bool operator==(const Currency& other) const { return m_code == other.m_code; }

 private:
  Currency(std::string_view code, int minor_digits) : m_code(code), m_minor_digits(minor_digits) {}
  std::string_view m_code;  // Points into the static allow-list.
  int m_minor_digits = 2;
};

// An amount in integer minor units (cents) of one currency. Never negative.
// Amounts are capped at kMaxMinorUnits so that a year of nights cannot overflow.
class Money {
 public:
  static constexpr int64_t kMaxMinorUnits = 10'000'000'000'000;  // 10^13

  static Result<Money> fromMinor(int64_t minor_units, Currency currency,
                                 std::string_view field = "price");
  // Parses a plain decimal ("120", "120.5", "120.50") with at most the
  // currency's minor digits. Signs, exponents, separators and spaces are refused.
  static Result<Money> parse(std::string_view text, Currency currency,
                             std::string_view field = "price");

  int64_t minorUnits() const { return m_minor; }
  Currency currency() const { return m_currency; }
  // Returns this amount times `count`, refusing results above kMaxMinorUnits.
  Result<Money> times(int64_t count) const;
  std::string toDecimalString() const;  // "120.50"
  std::string toString() const;         // "120.50 EUR"

  bool operator==(const Money&) const = default;

 private:
  Money(int64_t minor, Currency currency) : m_minor(minor), m_currency(currency) {}
  int64_t m_minor = 0;
  Currency m_currency;
};

}  // namespace staylab
