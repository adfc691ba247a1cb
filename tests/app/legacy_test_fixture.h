#pragma once

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/legacy/legacy_monolith.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"

namespace staylab::legacy::testing {

using staylab::testing::must;

// Everything the legacy database holds, to show a failed call wrote nothing.
struct LegacyContents {
  std::vector<PropertyRow> properties;
  std::vector<ReservationRow> reservations;
  std::vector<Change> changes;
  bool operator==(const LegacyContents&) const = default;
};

inline LegacyContents contentsOf(LegacyMonolith& legacy) {
  return {must(legacy.properties(), "properties"), must(legacy.reservations(), "reservations"),
          must(legacy.changesAfter(0, 1'000'000), "changes")};
}

inline PropertyRow sampleProperty(std::string title, std::string price = "120.50") {
  PropertyRow row;
  row.title = std::move(title);
  row.descr = "A quiet flat near the river";
  row.city = "Lisbon";
  row.price = std::move(price);
  row.curr = "EUR";
  row.max_guests = 4;
  row.amenities = "wifi,kitchen";
  row.host_ref = "H-17";
  return row;
}

// A PropertyEdit with what `set` sets.
template <typename Set>
PropertyEdit anEdit(Set set) {
  PropertyEdit edit;
  set(edit);
  return edit;
}

inline SearchRequest request(std::string text, std::string city, std::string check_in,
                             std::string check_out, int64_t guests, int limit) {
  SearchRequest request;
  request.text = std::move(text);
  request.city = std::move(city);
  request.check_in = std::move(check_in);
  request.check_out = std::move(check_out);
  request.guests = guests;
  request.limit = limit;
  return request;
}

inline ReservationRow aReservation(int64_t prop_no, std::string guest_name, std::string check_in,
                                   std::string check_out, std::string amount) {
  ReservationRow row;
  row.prop_no = prop_no;
  row.guest_name = std::move(guest_name);
  row.check_in = std::move(check_in);
  row.check_out = std::move(check_out);
  row.amount = std::move(amount);
  return row;
}

// A fresh legacy.db in a temporary directory, created by the first monolith.
class LegacyTest : public ::testing::Test {
 protected:
  std::unique_ptr<LegacyMonolith> openLegacy(StoreCreation creation = StoreCreation::OpenExisting) {
    return must(LegacyMonolith::open({m_dir / "legacy.db", creation}), "open legacy.db");
  }
  void SetUp() override { m_legacy = openLegacy(StoreCreation::CreateIfMissing); }

  staylab::testing::TempDir m_dir;
  std::unique_ptr<LegacyMonolith> m_legacy;
};

}  // namespace staylab::legacy::testing
