#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/common/error.h"

// The request target (path and query) as the client sent it, decoded by one
// strict set of rules: every '%' is followed by two hex digits, '+' in the
// query is a space, and every decoded segment, name and value is UTF-8
// without NUL. Anything else is InvalidInput "http.bad_encoding".
namespace staylab::app::http {

class QueryParams {
 public:
  QueryParams() = default;
  explicit QueryParams(std::vector<std::pair<std::string, std::string>> pairs)
      : m_pairs(std::move(pairs)) {}

  // Returns InvalidInput "http.unknown_parameter" naming the first parameter
  // not in `known`.
  [[nodiscard]] Result<void> onlyKnown(std::initializer_list<std::string_view> known) const;
  // Returns the value of `name` (absent when not given); InvalidInput naming
  // it when it is given more than once.
  [[nodiscard]] Result<std::optional<std::string>> one(std::string_view name) const;
  // Returns every value of a repeatable parameter, in order.
  std::vector<std::string> all(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return m_pairs; }

 private:
  std::vector<std::pair<std::string, std::string>> m_pairs;
};

struct Target {
  std::vector<std::string> segments;  // The path's segments, decoded ("/a/b" -> {"a", "b"}).
  QueryParams query;
};

// Parses a request target of the origin form ("/path?query").
[[nodiscard]] Result<Target> parseTarget(std::string_view target);

}  // namespace staylab::app::http
