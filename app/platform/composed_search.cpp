#include "app/platform/composed_search.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "domain/common/text.h"
#include "domain/listing/listing_service.h"
#include "stores/text/text_index_rules.h"

namespace staylab::app {
namespace {

// Paths of the listing document (listing::Property::toDocument).
constexpr const char* kCityKeyPath = "$.city_key";
constexpr const char* kStatusPath = "$.status";
constexpr const char* kCapacityPath = "$.capacity";
constexpr const char* kPricePath = "$.price_minor";
constexpr const char* kCurrencyPath = "$.currency";
constexpr const char* kAmenitiesPath = "$.amenities";
constexpr const char* kTitlePath = "$.title";
constexpr const char* kDescriptionPath = "$.description";

constexpr int kTitleWeight = 2;
constexpr int kDescriptionWeight = 1;

// Returns the distinct words of `text`, folded to ASCII lower case, sorted.
std::vector<std::string> wordsOf(std::string_view text) {
  std::set<std::string> words;
  for (std::string_view word : splitWords(text)) {
    words.insert(foldAsciiCase(word));
  }
  return {words.begin(), words.end()};
}

Result<std::vector<std::string>> checkedWords(std::string_view text) {
  std::vector<std::string> words = wordsOf(text);
  if (words.size() > DocumentQuery::kMaxConditions) {
    return invalidInput("text", "at most {} distinct words are searched without the read model",
                        DocumentQuery::kMaxConditions);
  }
  for (const auto& word : words) {
    if (word.size() > DocumentQuery::kMaxWordBytes) {
      return invalidInput("text", "words of at most {} bytes are searched without the read model",
                          DocumentQuery::kMaxWordBytes);
    }
  }
  return words;
}

// Returns the listing store's query for everything of `query` but its stay.
DocumentQuery listingQuery(const SearchQuery& query, const std::vector<std::string>& words) {
  DocumentQuery filter;
  filter.equal.push_back({kStatusPath, "active"});
  if (query.city) {
    filter.equal.push_back({kCityKeyPath, text_rules::foldCase(*query.city)});
  }
  if (query.currency) {
    filter.equal.push_back({kCurrencyPath, *query.currency});
  }
  if (query.min_capacity) {
    filter.ranges.push_back({kCapacityPath, DocumentQuery::Bound::AtLeast, *query.min_capacity});
  }
  if (query.max_price_minor) {
    filter.ranges.push_back({kPricePath, DocumentQuery::Bound::AtMost, *query.max_price_minor});
  }
  for (const auto& amenity : query.amenities) {
    filter.contains.push_back({kAmenitiesPath, text_rules::foldCase(amenity)});
  }
  filter.words = words;
  if (!words.empty()) {
    filter.text_paths = {kTitlePath, kDescriptionPath};
  }
  return filter;
}

// Returns the relevance of a listing to `words` (see the header).
double relevanceOf(const listing::Property& property, const std::vector<std::string>& words) {
  const std::string title = foldAsciiCase(property.title);
  const std::string description = foldAsciiCase(property.description);
  int relevance = 0;
  for (const auto& word : words) {
    relevance += title.find(word) != std::string::npos ? kTitleWeight : 0;
    relevance += description.find(word) != std::string::npos ? kDescriptionWeight : 0;
  }
  return relevance;
}

}  // namespace

Result<std::vector<SearchHit>> ComposedSearch::candidates(const SearchQuery& query) {
  STAYLAB_TRY(text_rules::checkQuery(query));
  std::vector<std::string> words;
  if (!text_rules::isBlank(query.text)) {
    words = STAYLAB_TRY(checkedWords(query.text));
    if (words.empty()) {
      return std::vector<SearchHit>();  // Only punctuation: nothing can match.
    }
  }
  auto documents = STAYLAB_TRY(m_listings.query(listing::kCollection, listingQuery(query, words)));
  std::vector<SearchHit> hits;
  hits.reserve(documents.size());
  for (const auto& document : documents) {
    auto property = STAYLAB_TRY(listing::Property::fromDocument(document.body, document.revision));
    hits.push_back(SearchHit{
        .id = property.id,
        .title = property.title,
        .city = property.city,
        .price_minor = property.price_minor,
        .currency = property.currency,
        .relevance = relevanceOf(property, words),
    });
  }
  return hits;
}

Result<SearchPage> ComposedSearch::available(std::vector<SearchHit> candidates,
                                             const SearchQuery& query) {
  STAYLAB_TRY(text_rules::checkQuery(query));
  if (query.stay && !candidates.empty()) {
    std::vector<std::string> ids;
    ids.reserve(candidates.size());
    for (const auto& hit : candidates) {
      ids.push_back(hit.id);
    }
    const auto booked_ids = STAYLAB_TRY(m_bookings.bookedAmong(ids, *query.stay));
    const std::set<std::string> booked(booked_ids.begin(), booked_ids.end());
    std::erase_if(candidates, [&](const SearchHit& hit) { return booked.contains(hit.id); });
  }
  switch (query.sort) {
    case SearchSort::Relevance:
      std::sort(candidates.begin(), candidates.end(), [](const SearchHit& a, const SearchHit& b) {
        return std::tie(b.relevance, a.id) < std::tie(a.relevance, b.id);
      });
      break;
    case SearchSort::PriceAscending:
      std::sort(candidates.begin(), candidates.end(), [](const SearchHit& a, const SearchHit& b) {
        return std::tie(a.price_minor, a.id) < std::tie(b.price_minor, b.id);
      });
      break;
  }
  SearchPage page;
  page.estimated_total = candidates.size();
  if (query.offset < candidates.size()) {
    const size_t end = std::min(candidates.size(), query.offset + query.limit);
    page.hits.assign(
        std::make_move_iterator(candidates.begin() + static_cast<ptrdiff_t>(query.offset)),
        std::make_move_iterator(candidates.begin() + static_cast<ptrdiff_t>(end)));
  }
  return page;
}

Result<SearchPage> ComposedSearch::search(const SearchQuery& query) {
  auto found = STAYLAB_TRY(candidates(query));
  return available(std::move(found), query);
}

}  // namespace staylab::app
