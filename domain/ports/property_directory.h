#pragma once

#include <cstdint>
#include <string>

#include "domain/common/error.h"

namespace staylab {

// What the booking context needs to know about a listing.
struct PropertySnapshot {
  std::string id;
  std::string host_id;
  int capacity = 0;
  int64_t price_minor = 0;
  std::string currency;
  bool active = false;
};

// The booking context's view of the listing context (a query API call).
// Errors: NotFound for an unknown property; StoreFailure when the listing store fails.
class PropertyDirectory {
 public:
  virtual ~PropertyDirectory() = default;
  [[nodiscard]] virtual Result<PropertySnapshot> find(std::string_view property_id) = 0;
};

}  // namespace staylab
