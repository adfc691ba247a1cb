#include "stores/text/memory_text_index.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "stores/text/text_index_rules.h"

namespace staylab {
namespace {

constexpr int kTitleWeight = 2;

bool startsWithLetter(std::string_view word) {
  auto first = static_cast<unsigned char>(word.front());
  return (first >= 'a' && first <= 'z') || first >= 0x80;
}

// Strips English plural endings; words starting with a digit are kept whole,
// as Xapian's indexer does.
std::string stem(std::string word) {
  if (!startsWithLetter(word)) {
    return word;
  }
  if (word.size() > 4 && word.ends_with("ies")) {
    word.replace(word.size() - 3, 3, "y");
  } else if (word.ends_with("sses")) {
    word.resize(word.size() - 2);
  } else if (word.size() > 3 && word.ends_with('s') && !word.ends_with("ss")) {
    word.pop_back();
  }
  return word;
}

// Adds `weight` for every stemmed word of `text` to `counts`.
void countStems(std::string_view text, int weight, std::map<std::string, int>& counts) {
  for (std::string_view word : splitWords(text)) {
    counts[stem(text_rules::foldCase(word))] += weight;
  }
}

bool hasAllAmenities(const SearchDocument& document, const std::vector<std::string>& wanted) {
  std::set<std::string> present;
  for (const auto& amenity : document.amenities) {
    present.insert(text_rules::foldCase(amenity));
  }
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& amenity) {
    return present.contains(text_rules::foldCase(amenity));
  });
}

bool isFreeDuring(const SearchDocument& document, const Stay& stay) {
  return std::none_of(
      document.booked_nights.begin(), document.booked_nights.end(),
      [&](Date night) { return night >= stay.checkIn() && night < stay.checkOut(); });
}

bool passesFilters(const SearchDocument& document, const SearchQuery& query) {
  if (!document.listed) {
    return false;
  }
  if (query.city && text_rules::foldCase(document.city) != text_rules::foldCase(*query.city)) {
    return false;
  }
  if (query.min_capacity && document.capacity < *query.min_capacity) {
    return false;
  }
  if (query.currency && document.currency != *query.currency) {
    return false;
  }
  if (query.max_price_minor && document.price_minor > *query.max_price_minor) {
    return false;
  }
  if (!hasAllAmenities(document, query.amenities)) {
    return false;
  }
  return !query.stay || isFreeDuring(document, *query.stay);
}

struct Match {
  const SearchDocument* document;
  double relevance;
};

}  // namespace

Result<void> MemoryTextIndex::apply(const TextIndexBatch& batch) {
  STAYLAB_TRY(text_rules::checkBatch(batch));
  std::lock_guard lock(m_mutex);
  for (const auto& document : batch.upserts) {
    m_documents.insert_or_assign(document.id, document);
  }
  for (const auto& id : batch.removals) {
    m_documents.erase(id);
  }
  for (const auto& [key, value] : batch.metadata) {
    if (value.empty()) {
      m_metadata.erase(key);  // As in Xapian, an empty value removes the key.
    } else {
      m_metadata.insert_or_assign(key, value);
    }
  }
  return ok();
}

Result<std::optional<SearchDocument>> MemoryTextIndex::get(std::string_view id) {
  std::lock_guard lock(m_mutex);
  auto it = m_documents.find(id);
  if (it == m_documents.end()) {
    return std::nullopt;
  }
  return it->second;
}

Result<SearchPage> MemoryTextIndex::search(const SearchQuery& query) {
  STAYLAB_TRY(text_rules::checkQuery(query));
  const bool has_text = !text_rules::isBlank(query.text);
  std::map<std::string, int> query_counts;
  countStems(query.text, 1, query_counts);
  if (has_text && query_counts.empty()) {
    return SearchPage{};  // Only punctuation: nothing can match.
  }

  std::lock_guard lock(m_mutex);
  std::vector<Match> matches;
  for (const auto& [id, document] : m_documents) {
    if (!passesFilters(document, query)) {
      continue;
    }
    double relevance = 0;
    if (has_text) {
      std::map<std::string, int> counts;
      countStems(document.title, kTitleWeight, counts);
      countStems(document.description, 1, counts);
      countStems(document.city, 1, counts);
      bool all_words = true;
      for (const auto& [word, ignored] : query_counts) {
        auto found = counts.find(word);
        if (found == counts.end()) {
          all_words = false;
          break;
        }
        relevance += found->second;
      }
      if (!all_words) {
        continue;
      }
    }
    matches.push_back(Match{&document, relevance});
  }

  // m_documents is ordered by id, so a stable sort breaks ties by id.
  switch (query.sort) {
    case SearchSort::Relevance:
      std::stable_sort(matches.begin(), matches.end(), [](const Match& left, const Match& right) {
        return left.relevance > right.relevance;
      });
      break;
    case SearchSort::PriceAscending:
      std::stable_sort(matches.begin(), matches.end(), [](const Match& left, const Match& right) {
        return left.document->price_minor < right.document->price_minor;
      });
      break;
  }

  SearchPage page;
  page.estimated_total = matches.size();
  for (size_t index = query.offset; index < matches.size() && page.hits.size() < query.limit;
       ++index) {
    const SearchDocument& document = *matches[index].document;
    page.hits.push_back(SearchHit{
        .id = document.id,
        .title = document.title,
        .city = document.city,
        .price_minor = document.price_minor,
        .currency = document.currency,
        .relevance = matches[index].relevance,
    });
  }
  return page;
}

Result<std::optional<std::string>> MemoryTextIndex::metadata(std::string_view key) {
  STAYLAB_TRY(text_rules::checkMetadataKey(key));
  std::lock_guard lock(m_mutex);
  auto it = m_metadata.find(key);
  if (it == m_metadata.end()) {
    return std::nullopt;
  }
  return it->second;
}

Result<size_t> MemoryTextIndex::documentCount() {
  std::lock_guard lock(m_mutex);
  return m_documents.size();
}

Result<std::vector<SearchDocument>> MemoryTextIndex::allDocuments() {
  std::lock_guard lock(m_mutex);
  std::vector<SearchDocument> documents;
  documents.reserve(m_documents.size());
  for (const auto& [id, document] : m_documents) {
    documents.push_back(document);
  }
  return documents;
}

Result<std::map<std::string, std::string>> MemoryTextIndex::allMetadata() {
  std::lock_guard lock(m_mutex);
  return std::map<std::string, std::string>(m_metadata.begin(), m_metadata.end());
}

Result<void> MemoryTextIndex::clear() {
  std::lock_guard lock(m_mutex);
  m_documents.clear();
  m_metadata.clear();
  return ok();
}

}  // namespace staylab
