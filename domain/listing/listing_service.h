#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/common/command_context.h"
#include "domain/listing/listing_cache.h"
#include "domain/listing/property.h"
#include "domain/ports/clock.h"
#include "domain/ports/document_store.h"
#include "domain/ports/event_publisher.h"
#include "domain/ports/random.h"

namespace staylab::listing {

inline constexpr std::string_view kCollection = "properties";

// Commands carry the caller's raw input; the service validates every field
// and names the first one that breaks a rule.
struct CreateProperty {
  std::string host;
  std::string title;
  std::string description;
  std::string city;
  std::string price;  // Decimal in major units, e.g. "120.50".
  std::string currency;
  int64_t capacity = 0;
  std::vector<std::string> amenities;
  std::string payment;  // Host payout fingerprint (optional).
  std::string device;   // Optional.
  std::string ip;       // Optional; IPv4 or IPv6.
  // Optional: the id of a listing imported from another system (a migration
  // keeping a stable key), shaped as the ids this service gives: "prop_" and
  // 16 lower-case hex digits. Empty: a new id. Conflict when it is taken.
  std::string id;
};

// Every field left empty keeps its current value.
struct UpdateProperty {
  std::string property_id;
  std::optional<std::string> host;  // Must equal the current host when given.
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> city;
  std::optional<std::string> price;
  std::optional<std::string> currency;
  std::optional<int64_t> capacity;
  std::optional<std::vector<std::string>> amenities;  // Replaces the whole set.
  std::optional<std::string> payment;
  std::optional<std::string> device;
  std::optional<std::string> ip;
};

struct MarkPropertyFraud {
  std::string property_id;
  std::string reason;
};

// The listing context's command and query handlers. Every state change and its
// event are committed together through the document store's outbox, or, with
// EventPublishing::dualWrite, the change commits and the event is published
// after it (see EventPublishing).
// Thread safety: safe to call from any thread (the store serialises writes;
// concurrent updates of one property retry on a stale revision).
class ListingService {
 public:
  ListingService(DocumentStore& store, const Clock& clock, RandomSource& random,
                 EventPublishing publishing = {})
      : m_store(store), m_clock(clock), m_random(random), m_publishing(publishing) {}

  // Creates the indexes the queries need; call once after opening the store.
  [[nodiscard]] Result<void> prepare();

  // Returns the new property, or InvalidInput naming the field.
  [[nodiscard]] Result<Property> create(const CreateProperty& command,
                                        const CommandContext& context);
  // Returns the updated property; NotFound for an unknown id.
  [[nodiscard]] Result<Property> update(const UpdateProperty& command,
                                        const CommandContext& context);
  // Suspends the property (idempotent: suspending a suspended property changes nothing).
  [[nodiscard]] Result<Property> markFraud(const MarkPropertyFraud& command,
                                           const CommandContext& context);

  // Reads the property from the store, never from the cache: for commands
  // and the other contexts, which decide on the store's current revision.
  [[nodiscard]] Result<Property> get(std::string_view property_id);
  // Shows a property to a viewer: with a cache (useCache), cache-aside: a
  // cached entry younger than its TTL answers, otherwise the store is read
  // and the answer cached. Without a cache, as get().
  [[nodiscard]] Result<Property> view(std::string_view property_id);
  // Returns the cached entry of the property, or nothing (a miss, or no
  // cache): the first half of view(), without reading the store.
  std::optional<Property> cached(std::string_view property_id);
  // Keeps listings in `cache` for view() from now on, and tells it of every
  // write of a listing; null for none. `cache` must outlive the service.
  void useCache(ListingCache* cache) { m_cache = cache; }
  // Returns every property, or those in `city` (case-insensitive), ordered by id.
  [[nodiscard]] Result<std::vector<Property>> list(std::optional<std::string_view> city);

 private:
  EventEnvelope makeEvent(std::string type, const Property& property, nlohmann::json payload,
                          const CommandContext& context);
  // Applies `change` to the current property and stores it with its event,
  // retrying on a stale revision. A change that returns no event stores nothing.
  Result<Property> replaceWithRetry(
      const std::string& property_id,
      const std::function<Result<std::optional<EventEnvelope>>(Property&)>& change);

  DocumentStore& m_store;
  const Clock& m_clock;
  RandomSource& m_random;
  EventPublishing m_publishing;
  ListingCache* m_cache = nullptr;
};

// Validates an optional IPv4/IPv6 address (empty is allowed).
Result<std::string> optionalIp(std::string_view text, std::string_view field);

}  // namespace staylab::listing
