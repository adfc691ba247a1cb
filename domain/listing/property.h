#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"
#include "domain/common/money.h"

namespace staylab::listing {

enum class PropertyStatus { Active, Suspended };
std::string_view toString(PropertyStatus status);

// Limits of the listing context, in code points.
inline constexpr size_t kMaxTitle = 120;
inline constexpr size_t kMaxDescription = 5000;
inline constexpr size_t kMaxCity = 80;
inline constexpr size_t kMaxAmenity = 40;
inline constexpr size_t kMaxAmenities = 30;
inline constexpr int kMaxCapacity = 50;
inline constexpr int64_t kMaxNightlyPriceMajor = 100'000;

// Signals about the host given when a listing is created; used by fraud detection.
struct HostSignals {
  std::string payout_fingerprint;
  std::string device;
  std::string ip;
  bool operator==(const HostSignals&) const = default;
};

// The Property aggregate. Its version is the document store's revision.
struct Property {
  std::string id;
  std::string host_id;
  std::string title;
  std::string description;
  std::string city;
  std::vector<std::string> amenities;  // Lower case, unique, sorted.
  int capacity = 1;
  int64_t price_minor = 0;  // Nightly price.
  std::string currency;
  PropertyStatus status = PropertyStatus::Active;
  std::string suspension_reason;
  HostSignals host_signals;
  int64_t version = 0;

  // The document body stored in the listing store (everything but the version).
  nlohmann::json toDocument() const;
  static Result<Property> fromDocument(const nlohmann::json& body, int64_t version);
  // Returns the nightly price as Money.
  Result<Money> nightlyPrice() const;

  bool operator==(const Property&) const = default;
};

// Errors of the listing context.
namespace errors {
Error propertyNotFound(std::string_view id);
Error propertySuspended(std::string_view id);
}  // namespace errors

}  // namespace staylab::listing
