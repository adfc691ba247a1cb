#include "app/platform/divergence.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "events/history_projection.h"

namespace staylab::app {
namespace {

constexpr std::size_t kExamples = 5;

void note(Divergence& divergence, std::string text) {
  if (divergence.examples.size() < kExamples)
    divergence.examples.push_back(std::move(text));
}

// Returns true when `document` shows `property` as the listing store holds it.
bool sameListing(const SearchDocument& document, const listing::Property& property) {
  std::vector<std::string> amenities = document.amenities;
  std::vector<std::string> stored = property.amenities;
  std::sort(amenities.begin(), amenities.end());
  std::sort(stored.begin(), stored.end());
  return document.title == property.title && document.description == property.description &&
         document.city == property.city && amenities == stored &&
         document.capacity == property.capacity && document.price_minor == property.price_minor &&
         document.currency == property.currency &&
         document.listed == (property.status == listing::PropertyStatus::Active);
}

}  // namespace

Result<Divergence> measureDivergence(Platform& platform) {
  Divergence divergence;
  std::map<std::string, SearchDocument> documents;
  for (const listing::Property& property : STAYLAB_TRY(platform.listing().list(std::nullopt))) {
    auto document = STAYLAB_TRY(platform.searchIndex().get(property.id));
    if (!document || !sameListing(*document, property)) {
      ++divergence.listings;
      note(divergence, fmt::format("listing {} {} in search", property.id,
                                   document ? "differs" : "is missing"));
    }
    if (document)
      documents.emplace(property.id, std::move(*document));
  }

  std::map<std::string, std::vector<booking::Booking>> confirmed;
  for (booking::Booking& booking : STAYLAB_TRY(platform.bookings().list({}))) {
    if (booking.status == booking::BookingStatus::Confirmed)
      confirmed[booking.property_id].push_back(std::move(booking));
  }
  for (const auto& [property_id, bookings] : confirmed) {
    auto document = documents.find(property_id);
    std::set<Date> held;
    if (document != documents.end())
      held.insert(document->second.booked_nights.begin(), document->second.booked_nights.end());
    // The latest version of each booking's cell in the property's history:
    // versions come newest first, and emplace keeps the first.
    std::map<std::string, std::string> history;
    for (const Cell& cell :
         STAYLAB_TRY(platform.historyStore().scanRow(property_id, HistoryProjection::kByProperty)))
      history.emplace(cell.qualifier, cell.value);
    for (const booking::Booking& booking : bookings) {
      bool free_in_search = false;
      for (Date night = booking.check_in; night < booking.check_out; night = night.plusDays(1))
        free_in_search = free_in_search || !held.contains(night);
      if (free_in_search) {
        ++divergence.search_bookings;
        note(divergence,
             fmt::format("booking {}: search offers its nights at {}", booking.id, property_id));
      }
      auto cell = history.find(booking.id);
      const bool shown =
          cell != history.end() &&
          nlohmann::json::parse(cell->second, nullptr, false).value("status", std::string()) ==
              "confirmed";
      if (!shown) {
        ++divergence.history_bookings;
        note(divergence, fmt::format("booking {}: history {}", booking.id,
                                     cell == history.end() ? "lacks it" : "shows it otherwise"));
      }
    }
  }
  return divergence;
}

}  // namespace staylab::app
