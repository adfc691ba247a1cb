#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/common/date.h"
#include "domain/common/error.h"

// Typed readers of the fields of an event's payload, shared by the consumers
// of the log (the projections here and fraud detection). Each returns
// InvalidInput naming the field ("payload.<name>"), which a consumer records
// as the reason the event is poison. Nothing here throws.
namespace staylab::payload {

enum class NulBytes { Allowed, Refused };

// Returns the string at `name`, which must be well-formed UTF-8.
[[nodiscard]] Result<std::string> stringField(const nlohmann::json& payload, const char* name);
// Returns the string at `name` for use as a key: 1 to `max_bytes` bytes, and
// without NUL bytes when `nul_bytes` is NulBytes::Refused.
[[nodiscard]] Result<std::string> keyField(const nlohmann::json& payload, const char* name,
                                           size_t max_bytes, NulBytes nul_bytes);
// Returns the integer at `name`, which must lie in [min, max].
[[nodiscard]] Result<int64_t> integerField(const nlohmann::json& payload, const char* name,
                                           int64_t min, int64_t max);
// As integerField(), but nullopt when the payload has no `name`.
[[nodiscard]] Result<std::optional<int64_t>> optionalIntegerField(const nlohmann::json& payload,
                                                                  const char* name, int64_t min,
                                                                  int64_t max);
// Returns the stay [check_in, check_out) of a booking event's payload.
[[nodiscard]] Result<Stay> stayFields(const nlohmann::json& payload);

// Returns `text` as a non-negative decimal int64 (a stored offset or
// version), or nullopt when it is anything else.
std::optional<int64_t> parseDecimal(std::string_view text);

}  // namespace staylab::payload
