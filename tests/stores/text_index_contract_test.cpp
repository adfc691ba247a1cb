// The TextIndex contract, run against the Xapian adapter and its in-memory
// twin, plus the Xapian adapter's durability and opening rules.

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "domain/ports/text_index.h"
#include "stores/text/memory_text_index.h"
#include "stores/text/xapian_text_index.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using testing::TempDir;

Date day(std::string_view text) {
  return Date::parse(text).value();
}

Stay stay(std::string_view from, std::string_view to) {
  return Stay::parse(from, to).value();
}

SearchDocument property(std::string id, std::string title, std::string city = "Lisbon",
                        int64_t price_minor = 10000, std::string currency = "EUR") {
  SearchDocument document;
  document.id = std::move(id);
  document.title = std::move(title);
  document.description = "A place to stay";
  document.city = std::move(city);
  document.capacity = 2;
  document.price_minor = price_minor;
  document.currency = std::move(currency);
  return document;
}

std::vector<std::string> ids(const SearchPage& page) {
  std::vector<std::string> result;
  for (const auto& hit : page.hits) {
    result.push_back(hit.id);
  }
  return result;
}

using Ids = std::vector<std::string>;

TextIndexBatch batch(std::vector<SearchDocument> upserts = {},
                     std::vector<std::string> removals = {},
                     std::map<std::string, std::string> metadata = {}) {
  TextIndexBatch result;
  result.upserts = std::move(upserts);
  result.removals = std::move(removals);
  result.metadata = std::move(metadata);
  return result;
}

// Builds a SearchQuery one field at a time (GCC 12 warns about designated
// initializers that leave fields out).
class QueryBuilder {
 public:
  QueryBuilder& text(std::string value) {
    m_query.text = std::move(value);
    return *this;
  }
  QueryBuilder& city(std::string value) {
    m_query.city = std::move(value);
    return *this;
  }
  QueryBuilder& minCapacity(int value) {
    m_query.min_capacity = value;
    return *this;
  }
  QueryBuilder& maxPriceMinor(int64_t value) {
    m_query.max_price_minor = value;
    return *this;
  }
  QueryBuilder& currency(std::string value) {
    m_query.currency = std::move(value);
    return *this;
  }
  QueryBuilder& amenities(std::vector<std::string> value) {
    m_query.amenities = std::move(value);
    return *this;
  }
  QueryBuilder& stay(Stay value) {
    m_query.stay = value;
    return *this;
  }
  QueryBuilder& sort(SearchSort value) {
    m_query.sort = value;
    return *this;
  }
  QueryBuilder& offset(size_t value) {
    m_query.offset = value;
    return *this;
  }
  QueryBuilder& limit(size_t value) {
    m_query.limit = value;
    return *this;
  }
  operator SearchQuery() const { return m_query; }

 private:
  SearchQuery m_query;
};

QueryBuilder query() {
  return {};
}

struct Adapter {
  std::string name;
  std::function<std::unique_ptr<TextIndex>(const std::filesystem::path&)> open;

  friend void PrintTo(const Adapter& adapter, std::ostream* out) { *out << adapter.name; }
};

std::unique_ptr<TextIndex> openXapian(const std::filesystem::path& directory) {
  auto index =
      XapianTextIndex::open({.directory = directory, .creation = StoreCreation::CreateIfMissing});
  if (!index) {
    ADD_FAILURE() << index.error().describe();
    return nullptr;
  }
  return std::move(*index);
}

class TextIndexContractTest : public ::testing::TestWithParam<Adapter> {
 protected:
  void SetUp() override {
    m_index = GetParam().open(m_dir / "index");
    ASSERT_NE(m_index, nullptr);
  }

  void upsert(std::vector<SearchDocument> documents) {
    ASSERT_TRUE(m_index->apply(batch(std::move(documents))));
  }

  // Returns the page, failing the test when the search fails.
  SearchPage search(SearchQuery query) {
    auto page = m_index->search(query);
    EXPECT_TRUE(page) << page.error().describe();
    return page.value_or(SearchPage{});
  }

  Ids searchIds(SearchQuery query) { return ids(search(std::move(query))); }

  // Returns the matching ids in id order, for tests about which documents
  // match rather than how they rank.
  Ids matchingIds(SearchQuery query) {
    Ids result = searchIds(std::move(query));
    std::sort(result.begin(), result.end());
    return result;
  }

  void expectInvalid(const SearchQuery& query) {
    auto page = m_index->search(query);
    ASSERT_FALSE(page);
    EXPECT_EQ(page.error().kind, ErrorKind::InvalidInput);
  }

  TempDir m_dir;
  std::unique_ptr<TextIndex> m_index;
};

TEST_P(TextIndexContractTest, UpsertThenGetReturnsTheSameDocument) {
  SearchDocument document = property("p1", "Cozy apartment", "San Francisco", 12345, "USD");
  document.description = "Two rooms near the bay.\nQuiet street.";
  document.amenities = {"Wifi", "Kitchen"};
  document.capacity = 4;
  document.booked_nights = {day("2027-06-01"), day("2027-06-02")};
  upsert({document});

  auto stored = m_index->get("p1");
  ASSERT_TRUE(stored);
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ(**stored, document);
}

TEST_P(TextIndexContractTest, GetOfUnknownIdReturnsNothing) {
  upsert({property("p1", "Cozy apartment")});
  auto stored = m_index->get("p2");
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->has_value());
}

TEST_P(TextIndexContractTest, UpsertWithTheSameIdReplacesTheDocument) {
  upsert({property("p1", "Cozy apartment", "Lisbon")});
  upsert({property("p1", "Sunny villa", "Porto")});

  EXPECT_EQ(m_index->documentCount().value(), 1u);
  EXPECT_EQ(m_index->get("p1").value()->title, "Sunny villa");
  EXPECT_EQ(searchIds(query().text("apartment")), Ids{});
  EXPECT_EQ(searchIds(query().city("Lisbon")), Ids{});
  EXPECT_EQ(searchIds(query().text("villa").city("Porto")), Ids{"p1"});
}

TEST_P(TextIndexContractTest, RemovalDeletesTheDocumentAndIgnoresAbsentIds) {
  upsert({property("p1", "Cozy apartment"), property("p2", "Cozy loft")});
  ASSERT_TRUE(m_index->apply(batch({}, {"p1", "never-existed"})));

  EXPECT_FALSE(m_index->get("p1").value().has_value());
  EXPECT_EQ(searchIds(query().text("cozy")), Ids{"p2"});
  EXPECT_EQ(m_index->documentCount().value(), 1u);
}

TEST_P(TextIndexContractTest, RemovalInTheSameBatchWinsOverAnUpsert) {
  ASSERT_TRUE(m_index->apply(batch({property("p1", "Cozy apartment")}, {"p1"})));
  EXPECT_FALSE(m_index->get("p1").value().has_value());
  EXPECT_EQ(m_index->documentCount().value(), 0u);
}

TEST_P(TextIndexContractTest, LaterUpsertInTheSameBatchWins) {
  ASSERT_TRUE(
      m_index->apply(batch({property("p1", "Cozy apartment"), property("p1", "Sunny villa")})));
  EXPECT_EQ(m_index->get("p1").value()->title, "Sunny villa");
  EXPECT_EQ(m_index->documentCount().value(), 1u);
}

TEST_P(TextIndexContractTest, FreeTextMatchesPluralAndSingularForms) {
  upsert({property("p1", "Cozy apartment"), property("p2", "Sunny apartments"),
          property("p3", "Lovely villa")});

  EXPECT_EQ(searchIds(query().text("apartments")), (Ids{"p1", "p2"}));
  EXPECT_EQ(searchIds(query().text("apartment")), (Ids{"p1", "p2"}));
  EXPECT_EQ(searchIds(query().text("cozy")), Ids{"p1"});
}

TEST_P(TextIndexContractTest, FreeTextIgnoresCase) {
  upsert({property("p1", "cozy apartment"), property("p2", "Lovely villa")});
  EXPECT_EQ(searchIds(query().text("Apartments")), Ids{"p1"});
  EXPECT_EQ(searchIds(query().text("COZY")), Ids{"p1"});
}

TEST_P(TextIndexContractTest, FreeTextRequiresEveryWord) {
  upsert({property("p1", "Cozy apartment"), property("p2", "Cozy villa")});
  EXPECT_EQ(searchIds(query().text("cozy villa")), Ids{"p2"});
  EXPECT_EQ(searchIds(query().text("cozy castle")), Ids{});
}

TEST_P(TextIndexContractTest, FreeTextMatchesDescriptionAndCity) {
  SearchDocument with_view = property("p1", "Apartment", "Lisbon");
  with_view.description = "Balcony with a river view";
  upsert({with_view, property("p2", "Apartment", "Porto")});

  EXPECT_EQ(searchIds(query().text("balcony")), Ids{"p1"});
  EXPECT_EQ(searchIds(query().text("porto")), Ids{"p2"});
}

TEST_P(TextIndexContractTest, TitleMatchRanksAboveDescriptionMatch) {
  SearchDocument in_title = property("b-title", "Harbour loft");
  in_title.description = "Bright rooms";
  SearchDocument in_description = property("a-description", "Bright rooms");
  in_description.description = "Harbour loft";
  upsert({in_title, in_description});

  SearchPage page = search(query().text("harbour"));
  ASSERT_EQ(ids(page), (Ids{"b-title", "a-description"}));
  EXPECT_GT(page.hits[0].relevance, page.hits[1].relevance);
  EXPECT_GT(page.hits[1].relevance, 0.0);
}

TEST_P(TextIndexContractTest, RelevanceTiesAreBrokenById) {
  upsert({property("p3", "Cozy apartment"), property("p1", "Cozy apartment"),
          property("p2", "Cozy apartment")});
  SearchPage page = search(query().text("cozy"));
  ASSERT_EQ(ids(page), (Ids{"p1", "p2", "p3"}));
  EXPECT_EQ(page.hits[0].relevance, page.hits[2].relevance);
}

TEST_P(TextIndexContractTest, BlankTextMatchesEverythingWithZeroRelevance) {
  upsert({property("p2", "Cozy apartment"), property("p1", "Lovely villa")});
  for (std::string text : {"", "   ", " \t\n "}) {
    SearchPage page = search(query().text(text));
    ASSERT_EQ(ids(page), (Ids{"p1", "p2"})) << "text '" << text << "'";
    EXPECT_EQ(page.estimated_total, 2u);
    EXPECT_EQ(page.hits[0].relevance, 0.0);
  }
}

TEST_P(TextIndexContractTest, TextWithoutAnyWordMatchesNothing) {
  upsert({property("p1", "Cozy apartment")});
  for (std::string text : {"?!", "*", "\"\" () : -- ..."}) {
    SearchPage page = search(query().text(text));
    EXPECT_EQ(ids(page), Ids{}) << "text '" << text << "'";
    EXPECT_EQ(page.estimated_total, 0u);
  }
}

TEST_P(TextIndexContractTest, QuerySyntaxInTextIsTreatedAsPlainWords) {
  SearchDocument all_words = property("p1", "Quoted title");
  all_words.description = "and x or y not z foo";
  SearchDocument without_z = property("p2", "Quoted title");
  without_z.description = "and x or y not foo";
  SearchDocument without_syntax_words = property("p3", "Quoted title");
  without_syntax_words.description = "x y z foo";
  upsert({all_words, without_z, without_syntax_words});

  EXPECT_EQ(matchingIds(query().text("\"quoted\" AND (x OR y) NOT z title:foo *")), Ids{"p1"});
  EXPECT_EQ(matchingIds(query().text("AND OR NOT")), (Ids{"p1", "p2"}));
  EXPECT_EQ(matchingIds(query().text("-foo +bar")), Ids{});
  EXPECT_EQ(matchingIds(query().text("x* [y] {z} foo~ ^quoted title:")), (Ids{"p1", "p3"}));
}

TEST_P(TextIndexContractTest, CityFilterIsCaseInsensitiveAndMatchesWholeMultiWordCities) {
  upsert({property("sf", "Loft", "San Francisco"), property("sd", "Loft", "San Diego"),
          property("fr", "Loft", "Francisco")});

  EXPECT_EQ(searchIds(query().city("San Francisco")), Ids{"sf"});
  EXPECT_EQ(searchIds(query().city("san francisco")), Ids{"sf"});
  EXPECT_EQ(searchIds(query().city("SAN FRANCISCO")), Ids{"sf"});
  EXPECT_EQ(searchIds(query().city("San")), Ids{});
  EXPECT_EQ(searchIds(query().city("Francisco")), Ids{"fr"});
  EXPECT_EQ(searchIds(query().text("loft").city("san diego")), Ids{"sd"});
}

TEST_P(TextIndexContractTest, MinCapacityKeepsPropertiesWithEnoughRoom) {
  SearchDocument small = property("small", "Room");
  small.capacity = 1;
  SearchDocument exact = property("exact", "Flat");
  exact.capacity = 4;
  SearchDocument large = property("large", "House");
  large.capacity = 10;
  upsert({small, exact, large});

  EXPECT_EQ(searchIds(query().minCapacity(4)), (Ids{"exact", "large"}));
  EXPECT_EQ(searchIds(query().minCapacity(11)), Ids{});
  EXPECT_EQ(searchIds(query().minCapacity(0)), (Ids{"exact", "large", "small"}));
}

TEST_P(TextIndexContractTest, MaxPriceFiltersWithinTheCurrency) {
  upsert({property("eur-100", "Flat", "Lisbon", 10000, "EUR"),
          property("eur-150", "Flat", "Lisbon", 15000, "EUR"),
          property("usd-50", "Flat", "Lisbon", 5000, "USD")});

  EXPECT_EQ(searchIds(query().maxPriceMinor(12000).currency("EUR")), Ids{"eur-100"});
  EXPECT_EQ(searchIds(query().maxPriceMinor(15000).currency("EUR")), (Ids{"eur-100", "eur-150"}));
  EXPECT_EQ(searchIds(query().maxPriceMinor(4999).currency("USD")), Ids{});
  EXPECT_EQ(searchIds(query().currency("USD")), Ids{"usd-50"});
}

TEST_P(TextIndexContractTest, MaxPriceWithoutCurrencyIsRejected) {
  expectInvalid(query().maxPriceMinor(12000));
  expectInvalid(query().maxPriceMinor(12000).currency(""));
}

TEST_P(TextIndexContractTest, EveryRequestedAmenityMustBePresent) {
  SearchDocument both = property("both", "Flat");
  both.amenities = {"Wifi", "Hot Tub"};
  SearchDocument wifi_only = property("wifi", "Flat");
  wifi_only.amenities = {"wifi"};
  upsert({both, wifi_only, property("none", "Flat")});

  EXPECT_EQ(searchIds(query().amenities({"WIFI"})), (Ids{"both", "wifi"}));
  EXPECT_EQ(searchIds(query().amenities({"wifi", "hot tub"})), Ids{"both"});
  EXPECT_EQ(searchIds(query().amenities({"wifi", "pool"})), Ids{});
}

TEST_P(TextIndexContractTest, BookedNightInsideTheStayExcludesTheProperty) {
  SearchDocument booked = property("booked", "Flat");
  booked.booked_nights = {day("2027-06-06")};
  upsert({booked, property("free", "Flat")});

  EXPECT_EQ(searchIds(query().stay(stay("2027-06-05", "2027-06-08"))), Ids{"free"});
  EXPECT_EQ(searchIds(query().stay(stay("2027-06-06", "2027-06-07"))), Ids{"free"});
}

TEST_P(TextIndexContractTest, BookingEndingOnTheCheckInDayDoesNotExclude) {
  // A booking of 2027-06-01..2027-06-05 holds the nights of the 1st to the 4th.
  SearchDocument before = property("before", "Flat");
  before.booked_nights = stay("2027-06-01", "2027-06-05").nightDates();
  // A booking starting on our check-out day does not overlap either.
  SearchDocument after = property("after", "Flat");
  after.booked_nights = {day("2027-06-08"), day("2027-06-09")};
  upsert({before, after});

  EXPECT_EQ(searchIds(query().stay(stay("2027-06-05", "2027-06-08"))), (Ids{"after", "before"}));
  EXPECT_EQ(searchIds(query().stay(stay("2027-06-04", "2027-06-08"))), Ids{"after"});
  EXPECT_EQ(searchIds(query().stay(stay("2027-06-05", "2027-06-09"))), Ids{"before"});
}

TEST_P(TextIndexContractTest, SortByPriceAscendingBreaksTiesById) {
  upsert({property("c", "Flat", "Lisbon", 300), property("b", "Flat", "Lisbon", 100),
          property("a", "Flat", "Lisbon", 300), property("d", "Flat", "Lisbon", 50)});

  EXPECT_EQ(searchIds(query().sort(SearchSort::PriceAscending)), (Ids{"d", "b", "a", "c"}));
  EXPECT_EQ(searchIds(query().text("flat").sort(SearchSort::PriceAscending)),
            (Ids{"d", "b", "a", "c"}));
}

TEST_P(TextIndexContractTest, PagingWithOffsetAndLimitIsStableAndComplete) {
  std::vector<SearchDocument> documents;
  for (int number = 0; number < 7; ++number) {
    documents.push_back(
        property("p" + std::to_string(number), "Flat", "Lisbon", 1000 * (number % 3)));
  }
  upsert(documents);

  for (SearchSort sort : {SearchSort::Relevance, SearchSort::PriceAscending}) {
    Ids all = searchIds(query().sort(sort).limit(100));
    ASSERT_EQ(all.size(), 7u);
    Ids paged;
    for (size_t offset = 0; offset < 9; offset += 3) {
      SearchPage page = search(query().sort(sort).offset(offset).limit(3));
      EXPECT_EQ(page.estimated_total, 7u);
      Ids page_ids = ids(page);
      paged.insert(paged.end(), page_ids.begin(), page_ids.end());
    }
    EXPECT_EQ(paged, all);
  }

  SearchPage past_end = search(query().offset(50).limit(3));
  EXPECT_TRUE(past_end.hits.empty());
  EXPECT_EQ(past_end.estimated_total, 7u);
  SearchPage far_past_end = search(query().offset(size_t{1} << 40).limit(3));
  EXPECT_TRUE(far_past_end.hits.empty());
}

TEST_P(TextIndexContractTest, TitleWithSqlJsonAndQuotesIsReturnedVerbatim) {
  const std::string title =
      R"(Robert'); DROP TABLE properties;-- {"json": [1, "two"]} "quoted" \n \u0000 ünïcødé)";
  SearchDocument document = property("p1", title);
  document.description = std::string("nul\0byte", 8);
  upsert({document});

  EXPECT_EQ(m_index->get("p1").value(), document);
  SearchPage page = search(query().text("robert"));
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0].title, title);
}

TEST_P(TextIndexContractTest, HitCarriesTheDocumentsListingFields) {
  upsert({property("p1", "Cozy apartment", "San Francisco", 4200, "USD")});
  SearchPage page = search(query());
  ASSERT_EQ(page.hits.size(), 1u);
  EXPECT_EQ(page.hits[0], (SearchHit{.id = "p1",
                                     .title = "Cozy apartment",
                                     .city = "San Francisco",
                                     .price_minor = 4200,
                                     .currency = "USD",
                                     .relevance = 0}));
}

TEST_P(TextIndexContractTest, MetadataWrittenWithDocumentsIsReadable) {
  EXPECT_EQ(m_index->metadata("consumer.offset").value(), std::nullopt);
  ASSERT_TRUE(m_index->apply(
      batch({property("p1", "Flat")}, {}, {{"consumer.offset", "41"}, {"other", "x"}})));
  EXPECT_EQ(m_index->metadata("consumer.offset").value(), "41");
  EXPECT_EQ(m_index->documentCount().value(), 1u);

  ASSERT_TRUE(m_index->apply(batch({}, {}, {{"consumer.offset", "42"}})));
  EXPECT_EQ(m_index->metadata("consumer.offset").value(), "42");
  EXPECT_EQ(m_index->metadata("other").value(), "x");
}

TEST_P(TextIndexContractTest, EmptyMetadataValueRemovesTheKey) {
  ASSERT_TRUE(m_index->apply(batch({}, {}, {{"key", "value"}})));
  ASSERT_TRUE(m_index->apply(batch({}, {}, {{"key", ""}})));
  EXPECT_EQ(m_index->metadata("key").value(), std::nullopt);
}

TEST_P(TextIndexContractTest, MetadataKeyMustBeOneTo253Bytes) {
  const std::string longest(253, 'k');
  ASSERT_TRUE(m_index->apply(batch({}, {}, {{longest, "v"}})));
  EXPECT_EQ(m_index->metadata(longest).value(), "v");

  for (const std::string& key : {std::string(), std::string(254, 'k')}) {
    auto applied = m_index->apply(batch({}, {}, {{key, "v"}}));
    ASSERT_FALSE(applied);
    EXPECT_EQ(applied.error().kind, ErrorKind::InvalidInput);
    auto read = m_index->metadata(key);
    ASSERT_FALSE(read);
    EXPECT_EQ(read.error().kind, ErrorKind::InvalidInput);
  }
}

TEST_P(TextIndexContractTest, BatchWithAnInvalidDocumentChangesNothing) {
  upsert({property("existing", "Flat")});
  auto applied = m_index->apply(
      batch({property("new", "Villa"), property("", "No id")}, {"existing"}, {{"offset", "7"}}));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind, ErrorKind::InvalidInput);

  EXPECT_EQ(m_index->documentCount().value(), 1u);
  EXPECT_TRUE(m_index->get("existing").value().has_value());
  EXPECT_FALSE(m_index->get("new").value().has_value());
  EXPECT_EQ(m_index->metadata("offset").value(), std::nullopt);
}

TEST_P(TextIndexContractTest, MalformedUtf8IsRejected) {
  auto applied = m_index->apply(batch({property("p1", "bad \xC3\x28 title")}));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind, ErrorKind::InvalidInput);
  expectInvalid(query().text("bad \xFF text"));
  EXPECT_EQ(m_index->documentCount().value(), 0u);
}

TEST_P(TextIndexContractTest, EmptyRemovalIdIsRejected) {
  auto applied = m_index->apply(batch({}, {""}));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().kind, ErrorKind::InvalidInput);
}

TEST_P(TextIndexContractTest, EmptyBatchIsAccepted) {
  EXPECT_TRUE(m_index->apply(batch()));
  EXPECT_EQ(m_index->documentCount().value(), 0u);
}

TEST_P(TextIndexContractTest, LimitOutsideOneToAThousandIsRejected) {
  expectInvalid(query().limit(0));
  expectInvalid(query().limit(1001));
  EXPECT_TRUE(m_index->search(query().limit(1000)));
  EXPECT_TRUE(m_index->search(query().limit(1)));
}

TEST_P(TextIndexContractTest, NegativeMinCapacityIsRejected) {
  expectInvalid(query().minCapacity(-1));
}

TEST_P(TextIndexContractTest, DocumentCountTracksUpsertsAndRemovals) {
  EXPECT_EQ(m_index->documentCount().value(), 0u);
  upsert({property("p1", "A"), property("p2", "B"), property("p3", "C")});
  EXPECT_EQ(m_index->documentCount().value(), 3u);
  ASSERT_TRUE(m_index->apply(batch({}, {"p2"})));
  EXPECT_EQ(m_index->documentCount().value(), 2u);
}

TEST_P(TextIndexContractTest, IdsCitiesAndAmenitiesLongerThanAnEngineTermWork) {
  const std::string long_id = std::string(300, 'i') + "-1";
  const std::string sibling_id = std::string(300, 'i') + "-2";
  const std::string long_city = std::string(300, 'c');
  SearchDocument document = property(long_id, "Cozy apartment", long_city);
  document.amenities = {std::string(300, 'a')};
  upsert({document, property(sibling_id, "Lovely villa", long_city + "x")});

  EXPECT_EQ(m_index->get(long_id).value(), document);
  EXPECT_EQ(searchIds(query().city(long_city)), Ids{long_id});
  EXPECT_EQ(searchIds(query().amenities({std::string(300, 'A')})), Ids{long_id});
  upsert({property(long_id, "Sunny loft", long_city)});
  EXPECT_EQ(m_index->documentCount().value(), 2u);
  EXPECT_EQ(m_index->get(long_id).value()->title, "Sunny loft");
}

TEST_P(TextIndexContractTest, ConcurrentWritersAndReadersSeeWholeBatches) {
  constexpr int kThreads = 4;
  constexpr int kBatches = 10;
  std::vector<std::thread> threads;
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    threads.emplace_back([&, thread_index] {
      for (int batch_index = 0; batch_index < kBatches; ++batch_index) {
        std::string prefix = fmt::format("t{}-b{}-", thread_index, batch_index);
        EXPECT_TRUE(m_index->apply(
            batch({property(prefix + "1", "Flat"), property(prefix + "2", "Flat")})));
        auto page = m_index->search(query().text("flat").limit(1000));
        ASSERT_TRUE(page);
        EXPECT_EQ(page->hits.size() % 2, 0u);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(m_index->documentCount().value(), size_t{kThreads * kBatches * 2});
}

TEST_P(TextIndexContractTest, ListedFlagAndSourceVersionAreStored) {
  SearchDocument document = property("p1", "Cozy apartment");
  document.listed = false;
  document.source_version = 7;
  upsert({document, property("p2", "Sunny villa")});

  EXPECT_EQ(m_index->get("p1").value(), document);
  SearchDocument defaults = m_index->get("p2").value().value();
  EXPECT_TRUE(defaults.listed);
  EXPECT_EQ(defaults.source_version, 0);
}

TEST_P(TextIndexContractTest, UnlistedDocumentNeverMatchesASearch) {
  SearchDocument hidden = property("hidden", "Cozy apartment", "Lisbon", 5000);
  hidden.listed = false;
  hidden.amenities = {"wifi"};
  upsert({hidden, property("shown", "Cozy apartment", "Lisbon", 9000)});

  EXPECT_EQ(searchIds(query()), Ids{"shown"});
  EXPECT_EQ(search(query()).estimated_total, 1u);
  EXPECT_EQ(searchIds(query().text("cozy apartment")), Ids{"shown"});
  EXPECT_EQ(searchIds(query().city("lisbon").sort(SearchSort::PriceAscending)), Ids{"shown"});
  EXPECT_EQ(searchIds(query().amenities({"wifi"})), Ids{});
  EXPECT_EQ(searchIds(query().maxPriceMinor(6000).currency("EUR")), Ids{});
  EXPECT_EQ(searchIds(query().stay(stay("2027-06-01", "2027-06-03"))), Ids{"shown"});
  EXPECT_EQ(m_index->documentCount().value(), 2u);
  EXPECT_TRUE(m_index->get("hidden").value().has_value());

  hidden.listed = true;
  upsert({hidden});
  EXPECT_EQ(searchIds(query().amenities({"wifi"})), Ids{"hidden"});
}

TEST_P(TextIndexContractTest, AllDocumentsReturnsListedAndUnlistedOrderedById) {
  SearchDocument hidden = property("b", "Villa");
  hidden.listed = false;
  hidden.booked_nights = {day("2027-06-01")};
  upsert({property("c", "Loft"), hidden, property("a", "Flat")});

  auto documents = m_index->allDocuments();
  ASSERT_TRUE(documents) << documents.error().describe();
  EXPECT_EQ(*documents,
            (std::vector<SearchDocument>{property("a", "Flat"), hidden, property("c", "Loft")}));
}

TEST_P(TextIndexContractTest, AllDocumentsOfAnEmptyIndexIsEmpty) {
  EXPECT_EQ(m_index->allDocuments().value(), std::vector<SearchDocument>{});
  EXPECT_EQ(m_index->allMetadata().value(), (std::map<std::string, std::string>{}));
}

TEST_P(TextIndexContractTest, AllMetadataReturnsEveryKeyButRemovedOnes) {
  ASSERT_TRUE(m_index->apply(batch({}, {}, {{"offset/a/0", "3"}, {"b", "x"}, {"gone", "y"}})));
  ASSERT_TRUE(m_index->apply(batch({}, {}, {{"gone", ""}})));
  EXPECT_EQ(m_index->allMetadata().value(),
            (std::map<std::string, std::string>{{"b", "x"}, {"offset/a/0", "3"}}));
}

TEST_P(TextIndexContractTest, ClearRemovesEveryDocumentAndMetadataKey) {
  SearchDocument hidden = property("p2", "Villa");
  hidden.listed = false;
  ASSERT_TRUE(m_index->apply(batch({property("p1", "Flat"), hidden}, {}, {{"offset", "9"}})));

  ASSERT_TRUE(m_index->clear());
  EXPECT_EQ(m_index->documentCount().value(), 0u);
  EXPECT_FALSE(m_index->get("p1").value().has_value());
  EXPECT_EQ(m_index->metadata("offset").value(), std::nullopt);
  EXPECT_EQ(m_index->allDocuments().value(), std::vector<SearchDocument>{});
  EXPECT_EQ(m_index->allMetadata().value(), (std::map<std::string, std::string>{}));
  EXPECT_EQ(searchIds(query()), Ids{});

  ASSERT_TRUE(m_index->clear());  // Clearing an empty index is fine.
  upsert({property("p3", "Loft")});
  EXPECT_EQ(searchIds(query()), Ids{"p3"});
}

INSTANTIATE_TEST_SUITE_P(
    Adapters, TextIndexContractTest,
    ::testing::Values(Adapter{"Xapian", openXapian},
                      Adapter{"Memory",
                              [](const std::filesystem::path&) -> std::unique_ptr<TextIndex> {
                                return std::make_unique<MemoryTextIndex>();
                              }}),
    [](const ::testing::TestParamInfo<Adapter>& info) { return info.param.name; });

class XapianTextIndexTest : public ::testing::Test {
 protected:
  TempDir m_dir;
};

TEST_F(XapianTextIndexTest, DataAndMetadataSurviveCloseAndReopen) {
  SearchDocument document = property("p1", "Cozy apartment", "San Francisco");
  document.booked_nights = {day("2027-06-06")};
  {
    auto index = openXapian(m_dir / "index");
    ASSERT_NE(index, nullptr);
    ASSERT_TRUE(
        index->apply(batch({document, property("p2", "Villa")}, {}, {{"consumer.offset", "99"}})));
  }
  auto reopened = openXapian(m_dir / "index");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->documentCount().value(), 2u);
  EXPECT_EQ(reopened->get("p1").value(), document);
  EXPECT_EQ(reopened->metadata("consumer.offset").value(), "99");
  auto page = reopened->search(query().text("apartments").city("san francisco"));
  ASSERT_TRUE(page);
  EXPECT_EQ(ids(*page), Ids{"p1"});
  auto available = reopened->search(query().stay(stay("2027-06-05", "2027-06-07")));
  ASSERT_TRUE(available);
  EXPECT_EQ(ids(*available), Ids{"p2"});
}

TEST_F(XapianTextIndexTest, ListedFlagAndClearSurviveReopen) {
  SearchDocument hidden = property("p1", "Cozy apartment");
  hidden.listed = false;
  hidden.source_version = 3;
  {
    auto index = openXapian(m_dir / "index");
    ASSERT_NE(index, nullptr);
    ASSERT_TRUE(index->apply(batch({hidden, property("p2", "Villa")}, {}, {{"k", "v"}})));
  }
  {
    auto index = openXapian(m_dir / "index");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->get("p1").value(), hidden);
    auto page = index->search(query().text("apartment"));
    ASSERT_TRUE(page);
    EXPECT_EQ(ids(*page), Ids{});
    ASSERT_TRUE(index->clear());
  }
  auto reopened = openXapian(m_dir / "index");
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->documentCount().value(), 0u);
  EXPECT_EQ(reopened->allMetadata().value(), (std::map<std::string, std::string>{}));
}

TEST_F(XapianTextIndexTest, OpenCreatesMissingParentDirectories) {
  auto index = XapianTextIndex::open(
      {.directory = m_dir / "a" / "b" / "index", .creation = StoreCreation::CreateIfMissing});
  ASSERT_TRUE(index) << index.error().describe();
  EXPECT_EQ((*index)->documentCount().value(), 0u);
}

TEST_F(XapianTextIndexTest, SecondWriterOnTheSameDirectoryIsAStoreFailure) {
  auto first = XapianTextIndex::open(
      {.directory = m_dir / "index", .creation = StoreCreation::CreateIfMissing});
  ASSERT_TRUE(first);
  auto second = XapianTextIndex::open(
      {.directory = m_dir / "index", .creation = StoreCreation::CreateIfMissing});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(second.error().code, "text.locked");
}

TEST_F(XapianTextIndexTest, OpeningOverAFileIsAStoreFailure) {
  const auto file = m_dir / "not-a-directory";
  {
    std::ofstream out(file);
    out << "x";
  }
  auto index =
      XapianTextIndex::open({.directory = file, .creation = StoreCreation::CreateIfMissing});
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().kind, ErrorKind::StoreFailure);
}

TEST_F(XapianTextIndexTest, EmptyDirectoryIsRejected) {
  auto index = XapianTextIndex::open({});
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().kind, ErrorKind::InvalidInput);
}

}  // namespace
}  // namespace staylab
