// Cache-aside in the listing service: views answered from the in-memory
// cache until the TTL on the platform's clock runs out, and a listing's
// update dropping its entry, or not, as the policy says.

#include <gtest/gtest.h>

#include "domain/listing/listing_cache.h"
#include "domain/listing/listing_service.h"
#include "domain/ports/clock.h"
#include "domain/ports/random.h"
#include "stores/document/memory_document_store.h"

namespace staylab::listing {
namespace {

constexpr int64_t kStartNanos = 1'700'000'000'000'000'000;
constexpr int64_t kSecondNanos = 1'000'000'000;

CreateProperty flat() {
  CreateProperty command;
  command.host = "host-1";
  command.title = "Sea view flat";
  command.city = "Lisbon";
  command.price = "120.50";
  command.currency = "EUR";
  command.capacity = 4;
  return command;
}

class ListingCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(m_service.prepare()); }

  // Creates a listing and uses a cache with `invalidation` and a 5 s TTL.
  Property start(CacheInvalidation invalidation) {
    m_cache.emplace(m_clock, ListingCachePolicy{true, 5 * kSecondNanos, invalidation});
    m_service.useCache(&*m_cache);
    return m_service.create(flat(), m_context).value();
  }

  void setPrice(const Property& property, std::string price) {
    UpdateProperty update;
    update.property_id = property.id;
    update.price = std::move(price);
    ASSERT_TRUE(m_service.update(update, m_context));
  }

  MemoryDocumentStore m_store;
  ManualClock m_clock{kStartNanos};
  SeededRandom m_random{42};
  ListingService m_service{m_store, m_clock, m_random};
  CommandContext m_context{"cmd-1", "corr-1", "host-1"};
  std::optional<ListingCache> m_cache;
};

TEST_F(ListingCacheTest, AViewMissesOnceThenIsAnsweredFromTheCacheUntilTheTtlRunsOut) {
  const Property property = start(CacheInvalidation::OnUpdate);
  EXPECT_FALSE(m_service.cached(property.id));  // Creating does not fill the cache.
  ASSERT_TRUE(m_service.view(property.id));     // The miss reads the store and fills it.
  ASSERT_TRUE(m_service.cached(property.id));
  m_clock.advance(5 * kSecondNanos - 1);
  EXPECT_TRUE(m_service.cached(property.id));
  m_clock.advance(1);
  EXPECT_FALSE(m_service.cached(property.id));  // Expired on the clock, not by count.
  EXPECT_EQ(m_cache->size(), 0u);
}

TEST_F(ListingCacheTest, InvalidationOnUpdateDropsTheEntrySoTheNextViewShowsTheNewRevision) {
  const Property property = start(CacheInvalidation::OnUpdate);
  ASSERT_TRUE(m_service.view(property.id));
  setPrice(property, "99");
  EXPECT_FALSE(m_service.cached(property.id));
  const Property shown = m_service.view(property.id).value();
  EXPECT_EQ(shown.version, m_store.get(kCollection, property.id)->revision);
  EXPECT_EQ(shown.price_minor, 9900);
}

TEST_F(ListingCacheTest, WithATtlAloneViewsShowTheOldRevisionUntilTheEntryExpires) {
  const Property property = start(CacheInvalidation::TtlOnly);
  ASSERT_TRUE(m_service.view(property.id));
  setPrice(property, "99");
  const Property stale = m_service.view(property.id).value();
  EXPECT_LT(stale.version, m_store.get(kCollection, property.id)->revision);
  EXPECT_EQ(stale.price_minor, 12050);
  m_clock.advance(5 * kSecondNanos);
  EXPECT_EQ(m_service.view(property.id)->price_minor, 9900);
}

TEST_F(ListingCacheTest, CommandsReadTheStoreNeverTheCache) {
  const Property property = start(CacheInvalidation::TtlOnly);
  ASSERT_TRUE(m_service.view(property.id));
  setPrice(property, "99");
  // get() is what commands and the other contexts decide on.
  EXPECT_EQ(m_service.get(property.id)->price_minor, 9900);
}

TEST_F(ListingCacheTest, WithoutACacheAViewIsARead) {
  const Property property = m_service.create(flat(), m_context).value();
  ASSERT_TRUE(m_service.view(property.id));
  EXPECT_FALSE(m_service.cached(property.id));
  setPrice(property, "99");
  EXPECT_EQ(m_service.view(property.id)->price_minor, 9900);
}

}  // namespace
}  // namespace staylab::listing
