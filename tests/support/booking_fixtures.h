#pragma once

#include <map>
#include <memory>
#include <string>

#include "domain/ports/property_directory.h"
#include "stores/relational/memory_booking_store.h"
#include "stores/relational/sqlite_booking_store.h"
#include "tests/support/temp_dir.h"

namespace staylab::testing {

// A property directory over a fixed map, for booking tests without a listing store.
class FixedPropertyDirectory final : public PropertyDirectory {
 public:
  void add(PropertySnapshot property) { m_properties[property.id] = std::move(property); }
  Result<PropertySnapshot> find(std::string_view property_id) override {
    auto it = m_properties.find(std::string(property_id));
    if (it == m_properties.end()) {
      return std::unexpected(
          Error{ErrorKind::NotFound, "listing.property_not_found", "property", "no such property"});
    }
    return it->second;
  }

 private:
  std::map<std::string, PropertySnapshot> m_properties;
};

// Makes the real SQLite adapter in a temporary directory, or the twin.
struct SqliteBookingStoreFactory {
  static constexpr const char* kName = "Sqlite";
  TempDir dir;
  std::unique_ptr<BookingStore> make() {
    return SqliteBookingStore::open(
               {dir / "bookings.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing})
        .value();
  }
  std::unique_ptr<BookingStore> reopen() { return make(); }
};

struct MemoryBookingStoreFactory {
  static constexpr const char* kName = "Memory";
  std::unique_ptr<BookingStore> make() { return std::make_unique<MemoryBookingStore>(); }
};

}  // namespace staylab::testing
