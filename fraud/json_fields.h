#pragma once

// Internal to fraud/: typed, non-throwing readers of JSON fields. Each returns
// InvalidInput naming `field` (prefixed by the caller's path) when the field is
// missing or has the wrong type.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"
#include "domain/common/json_number.h"

namespace staylab::fraud::json_fields {

enum class Emptiness { Allowed, Forbidden };

inline Result<const nlohmann::json*> member(const nlohmann::json& object, std::string_view path,
                                            std::string_view name) {
  if (!object.is_object()) {
    return invalidInput(std::string(path), "must be a JSON object");
  }
  auto it = object.find(name);
  if (it == object.end()) {
    return invalidInput(fmt::format("{}.{}", path, name), "is missing");
  }
  return &*it;
}

inline Result<std::string> string(const nlohmann::json& object, std::string_view path,
                                  std::string_view name,
                                  Emptiness emptiness = Emptiness::Forbidden) {
  const nlohmann::json* value = STAYLAB_TRY(member(object, path, name));
  if (!value->is_string()) {
    return invalidInput(fmt::format("{}.{}", path, name), "must be a string");
  }
  const auto& text = value->get_ref<const std::string&>();
  if (emptiness == Emptiness::Forbidden && text.empty()) {
    return invalidInput(fmt::format("{}.{}", path, name), "must not be empty");
  }
  return text;
}

// Returns the string, or "" when the field is missing or null (an absent signal).
inline Result<std::string> optionalString(const nlohmann::json& object, std::string_view path,
                                          std::string_view name) {
  if (!object.is_object()) {
    return invalidInput(std::string(path), "must be a JSON object");
  }
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    return std::string();
  }
  if (!it->is_string()) {
    return invalidInput(fmt::format("{}.{}", path, name), "must be a string");
  }
  return it->get<std::string>();
}

inline Result<int64_t> integer(const nlohmann::json& object, std::string_view path,
                               std::string_view name) {
  const nlohmann::json* value = STAYLAB_TRY(member(object, path, name));
  const auto number = wholeNumber<int64_t>(*value);
  if (!number) {
    return invalidInput(fmt::format("{}.{}", path, name), "{}",
                        value->is_number_integer() ? "is out of range" : "must be an integer");
  }
  return *number;
}

inline Result<const nlohmann::json*> array(const nlohmann::json& object, std::string_view path,
                                           std::string_view name) {
  const nlohmann::json* value = STAYLAB_TRY(member(object, path, name));
  if (!value->is_array()) {
    return invalidInput(fmt::format("{}.{}", path, name), "must be an array");
  }
  return value;
}

inline Result<const nlohmann::json*> object(const nlohmann::json& parent, std::string_view path,
                                            std::string_view name) {
  const nlohmann::json* value = STAYLAB_TRY(member(parent, path, name));
  if (!value->is_object()) {
    return invalidInput(fmt::format("{}.{}", path, name), "must be a JSON object");
  }
  return value;
}

// Runs `parse` and turns a stray nlohmann exception into InvalidInput on `field`,
// so that a fromJson never throws even if a check was missed.
template <typename Parse>
auto guarded(std::string_view field, Parse&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const nlohmann::json::exception& error) {
    return invalidInput(std::string(field), "malformed: {}", error.what());
  }
}

// Serialises without throwing: invalid UTF-8 is replaced rather than rejected.
inline std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace staylab::fraud::json_fields
