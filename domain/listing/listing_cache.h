#pragma once

// The listing service's in-memory cache of listings (cache-aside): a view
// looks here first and, on a miss, reads the document store and puts what it
// read. An entry lives `ttl` on the platform's Clock; with
// CacheInvalidation::OnUpdate the listing's own writes drop its entry, with
// TtlOnly an entry outlives an update until it expires (a stale view).
//
// Thread safety: safe to call from any thread (one mutex).

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/platform_patterns.h"
#include "domain/listing/property.h"
#include "domain/ports/clock.h"

namespace staylab::listing {

class ListingCache {
 public:
  ListingCache(const Clock& clock, ListingCachePolicy policy) : m_clock(clock), m_policy(policy) {}

  // Returns the cached listing while its entry is younger than the TTL;
  // drops an expired entry.
  std::optional<Property> find(std::string_view property_id);
  // Caches `property` (as read from the store) from now for the TTL.
  void put(const Property& property);
  // A write of the listing committed: drops its entry when the policy
  // invalidates on update; with TtlOnly the entry stays until it expires.
  void written(std::string_view property_id);

  const ListingCachePolicy& policy() const { return m_policy; }
  std::size_t size() const;

 private:
  struct Entry {
    Property property;
    int64_t expires_at = 0;  // Clock nanoseconds.
  };

  const Clock& m_clock;
  const ListingCachePolicy m_policy;
  mutable std::mutex m_mutex;
  std::map<std::string, Entry, std::less<>> m_entries;  // GUARDED_BY(m_mutex)
};

}  // namespace staylab::listing
