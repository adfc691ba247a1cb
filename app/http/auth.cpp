#include "app/http/auth.h"

#include <algorithm>
#include <cmath>

namespace staylab::app::http {
namespace {

constexpr std::string_view kScheme = "Bearer ";

Error unauthenticated(std::string message) {
  return Error{ErrorKind::Refused, "gateway.unauthenticated", "authorization", std::move(message)};
}

std::string_view bearerToken(std::string_view authorization) {
  if (authorization.size() < kScheme.size()) {
    return {};
  }
  // The scheme is case-insensitive (RFC 9110, section 11.1).
  for (size_t at = 0; at < kScheme.size(); ++at) {
    char c = authorization[at];
    char want = kScheme[at];
    if (std::tolower(static_cast<unsigned char>(c)) !=
        std::tolower(static_cast<unsigned char>(want))) {
      return {};
    }
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') {
    token.remove_prefix(1);
  }
  return token;
}

}  // namespace

Result<Caller> Authenticator::authenticate(std::optional<std::string_view> authorization) const {
  if (!authorization) {
    return std::unexpected(unauthenticated("send the header 'Authorization: Bearer KEY'"));
  }
  std::string_view token = bearerToken(*authorization);
  if (token.empty()) {
    return std::unexpected(
        unauthenticated("the Authorization header must be 'Bearer KEY' with a key"));
  }
  auto caller = m_keys.authenticate(token);
  if (!caller) {
    return std::unexpected(unauthenticated(caller.error().message));
  }
  return caller;
}

std::optional<int> Authenticator::throttle(std::string_view key_id) {
  if (m_limit.per_second <= 0) {
    return std::nullopt;
  }
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(m_mutex);
  auto found = m_buckets.find(key_id);
  if (found == m_buckets.end()) {
    found = m_buckets.emplace(std::string(key_id), Bucket{m_limit.burst, now}).first;
  }
  Bucket& bucket = found->second;
  const double elapsed = std::chrono::duration<double>(now - bucket.refilled).count();
  bucket.tokens = std::min(m_limit.burst, bucket.tokens + elapsed * m_limit.per_second);
  bucket.refilled = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - bucket.tokens) / m_limit.per_second)));
}

std::string keyIdOf(std::string_view authorization) {
  std::string_view token = bearerToken(authorization);
  return std::string(token.substr(std::min<size_t>(3, token.size()), 8));
}

}  // namespace staylab::app::http
