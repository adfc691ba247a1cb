#include "app/platform/queries.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "app/platform/input.h"
#include "app/platform/platform.h"
#include "domain/common/money.h"
#include "domain/common/text.h"
#include "events/history_projection.h"

namespace staylab::app {
namespace {

// Returns the currency most listings in `city` use, or EUR when none is found.
Result<std::string> currencyOf(Gateway& gateway, const std::string& city) {
  auto properties = STAYLAB_TRY(gateway.listProperties(city));
  std::map<std::string, int> counts;
  for (const auto& property : properties) {
    ++counts[property.currency];
  }
  std::string best = "EUR";
  int most = 0;
  for (const auto& [currency, count] : counts) {
    if (count > most) {
      best = currency;
      most = count;
    }
  }
  return best;
}

}  // namespace

Result<SearchQuery> makeSearchQuery(Gateway& gateway, const SearchRequest& request) {
  SearchQuery query;
  if (request.text && !request.text->empty()) {
    query.text = STAYLAB_TRY(boundedText(*request.text, "text", 500));
  }
  if (request.city) {
    query.city = STAYLAB_TRY(boundedText(*request.city, "city", listing::kMaxCity));
  }
  if (request.from.has_value() != request.to.has_value()) {
    return invalidInput(request.from ? "to" : "from", "--from and --to go together");
  }
  if (request.from) {
    query.stay = STAYLAB_TRY(Stay::parse(*request.from, *request.to));
  }
  if (request.guests) {
    int64_t guests = STAYLAB_TRY(wholeNumber(*request.guests, "guests"));
    if (guests < 1 || guests > booking::kMaxGuests) {
      return invalidInput("guests", "must be 1..{}, got {}", booking::kMaxGuests, guests);
    }
    query.min_capacity = static_cast<int>(guests);
  }
  if (request.max_price) {
    std::string code = request.currency ? *request.currency
                       : query.city     ? STAYLAB_TRY(currencyOf(gateway, *query.city))
                                        : std::string("EUR");
    Currency currency = STAYLAB_TRY(Currency::parse(code));
    Money price = STAYLAB_TRY(Money::parse(*request.max_price, currency, "max-price"));
    query.max_price_minor = price.minorUnits();
    query.currency = std::string(currency.code());
  } else if (request.currency) {
    query.currency = std::string(STAYLAB_TRY(Currency::parse(*request.currency)).code());
  }
  for (const auto& amenity : request.amenities) {
    query.amenities.push_back(STAYLAB_TRY(boundedText(amenity, "amenity", listing::kMaxAmenity)));
  }
  const std::string sort = request.sort.value_or("relevance");
  if (sort == "relevance") {
    query.sort = SearchSort::Relevance;
  } else if (sort == "price") {
    query.sort = SearchSort::PriceAscending;
  } else {
    return invalidInput("sort", "'{}' is not relevance or price",
                        isValidUtf8(sort) ? sort : std::string("(not UTF-8)"));
  }
  int64_t page = STAYLAB_TRY(wholeNumber(request.page.value_or("1"), "page"));
  if (page < 1 || page > 10000) {
    return invalidInput("page", "must be 1..10000, got {}", page);
  }
  query.offset = static_cast<size_t>(page - 1) * kSearchPageSize;
  query.limit = kSearchPageSize;
  return query;
}

bool inLogOrder(const LogRecord& a, const LogRecord& b) {
  return std::tie(a.event.occurred_at_nanos, a.position.topic, a.position.partition,
                  a.position.offset) < std::tie(b.event.occurred_at_nanos, b.position.topic,
                                                b.position.partition, b.position.offset);
}

Result<std::vector<LogRecord>> tailEvents(EventLog& log, const TailRequest& request) {
  int64_t limit = STAYLAB_TRY(wholeNumber(request.limit.value_or("20"), "limit"));
  if (limit < 1 || limit > 100000) {
    return invalidInput("limit", "must be 1..100000, got {}", limit);
  }
  std::optional<int64_t> from;
  if (request.from) {
    from = STAYLAB_TRY(wholeNumber(*request.from, "from"));
    if (*from < 0) {
      return invalidInput("from", "an offset is 0 or more, got {}", *from);
    }
  }
  auto topics = log.topics();
  if (request.topic && !topics.contains(*request.topic)) {
    std::string known;
    for (const auto& [name, partitions] : topics) {
      known += (known.empty() ? "" : ", ") + name;
    }
    return invalidInput("topic", "'{}' is not a topic ({})",
                        isValidUtf8(*request.topic) ? *request.topic : "(not UTF-8)", known);
  }
  std::vector<LogRecord> records;
  for (const auto& [topic, partitions] : topics) {
    if (request.topic && topic != *request.topic) {
      continue;
    }
    for (int partition = 0; partition < partitions; ++partition) {
      int64_t end = STAYLAB_TRY(log.endOffset(topic, partition));
      int64_t start = from ? *from : std::max<int64_t>(0, end - limit);
      auto read = STAYLAB_TRY(log.read(topic, partition, start, static_cast<size_t>(limit)));
      records.insert(records.end(), read.begin(), read.end());
    }
  }
  std::stable_sort(records.begin(), records.end(), inLogOrder);
  if (!from && records.size() > static_cast<size_t>(limit)) {
    records.erase(records.begin(), records.end() - limit);
  } else if (records.size() > static_cast<size_t>(limit)) {
    records.resize(static_cast<size_t>(limit));
  }
  return records;
}

Result<HistoryAnswer> readHistory(Platform& platform, const Caller& caller,
                                  const HistoryRequest& request) {
  if (request.property && request.guest) {
    return invalidInput("guest", "give --property or --guest, not both");
  }
  if (!request.property && !request.guest) {
    return invalidInput("property", "give --property ID or --guest G");
  }
  HistoryAnswer answer;
  answer.by_property = request.property.has_value();
  answer.row = answer.by_property ? *request.property : *request.guest;
  const char* field = answer.by_property ? "property" : "guest";
  if (answer.row.empty()) {
    return invalidInput(field, "must not be empty");
  }
  if (answer.row.size() > 64) {
    return invalidInput(field, "is at most 64 bytes, got {}", answer.row.size());
  }
  STAYLAB_TRY(platform.gateway().authorizeHistory(
      caller, answer.by_property ? std::nullopt : std::optional<std::string_view>(answer.row),
      answer.by_property ? std::optional<std::string_view>(answer.row) : std::nullopt));
  answer.cells = STAYLAB_TRY(platform.historyStore().scanRow(
      answer.row,
      answer.by_property ? HistoryProjection::kByProperty : HistoryProjection::kByGuest));
  return answer;
}

}  // namespace staylab::app
