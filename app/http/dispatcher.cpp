#include "app/http/dispatcher.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

#include "app/http/status.h"
#include "app/platform/access.h"
#include "app/platform/api_json.h"

namespace staylab::app::http {
namespace {

Reply errorReply(int status, const Error& error) {
  Reply reply;
  reply.status = status;
  reply.body = errorJson(error);
  return reply;
}

void write(const Reply& reply, httplib::Response& response) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) {
    response.set_header(name, value);
  }
  if (reply.text) {
    response.set_content(*reply.text, reply.content_type.c_str());
  } else {
    response.set_content(dumpJson(reply.body) + "\n", reply.content_type.c_str());
  }
}

// The target's path as sent, for messages (parseTarget() found it well formed).
std::string pathOf(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  return path.size() > 200 ? path.substr(0, 200) + "..." : path;
}

bool isJson(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') {
    type.pop_back();
  }
  for (char& c : type) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return type == "application/json";
}

}  // namespace

void Dispatcher::handle(const httplib::Request& request, httplib::Response& response) const {
  const auto started = std::chrono::steady_clock::now();
  std::string route_label = "unmatched";
  auto answer = [&]() -> Reply {
    auto target = parseTarget(request.target);
    if (!target) {
      return errorReply(400, target.error());
    }
    auto match = m_router.match(request.method, target->segments);
    if (match.route == nullptr) {
      if (match.allowed.empty()) {
        return errorReply(
            404, httpError("http.no_route", "path",
                           fmt::format("no route {} {}", request.method, pathOf(request.target))));
      }
      std::string allowed;
      for (const auto& method : match.allowed) {
        allowed += (allowed.empty() ? "" : ", ") + method;
      }
      Reply reply =
          errorReply(405, httpError("http.method_not_allowed", "method",
                                    fmt::format("{} is not allowed here; the path takes {}",
                                                request.method, allowed)));
      reply.headers.emplace_back("Allow", allowed);
      return reply;
    }
    const Route& route = *match.route;
    route_label = route.pattern;
    if (!request.body.empty() && !isJson(request.get_header_value("Content-Type"))) {
      return errorReply(415, httpError("http.unsupported_media_type", "content-type",
                                       "a request body must be sent as application/json"));
    }
    Caller caller{"anonymous", Role::Guest};
    if (!route.command.empty()) {
      std::optional<std::string> authorization;
      if (request.has_header("Authorization")) {
        authorization = request.get_header_value("Authorization");
      }
      auto authenticated = m_auth.authenticate(
          authorization ? std::optional<std::string_view>(*authorization) : std::nullopt);
      if (!authenticated) {
        Reply reply = errorReply(401, authenticated.error());
        reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"staylab\"");
        return reply;
      }
      caller = std::move(*authenticated);
      if (auto wait = m_auth.throttle(keyIdOf(*authorization))) {
        Reply reply = errorReply(
            429, httpError("http.rate_limited", "authorization",
                           fmt::format("this key made too many requests; retry in {} s", *wait)));
        reply.headers.emplace_back("Retry-After", std::to_string(*wait));
        return reply;
      }
      if (auto allowed = authorizeCommand(caller, route.command); !allowed) {
        return errorReply(statusFor(allowed.error()), allowed.error());
      }
    }
    RequestContext context{caller, match.params, target->query, request.body,
                           [&request](std::string_view name) -> std::optional<std::string> {
                             std::string key(name);
                             if (!request.has_header(key.c_str())) {
                               return std::nullopt;
                             }
                             return request.get_header_value(key.c_str());
                           }};
    try {
      auto reply = route.handler(context);
      if (!reply) {
        return errorReply(statusFor(reply.error()), reply.error());
      }
      return std::move(*reply);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "staylab-cli serve: %s %s failed: %s\n", request.method.c_str(),
                   route.pattern.c_str(), error.what());
    } catch (...) {
      std::fprintf(stderr, "staylab-cli serve: %s %s failed\n", request.method.c_str(),
                   route.pattern.c_str());
    }
    Reply reply;
    reply.status = 500;
    reply.body = {{"error",
                   {{"kind", "internal"},
                    {"code", "http.internal"},
                    {"field", ""},
                    {"message", "the server could not answer this request"}}}};
    return reply;
  }();
  write(answer, response);
  m_metrics.record(
      route_label, request.method, answer.status,
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

void Dispatcher::describeHttplibError(const httplib::Request& request,
                                      httplib::Response& response) const {
  if (!response.body.empty()) {
    return;
  }
  Error error;
  static constexpr std::array kMethods = {"GET",   "HEAD",   "POST",   "PUT",
                                          "PATCH", "DELETE", "OPTIONS"};
  if (response.status == 400 && !request.method.empty() &&
      std::find(kMethods.begin(), kMethods.end(), request.method) == kMethods.end()) {
    response.status = 501;
  }
  switch (response.status) {
    case 413:
      error = httpError("http.body_too_large", "body", "the request body is larger than allowed");
      break;
    case 414:
      error =
          httpError("http.target_too_long", "path", "the request line is longer than 8192 bytes");
      break;
    case 501:
      error = httpError("http.unknown_method", "method",
                        "the server does not know this method (it takes GET, POST and PATCH)");
      break;
    case 400:
      error = httpError("http.bad_request", "",
                        "the request could not be read (request line, headers or body framing; "
                        "a header line is at most 8192 bytes)");
      break;
    default:
      error = httpError("http.error", "", fmt::format("HTTP status {}", response.status));
      break;
  }
  Reply reply = errorReply(response.status, error);
  write(reply, response);
  m_metrics.record("unmatched", request.method.empty() ? "?" : request.method, reply.status, 0);
}

}  // namespace staylab::app::http
