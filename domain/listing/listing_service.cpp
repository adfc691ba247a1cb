#include "domain/listing/listing_service.h"

#include <arpa/inet.h>

#include <algorithm>

#include "domain/common/text.h"

namespace staylab::listing {
namespace {

constexpr int kUpdateAttempts = 8;

Result<std::string> optionalHandle(std::string_view text, std::string_view field) {
  if (text.empty()) {
    return std::string();
  }
  return handle(text, field);
}

Result<std::vector<std::string>> validateAmenities(const std::vector<std::string>& raw) {
  std::vector<std::string> amenities;
  for (const auto& amenity : raw) {
    std::string text = STAYLAB_TRY(boundedText(amenity, "amenity", kMaxAmenity));
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    amenities.push_back(std::move(text));
  }
  std::sort(amenities.begin(), amenities.end());
  amenities.erase(std::unique(amenities.begin(), amenities.end()), amenities.end());
  if (amenities.size() > kMaxAmenities) {
    return invalidInput("amenity", "at most {} amenities are allowed, got {}", kMaxAmenities,
                        amenities.size());
  }
  return amenities;
}

Result<int> validateCapacity(int64_t capacity) {
  if (capacity < 1 || capacity > kMaxCapacity) {
    return invalidInput("capacity", "must be 1..{} guests, got {}", kMaxCapacity, capacity);
  }
  return static_cast<int>(capacity);
}

Result<Money> validatePrice(std::string_view price, std::string_view currency_code) {
  Currency currency = STAYLAB_TRY(Currency::parse(currency_code));
  Money money = STAYLAB_TRY(Money::parse(price, currency));
  if (money.minorUnits() == 0) {
    return invalidInput("price", "must be greater than zero");
  }
  Money ceiling = STAYLAB_TRY(Money::parse(std::to_string(kMaxNightlyPriceMajor), currency));
  if (money.minorUnits() > ceiling.minorUnits()) {
    return invalidInput("price", "'{}' exceeds the nightly maximum of {}", price,
                        ceiling.toString());
  }
  return money;
}

nlohmann::json snapshotPayload(const Property& property) {
  nlohmann::json payload = property.toDocument();
  payload.erase("city_key");
  payload["property_id"] = property.id;
  payload.erase("id");
  return payload;
}

// Checks an imported listing's id: "prop_" and 16 lower-case hex digits.
Result<std::string> importedId(std::string_view id) {
  constexpr std::string_view kPrefix = "prop_";
  const bool shaped =
      id.size() == kPrefix.size() + 16 && id.starts_with(kPrefix) &&
      id.substr(kPrefix.size()).find_first_not_of("0123456789abcdef") == std::string_view::npos;
  if (!shaped)
    return invalidInput("id", "must be 'prop_' and 16 lower-case hex digits, not '{}'", id);
  return std::string(id);
}

}  // namespace

Result<std::string> optionalIp(std::string_view text, std::string_view field) {
  if (text.empty()) {
    return std::string();
  }
  std::string address(text);
  unsigned char buffer[16];
  if (inet_pton(AF_INET, address.c_str(), buffer) != 1 &&
      inet_pton(AF_INET6, address.c_str(), buffer) != 1) {
    return invalidInput(std::string(field), "'{}' is not an IPv4 or IPv6 address",
                        isValidUtf8(text) ? address : std::string("(not UTF-8)"));
  }
  return address;
}

Result<void> ListingService::prepare() {
  STAYLAB_TRY(m_store.ensureIndex(kCollection, "$.city_key"));
  return m_store.ensureIndex(kCollection, "$.host_id");
}

EventEnvelope ListingService::makeEvent(std::string type, const Property& property,
                                        nlohmann::json payload, const CommandContext& context) {
  EventEnvelope event;
  event.event_id = newId(m_random, "evt");
  event.type = std::move(type);
  event.schema_version = 1;
  event.aggregate_type = "property";
  event.aggregate_id = property.id;
  event.aggregate_version = property.version;
  event.occurred_at_nanos = m_clock.nowNanos();
  event.correlation_id = context.correlation_id;
  event.causation_id = context.command_id;
  event.caller = context.caller;
  event.payload = std::move(payload);
  return event;
}

Result<Property> ListingService::create(const CreateProperty& command,
                                        const CommandContext& context) {
  Property property;
  property.host_id = STAYLAB_TRY(handle(command.host, "host"));
  property.title = STAYLAB_TRY(boundedText(command.title, "title", kMaxTitle));
  property.description = command.description.empty()
                             ? std::string()
                             : STAYLAB_TRY(boundedText(command.description, "description",
                                                       kMaxDescription, Lines::Multi));
  property.city = STAYLAB_TRY(boundedText(command.city, "city", kMaxCity));
  Money price = STAYLAB_TRY(validatePrice(command.price, command.currency));
  property.price_minor = price.minorUnits();
  property.currency = std::string(price.currency().code());
  property.capacity = STAYLAB_TRY(validateCapacity(command.capacity));
  property.amenities = STAYLAB_TRY(validateAmenities(command.amenities));
  property.host_signals.payout_fingerprint =
      STAYLAB_TRY(optionalHandle(command.payment, "payment"));
  property.host_signals.device = STAYLAB_TRY(optionalHandle(command.device, "device"));
  property.host_signals.ip = STAYLAB_TRY(optionalIp(command.ip, "ip"));
  property.status = PropertyStatus::Active;
  property.id = command.id.empty() ? newId(m_random, "prop") : STAYLAB_TRY(importedId(command.id));
  property.version = 1;

  const std::vector<EventEnvelope> events{
      makeEvent("PropertyCreated", property, snapshotPayload(property), context)};
  auto stored = STAYLAB_TRY(m_store.insert(kCollection, property.id, property.toDocument(),
                                           m_publishing.forOutbox(events)));
  m_publishing.afterCommit(events);
  property.version = stored.revision;
  return property;
}

Result<Property> ListingService::replaceWithRetry(
    const std::string& property_id,
    const std::function<Result<std::optional<EventEnvelope>>(Property&)>& change) {
  for (int attempt = 0;; ++attempt) {
    Property property = STAYLAB_TRY(get(property_id));
    int64_t revision = property.version;
    property.version = revision + 1;
    auto event = STAYLAB_TRY(change(property));
    if (!event) {
      property.version = revision;
      return property;  // Nothing to change.
    }
    const std::vector<EventEnvelope> events{std::move(*event)};
    auto stored = m_store.replace(kCollection, property_id, revision, property.toDocument(),
                                  m_publishing.forOutbox(events));
    if (stored) {
      m_publishing.afterCommit(events);
      if (m_cache != nullptr)
        m_cache->written(property_id);
      return property;
    }
    if (stored.error().kind != ErrorKind::Conflict || attempt + 1 >= kUpdateAttempts) {
      return std::unexpected(stored.error());
    }
  }
}

Result<Property> ListingService::update(const UpdateProperty& command,
                                        const CommandContext& context) {
  // Validate every field before touching the store.
  std::optional<std::string> title, description, city, payment, device, ip;
  std::optional<int> capacity;
  std::optional<std::vector<std::string>> amenities;
  if (command.title) {
    title = STAYLAB_TRY(boundedText(*command.title, "title", kMaxTitle));
  }
  if (command.description) {
    description = command.description->empty()
                      ? std::string()
                      : STAYLAB_TRY(boundedText(*command.description, "description",
                                                kMaxDescription, Lines::Multi));
  }
  if (command.city) {
    city = STAYLAB_TRY(boundedText(*command.city, "city", kMaxCity));
  }
  if (command.capacity) {
    capacity = STAYLAB_TRY(validateCapacity(*command.capacity));
  }
  if (command.amenities) {
    amenities = STAYLAB_TRY(validateAmenities(*command.amenities));
  }
  if (command.payment) {
    payment = STAYLAB_TRY(optionalHandle(*command.payment, "payment"));
  }
  if (command.device) {
    device = STAYLAB_TRY(optionalHandle(*command.device, "device"));
  }
  if (command.ip) {
    ip = STAYLAB_TRY(optionalIp(*command.ip, "ip"));
  }
  if (command.host) {
    STAYLAB_TRY(handle(*command.host, "host"));
  }
  if (command.currency) {
    STAYLAB_TRY(Currency::parse(*command.currency));
  }
  if (command.price && command.currency) {
    // Without a new currency the price is checked below against the property's
    // own, once read: its minor digits decide which amounts are valid.
    STAYLAB_TRY(validatePrice(*command.price, *command.currency));
  }

  return replaceWithRetry(
      command.property_id, [&](Property& property) -> Result<std::optional<EventEnvelope>> {
        if (command.host && *command.host != property.host_id) {
          return invalidInput("host", "a property's host cannot change (it is '{}')",
                              property.host_id);
        }
        Property before = property;
        if (title)
          property.title = *title;
        if (description)
          property.description = *description;
        if (city)
          property.city = *city;
        if (capacity)
          property.capacity = *capacity;
        if (amenities)
          property.amenities = *amenities;
        if (payment)
          property.host_signals.payout_fingerprint = *payment;
        if (device)
          property.host_signals.device = *device;
        if (ip)
          property.host_signals.ip = *ip;
        if (command.price || command.currency) {
          std::string currency = command.currency.value_or(property.currency);
          std::string price_text = command.price
                                       ? *command.price
                                       : STAYLAB_TRY(property.nightlyPrice()).toDecimalString();
          Money price = STAYLAB_TRY(validatePrice(price_text, currency));
          property.price_minor = price.minorUnits();
          property.currency = std::string(price.currency().code());
        }
        before.version = property.version;
        if (before == property) {
          return std::optional<EventEnvelope>();
        }
        return std::optional<EventEnvelope>(
            makeEvent("PropertyUpdated", property, snapshotPayload(property), context));
      });
}

Result<Property> ListingService::markFraud(const MarkPropertyFraud& command,
                                           const CommandContext& context) {
  std::string reason = STAYLAB_TRY(boundedText(command.reason, "reason", 500));
  return replaceWithRetry(
      command.property_id, [&](Property& property) -> Result<std::optional<EventEnvelope>> {
        if (property.status == PropertyStatus::Suspended) {
          return std::optional<EventEnvelope>();
        }
        property.status = PropertyStatus::Suspended;
        property.suspension_reason = reason;
        return std::optional<EventEnvelope>(
            makeEvent("PropertySuspended", property,
                      nlohmann::json{{"property_id", property.id}, {"reason", reason}}, context));
      });
}

Result<Property> ListingService::get(std::string_view property_id) {
  auto document = m_store.get(kCollection, property_id);
  if (!document) {
    if (document.error().kind == ErrorKind::NotFound ||
        document.error().kind == ErrorKind::InvalidInput) {
      return std::unexpected(errors::propertyNotFound(property_id));
    }
    return std::unexpected(document.error());
  }
  return Property::fromDocument(document->body, document->revision);
}

Result<Property> ListingService::view(std::string_view property_id) {
  if (m_cache != nullptr) {
    if (auto hit = m_cache->find(property_id))
      return *hit;
  }
  Property property = STAYLAB_TRY(get(property_id));
  if (m_cache != nullptr)
    m_cache->put(property);
  return property;
}

std::optional<Property> ListingService::cached(std::string_view property_id) {
  return m_cache != nullptr ? m_cache->find(property_id) : std::nullopt;
}

Result<std::vector<Property>> ListingService::list(std::optional<std::string_view> city) {
  std::vector<Document> documents;
  if (city) {
    std::string key(*city);
    std::transform(key.begin(), key.end(), key.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
    documents = STAYLAB_TRY(m_store.findEqual(kCollection, "$.city_key", key));
  } else {
    documents = STAYLAB_TRY(m_store.all(kCollection));
  }
  std::vector<Property> properties;
  properties.reserve(documents.size());
  for (const auto& document : documents) {
    properties.push_back(STAYLAB_TRY(Property::fromDocument(document.body, document.revision)));
  }
  return properties;
}

}  // namespace staylab::listing
