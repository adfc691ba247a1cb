#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"

// A request body: one JSON object whose members are read by type. Errors are
// InvalidInput naming the member (or "body") and the rule: "http.malformed_json"
// for a body that is not a JSON object, "http.unknown_field" for a member the
// route does not take, "input.invalid" for a member of the wrong type or one
// longer than any value may be (kMaxValueBytes).
namespace staylab::app::http {

class JsonBody {
 public:
  [[nodiscard]] static Result<JsonBody> parse(std::string_view body);

  [[nodiscard]] Result<void> onlyKnown(std::initializer_list<std::string_view> known) const;
  // A string member; absent (or null) gives nullopt.
  [[nodiscard]] Result<std::optional<std::string>> text(std::string_view name) const;
  // A decimal amount given as a string ("120.50") or a JSON number (120.5),
  // returned as the text the client wrote.
  [[nodiscard]] Result<std::optional<std::string>> decimal(std::string_view name) const;
  // A whole number member (a JSON integer).
  [[nodiscard]] Result<std::optional<int64_t>> integer(std::string_view name) const;
  // An array of strings.
  [[nodiscard]] Result<std::optional<std::vector<std::string>>> texts(std::string_view name) const;

 private:
  explicit JsonBody(nlohmann::json object) : m_object(std::move(object)) {}
  const nlohmann::json* find(std::string_view name) const;

  nlohmann::json m_object;
};

// Returns the value of a member the request must give; InvalidInput
// "is required" naming `field` when it is absent.
template <typename T>
Result<T> required(std::optional<T> value, std::string_view field) {
  if (!value) {
    return invalidInput(std::string(field), "is required");
  }
  return std::move(*value);
}

}  // namespace staylab::app::http
