#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "domain/common/error.h"

// Durations and rates as a tester writes them in a scenario.
namespace staylab::sim {

// Parses a duration: one or more <number><unit> parts, largest unit first,
// no spaces: "300ms", "5m", "1.5s", "1h30m". Units: ns, us, ms, s, m, h. The
// number is a decimal ("1.5"), never negative; the result must be a whole
// number of nanoseconds. A plain number ("5") is refused: its unit would be
// a guess. Fails with InvalidInput; the message is the reason, field empty.
[[nodiscard]] Result<std::chrono::nanoseconds> parseDuration(std::string_view text);

// Parses a rate: <number>/<unit>, as "20/s", "1200/m", "0.5/s". The number
// is a non-negative decimal (an exponent is allowed: "1e3/s"); the unit as in
// durations. Returns events per second.
[[nodiscard]] Result<double> parseRate(std::string_view text);

// Parses a plain non-negative decimal number ("70", "0.05", "1e-3"). Fails on
// signs, "inf", "nan", hexadecimal and trailing text.
[[nodiscard]] Result<double> parseDecimal(std::string_view text);

// Returns the shortest text of `duration` in its largest exact unit:
// 300000000ns -> "300ms", 90s -> "90s". parseDuration reads it back exactly.
std::string formatDuration(std::chrono::nanoseconds duration);

// Returns "<shortest decimal>/s"; parseRate reads it back exactly.
std::string formatRate(double per_second);

// Returns the shortest decimal text that parseDecimal reads back exactly.
std::string formatDecimal(double value);

}  // namespace staylab::sim
