#include "app/http/router.h"

#include <algorithm>

namespace staylab::app::http {
namespace {

std::vector<std::string> splitPattern(std::string_view pattern) {
  std::vector<std::string> parts;
  size_t start = 1;
  while (start <= pattern.size()) {
    size_t slash = pattern.find('/', start);
    parts.emplace_back(pattern.substr(
        start, slash == std::string_view::npos ? pattern.size() - start : slash - start));
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return parts;
}

// Returns the path parameters' values when `segments` fit `pattern`.
std::optional<std::vector<std::string>> fit(std::string_view pattern,
                                            const std::vector<std::string>& segments) {
  auto parts = splitPattern(pattern);
  if (parts.size() != segments.size()) {
    return std::nullopt;
  }
  std::vector<std::string> params;
  for (size_t index = 0; index < parts.size(); ++index) {
    if (parts[index].starts_with('{')) {
      if (segments[index].empty()) {
        return std::nullopt;
      }
      params.push_back(segments[index]);
    } else if (parts[index] != segments[index]) {
      return std::nullopt;
    }
  }
  return params;
}

}  // namespace

void Router::add(Route route) {
  m_routes.push_back(std::move(route));
}

Router::Match Router::match(std::string_view method,
                            const std::vector<std::string>& segments) const {
  Match found;
  for (const Route& route : m_routes) {
    auto params = fit(route.pattern, segments);
    if (!params) {
      continue;
    }
    if (route.method == method) {
      found.route = &route;
      found.params = std::move(*params);
      return found;
    }
    if (std::find(found.allowed.begin(), found.allowed.end(), route.method) ==
        found.allowed.end()) {
      found.allowed.push_back(route.method);
    }
  }
  return found;
}

}  // namespace staylab::app::http
