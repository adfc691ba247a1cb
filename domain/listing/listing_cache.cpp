#include "domain/listing/listing_cache.h"

namespace staylab::listing {

std::optional<Property> ListingCache::find(std::string_view property_id) {
  std::lock_guard lock(m_mutex);
  auto found = m_entries.find(property_id);
  if (found == m_entries.end())
    return std::nullopt;
  if (m_clock.nowNanos() >= found->second.expires_at) {
    m_entries.erase(found);
    return std::nullopt;
  }
  return found->second.property;
}

void ListingCache::put(const Property& property) {
  std::lock_guard lock(m_mutex);
  m_entries.insert_or_assign(property.id, Entry{property, m_clock.nowNanos() + m_policy.ttl_nanos});
}

void ListingCache::written(std::string_view property_id) {
  if (m_policy.invalidation != CacheInvalidation::OnUpdate)
    return;
  std::lock_guard lock(m_mutex);
  if (auto found = m_entries.find(property_id); found != m_entries.end())
    m_entries.erase(found);
}

std::size_t ListingCache::size() const {
  std::lock_guard lock(m_mutex);
  return m_entries.size();
}

}  // namespace staylab::listing
