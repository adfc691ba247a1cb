#include "events/payload_fields.h"

#include <charconv>

#include <fmt/format.h>

#include "domain/common/json_number.h"
#include "domain/common/text.h"

namespace staylab::payload {

Result<std::string> stringField(const nlohmann::json& payload, const char* name) {
  auto it = payload.find(name);
  if (it == payload.end() || !it->is_string()) {
    return invalidInput(fmt::format("payload.{}", name), "must be a string");
  }
  std::string value = it->get<std::string>();
  if (!isValidUtf8(value)) {
    return invalidInput(fmt::format("payload.{}", name), "is not well-formed UTF-8");
  }
  return value;
}

Result<std::string> keyField(const nlohmann::json& payload, const char* name, size_t max_bytes,
                             NulBytes nul_bytes) {
  std::string key = STAYLAB_TRY(stringField(payload, name));
  const bool refused_nul = nul_bytes == NulBytes::Refused && key.find('\0') != std::string::npos;
  if (key.empty() || key.size() > max_bytes || refused_nul) {
    return invalidInput(fmt::format("payload.{}", name), "must be 1 to {} bytes{}; got {} bytes",
                        max_bytes, nul_bytes == NulBytes::Refused ? " without NUL" : "",
                        key.size());
  }
  return key;
}

Result<std::optional<int64_t>> optionalIntegerField(const nlohmann::json& payload, const char* name,
                                                    int64_t min, int64_t max) {
  auto it = payload.find(name);
  if (it == payload.end()) {
    return std::optional<int64_t>();
  }
  const auto number = wholeNumber<int64_t>(*it);
  if (!number) {
    return invalidInput(fmt::format("payload.{}", name), "must be an integer");
  }
  const int64_t value = *number;
  if (value < min || value > max) {
    return invalidInput(fmt::format("payload.{}", name), "must be {}..{}; got {}", min, max, value);
  }
  return std::optional<int64_t>(value);
}

Result<int64_t> integerField(const nlohmann::json& payload, const char* name, int64_t min,
                             int64_t max) {
  auto value = STAYLAB_TRY(optionalIntegerField(payload, name, min, max));
  if (!value) {
    return invalidInput(fmt::format("payload.{}", name), "must be an integer");
  }
  return *value;
}

Result<Stay> stayFields(const nlohmann::json& payload) {
  std::string check_in = STAYLAB_TRY(stringField(payload, "check_in"));
  std::string check_out = STAYLAB_TRY(stringField(payload, "check_out"));
  return Stay::parse(check_in, check_out);
}

std::optional<int64_t> parseDecimal(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

}  // namespace staylab::payload
