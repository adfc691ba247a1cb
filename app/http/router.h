#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/http/target.h"
#include "app/platform/key_ring.h"

// The routes of the HTTP API: method, path pattern, the access table's
// command a route runs as, and its handler.
namespace staylab::app::http {

// What a handler answers when it succeeds.
struct Reply {
  int status = 200;
  nlohmann::json body;              // Sent as JSON unless `text` is set.
  std::optional<std::string> text;  // A body that is not JSON (/metrics).
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// One request as a handler sees it.
struct RequestContext {
  const Caller& caller;                    // On open routes: "anonymous", a guest.
  const std::vector<std::string>& params;  // The pattern's {parameters}, in order.
  const QueryParams& query;
  const std::string& body;
  std::function<std::optional<std::string>(std::string_view)> header;
};

using Handler = std::function<Result<Reply>(const RequestContext&)>;

struct Route {
  std::string method;   // "GET", "POST", "PATCH".
  std::string pattern;  // "/properties/{id}": a {parameter} matches one non-empty segment.
  // The access table's command the route runs (app/platform/access.h); empty
  // for an open route (/health, /metrics), which needs no key.
  std::string command;
  Handler handler;
};

// Thread safety: add() before serving; match() from any thread afterwards.
class Router {
 public:
  void add(Route route);

  struct Match {
    const Route* route = nullptr;      // Null when no route has this method and path.
    std::vector<std::string> params;   // The route's path parameters' values.
    std::vector<std::string> allowed;  // With no route: the methods the path takes (405).
  };
  Match match(std::string_view method, const std::vector<std::string>& segments) const;

  const std::vector<Route>& routes() const { return m_routes; }

 private:
  std::vector<Route> m_routes;
};

}  // namespace staylab::app::http
