#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"

namespace staylab {

// A calendar day in the proleptic Gregorian calendar, stored as days since
// 1970-01-01. Valid range: 1970-01-01 to 9999-12-31.
class Date {
 public:
  constexpr Date() = default;

  // Parses exactly "YYYY-MM-DD" (ISO 8601 extended, zero padded) and rejects
  // impossible days such as 2027-02-30. `field` names the input in errors.
  static Result<Date> parse(std::string_view text, std::string_view field = "date");
  static Result<Date> fromDays(int64_t days_since_epoch);
  static Result<Date> fromCivil(int year, unsigned month, unsigned day);

  int32_t daysSinceEpoch() const { return m_days; }
  std::string toString() const;  // "YYYY-MM-DD"
  Date plusDays(int32_t days) const { return Date(m_days + days); }

  auto operator<=>(const Date&) const = default;

 private:
  constexpr explicit Date(int32_t days) : m_days(days) {}
  int32_t m_days = 0;
};

// A stay: the half-open range [check_in, check_out) of nights, 1 to 365 nights.
class Stay {
 public:
  static constexpr int kMaxNights = 365;

  static Result<Stay> create(Date check_in, Date check_out);
  static Result<Stay> parse(std::string_view from, std::string_view to);

  Date checkIn() const { return m_check_in; }
  Date checkOut() const { return m_check_out; }
  int nights() const { return m_check_out.daysSinceEpoch() - m_check_in.daysSinceEpoch(); }
  // Returns every night of the stay, i.e. each date from check-in up to but
  // excluding check-out.
  std::vector<Date> nightDates() const;
  bool overlaps(const Stay& other) const {
    return m_check_in < other.m_check_out && other.m_check_in < m_check_out;
  }

  bool operator==(const Stay&) const = default;

 private:
  Stay(Date check_in, Date check_out) : m_check_in(check_in), m_check_out(check_out) {}
  Date m_check_in;
  Date m_check_out;
};

}  // namespace staylab
