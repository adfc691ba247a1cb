#pragma once

#include <string>
#include <vector>

#include "domain/ports/booking_store.h"
#include "domain/ports/document_store.h"
#include "domain/ports/text_index.h"

namespace staylab::app {

// Search by API composition over the write stores, for a platform without
// CQRS: instead of the search read model, every query asks the listing store
// and then the booking store, at query time.
//
// Two phases, callable apart (the simulator runs them at two virtual times,
// so what changes between them shows):
//   candidates(): one query of the listing store for the listings matching
//     every criterion but the stay, as hits ordered by id;
//   available(): one bookedAmong() of the booking store for the candidates
//     holding a night of the stay; the others are sorted and paged.
// search() runs both, one after the other.
//
// Matching follows the read model (stores/text) where it can:
//   - only active listings match (a suspended one never does);
//   - city equals, ignoring ASCII case; min_capacity, currency,
//     max_price_minor and amenities (ASCII case ignored) as the read model;
//   - stay: no night of it held by a confirmed booking, read from the
//     booking store itself, so never stale;
//   - text: blank matches every listing; otherwise every distinct word (a
//     run of ASCII letters and digits and non-ASCII bytes) must occur,
//     ignoring ASCII case, inside the title or the description; text with no
//     word matches nothing.
// Unlike the read model's Xapian index: no stemming and no word boundaries
// ("villa" finds "Villas" and "Villanova", "villas" does not find "villa"),
// the city is not searched as text, and a text of more than
// DocumentQuery::kMaxConditions distinct words, or with a word longer than
// DocumentQuery::kMaxWordBytes bytes, is InvalidInput "text".
//
// Ranking, in place of Xapian's BM25: a hit's relevance is, over the distinct
// words, 2 for each word its title holds plus 1 for each its description
// holds (the read model weighs title words twice too); 0 without text.
// SearchSort::Relevance orders by relevance descending, then id;
// PriceAscending by price_minor, then id, as the read model.
// estimated_total is exact: every available candidate.
//
// Errors: InvalidInput for a query the read model refuses too (limit, price
// without currency, bad UTF-8...) and for the text limits above;
// StoreFailure (or whatever else) from either store, unchanged.
// Thread safety: as the stores; it keeps no state of its own.
class ComposedSearch {
 public:
  // Keeps references to both stores, which must outlive it.
  ComposedSearch(DocumentStore& listings, BookingStore& bookings)
      : m_listings(listings), m_bookings(bookings) {}

  // Phase 1: returns the listings that match `query` except for its stay and
  // paging, as hits ordered by id, each with its relevance.
  [[nodiscard]] Result<std::vector<SearchHit>> candidates(const SearchQuery& query);
  // Phase 2: drops the candidates booked during query.stay (asking the
  // booking store once, and only when there is a stay and a candidate), then
  // sorts and pages the rest as query asks.
  [[nodiscard]] Result<SearchPage> available(std::vector<SearchHit> candidates,
                                             const SearchQuery& query);
  // Runs candidates() then available().
  [[nodiscard]] Result<SearchPage> search(const SearchQuery& query);

 private:
  DocumentStore& m_listings;
  BookingStore& m_bookings;
};

}  // namespace staylab::app
