#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "app/platform/key_ring.h"

// Who calls: the bearer key of a request, checked against the data
// directory's key ring, and a per-key rate limit.
namespace staylab::app::http {

struct RateLimit {
  double per_second = 1000;  // Requests per second a key may make; 0: no limit. Default: 1000.
  double burst = 1000;       // Requests a key may make at once after a quiet spell. Default: 1000.
};

// Thread safety: safe from any thread (the ring is; the buckets have a mutex).
class Authenticator {
 public:
  // Keeps a reference to `keys`, which must outlive it.
  Authenticator(const KeyRing& keys, RateLimit limit) : m_keys(keys), m_limit(limit) {}

  // Returns the caller of an "Authorization: Bearer KEY" header value;
  // Refused "gateway.unauthenticated" when it is absent, of another scheme or
  // names no key.
  [[nodiscard]] Result<Caller> authenticate(std::optional<std::string_view> authorization) const;

  // Takes one request from the key's bucket; returns nullopt when allowed,
  // otherwise the whole seconds until the next request would be (>= 1).
  std::optional<int> throttle(std::string_view key_id);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point refilled;
  };

  const KeyRing& m_keys;
  RateLimit m_limit;
  std::mutex m_mutex;
  std::map<std::string, Bucket, std::less<>> m_buckets;  // GUARDED_BY(m_mutex)
};

// Returns the key's public id (the 8 hex digits after "sk_") from an
// authorization header value the authenticator accepted.
std::string keyIdOf(std::string_view authorization);

}  // namespace staylab::app::http
