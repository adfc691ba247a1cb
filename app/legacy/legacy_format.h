#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/error.h"

namespace staylab::legacy {

// The legacy screens' own text formats, checked where the monolith computes
// with them. They are the legacy's rules, not the new domain's (dates are
// "YYYYMMDD", amounts have at most two decimals whatever the currency).

// Days since 1970-01-01 of a "YYYYMMDD" date (a day of the calendar,
// 1970..9999); InvalidInput naming `field` otherwise.
[[nodiscard]] Result<int64_t> parseDate(std::string_view text, std::string_view field);

// Hundredths of a plain non-negative decimal with at most two places
// ("120", "120.5", "120.50"); InvalidInput naming `field` otherwise, also
// for amounts above kMaxHundredths.
inline constexpr int64_t kMaxHundredths = 10'000'000'000'000;  // 10^13
[[nodiscard]] Result<int64_t> parseAmount(std::string_view text, std::string_view field);

// "241.00" for 24100 hundredths.
std::string formatAmount(int64_t hundredths);

}  // namespace staylab::legacy
