// The platform with each pattern switched off, on real stores: search by API
// composition instead of the read model (CQRS off).

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "domain/common/text.h"
#include "tests/app/platform_fixtures.h"

namespace staylab::app {
namespace {

using testing::allChecksPass;
using testing::kNanosPerMinute;
using testing::must;
using testing::SeededPlatform;
using Ids = std::set<std::string>;

Ids idsOf(const SearchPage& page) {
  Ids ids;
  for (const auto& hit : page.hits) {
    ids.insert(hit.id);
  }
  return ids;
}

Stay stay(const std::string& from, const std::string& to) {
  return must(Stay::parse(from, to), "stay");
}

// Queries without text, on which the read model and the composition must
// agree: every filter alone and together.
std::vector<SearchQuery> queriesWithoutText(Platform& platform) {
  const auto properties = must(platform.listing().list(std::nullopt), "list the listings");
  const listing::Property& first = properties.front();
  std::vector<SearchQuery> queries;
  SearchQuery query;
  query.limit = 1000;
  queries.push_back(query);  // Everything listed.
  query.city = first.city;
  queries.push_back(query);
  query.city = "PORTO";
  queries.push_back(query);
  query.city.reset();
  query.stay = stay("2030-02-10", "2030-02-17");
  queries.push_back(query);
  query.min_capacity = 4;
  queries.push_back(query);
  query.city = "lisbon";
  queries.push_back(query);
  query = SearchQuery{};
  query.limit = 1000;
  query.currency = "EUR";
  query.max_price_minor = 12'000;
  queries.push_back(query);
  query.amenities = {"wifi", "Pool"};
  queries.push_back(query);
  query.stay = stay("2030-03-01", "2030-03-04");
  query.min_capacity = 2;
  queries.push_back(query);
  return queries;
}

TEST(ComposedSearchTest, FindsTheSameListingsAsTheReadModelForQueriesWithoutText) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  for (const SearchQuery& query : queriesWithoutText(platform)) {
    auto read_model = must(platform.searchIndex().search(query), "read model");
    auto composed = must(platform.composedSearch().search(query), "composition");
    SCOPED_TRACE(fmt::format("city {}, stay {}, guests {}, max price {}, {} amenities",
                             query.city.value_or("-"), query.stay.has_value(),
                             query.min_capacity.value_or(0), query.max_price_minor.value_or(0),
                             query.amenities.size()));
    EXPECT_FALSE(composed.hits.empty());
    EXPECT_EQ(idsOf(composed), idsOf(read_model));
    EXPECT_EQ(composed.estimated_total, read_model.estimated_total);
  }
}

TEST(ComposedSearchTest, NeverOffersABookedListingForItsNights) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  const auto bookings = must(platform.bookings().list({}), "list the bookings");
  int checked = 0;
  for (const auto& placed : bookings) {
    if (placed.status != booking::BookingStatus::Confirmed || ++checked > 40) {
      continue;
    }
    const auto property = must(platform.listing().get(placed.property_id), "get the listing");
    SearchQuery query;
    query.city = property.city;
    query.limit = 1000;
    // The last night of the stay only, and the whole stay.
    for (const Stay& nights :
         {stay(placed.check_out.plusDays(-1).toString(), placed.check_out.toString()),
          stay(placed.check_in.toString(), placed.check_out.toString())}) {
      query.stay = nights;
      EXPECT_FALSE(idsOf(must(platform.composedSearch().search(query), "search"))
                       .contains(placed.property_id))
          << placed.id;
    }
    query.stay = stay(placed.check_out.toString(), placed.check_out.plusDays(1).toString());
    const bool listed = property.status == listing::PropertyStatus::Active;
    EXPECT_EQ(
        idsOf(must(platform.composedSearch().search(query), "search")).contains(placed.property_id),
        listed &&
            must(platform.bookingStore().bookedAmong({placed.property_id}, *query.stay), "booked")
                .empty())
        << "free again from check-out: " << placed.id;
  }
  EXPECT_GT(checked, 10);
}

TEST(ComposedSearchTest, WordsFindListingsWhoseTitleOrDescriptionHoldsThem) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  const auto properties = must(platform.listing().list(std::nullopt), "list the listings");
  for (const std::string text : {"LOFT", "courtyard quiet", "harbour", "wifi desk"}) {
    SearchQuery query;
    query.text = text;
    query.limit = 1000;
    const Ids found = idsOf(must(platform.composedSearch().search(query), "search"));
    Ids expected;
    for (const auto& property : properties) {
      const std::string haystack =
          foldAsciiCase(property.title) + "\n" + foldAsciiCase(property.description);
      bool every_word = property.status == listing::PropertyStatus::Active;
      size_t start = 0;
      while (every_word && start < text.size()) {
        size_t end = std::min(text.find(' ', start), text.size());
        every_word =
            haystack.find(foldAsciiCase(text.substr(start, end - start))) != std::string::npos;
        start = end + 1;
      }
      if (every_word) {
        expected.insert(property.id);
      }
    }
    EXPECT_FALSE(expected.empty()) << text;
    EXPECT_EQ(found, expected) << text;
  }
}

TEST(ComposedSearchTest, RanksByWordsInTitleThenDescriptionAndSortsByPrice) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  SearchQuery query;
  query.text = "loft quiet";
  query.limit = 1000;
  auto page = must(platform.composedSearch().search(query), "search");
  ASSERT_GT(page.hits.size(), 1u);
  for (size_t index = 1; index < page.hits.size(); ++index) {
    const auto& before = page.hits[index - 1];
    const auto& after = page.hits[index];
    EXPECT_TRUE(before.relevance > after.relevance ||
                (before.relevance == after.relevance && before.id < after.id));
    EXPECT_GE(after.relevance, 2.0) << "each word scores at least 1";
  }
  query.sort = SearchSort::PriceAscending;
  query.limit = 5;
  query.offset = 2;
  auto priced = must(platform.composedSearch().search(query), "search");
  EXPECT_EQ(priced.estimated_total, page.hits.size());
  ASSERT_EQ(priced.hits.size(), 5u);
  EXPECT_TRUE(std::is_sorted(priced.hits.begin(), priced.hits.end(), [](auto& a, auto& b) {
    return std::tie(a.price_minor, a.id) < std::tie(b.price_minor, b.id);
  }));
}

TEST(ComposedSearchTest, RefusesWhatTheReadModelRefuses) {
  SeededPlatform run(7);
  SearchQuery query;
  query.max_price_minor = 100;
  auto refused = run.platform().composedSearch().search(query);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "currency");
  query = SearchQuery{};
  query.limit = 0;
  EXPECT_FALSE(run.platform().composedSearch().candidates(query));
  query.limit = 20;
  query.text = "?!";
  EXPECT_TRUE(must(run.platform().composedSearch().search(query), "search").hits.empty());
}

TEST(ComposedSearchTest, PhasesRunApartSeeWhatChangedBetweenThem) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  SearchQuery query;
  query.city = "Porto";
  query.stay = stay("2030-12-01", "2030-12-03");
  query.limit = 1000;
  auto candidates = must(platform.composedSearch().candidates(query), "phase 1");
  ASSERT_FALSE(candidates.empty());
  const std::string chosen = candidates.front().id;
  ASSERT_TRUE(idsOf(must(platform.composedSearch().available(candidates, query), "phase 2"))
                  .contains(chosen));

  booking::PlaceBooking command;
  command.property_id = chosen;
  command.guest = "late-guest";
  command.from = "2030-12-02";
  command.to = "2030-12-05";
  must(platform.gateway().placeBooking(Caller{"late-guest", Role::Guest}, command), "book");
  EXPECT_FALSE(idsOf(must(platform.composedSearch().available(candidates, query), "phase 2"))
                   .contains(chosen))
      << "phase 2 reads the booking store as it is now";
}

TEST(ComposedSearchTest, GatewaySwitchesBetweenReadModelAndCompositionWhileRunning) {
  SeededPlatform run(7);
  Platform& platform = run.platform();
  EXPECT_EQ(platform.patterns().query_model, QueryModel::ReadModel);
  SearchQuery query;
  query.city = "Lisbon";
  query.stay = stay("2030-11-10", "2030-11-12");
  query.limit = 1000;
  const Ids before = idsOf(must(platform.gateway().search(query), "search"));
  ASSERT_FALSE(before.empty());
  const std::string chosen = *before.begin();

  run.clock().advance(kNanosPerMinute);
  booking::PlaceBooking command;
  command.property_id = chosen;
  command.guest = "quick-guest";
  command.from = "2030-11-10";
  command.to = "2030-11-11";
  must(platform.gateway().placeBooking(Caller{"quick-guest", Role::Guest}, command), "book");

  EXPECT_TRUE(idsOf(must(platform.gateway().search(query), "search")).contains(chosen))
      << "the read model lags until the pump moves the event";
  platform.setQueryModel(QueryModel::Composition);
  EXPECT_EQ(platform.patterns().query_model, QueryModel::Composition);
  EXPECT_FALSE(idsOf(must(platform.gateway().search(query), "search")).contains(chosen))
      << "the composition reads the booking store itself";
  platform.setQueryModel(QueryModel::ReadModel);
  must(platform.pump().drain(), "drain");
  EXPECT_FALSE(idsOf(must(platform.gateway().search(query), "search")).contains(chosen));
  EXPECT_TRUE(allChecksPass(platform));
}

}  // namespace
}  // namespace staylab::app
