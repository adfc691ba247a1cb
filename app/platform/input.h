#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/common/error.h"

// Rules for input values that every front end (the CLI, the HTTP server)
// applies the same way before a value reaches the gateway.
namespace staylab::app {

// Parses a count written as plain decimal digits with an optional minus sign.
// Counts are taken as text because general conversions also read hex and
// octal ("010" is 8), skip leading space and clamp overflow, so a range error
// would quote a number the user never typed. InvalidInput naming `field`.
[[nodiscard]] Result<int64_t> wholeNumber(std::string_view text, std::string_view field);

// Returns `id` unless it is longer than any id (64 bytes): InvalidInput
// naming `field`. Any shorter text is looked up, and an unknown one is
// NotFound, as an id of the right shape that names nothing.
[[nodiscard]] Result<std::string> idText(std::string_view id, std::string_view field);

// The longest value any option or field takes (a description of 5000
// characters of four bytes each); each field's own rule is narrower and is
// checked where the value is used. This bound keeps a runaway value from
// reaching a store.
inline constexpr size_t kMaxValueBytes = 20'000;

}  // namespace staylab::app
