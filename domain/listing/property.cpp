#include "domain/listing/property.h"

#include "domain/common/json_number.h"

namespace staylab::listing {

std::string_view toString(PropertyStatus status) {
  return status == PropertyStatus::Active ? "active" : "suspended";
}

nlohmann::json Property::toDocument() const {
  std::string city_key = city;
  for (char& c : city_key) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return nlohmann::json{
      {"id", id},
      {"host_id", host_id},
      {"title", title},
      {"description", description},
      {"city", city},
      {"city_key", city_key},
      {"amenities", amenities},
      {"capacity", capacity},
      {"price_minor", price_minor},
      {"currency", currency},
      {"status", std::string(toString(status))},
      {"suspension_reason", suspension_reason},
      {"host_signals",
       {{"payout_fingerprint", host_signals.payout_fingerprint},
        {"device", host_signals.device},
        {"ip", host_signals.ip}}},
  };
}

Result<Property> Property::fromDocument(const nlohmann::json& body, int64_t version) {
  try {
    Property property;
    property.id = body.at("id").get<std::string>();
    property.host_id = body.at("host_id").get<std::string>();
    property.title = body.at("title").get<std::string>();
    property.description = body.at("description").get<std::string>();
    property.city = body.at("city").get<std::string>();
    property.amenities = body.at("amenities").get<std::vector<std::string>>();
    const std::optional<int> capacity = wholeNumber<int>(body.at("capacity"));
    const std::optional<int64_t> price_minor = wholeNumber<int64_t>(body.at("price_minor"));
    if (!capacity || !price_minor) {
      return storeFailure("listing.corrupt_document",
                          "property document is malformed: {} is not an integer in range",
                          capacity ? "price_minor" : "capacity");
    }
    property.capacity = *capacity;
    property.price_minor = *price_minor;
    property.currency = body.at("currency").get<std::string>();
    property.status = body.at("status").get<std::string>() == "suspended"
                          ? PropertyStatus::Suspended
                          : PropertyStatus::Active;
    property.suspension_reason = body.value("suspension_reason", "");
    const auto& signals = body.at("host_signals");
    property.host_signals.payout_fingerprint = signals.value("payout_fingerprint", "");
    property.host_signals.device = signals.value("device", "");
    property.host_signals.ip = signals.value("ip", "");
    property.version = version;
    return property;
  } catch (const nlohmann::json::exception& error) {
    return storeFailure("listing.corrupt_document", "property document is malformed: {}",
                        error.what());
  }
}

Result<Money> Property::nightlyPrice() const {
  Currency parsed = STAYLAB_TRY(Currency::parse(currency));
  return Money::fromMinor(price_minor, parsed);
}

namespace errors {

Error propertyNotFound(std::string_view id) {
  return Error{ErrorKind::NotFound, "listing.property_not_found", "property",
               fmt::format("no property with id '{}'", id)};
}

Error propertySuspended(std::string_view id) {
  return Error{ErrorKind::Refused, "listing.property_suspended", "property",
               fmt::format("property '{}' is suspended and takes no bookings", id)};
}

}  // namespace errors
}  // namespace staylab::listing
