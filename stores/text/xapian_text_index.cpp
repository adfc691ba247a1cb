#include "stores/text/xapian_text_index.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include <xapian.h>
#include <nlohmann/json.hpp>

#include "domain/common/hash.h"
#include "stores/text/text_index_rules.h"
#include "support/crash_point.h"

namespace staylab {
namespace {

// Value slots.
constexpr Xapian::valueno kPriceSlot = 0;     // sortable_serialise(price_minor)
constexpr Xapian::valueno kCapacitySlot = 1;  // sortable_serialise(capacity)
constexpr Xapian::valueno kIdSlot = 2;        // The id itself, to break ties.
constexpr Xapian::valueno kNightsSlot = 3;    // encodeNights(booked_nights)

// Term prefixes, following Xapian's conventions ("Q" unique id, "X..." custom).
constexpr std::string_view kIdPrefix = "Q";
constexpr std::string_view kCityPrefix = "XC";
constexpr std::string_view kAmenityPrefix = "XA";
constexpr std::string_view kCurrencyPrefix = "XK";
// Carried by unlisted documents only, so searches can exclude them.
constexpr std::string_view kUnlistedTerm = "XU";

constexpr Xapian::termcount kTitleWdfInc = 2;
constexpr Xapian::doccount kExactTotalUpTo = 10'000;
// Xapian refuses terms longer than this many bytes.
constexpr size_t kMaxTermBytes = 245;
// Format 1 kept booked_nights in the JSON data; format 2 keeps them in
// kNightsSlot, so a booking changes one value and neither data nor terms.
constexpr int kDocumentFormat = 2;
constexpr int kNightsInDataFormat = 1;

// Returns prefix + value; a value too long for a Xapian term is cut short and
// tagged with a stable hash of the whole value, so long ids and cities still
// work (get() re-checks the stored id).
std::string term(std::string_view prefix, std::string_view value) {
  std::string result(prefix);
  if (prefix.size() + value.size() <= kMaxTermBytes) {
    result += value;
    return result;
  }
  std::string tag = fmt::format("#{:016x}", fnv1a64(value));
  result += value.substr(0, kMaxTermBytes - prefix.size() - tag.size());
  result += tag;
  return result;
}

// Returns the nights as 4 bytes each (big-endian days since the epoch,
// offset to be unsigned), in the document's order.
std::string encodeNights(const std::vector<Date>& nights) {
  std::string value;
  value.reserve(nights.size() * 4);
  for (Date night : nights) {
    const auto day = static_cast<uint32_t>(night.daysSinceEpoch()) ^ 0x80000000U;
    for (int shift = 24; shift >= 0; shift -= 8) {
      value.push_back(static_cast<char>(day >> shift));
    }
  }
  return value;
}

int32_t decodeNight(std::string_view value, size_t at) {
  uint32_t day = 0;
  for (size_t index = at; index < at + 4; ++index) {
    day = (day << 8) | static_cast<unsigned char>(value[index]);
  }
  return static_cast<int32_t>(day ^ 0x80000000U);
}

Result<std::vector<Date>> decodeNights(std::string_view value) {
  if (value.size() % 4 != 0) {
    return storeFailure("text.corrupt", "stored booked nights are {} bytes long", value.size());
  }
  std::vector<Date> nights;
  nights.reserve(value.size() / 4);
  for (size_t at = 0; at < value.size(); at += 4) {
    auto night = Date::fromDays(decodeNight(value, at));
    if (!night) {
      return storeFailure("text.corrupt", "stored document has a bad night: {}",
                          night.error().describe());
    }
    nights.push_back(*night);
  }
  return nights;
}

// Accepts the documents none of whose booked nights falls in the stay.
class FreeDuring final : public Xapian::MatchDecider {
 public:
  explicit FreeDuring(const Stay& stay)
      : m_first(stay.checkIn().daysSinceEpoch()), m_end(stay.checkOut().daysSinceEpoch()) {}
  bool operator()(const Xapian::Document& document) const override {
    const std::string value = document.get_value(kNightsSlot);
    for (size_t at = 0; at + 4 <= value.size(); at += 4) {
      const int32_t day = decodeNight(value, at);
      if (day >= m_first && day < m_end) {
        return false;
      }
    }
    return true;
  }

 private:
  int32_t m_first;
  int32_t m_end;
};

Xapian::TermGenerator makeTermGenerator() {
  Xapian::TermGenerator generator;
  generator.set_stemmer(Xapian::Stem("english"));
  generator.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  return generator;
}

// Mirrors the TermGenerator's rule for STEM_SOME: a word gets a "Z" stem term
// only when it starts with a letter.
bool isStemmed(const std::string& word) {
  constexpr unsigned kStemmedCategories =
      (1U << Xapian::Unicode::LOWERCASE_LETTER) | (1U << Xapian::Unicode::TITLECASE_LETTER) |
      (1U << Xapian::Unicode::MODIFIER_LETTER) | (1U << Xapian::Unicode::OTHER_LETTER);
  Xapian::Utf8Iterator first(word);
  if (first == Xapian::Utf8Iterator()) {
    return false;
  }
  return ((kStemmedCategories >> Xapian::Unicode::get_category(*first)) & 1U) != 0;
}

// Splits query text into the terms a matching document must hold: the stem
// term of each word, or the word itself when the indexer does not stem it.
// Tokenising with the indexer's own TermGenerator (instead of QueryParser)
// guarantees no query syntax is interpreted and that query and documents
// agree on words; QueryParser would, for instance, leave capitalised words
// unstemmed and turn "title:foo" into a phrase.
std::vector<std::string> queryTerms(const std::string& text) {
  Xapian::Document scratch;
  Xapian::TermGenerator generator = makeTermGenerator();
  generator.set_document(scratch);
  generator.index_text(text);
  Xapian::Stem stemmer("english");
  std::set<std::string> terms;
  for (auto it = scratch.termlist_begin(); it != scratch.termlist_end(); ++it) {
    std::string word = *it;
    if (word.starts_with('Z')) {
      continue;  // A stem term; its word is handled below.
    }
    terms.insert(isStemmed(word) ? "Z" + stemmer(word) : word);
  }
  return {terms.begin(), terms.end()};
}

// Returns the document's data: every field but booked_nights (kNightsSlot).
std::string dataOf(const SearchDocument& document) {
  nlohmann::json data = document.toJson();
  data.erase("booked_nights");
  data["format"] = kDocumentFormat;
  return data.dump();
}

enum class Nights { Read, Skip };

// Returns the SearchDocument stored as `xapian_document`; its booked nights
// only when `nights` is Nights::Read.
Result<SearchDocument> fromXapian(const Xapian::Document& xapian_document, Nights nights) {
  auto json = nlohmann::json::parse(xapian_document.get_data(), nullptr, false);
  if (!json.is_object()) {
    return storeFailure("text.corrupt", "stored document is not a JSON object");
  }
  auto format = json.find("format");
  if (format == json.end() || !format->is_number_integer() ||
      (*format != kDocumentFormat && *format != kNightsInDataFormat)) {
    return storeFailure("text.corrupt", "stored document has unknown format {}",
                        format == json.end() ? std::string("(none)") : format->dump());
  }
  const bool nights_in_data = *format == kNightsInDataFormat;
  if (nights == Nights::Skip) {
    json.erase("booked_nights");
  }
  // Documents written before listed and source_version existed are listed and unversioned.
  auto document = SearchDocument::fromJson(json);
  if (!document) {
    return storeFailure("text.corrupt", "stored document is not valid: {}",
                        document.error().describe());
  }
  if (nights == Nights::Read && !nights_in_data) {
    document->booked_nights = STAYLAB_TRY(decodeNights(xapian_document.get_value(kNightsSlot)));
  }
  return document;
}

Xapian::Document toXapian(const SearchDocument& document) {
  Xapian::Document xapian_document;
  Xapian::TermGenerator generator = makeTermGenerator();
  generator.set_document(xapian_document);
  // No query asks for phrases or proximity, so term positions would only cost
  // index space and update time; weights depend on wdf alone, which is the same.
  generator.index_text_without_positions(document.title, kTitleWdfInc);
  generator.index_text_without_positions(document.description);
  generator.index_text_without_positions(document.city);

  xapian_document.add_boolean_term(term(kIdPrefix, document.id));
  xapian_document.add_boolean_term(term(kCityPrefix, text_rules::foldCase(document.city)));
  for (const auto& amenity : document.amenities) {
    xapian_document.add_boolean_term(term(kAmenityPrefix, text_rules::foldCase(amenity)));
  }
  xapian_document.add_boolean_term(term(kCurrencyPrefix, document.currency));
  if (!document.listed) {
    xapian_document.add_boolean_term(std::string(kUnlistedTerm));
  }

  xapian_document.add_value(kPriceSlot,
                            Xapian::sortable_serialise(static_cast<double>(document.price_minor)));
  xapian_document.add_value(kCapacitySlot, Xapian::sortable_serialise(document.capacity));
  xapian_document.add_value(kIdSlot, document.id);
  if (!document.booked_nights.empty()) {
    xapian_document.add_value(kNightsSlot, encodeNights(document.booked_nights));
  }
  xapian_document.set_data(dataOf(document));
  return xapian_document;
}

// Returns the query without its text part: every filter of `query`, or
// nullopt when there is none.
std::optional<Xapian::Query> filterQuery(const SearchQuery& query) {
  std::vector<Xapian::Query> filters;
  if (query.city) {
    filters.emplace_back(term(kCityPrefix, text_rules::foldCase(*query.city)));
  }
  for (const auto& amenity : query.amenities) {
    filters.emplace_back(term(kAmenityPrefix, text_rules::foldCase(amenity)));
  }
  if (query.currency) {
    filters.emplace_back(term(kCurrencyPrefix, *query.currency));
  }
  if (query.max_price_minor) {
    filters.emplace_back(Xapian::Query::OP_VALUE_LE, kPriceSlot,
                         Xapian::sortable_serialise(static_cast<double>(*query.max_price_minor)));
  }
  if (query.min_capacity) {
    filters.emplace_back(Xapian::Query::OP_VALUE_GE, kCapacitySlot,
                         Xapian::sortable_serialise(*query.min_capacity));
  }
  if (filters.empty()) {
    return std::nullopt;
  }
  return Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end());
}

// Runs `body`, turning any exception into a StoreFailure so none crosses the port.
template <typename Body>
auto translateExceptions(const std::filesystem::path& directory, std::string_view what, Body&& body)
    -> decltype(body()) {
  try {
    return body();
  } catch (const Xapian::DatabaseLockError& error) {
    return storeFailure("text.locked", "{} {}: the index is held by another writer: {}", what,
                        directory.string(), error.get_description());
  } catch (const Xapian::DatabaseCorruptError& error) {
    return storeFailure("text.corrupt", "{} {}: {}", what, directory.string(),
                        error.get_description());
  } catch (const Xapian::Error& error) {
    return storeFailure("text.engine", "{} {}: {}", what, directory.string(),
                        error.get_description());
  } catch (const std::exception& error) {
    return storeFailure("text.engine", "{} {}: {}", what, directory.string(), error.what());
  } catch (...) {
    return storeFailure("text.engine", "{} {}: unknown exception", what, directory.string());
  }
}

// Returns StoreFailure "text.missing" unless `directory` holds a glass
// database with the tables every index written by this adapter has. Xapian
// opens a database whose table files were removed as one with empty tables,
// so a deleted postlist would otherwise be served as "0 matches".
Result<void> requireWholeDatabase(const std::filesystem::path& directory) {
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return storeFailure("text.missing",
                        "{} is missing: the text index is never re-created by a command; "
                        "`rebuild` makes it again from the log",
                        directory.string());
  }
  for (const char* file : {"iamglass", "postlist.glass", "termlist.glass"}) {
    if (!std::filesystem::exists(directory / file, error)) {
      return storeFailure("text.missing",
                          "the text index in {} is incomplete ({} is missing); `rebuild` makes it "
                          "again from the log",
                          directory.string(), file);
    }
  }
  return ok();
}

}  // namespace

XapianTextIndex::XapianTextIndex(std::unique_ptr<Xapian::WritableDatabase> database,
                                 std::filesystem::path directory, int reopen_flags)
    : m_database(std::move(database)),
      m_directory(std::move(directory)),
      m_reopen_flags(reopen_flags) {}

Result<void> XapianTextIndex::reopenAfterFailedWrite() {
  if (!m_write_failed) {
    return ok();
  }
  return translateExceptions(m_directory, "reopen", [&]() -> Result<void> {
    try {
      m_database->close();  // Releases the write lock (a no-op once Xapian closed it).
    } catch (...) {
      // Closing what a failed commit left is best effort; the open below decides.
    }
    m_database = std::make_unique<Xapian::WritableDatabase>(m_directory.string(), m_reopen_flags);
    m_write_failed = false;
    return ok();
  });
}

template <typename Body>
Result<void> XapianTextIndex::write(std::string_view what, Body&& body) {
  STAYLAB_TRY(reopenAfterFailedWrite());
  Result<void> result = translateExceptions(m_directory, what, std::forward<Body>(body));
  if (!result) {
    m_write_failed = true;
  }
  return result;
}

XapianTextIndex::~XapianTextIndex() {
  try {
    m_database->close();
  } catch (...) {
    // Every change was committed by apply(); nothing is lost by ignoring this.
  }
}

Result<std::unique_ptr<XapianTextIndex>> XapianTextIndex::open(const Options& options) {
  if (options.directory.empty()) {
    return invalidInput("directory", "the text index needs a directory");
  }
  std::error_code error;
  if (options.creation == StoreCreation::CreateIfMissing) {
    std::filesystem::create_directories(options.directory, error);
    if (error) {
      return storeFailure("text.engine", "cannot create {}: {}", options.directory.string(),
                          error.message());
    }
  } else {
    STAYLAB_TRY(requireWholeDatabase(options.directory));
  }
  return translateExceptions(
      options.directory, "open", [&]() -> Result<std::unique_ptr<XapianTextIndex>> {
        const int flags =
            (options.creation == StoreCreation::CreateIfMissing ? Xapian::DB_CREATE_OR_OPEN
                                                                : Xapian::DB_OPEN) |
            (options.sync == Sync::Normal ? Xapian::DB_NO_SYNC : 0);
        auto database =
            std::make_unique<Xapian::WritableDatabase>(options.directory.string(), flags);
        // Document data is written lazily, with the first document.
        std::error_code ignored;
        if (database->get_doccount() > 0 &&
            !std::filesystem::exists(options.directory / "docdata.glass", ignored)) {
          return storeFailure("text.missing",
                              "the text index in {} is incomplete (docdata.glass is missing); "
                              "`rebuild` makes it again from the log",
                              options.directory.string());
        }
        return std::unique_ptr<XapianTextIndex>(new XapianTextIndex(
            std::move(database), options.directory,
            Xapian::DB_OPEN | (options.sync == Sync::Normal ? Xapian::DB_NO_SYNC : 0)));
      });
}

Result<void> XapianTextIndex::verifyIntegrity() {
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(m_directory, "check", [&]() -> Result<void> {
    std::ostringstream findings;
    size_t errors = Xapian::Database::check(m_directory.string(), 0, &findings);
    if (errors > 0) {
      return storeFailure("text.corrupt", "the text index in {} is damaged ({} errors): {}",
                          m_directory.string(), errors, findings.str().substr(0, 300));
    }
    return ok();
  });
}

Result<void> XapianTextIndex::apply(const TextIndexBatch& batch) {
  STAYLAB_TRY(text_rules::checkBatch(batch));
  if (batch.empty()) {
    return ok();
  }
  std::lock_guard lock(m_mutex);
  return write("apply", [&]() -> Result<void> {
    m_database->begin_transaction();
    try {
      for (const auto& document : batch.upserts) {
        if (!replaceNightsOnly(document)) {
          m_database->replace_document(term(kIdPrefix, document.id), toXapian(document));
        }
      }
      for (const auto& id : batch.removals) {
        m_database->delete_document(term(kIdPrefix, id));
      }
      support::crashPoint("xapian.documents_written");
      for (const auto& [key, value] : batch.metadata) {
        m_database->set_metadata(key, value);
      }
      m_database->commit_transaction();
    } catch (...) {
      try {
        m_database->cancel_transaction();
      } catch (...) {
        // The original failure is the one worth reporting.
      }
      throw;
    }
    return ok();
  });
}

bool XapianTextIndex::replaceNightsOnly(const SearchDocument& document) {
  const std::string id_term = term(kIdPrefix, document.id);
  Xapian::PostingIterator posting = m_database->postlist_begin(id_term);
  if (posting == m_database->postlist_end(id_term)) {
    return false;
  }
  const Xapian::docid docid = *posting;
  if (++posting != m_database->postlist_end(id_term)) {
    return false;  // Two documents share the term: let replace_document sort them out.
  }
  Xapian::Document stored = m_database->get_document(docid);
  // The data holds every field but the nights, in the current format: equal
  // data means the terms and the other values are equal too.
  if (stored.get_data() != dataOf(document)) {
    return false;
  }
  if (document.booked_nights.empty()) {
    // Xapian throws when removing a value the document does not hold.
    if (!stored.get_value(kNightsSlot).empty()) {
      stored.remove_value(kNightsSlot);
    }
  } else {
    stored.add_value(kNightsSlot, encodeNights(document.booked_nights));
  }
  m_database->replace_document(docid, stored);
  return true;
}

Result<std::optional<SearchDocument>> XapianTextIndex::get(std::string_view id) {
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(m_directory, "get", [&]() -> Result<std::optional<SearchDocument>> {
    std::string id_term = term(kIdPrefix, id);
    for (auto it = m_database->postlist_begin(id_term); it != m_database->postlist_end(id_term);
         ++it) {
      SearchDocument document =
          STAYLAB_TRY(fromXapian(m_database->get_document(*it), Nights::Read));
      if (document.id == id) {
        return document;
      }
    }
    return std::nullopt;
  });
}

Result<SearchPage> XapianTextIndex::search(const SearchQuery& query) {
  STAYLAB_TRY(text_rules::checkQuery(query));
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(m_directory, "search", [&]() -> Result<SearchPage> {
    const bool has_text = !text_rules::isBlank(query.text);
    Xapian::Query xapian_query = Xapian::Query::MatchAll;
    if (has_text) {
      std::vector<std::string> terms = queryTerms(query.text);
      if (terms.empty()) {
        return SearchPage{};  // Only punctuation: nothing can match.
      }
      xapian_query = Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end());
    }
    if (auto filters = filterQuery(query)) {
      xapian_query = Xapian::Query(Xapian::Query::OP_FILTER, xapian_query, *filters);
    }
    xapian_query = Xapian::Query(Xapian::Query::OP_AND_NOT, xapian_query,
                                 Xapian::Query(std::string(kUnlistedTerm)));

    Xapian::Enquire enquire(*m_database);
    enquire.set_query(xapian_query);
    if (!has_text) {
      enquire.set_weighting_scheme(Xapian::BoolWeight());
    }
    Xapian::MultiValueKeyMaker price_then_id;
    price_then_id.add_value(kPriceSlot);
    price_then_id.add_value(kIdSlot);
    switch (query.sort) {
      case SearchSort::Relevance:
        enquire.set_sort_by_relevance_then_value(kIdSlot, false);
        break;
      case SearchSort::PriceAscending:
        enquire.set_sort_by_key(&price_then_id, false);
        break;
    }

    // Xapian counts documents in 32 bits; an offset past every document
    // returns no hits but still reports the total.
    const Xapian::doccount document_count = m_database->get_doccount();
    const bool past_end = query.offset >= document_count;
    const auto first = past_end ? 0 : static_cast<Xapian::doccount>(query.offset);
    const auto limit = past_end ? 0 : static_cast<Xapian::doccount>(query.limit);
    std::optional<FreeDuring> free_during;
    if (query.stay) {
      free_during.emplace(*query.stay);
    }
    Xapian::MSet matches = enquire.get_mset(first, limit, kExactTotalUpTo, nullptr,
                                            free_during ? &*free_during : nullptr);

    SearchPage page;
    page.estimated_total = matches.get_matches_estimated();
    page.hits.reserve(matches.size());
    for (auto it = matches.begin(); it != matches.end(); ++it) {
      SearchDocument document = STAYLAB_TRY(fromXapian(it.get_document(), Nights::Skip));
      page.hits.push_back(SearchHit{
          .id = std::move(document.id),
          .title = std::move(document.title),
          .city = std::move(document.city),
          .price_minor = document.price_minor,
          .currency = std::move(document.currency),
          .relevance = has_text ? it.get_weight() : 0.0,
      });
    }
    return page;
  });
}

Result<std::optional<std::string>> XapianTextIndex::metadata(std::string_view key) {
  STAYLAB_TRY(text_rules::checkMetadataKey(key));
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(m_directory, "metadata", [&]() -> Result<std::optional<std::string>> {
    std::string value = m_database->get_metadata(std::string(key));
    if (value.empty()) {
      return std::nullopt;  // Xapian does not tell an empty value from an absent key.
    }
    return value;
  });
}

Result<size_t> XapianTextIndex::documentCount() {
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(m_directory, "documentCount", [&]() -> Result<size_t> {
    return static_cast<size_t>(m_database->get_doccount());
  });
}

Result<std::vector<SearchDocument>> XapianTextIndex::allDocuments() {
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(
      m_directory, "allDocuments", [&]() -> Result<std::vector<SearchDocument>> {
        std::vector<SearchDocument> documents;
        documents.reserve(m_database->get_doccount());
        // The empty term's posting list holds every document.
        for (auto it = m_database->postlist_begin(""); it != m_database->postlist_end(""); ++it) {
          documents.push_back(STAYLAB_TRY(fromXapian(m_database->get_document(*it), Nights::Read)));
        }
        std::sort(documents.begin(), documents.end(),
                  [](const SearchDocument& left, const SearchDocument& right) {
                    return left.id < right.id;
                  });
        return documents;
      });
}

Result<std::map<std::string, std::string>> XapianTextIndex::allMetadata() {
  std::lock_guard lock(m_mutex);
  STAYLAB_TRY(reopenAfterFailedWrite());
  return translateExceptions(m_directory, "allMetadata",
                             [&]() -> Result<std::map<std::string, std::string>> {
                               std::map<std::string, std::string> metadata;
                               for (auto it = m_database->metadata_keys_begin();
                                    it != m_database->metadata_keys_end(); ++it) {
                                 std::string key = *it;
                                 std::string value = m_database->get_metadata(key);
                                 if (!value.empty()) {
                                   metadata.emplace(std::move(key), std::move(value));
                                 }
                               }
                               return metadata;
                             });
}

Result<void> XapianTextIndex::clear() {
  std::lock_guard lock(m_mutex);
  return write("clear", [&]() -> Result<void> {
    // Collected first: a database is not changed while it is being iterated.
    std::vector<Xapian::docid> documents;
    for (auto it = m_database->postlist_begin(""); it != m_database->postlist_end(""); ++it) {
      documents.push_back(*it);
    }
    std::vector<std::string> keys;
    for (auto it = m_database->metadata_keys_begin(); it != m_database->metadata_keys_end(); ++it) {
      keys.push_back(*it);
    }
    if (documents.empty() && keys.empty()) {
      return ok();
    }
    m_database->begin_transaction();
    try {
      for (Xapian::docid document : documents) {
        m_database->delete_document(document);
      }
      for (const auto& key : keys) {
        m_database->set_metadata(key, "");
      }
      m_database->commit_transaction();
    } catch (...) {
      try {
        m_database->cancel_transaction();
      } catch (...) {
        // The original failure is the one worth reporting.
      }
      throw;
    }
    return ok();
  });
}

}  // namespace staylab
