// The DocumentStore contract, run against SqliteDocumentStore and its twin
// MemoryDocumentStore; durability and query-plan tests for the SQLite adapter
// alone at the end.

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "domain/ports/document_store.h"
#include "stores/document/memory_document_store.h"
#include "stores/document/sqlite_document_store.h"
#include "tests/support/temp_dir.h"

namespace staylab {
namespace {

using nlohmann::json;

constexpr size_t kOneMebibyte = size_t{1} << 20;

template <typename T>
std::string why(const Result<T>& result) {
  return result ? std::string("succeeded") : result.error().describe();
}

// Succeeds when `result` failed with `kind` (and `field`, when given).
template <typename T>
::testing::AssertionResult failsWith(const Result<T>& result, ErrorKind kind,
                                     std::string_view field = {}) {
  if (result) {
    return ::testing::AssertionFailure() << "expected " << toString(kind) << ", but it succeeded";
  }
  if (result.error().kind != kind) {
    return ::testing::AssertionFailure()
           << "expected " << toString(kind) << ", got " << toString(result.error().kind) << " ("
           << result.error().describe() << ")";
  }
  if (!field.empty() && result.error().field != field) {
    return ::testing::AssertionFailure()
           << "expected field '" << field << "', got '" << result.error().field << "' ("
           << result.error().describe() << ")";
  }
  return ::testing::AssertionSuccess();
}

EventEnvelope makeEvent(std::string event_id, int64_t aggregate_version = 1) {
  EventEnvelope event;
  event.event_id = std::move(event_id);
  event.type = "ListingChanged";
  event.aggregate_type = "property";
  event.aggregate_id = "p-1";
  event.aggregate_version = aggregate_version;
  event.occurred_at_nanos = 1'700'000'000'000'000'000;
  event.correlation_id = "command-1";
  event.causation_id = "command-1";
  event.payload = json{{"version", aggregate_version}};
  return event;
}

std::vector<std::string> outboxEventIds(DocumentStore& store) {
  std::vector<std::string> ids;
  auto entries = store.peekOutbox(1000);
  EXPECT_TRUE(entries) << why(entries);
  if (entries) {
    for (const auto& entry : *entries) {
      ids.push_back(entry.event.event_id);
    }
  }
  return ids;
}

std::vector<std::string> idsOf(const Result<std::vector<Document>>& documents) {
  std::vector<std::string> ids;
  EXPECT_TRUE(documents) << why(documents);
  if (documents) {
    for (const auto& document : *documents) {
      ids.push_back(document.id);
    }
  }
  return ids;
}

size_t outboxSizeOf(DocumentStore& store) {
  auto size = store.outboxSize();
  EXPECT_TRUE(size) << why(size);
  return size.value_or(0);
}

class MemoryBackend {
 public:
  std::unique_ptr<DocumentStore> open() { return std::make_unique<MemoryDocumentStore>(); }
};

class SqliteBackend {
 public:
  std::unique_ptr<DocumentStore> open() {
    auto store = SqliteDocumentStore::open(
        {m_dir / "documents.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing});
    EXPECT_TRUE(store) << why(store);
    return store ? std::move(*store) : nullptr;
  }

 private:
  testing::TempDir m_dir;
};

template <typename Backend>
class DocumentStoreContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = m_backend.open();
    ASSERT_NE(m_store, nullptr);
  }

  DocumentStore& store() { return *m_store; }

  // Inserts `body` as (collection, id), failing the test when refused.
  void put(std::string_view collection, std::string_view id, const json& body) {
    auto inserted = m_store->insert(collection, id, body, {});
    ASSERT_TRUE(inserted) << why(inserted);
  }

  // Inserts the listing-like documents the query tests search.
  void putListings() {
    auto listing = [](const char* city, const char* status, json capacity, int price,
                      const char* currency, json amenities, const char* title,
                      const char* description) {
      return json{{"city_key", city},     {"status", status},          {"capacity", capacity},
                  {"price_minor", price}, {"currency", currency},      {"amenities", amenities},
                  {"title", title},       {"description", description}};
    };
    put("listings", "l-3",
        listing("lisbon", "active", 4, 12000, "EUR", {"pool", "wifi"}, "Sunny Loft",
                "A whirlpool on the roof"));
    put("listings", "l-1",
        listing("lisbon", "active", 2, 9000, "EUR", {"wifi"}, "Quiet studio", "Near the river"));
    put("listings", "l-2",
        listing("lisbon", "suspended", 6, 8000, "EUR", {"pool"}, "Pool house", ""));
    put("listings", "l-4",
        listing("porto", "active", 4.0, 12000, "USD", {"pool", "wifi", "kitchen"},
                "Loft by the POOL", "Café terrace"));
  }

  Backend m_backend;
  std::unique_ptr<DocumentStore> m_store;
};

class BackendNames {
 public:
  template <typename Backend>
  static std::string GetName(int) {
    return std::is_same_v<Backend, MemoryBackend> ? "Memory" : "Sqlite";
  }
};

using Backends = ::testing::Types<MemoryBackend, SqliteBackend>;
TYPED_TEST_SUITE(DocumentStoreContractTest, Backends, BackendNames);

TYPED_TEST(DocumentStoreContractTest, InsertThenGetReturnsTheBodyAtRevisionOne) {
  json body = {{"title", "Loft"}, {"rooms", 3}, {"price", 120.5}, {"tags", {"sea", "quiet"}}};
  auto inserted = this->store().insert("listings", "l-1", body, {});
  ASSERT_TRUE(inserted) << why(inserted);
  EXPECT_EQ(*inserted, (Document{"listings", "l-1", 1, body}));

  auto got = this->store().get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(*got, (Document{"listings", "l-1", 1, body}));
}

TYPED_TEST(DocumentStoreContractTest, GetOfAMissingDocumentIsNotFound) {
  EXPECT_TRUE(failsWith(this->store().get("listings", "nope"), ErrorKind::NotFound));
  this->put("listings", "l-1", {{"a", 1}});
  EXPECT_TRUE(failsWith(this->store().get("listings", "nope"), ErrorKind::NotFound));
  EXPECT_TRUE(failsWith(this->store().get("other", "l-1"), ErrorKind::NotFound));
}

TYPED_TEST(DocumentStoreContractTest, InsertOverAnExistingIdIsConflictAndKeepsTheOldDocument) {
  this->put("listings", "l-1", {{"title", "old"}});
  auto again = this->store().insert("listings", "l-1", {{"title", "new"}}, {});
  ASSERT_TRUE(failsWith(again, ErrorKind::Conflict));
  EXPECT_EQ(again.error().code, "document.exists");

  auto got = this->store().get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(got->body, json({{"title", "old"}}));
  EXPECT_EQ(got->revision, 1);
}

TYPED_TEST(DocumentStoreContractTest, ReplaceWithMatchingRevisionBumpsTheRevision) {
  this->put("listings", "l-1", {{"title", "v1"}});
  auto second = this->store().replace("listings", "l-1", 1, {{"title", "v2"}}, {});
  ASSERT_TRUE(second) << why(second);
  EXPECT_EQ(*second, (Document{"listings", "l-1", 2, {{"title", "v2"}}}));
  auto third = this->store().replace("listings", "l-1", 2, {{"title", "v3"}}, {});
  ASSERT_TRUE(third) << why(third);
  EXPECT_EQ(third->revision, 3);

  auto got = this->store().get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(*got, (Document{"listings", "l-1", 3, {{"title", "v3"}}}));
}

TYPED_TEST(DocumentStoreContractTest, ReplaceWithStaleRevisionIsConflictAndDoesNotOverwrite) {
  this->put("listings", "l-1", {{"title", "v1"}});
  ASSERT_TRUE(this->store().replace("listings", "l-1", 1, {{"title", "v2"}}, {}));

  auto stale = this->store().replace("listings", "l-1", 1, {{"title", "lost update"}}, {});
  ASSERT_TRUE(failsWith(stale, ErrorKind::Conflict));
  EXPECT_EQ(stale.error().code, "document.stale_revision");
  EXPECT_NE(stale.error().message.find("expected revision 1"), std::string::npos)
      << stale.error().message;
  EXPECT_NE(stale.error().message.find("actual 2"), std::string::npos) << stale.error().message;
  EXPECT_TRUE(
      failsWith(this->store().replace("listings", "l-1", 7, {{"x", 1}}, {}), ErrorKind::Conflict));

  auto got = this->store().get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(*got, (Document{"listings", "l-1", 2, {{"title", "v2"}}}));
}

TYPED_TEST(DocumentStoreContractTest, ReplaceOrRemoveOfAMissingDocumentIsNotFound) {
  auto replaced = this->store().replace("listings", "ghost", 1, {{"a", 1}}, {makeEvent("e-1")});
  ASSERT_TRUE(failsWith(replaced, ErrorKind::NotFound));
  EXPECT_EQ(replaced.error().code, "document.not_found");
  EXPECT_TRUE(failsWith(this->store().remove("listings", "ghost", 1, {makeEvent("e-2")}),
                        ErrorKind::NotFound));
  EXPECT_TRUE(failsWith(this->store().get("listings", "ghost"), ErrorKind::NotFound));
  EXPECT_EQ(outboxSizeOf(this->store()), 0u);
}

TYPED_TEST(DocumentStoreContractTest, RemoveWithMatchingRevisionDeletesTheDocument) {
  this->put("listings", "l-1", {{"a", 1}});
  ASSERT_TRUE(this->store().replace("listings", "l-1", 1, {{"a", 2}}, {}));
  auto removed = this->store().remove("listings", "l-1", 2, {});
  ASSERT_TRUE(removed) << why(removed);
  EXPECT_TRUE(failsWith(this->store().get("listings", "l-1"), ErrorKind::NotFound));
  EXPECT_TRUE(idsOf(this->store().all("listings")).empty());
  // The id is free again, and starts over at revision 1.
  auto reinserted = this->store().insert("listings", "l-1", {{"a", 3}}, {});
  ASSERT_TRUE(reinserted) << why(reinserted);
  EXPECT_EQ(reinserted->revision, 1);
}

TYPED_TEST(DocumentStoreContractTest, RemoveWithStaleRevisionIsConflictAndKeepsTheDocument) {
  this->put("listings", "l-1", {{"a", 1}});
  auto removed = this->store().remove("listings", "l-1", 2, {});
  ASSERT_TRUE(failsWith(removed, ErrorKind::Conflict));
  EXPECT_EQ(removed.error().code, "document.stale_revision");
  EXPECT_TRUE(this->store().get("listings", "l-1"));
}

TYPED_TEST(DocumentStoreContractTest, FindEqualMatchesStringsOnAnIndexedPathOrderedById) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.city"));
  this->put("listings", "l-3", {{"city", "Paris"}});
  this->put("listings", "l-1", {{"city", "Paris"}});
  this->put("listings", "l-2", {{"city", "Lyon"}});
  this->put("listings", "l-4", {{"town", "Paris"}});
  this->put("listings", "l-5", {{"city", "paris"}});

  auto found = this->store().findEqual("listings", "$.city", "Paris");
  EXPECT_EQ(idsOf(found), (std::vector<std::string>{"l-1", "l-3"}));
  ASSERT_TRUE(found) << why(found);
  EXPECT_EQ(found->front(), (Document{"listings", "l-1", 1, {{"city", "Paris"}}}));
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.city", "Lyon")),
            std::vector<std::string>{"l-2"});
  EXPECT_TRUE(idsOf(this->store().findEqual("listings", "$.city", "Nice")).empty());
}

TYPED_TEST(DocumentStoreContractTest, FindEqualMatchesNumbersByValue) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.rooms"));
  this->put("listings", "int-3", {{"rooms", 3}});
  this->put("listings", "real-3", {{"rooms", 3.0}});
  this->put("listings", "half", {{"rooms", 2.5}});
  this->put("listings", "negative", {{"rooms", -4}});
  this->put("listings", "big", {{"rooms", int64_t{9'000'000'000'000}}});
  this->put("listings", "text-3", {{"rooms", "3"}});

  std::vector<std::string> threes{"int-3", "real-3"};
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.rooms", 3)), threes);
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.rooms", 3.0)), threes);
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.rooms", 2.5)),
            std::vector<std::string>{"half"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.rooms", -4)),
            std::vector<std::string>{"negative"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.rooms", int64_t{9'000'000'000'000})),
            std::vector<std::string>{"big"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.rooms", "3")),
            std::vector<std::string>{"text-3"});
}

TYPED_TEST(DocumentStoreContractTest, FindEqualMatchesBooleansButNotNumbers) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.pets"));
  this->put("listings", "yes", {{"pets", true}});
  this->put("listings", "no", {{"pets", false}});
  this->put("listings", "one", {{"pets", 1}});
  this->put("listings", "zero", {{"pets", 0}});
  this->put("listings", "word", {{"pets", "true"}});

  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.pets", true)),
            std::vector<std::string>{"yes"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.pets", false)),
            std::vector<std::string>{"no"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.pets", 1)),
            std::vector<std::string>{"one"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.pets", 0)),
            std::vector<std::string>{"zero"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.pets", "true")),
            std::vector<std::string>{"word"});
}

TYPED_TEST(DocumentStoreContractTest, FindEqualFollowsNestedPaths) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.address.city"));
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.address.geo.zone_2"));
  this->put("listings", "a", {{"address", {{"city", "Lyon"}, {"geo", {{"zone_2", 7}}}}}});
  this->put("listings", "b", {{"address", {{"city", "Nice"}}}});
  this->put("listings", "c", {{"city", "Lyon"}});
  this->put("listings", "d", {{"address", "Lyon"}});

  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.address.city", "Lyon")),
            std::vector<std::string>{"a"});
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.address.geo.zone_2", 7)),
            std::vector<std::string>{"a"});
}

TYPED_TEST(DocumentStoreContractTest, FindEqualNeverMatchesContainersNullsOrArrayElements) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.v"));
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.v.0"));
  this->put("listings", "object", {{"v", {{"a", 1}}}});
  this->put("listings", "array", {{"v", {1, 2}}});
  this->put("listings", "null", {{"v", nullptr}});
  this->put("listings", "digit-key", {{"v", {{"0", 1}}}});

  // A string spelling the JSON of a container is still only a string.
  EXPECT_TRUE(idsOf(this->store().findEqual("listings", "$.v", R"({"a":1})")).empty());
  EXPECT_TRUE(idsOf(this->store().findEqual("listings", "$.v", "[1,2]")).empty());
  EXPECT_TRUE(idsOf(this->store().findEqual("listings", "$.v", "null")).empty());
  // "$.v.0" names the key "0" of an object, never an array element.
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.v.0", 1)),
            std::vector<std::string>{"digit-key"});
}

TYPED_TEST(DocumentStoreContractTest, FindEqualRefusesValuesThatAreNotScalars) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.v"));
  for (const json& value : {json(nullptr), json::object(), json::array(),
                            json(std::numeric_limits<double>::quiet_NaN())}) {
    EXPECT_TRUE(failsWith(this->store().findEqual("listings", "$.v", value),
                          ErrorKind::InvalidInput, "value"))
        << value;
  }
}

TYPED_TEST(DocumentStoreContractTest, FindEqualOnAnUnindexedPathIsInvalidInput) {
  this->put("listings", "l-1", {{"city", "Paris"}});
  auto unindexed = this->store().findEqual("listings", "$.city", "Paris");
  ASSERT_TRUE(failsWith(unindexed, ErrorKind::InvalidInput, "path"));
  EXPECT_NE(unindexed.error().describe().find("path"), std::string::npos);

  // An index belongs to one collection.
  ASSERT_TRUE(this->store().ensureIndex("other", "$.city"));
  EXPECT_TRUE(failsWith(this->store().findEqual("listings", "$.city", "Paris"),
                        ErrorKind::InvalidInput, "path"));
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.city"));
  EXPECT_TRUE(failsWith(this->store().findEqual("listings", "$.city.name", "Paris"),
                        ErrorKind::InvalidInput, "path"));
}

TYPED_TEST(DocumentStoreContractTest, EnsureIndexAfterDocumentsExistStillFindsThem) {
  this->put("listings", "l-1", {{"city", "Paris"}});
  this->put("listings", "l-2", {{"city", "Lyon"}});
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.city"));
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.city")) << "a second call is a no-op";
  EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.city", "Paris")),
            std::vector<std::string>{"l-1"});
}

TYPED_TEST(DocumentStoreContractTest, FindEqualSeesReplacedAndRemovedDocuments) {
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.city"));
  this->put("listings", "l-1", {{"city", "Paris"}});
  this->put("listings", "l-2", {{"city", "Paris"}});
  ASSERT_TRUE(this->store().replace("listings", "l-1", 1, {{"city", "Lyon"}}, {}));
  ASSERT_TRUE(this->store().remove("listings", "l-2", 1, {}));
  EXPECT_TRUE(idsOf(this->store().findEqual("listings", "$.city", "Paris")).empty());
  auto lyon = this->store().findEqual("listings", "$.city", "Lyon");
  ASSERT_TRUE(lyon) << why(lyon);
  ASSERT_EQ(lyon->size(), 1u);
  EXPECT_EQ(lyon->front(), (Document{"listings", "l-1", 2, {{"city", "Lyon"}}}));
}

TYPED_TEST(DocumentStoreContractTest, QueryMatchesEveryConditionOrderedById) {
  this->putListings();
  DocumentQuery query;
  query.equal = {{"$.city_key", "lisbon"}, {"$.status", "active"}};
  EXPECT_EQ(idsOf(this->store().query("listings", query)),
            (std::vector<std::string>{"l-1", "l-3"}));

  query.ranges = {{"$.capacity", DocumentQuery::Bound::AtLeast, 3}};
  auto found = this->store().query("listings", query);
  EXPECT_EQ(idsOf(found), std::vector<std::string>{"l-3"});
  ASSERT_TRUE(found) << why(found);
  auto stored = this->store().get("listings", "l-3");
  ASSERT_TRUE(stored) << why(stored);
  EXPECT_EQ(found->front(), *stored) << "a query returns the documents as get() does";

  DocumentQuery priced;
  priced.equal = {{"$.currency", "EUR"}};
  priced.ranges = {{"$.price_minor", DocumentQuery::Bound::AtMost, 9000},
                   {"$.capacity", DocumentQuery::Bound::AtLeast, 2}};
  EXPECT_EQ(idsOf(this->store().query("listings", priced)),
            (std::vector<std::string>{"l-1", "l-2"}));

  DocumentQuery equipped;
  equipped.contains = {{"$.amenities", "pool"}, {"$.amenities", "wifi"}};
  EXPECT_EQ(idsOf(this->store().query("listings", equipped)),
            (std::vector<std::string>{"l-3", "l-4"}));
}

TYPED_TEST(DocumentStoreContractTest, QueryWithoutConditionsReturnsTheWholeCollectionOnly) {
  this->putListings();
  this->put("other", "o-1", {{"city_key", "lisbon"}});
  EXPECT_EQ(idsOf(this->store().query("listings", DocumentQuery{})),
            (std::vector<std::string>{"l-1", "l-2", "l-3", "l-4"}));
  EXPECT_TRUE(idsOf(this->store().query("empty", DocumentQuery{})).empty());
}

TYPED_TEST(DocumentStoreContractTest, QueryEqualityComparesAsFindEqualDoes) {
  this->put("listings", "int-3", {{"v", 3}});
  this->put("listings", "real-3", {{"v", 3.0}});
  this->put("listings", "text-3", {{"v", "3"}});
  this->put("listings", "yes", {{"v", true}});
  this->put("listings", "one", {{"v", 1}});
  this->put("listings", "nested", {{"a", {{"v", 3}}}});
  auto equal = [&](json value, std::string path = "$.v") {
    DocumentQuery query;
    query.equal = {{std::move(path), std::move(value)}};
    return idsOf(this->store().query("listings", query));
  };
  EXPECT_EQ(equal(3), (std::vector<std::string>{"int-3", "real-3"}));
  EXPECT_EQ(equal("3"), std::vector<std::string>{"text-3"});
  EXPECT_EQ(equal(true), std::vector<std::string>{"yes"});
  EXPECT_EQ(equal(1), std::vector<std::string>{"one"});
  EXPECT_EQ(equal(3, "$.a.v"), std::vector<std::string>{"nested"});
}

TYPED_TEST(DocumentStoreContractTest, QueryRangesIncludeTheirBoundAndSkipWhatIsNotANumber) {
  this->put("listings", "two", {{"price", 2}});
  this->put("listings", "two-and-half", {{"price", 2.5}});
  this->put("listings", "three", {{"price", 3}});
  this->put("listings", "text", {{"price", "2"}});
  this->put("listings", "flag", {{"price", true}});
  this->put("listings", "none", {{"cost", 2}});
  auto within = [&](DocumentQuery::Bound bound, json value) {
    DocumentQuery query;
    query.ranges = {{"$.price", bound, std::move(value)}};
    return idsOf(this->store().query("listings", query));
  };
  EXPECT_EQ(within(DocumentQuery::Bound::AtLeast, 2.5),
            (std::vector<std::string>{"three", "two-and-half"}));
  EXPECT_EQ(within(DocumentQuery::Bound::AtMost, 2.5),
            (std::vector<std::string>{"two", "two-and-half"}));
  EXPECT_EQ(within(DocumentQuery::Bound::AtLeast, 3), std::vector<std::string>{"three"});
  EXPECT_EQ(within(DocumentQuery::Bound::AtMost, -1), std::vector<std::string>{});
}

TYPED_TEST(DocumentStoreContractTest, QueryContainsNeedsAnArrayHoldingTheExactString) {
  this->put("listings", "array", {{"tags", {"pool", "wifi"}}});
  this->put("listings", "upper", {{"tags", {"POOL"}}});
  this->put("listings", "scalar", {{"tags", "pool"}});
  this->put("listings", "numbers", {{"tags", {1, 2}}});
  this->put("listings", "nested", {{"tags", {{"pool"}}}});
  this->put("listings", "longer", {{"tags", {"pools"}}});
  DocumentQuery query;
  query.contains = {{"$.tags", "pool"}};
  EXPECT_EQ(idsOf(this->store().query("listings", query)), std::vector<std::string>{"array"});
  query.contains = {{"$.tags", "1"}};
  EXPECT_TRUE(idsOf(this->store().query("listings", query)).empty());
}

TYPED_TEST(DocumentStoreContractTest, QueryWordsAreSubstringsOfAnyTextPathIgnoringAsciiCase) {
  this->putListings();
  auto withWords = [&](std::vector<std::string> words) {
    DocumentQuery query;
    query.words = std::move(words);
    query.text_paths = {"$.title", "$.description"};
    return idsOf(this->store().query("listings", query));
  };
  EXPECT_EQ(withWords({"pool"}), (std::vector<std::string>{"l-2", "l-3", "l-4"}))
      << "in a title, inside a word of a description, in upper case";
  EXPECT_EQ(withWords({"LOFT", "roof"}), std::vector<std::string>{"l-3"})
      << "each word may sit in another text path";
  EXPECT_EQ(withWords({"loft", "river"}), std::vector<std::string>{});
  EXPECT_EQ(withWords({"lisbon"}), std::vector<std::string>{}) << "only the text paths count";
  EXPECT_EQ(withWords({"café"}), std::vector<std::string>{"l-4"});
  EXPECT_EQ(withWords({"CAFÉ"}), std::vector<std::string>{})
      << "only ASCII letters fold, as SQLite's lower() without ICU";
  EXPECT_EQ(withWords({"%"}), std::vector<std::string>{}) << "no LIKE wildcards";
  EXPECT_EQ(withWords({"_"}), std::vector<std::string>{});
}

TYPED_TEST(DocumentStoreContractTest, QuerySeesReplacedAndRemovedDocuments) {
  this->put("listings", "l-1", {{"city", "Paris"}});
  this->put("listings", "l-2", {{"city", "Paris"}});
  ASSERT_TRUE(this->store().replace("listings", "l-1", 1, {{"city", "Lyon"}}, {}));
  ASSERT_TRUE(this->store().remove("listings", "l-2", 1, {}));
  DocumentQuery query;
  query.equal = {{"$.city", "Paris"}};
  EXPECT_TRUE(idsOf(this->store().query("listings", query)).empty());
  query.equal = {{"$.city", "Lyon"}};
  auto lyon = this->store().query("listings", query);
  ASSERT_TRUE(lyon) << why(lyon);
  ASSERT_EQ(lyon->size(), 1u);
  EXPECT_EQ(lyon->front(), (Document{"listings", "l-1", 2, {{"city", "Lyon"}}}));
}

TYPED_TEST(DocumentStoreContractTest, QueryRefusesBadConditionsNamingTheField) {
  this->put("listings", "l-1", {{"a", 1}});
  auto refused = [&](const DocumentQuery& query, std::string_view field) {
    return failsWith(this->store().query("listings", query), ErrorKind::InvalidInput, field);
  };
  DocumentQuery query;
  query.equal = {{"$.a", 1}, {"$.a'); DELETE FROM documents; --", 1}};
  EXPECT_TRUE(refused(query, "equal[1].path"));
  query.equal = {{"$.a", json::object()}};
  EXPECT_TRUE(refused(query, "equal[0].value"));
  query.equal = {{"$.a", nullptr}};
  EXPECT_TRUE(refused(query, "equal[0].value"));

  query = {};
  query.ranges = {{"$.a", DocumentQuery::Bound::AtMost, "9"}};
  EXPECT_TRUE(refused(query, "ranges[0].value"));
  query.ranges = {{"$.a", DocumentQuery::Bound::AtMost, std::numeric_limits<double>::infinity()}};
  EXPECT_TRUE(refused(query, "ranges[0].value"));
  query.ranges = {{"a", DocumentQuery::Bound::AtMost, 1}};
  EXPECT_TRUE(refused(query, "ranges[0].path"));

  query = {};
  query.contains = {{"$.a[0]", "x"}};
  EXPECT_TRUE(refused(query, "contains[0].path"));
  query.contains = {{"$.a", std::string("\xff")}};
  EXPECT_TRUE(refused(query, "contains[0].value"));

  query = {};
  query.text_paths = {"$.a"};
  query.words = {"ok", ""};
  EXPECT_TRUE(refused(query, "words[1]"));
  query.words = {std::string(DocumentQuery::kMaxWordBytes + 1, 'w')};
  EXPECT_TRUE(refused(query, "words[0]"));
  query.words = {"ok"};
  query.text_paths = {};
  EXPECT_TRUE(refused(query, "text_paths"));
  query.text_paths = {"$.a", "$"};
  EXPECT_TRUE(refused(query, "text_paths[1]"));

  query = {};
  query.equal.assign(DocumentQuery::kMaxConditions + 1, {"$.a", 1});
  EXPECT_TRUE(refused(query, "equal"));
  EXPECT_TRUE(failsWith(this->store().query("bad name", DocumentQuery{}), ErrorKind::InvalidInput,
                        "collection"));

  // Nothing was deleted, and the store still answers.
  EXPECT_EQ(idsOf(this->store().query("listings", DocumentQuery{})),
            std::vector<std::string>{"l-1"});
}

TYPED_TEST(DocumentStoreContractTest, InvalidCollectionAndIdNamesAreRefusedAndNothingIsWritten) {
  const std::vector<std::string> bad_names{"",
                                           std::string(129, 'a'),
                                           "has space",
                                           "slash/",
                                           "quote'",
                                           "dq\"",
                                           "semi;",
                                           "percent%",
                                           "émoji🏠",
                                           "a\nb",
                                           std::string("nul\0", 4)};
  const std::vector<EventEnvelope> events{makeEvent("e-1")};
  for (const auto& bad : bad_names) {
    SCOPED_TRACE(::testing::Message() << "name '" << bad << "'");
    EXPECT_TRUE(failsWith(this->store().insert(bad, "id", {{"a", 1}}, events),
                          ErrorKind::InvalidInput, "collection"));
    EXPECT_TRUE(failsWith(this->store().insert("listings", bad, {{"a", 1}}, events),
                          ErrorKind::InvalidInput, "id"));
    EXPECT_TRUE(failsWith(this->store().get(bad, "id"), ErrorKind::InvalidInput, "collection"));
    EXPECT_TRUE(failsWith(this->store().get("listings", bad), ErrorKind::InvalidInput, "id"));
    EXPECT_TRUE(failsWith(this->store().replace("listings", bad, 1, {{"a", 1}}, events),
                          ErrorKind::InvalidInput, "id"));
    EXPECT_TRUE(failsWith(this->store().remove(bad, "id", 1, events), ErrorKind::InvalidInput,
                          "collection"));
    EXPECT_TRUE(
        failsWith(this->store().ensureIndex(bad, "$.a"), ErrorKind::InvalidInput, "collection"));
    EXPECT_TRUE(
        failsWith(this->store().findEqual(bad, "$.a", 1), ErrorKind::InvalidInput, "collection"));
    EXPECT_TRUE(failsWith(this->store().all(bad), ErrorKind::InvalidInput, "collection"));
  }
  EXPECT_TRUE(idsOf(this->store().all("listings")).empty());
  EXPECT_EQ(outboxSizeOf(this->store()), 0u);

  // The whole alphabet, at the maximum length, is accepted.
  std::string longest(128, 'x');
  this->put("Az09_.:-", longest, {{"a", 1}});
  EXPECT_TRUE(this->store().get("Az09_.:-", longest));
}

TYPED_TEST(DocumentStoreContractTest, InvalidPathsAreRefusedIncludingInjectionAttempts) {
  this->put("listings", "l-1", {{"a", 1}});
  const std::vector<std::string> bad_paths{
      "",
      "$",
      "$.",
      "a.b",
      "$a",
      "$..a",
      "$.a.",
      "$.a b",
      "$.a-b",
      "$.a[0]",
      "$.\"a\"",
      "$.a'); DROP TABLE documents;--",
      "$.a') WHERE 1=1; DELETE FROM documents; --",
      "$.a.b\n",
      "$." + std::string(300, 'a'),
  };
  for (const auto& bad : bad_paths) {
    SCOPED_TRACE(::testing::Message() << "path '" << bad << "'");
    EXPECT_TRUE(
        failsWith(this->store().ensureIndex("listings", bad), ErrorKind::InvalidInput, "path"));
    EXPECT_TRUE(
        failsWith(this->store().findEqual("listings", bad, 1), ErrorKind::InvalidInput, "path"));
  }
  // Nothing was dropped or deleted, and the store still works.
  auto got = this->store().get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(got->body, json({{"a", 1}}));
  this->put("listings", "l-2", {{"a", 2}});
  EXPECT_EQ(idsOf(this->store().all("listings")), (std::vector<std::string>{"l-1", "l-2"}));
  EXPECT_TRUE(this->store().ensureIndex("listings", "$.A_1.b2"));
}

TYPED_TEST(DocumentStoreContractTest, BodiesThatAreNotObjectsAreRefused) {
  for (const json& body : {json(nullptr), json::array({1, 2}), json("text"), json(42), json(true),
                           json(json::value_t::discarded)}) {
    SCOPED_TRACE(::testing::Message() << "body " << static_cast<int>(body.type()));
    EXPECT_TRUE(failsWith(this->store().insert("listings", "l-1", body, {makeEvent("e-1")}),
                          ErrorKind::InvalidInput, "body"));
  }
  this->put("listings", "l-1", json::object());
  EXPECT_TRUE(failsWith(this->store().replace("listings", "l-1", 1, json::array(), {}),
                        ErrorKind::InvalidInput, "body"));
  auto got = this->store().get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(*got, (Document{"listings", "l-1", 1, json::object()}));
  EXPECT_EQ(outboxSizeOf(this->store()), 0u);
}

TYPED_TEST(DocumentStoreContractTest, BodiesOverOneMebibyteAreRefusedAndOneMebibyteIsAccepted) {
  // {"b":"..."} serialises to the string plus 8 bytes.
  json at_limit = {{"b", std::string(kOneMebibyte - 8, 'x')}};
  ASSERT_EQ(at_limit.dump().size(), kOneMebibyte);
  json over_limit = {{"b", std::string(kOneMebibyte - 7, 'x')}};

  auto refused = this->store().insert("listings", "big", over_limit, {makeEvent("e-1")});
  EXPECT_TRUE(failsWith(refused, ErrorKind::InvalidInput, "body"));
  EXPECT_TRUE(failsWith(this->store().get("listings", "big"), ErrorKind::NotFound));
  EXPECT_EQ(outboxSizeOf(this->store()), 0u);

  auto accepted = this->store().insert("listings", "big", at_limit, {});
  ASSERT_TRUE(accepted) << why(accepted);
  EXPECT_TRUE(failsWith(this->store().replace("listings", "big", 1, over_limit, {}),
                        ErrorKind::InvalidInput, "body"));
  auto got = this->store().get("listings", "big");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(got->body, at_limit);
  EXPECT_EQ(got->revision, 1);
}

TYPED_TEST(DocumentStoreContractTest, BodiesThatJsonCannotHoldAreRefusedWithoutThrowing) {
  json deep = json::object();
  for (int level = 0; level < 5000; ++level) {
    deep = json{{"d", std::move(deep)}};
  }
  json moderately_nested = json::object();
  for (int level = 0; level < 20; ++level) {
    moderately_nested = json{{"d", std::move(moderately_nested)}, {"n", level}};
  }
  const std::vector<json> refused{
      {{"s", std::string("\xff\xfe")}},
      {{std::string("key\xc3"), 1}},
      {{"nan", std::numeric_limits<double>::quiet_NaN()}},
      {{"inf", {1, std::numeric_limits<double>::infinity()}}},
      {{"bin", json::binary({1, 2, 3})}},
      deep,
  };
  for (size_t index = 0; index < refused.size(); ++index) {
    SCOPED_TRACE(::testing::Message() << "body #" << index);
    EXPECT_TRUE(failsWith(this->store().insert("listings", "l-1", refused[index], {}),
                          ErrorKind::InvalidInput, "body"));
  }
  EXPECT_TRUE(idsOf(this->store().all("listings")).empty());

  auto nested = this->store().insert("listings", "nested", moderately_nested, {});
  ASSERT_TRUE(nested) << why(nested);
  auto got = this->store().get("listings", "nested");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(got->body, moderately_nested);
}

TYPED_TEST(DocumentStoreContractTest, TextIsStoredVerbatim) {
  const std::vector<std::string> texts{
      R"(it's "quoted" with 'both')",
      "'); DROP TABLE documents;--",
      "\" OR 1=1 --",
      R"({"looks":"like json","n":[1,2]})",
      "[1,2,3]",
      "null",
      R"(back\slash \n not a newline \u0041)",
      "line\nbreak\ttab\r",
      "emoji 🏠🌍👩‍👩‍👧 accents éàü 日本語 עברית",
      "%s %n {} {{}} $1 ?1 :name @x",
      std::string("nul\0inside", 10),
      "",
  };
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.title"));
  json object_with_odd_keys = json::object();
  for (size_t index = 0; index < texts.size(); ++index) {
    object_with_odd_keys[texts[index] + "#" + std::to_string(index)] = texts[index];
  }
  for (size_t index = 0; index < texts.size(); ++index) {
    SCOPED_TRACE(::testing::Message() << "text #" << index);
    json body = {{"title", texts[index]}, {"notes", {texts[index], texts[index]}}};
    std::string id = "t-" + std::to_string(100 + index);
    this->put("listings", id, body);
    auto got = this->store().get("listings", id);
    ASSERT_TRUE(got) << why(got);
    EXPECT_EQ(got->body, body);
    EXPECT_EQ(got->body["title"].template get<std::string>(), texts[index]);
    EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.title", texts[index])),
              std::vector<std::string>{id});
  }
  this->put("listings", "odd-keys", object_with_odd_keys);
  auto got = this->store().get("listings", "odd-keys");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(got->body, object_with_odd_keys);
}

TYPED_TEST(DocumentStoreContractTest, EventsOfEachWriteLandInTheOutboxInOrder) {
  auto inserted = this->store().insert("listings", "l-1", {{"a", 1}},
                                       {makeEvent("e-1", 1), makeEvent("e-2", 1)});
  ASSERT_TRUE(inserted) << why(inserted);
  ASSERT_TRUE(this->store().replace("listings", "l-1", 1, {{"a", 2}}, {makeEvent("e-3", 2)}));
  ASSERT_TRUE(this->store().remove("listings", "l-1", 2, {makeEvent("e-4", 3)}));
  ASSERT_TRUE(this->store().insert("listings", "l-2", {{"a", 1}}, {}));

  auto entries = this->store().peekOutbox(100);
  ASSERT_TRUE(entries) << why(entries);
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ(outboxEventIds(this->store()), (std::vector<std::string>{"e-1", "e-2", "e-3", "e-4"}));
  for (size_t index = 1; index < entries->size(); ++index) {
    EXPECT_LT((*entries)[index - 1].sequence, (*entries)[index].sequence);
  }
  EXPECT_EQ((*entries)[2].event, makeEvent("e-3", 2));
  EXPECT_EQ(outboxSizeOf(this->store()), 4u);
}

TYPED_TEST(DocumentStoreContractTest, FailedWritesAddNoOutboxEntries) {
  this->put("listings", "l-1", {{"a", 1}});
  auto& store = this->store();
  EXPECT_TRUE(failsWith(store.insert("listings", "l-1", {{"a", 2}}, {makeEvent("x-1")}),
                        ErrorKind::Conflict));
  EXPECT_TRUE(failsWith(store.replace("listings", "l-1", 5, {{"a", 2}}, {makeEvent("x-2")}),
                        ErrorKind::Conflict));
  EXPECT_TRUE(
      failsWith(store.remove("listings", "l-1", 5, {makeEvent("x-3")}), ErrorKind::Conflict));
  EXPECT_TRUE(
      failsWith(store.remove("listings", "ghost", 1, {makeEvent("x-4")}), ErrorKind::NotFound));
  EXPECT_TRUE(failsWith(store.insert("listings", "l-2", json::array(), {makeEvent("x-5")}),
                        ErrorKind::InvalidInput, "body"));

  // Events the relay could not read back are refused, and so is the document.
  EventEnvelope no_type = makeEvent("x-6");
  no_type.type.clear();
  EventEnvelope bad_payload = makeEvent("x-7");
  bad_payload.payload = json{{"s", std::string("\xff")}};
  EventEnvelope array_payload = makeEvent("x-8");
  array_payload.payload = json::array();
  for (const auto& bad_event : {no_type, bad_payload, array_payload}) {
    SCOPED_TRACE(bad_event.event_id);
    EXPECT_TRUE(failsWith(store.insert("listings", "l-2", {{"a", 1}}, {makeEvent("ok"), bad_event}),
                          ErrorKind::InvalidInput, "events"));
  }
  // Event ids are unique within a call and among the entries in the outbox.
  EXPECT_TRUE(
      failsWith(store.insert("listings", "l-2", {{"a", 1}}, {makeEvent("d"), makeEvent("d")}),
                ErrorKind::InvalidInput, "events"));
  ASSERT_TRUE(store.insert("listings", "l-3", {{"a", 1}}, {makeEvent("seen")}));
  EXPECT_TRUE(failsWith(store.replace("listings", "l-3", 1, {{"a", 2}}, {makeEvent("seen")}),
                        ErrorKind::InvalidInput, "events"));

  EXPECT_EQ(outboxEventIds(store), std::vector<std::string>{"seen"});
  EXPECT_TRUE(failsWith(store.get("listings", "l-2"), ErrorKind::NotFound));
  auto l3 = store.get("listings", "l-3");
  ASSERT_TRUE(l3) << why(l3);
  EXPECT_EQ(l3->revision, 1);
  auto l1 = store.get("listings", "l-1");
  ASSERT_TRUE(l1) << why(l1);
  EXPECT_EQ(*l1, (Document{"listings", "l-1", 1, {{"a", 1}}}));
}

TYPED_TEST(DocumentStoreContractTest, PeekOutboxHonoursLimitAndRemoveOutboxDropsUpToSequence) {
  for (int index = 1; index <= 5; ++index) {
    std::string id = "l-" + std::to_string(index);
    ASSERT_TRUE(this->store().insert("listings", id, {{"n", index}},
                                     {makeEvent("e-" + std::to_string(index))}));
  }
  auto first_two = this->store().peekOutbox(2);
  ASSERT_TRUE(first_two) << why(first_two);
  ASSERT_EQ(first_two->size(), 2u);
  EXPECT_EQ((*first_two)[0].event.event_id, "e-1");
  EXPECT_EQ((*first_two)[1].event.event_id, "e-2");
  auto none = this->store().peekOutbox(0);
  ASSERT_TRUE(none) << why(none);
  EXPECT_TRUE(none->empty());

  ASSERT_TRUE(this->store().removeOutbox((*first_two)[1].sequence));
  EXPECT_EQ(outboxSizeOf(this->store()), 3u);
  EXPECT_EQ(outboxEventIds(this->store()), (std::vector<std::string>{"e-3", "e-4", "e-5"}));
  ASSERT_TRUE(this->store().removeOutbox((*first_two)[0].sequence)) << "already gone: no-op";
  EXPECT_EQ(outboxSizeOf(this->store()), 3u);

  // A removed event id may be used again; sequences keep increasing.
  ASSERT_TRUE(this->store().insert("listings", "l-6", {{"n", 6}}, {makeEvent("e-1")}));
  auto rest = this->store().peekOutbox(10);
  ASSERT_TRUE(rest) << why(rest);
  ASSERT_EQ(rest->size(), 4u);
  EXPECT_EQ(rest->back().event.event_id, "e-1");
  EXPECT_GT(rest->back().sequence, (*rest)[2].sequence);

  ASSERT_TRUE(this->store().removeOutbox(rest->back().sequence));
  EXPECT_EQ(outboxSizeOf(this->store()), 0u);
}

TYPED_TEST(DocumentStoreContractTest, AllIsOrderedByIdAndIsolatedPerCollection) {
  for (const char* id : {"b", "a.1", "c", "A", "a", "B-2"}) {
    this->put("listings", id, {{"id", id}});
  }
  this->put("hosts", "a", {{"host", true}});
  EXPECT_EQ(idsOf(this->store().all("listings")),
            (std::vector<std::string>{"A", "B-2", "a", "a.1", "b", "c"}));
  auto hosts = this->store().all("hosts");
  ASSERT_TRUE(hosts) << why(hosts);
  ASSERT_EQ(hosts->size(), 1u);
  EXPECT_EQ(hosts->front(), (Document{"hosts", "a", 1, {{"host", true}}}));
  EXPECT_TRUE(idsOf(this->store().all("nobody")).empty());

  // The same id lives independently in each collection.
  ASSERT_TRUE(this->store().remove("hosts", "a", 1, {}));
  auto listing = this->store().get("listings", "a");
  ASSERT_TRUE(listing) << why(listing);
  EXPECT_EQ(listing->body, json({{"id", "a"}}));
}

TYPED_TEST(DocumentStoreContractTest, ConcurrentInsertsFromFourThreadsAllLand) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  ASSERT_TRUE(this->store().ensureIndex("listings", "$.thread"));
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    threads.emplace_back([&, thread_index] {
      start.arrive_and_wait();
      for (int item = 0; item < kPerThread; ++item) {
        std::string id = fmt::format("t{}-{:03}", thread_index, item);
        auto inserted =
            this->store().insert("listings", id, {{"thread", thread_index}, {"item", item}},
                                 {makeEvent("event-" + id, item + 1)});
        if (!inserted) {
          ++failures[static_cast<size_t>(thread_index)];
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
  EXPECT_EQ(idsOf(this->store().all("listings")).size(), size_t{kThreads * kPerThread});
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    EXPECT_EQ(idsOf(this->store().findEqual("listings", "$.thread", thread_index)).size(),
              size_t{kPerThread});
  }
  // Each thread's events are in the outbox in that thread's order.
  auto entries = this->store().peekOutbox(kThreads * kPerThread + 1);
  ASSERT_TRUE(entries) << why(entries);
  ASSERT_EQ(entries->size(), size_t{kThreads * kPerThread});
  std::vector<int64_t> last_version(kThreads, 0);
  for (const auto& entry : *entries) {
    auto thread_index = static_cast<size_t>(entry.event.event_id[7] - '0');
    ASSERT_LT(thread_index, size_t{kThreads}) << entry.event.event_id;
    EXPECT_EQ(entry.event.aggregate_version, last_version[thread_index] + 1);
    last_version[thread_index] = entry.event.aggregate_version;
  }
}

TYPED_TEST(DocumentStoreContractTest, ConcurrentReplacesSerialiseByRevision) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  this->put("counters", "c", {{"n", 0}});
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> conflicts{0};
  std::atomic<int> errors{0};
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int done = 0; done < kIncrements;) {
        auto current = this->store().get("counters", "c");
        if (!current) {
          ++errors;
          return;
        }
        int n = current->body["n"].template get<int>();
        auto replaced =
            this->store().replace("counters", "c", current->revision, {{"n", n + 1}}, {});
        if (replaced) {
          ++done;
        } else if (replaced.error().kind == ErrorKind::Conflict) {
          ++conflicts;
        } else {
          ++errors;
          return;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(errors.load(), 0);
  auto counter = this->store().get("counters", "c");
  ASSERT_TRUE(counter) << why(counter);
  EXPECT_EQ(counter->body["n"], kThreads * kIncrements) << conflicts.load() << " conflicts";
  EXPECT_EQ(counter->revision, 1 + kThreads * kIncrements);
}

// The SQLite adapter alone: persistence, crashes and its query plan.
class SqliteDocumentStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteDocumentStore> open() {
    auto store = SqliteDocumentStore::open(
        {m_dir / "documents.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing});
    EXPECT_TRUE(store) << why(store);
    return store ? std::move(*store) : nullptr;
  }

  testing::TempDir m_dir;
};

TEST_F(SqliteDocumentStoreTest, DataIndexesAndOutboxSurviveCloseAndReopen) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->ensureIndex("listings", "$.city"));
    ASSERT_TRUE(store->insert("listings", "l-1", {{"city", "Paris"}}, {makeEvent("e-1")}));
    ASSERT_TRUE(store->replace("listings", "l-1", 1, {{"city", "Lyon"}}, {makeEvent("e-2")}));
    ASSERT_TRUE(store->insert("listings", "l-2", {{"city", "Lyon"}}, {makeEvent("e-3")}));
  }
  auto store = open();
  ASSERT_NE(store, nullptr);
  auto got = store->get("listings", "l-1");
  ASSERT_TRUE(got) << why(got);
  EXPECT_EQ(*got, (Document{"listings", "l-1", 2, {{"city", "Lyon"}}}));
  EXPECT_EQ(idsOf(store->findEqual("listings", "$.city", "Lyon")),
            (std::vector<std::string>{"l-1", "l-2"}));
  EXPECT_EQ(outboxEventIds(*store), (std::vector<std::string>{"e-1", "e-2", "e-3"}));
  // Sequences continue after reopening.
  auto before = store->peekOutbox(10);
  ASSERT_TRUE(before) << why(before);
  ASSERT_TRUE(store->remove("listings", "l-2", 1, {makeEvent("e-4")}));
  auto after = store->peekOutbox(10);
  ASSERT_TRUE(after) << why(after);
  EXPECT_GT(after->back().sequence, before->back().sequence);
}

TEST_F(SqliteDocumentStoreTest, CommittedWritesSurviveAProcessCrash) {
  pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // Dies without closing the database: no destructor, no checkpoint.
    auto store = SqliteDocumentStore::open(
        {m_dir / "documents.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing});
    bool written = store && (*store)->ensureIndex("listings", "$.city") &&
                   (*store)->insert("listings", "l-1", {{"city", "Oslo"}}, {makeEvent("e-1")});
    _exit(written ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed to write";

  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(idsOf(store->findEqual("listings", "$.city", "Oslo")), std::vector<std::string>{"l-1"});
  EXPECT_EQ(outboxEventIds(*store), std::vector<std::string>{"e-1"});
}

TEST_F(SqliteDocumentStoreTest, FindEqualQueriesThroughTheCollectionsExpressionIndex) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->ensureIndex("listings", "$.address.city"));
  ASSERT_TRUE(store->ensureIndex("hosts", "$.address.city"));
  for (int index = 0; index < 200; ++index) {
    ASSERT_TRUE(store->insert("listings", fmt::format("l-{:03}", index),
                              {{"address", {{"city", fmt::format("c{}", index % 20)}}}}, {}));
  }
  for (const json& value : {json("c3"), json(3), json(true)}) {
    auto plan = store->testExplainFindEqual("listings", "$.address.city", value);
    ASSERT_TRUE(plan) << why(plan);
    std::string joined;
    for (const auto& line : *plan) {
      joined += line + "\n";
    }
    EXPECT_NE(joined.find("USING INDEX doc_index:listings$.address.city"), std::string::npos)
        << joined;
  }
  EXPECT_EQ(idsOf(store->findEqual("listings", "$.address.city", "c3")).size(), 10u);
}

TEST_F(SqliteDocumentStoreTest, OpenRefusesADatabaseWithANewerSchema) {
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
  }
  {
    auto db = sqlite::Database::open({m_dir / "documents.db"});
    ASSERT_TRUE(db) << why(db);
    ASSERT_TRUE((*db)->exec("PRAGMA user_version = 99"));
  }
  auto store = SqliteDocumentStore::open(
      {m_dir / "documents.db", sqlite::Sync::Normal, StoreCreation::CreateIfMissing});
  ASSERT_TRUE(failsWith(store, ErrorKind::StoreFailure));
  EXPECT_EQ(store.error().code, "document.schema");
}

TEST_F(SqliteDocumentStoreTest, OpenOfAnUnwritablePathIsStoreFailure) {
  auto store = SqliteDocumentStore::open({m_dir / "missing-dir" / "documents.db",
                                          sqlite::Sync::Normal, StoreCreation::CreateIfMissing});
  EXPECT_TRUE(failsWith(store, ErrorKind::StoreFailure));
}

}  // namespace
}  // namespace staylab
