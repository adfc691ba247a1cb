#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace staylab {

// Returns `value` as an Integer when it is a JSON integer within Integer's
// range, nullopt for anything else (a float, a string, a number out of
// range). nlohmann's get<Integer>() converts a float by a cast, which is
// undefined behaviour when the float is out of range, and wraps an integer
// out of range; input that arrives as JSON goes through this instead.
template <typename Integer>
std::optional<Integer> wholeNumber(const nlohmann::json& value) {
  static_assert(std::numeric_limits<Integer>::is_integer &&
                std::numeric_limits<Integer>::is_signed);
  if (!value.is_number_integer()) {
    return std::nullopt;
  }
  if (value.is_number_unsigned()) {
    const auto number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(std::numeric_limits<Integer>::max())) {
      return std::nullopt;
    }
    return static_cast<Integer>(number);
  }
  const auto number = value.get<int64_t>();
  if (number < std::numeric_limits<Integer>::min() ||
      number > std::numeric_limits<Integer>::max()) {
    return std::nullopt;
  }
  return static_cast<Integer>(number);
}

}  // namespace staylab
