#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/platform/gateway.h"
#include "domain/ports/event_log.h"
#include "domain/ports/text_index.h"
#include "domain/ports/wide_column_store.h"

// The platform's read requests as a front end receives them (text values,
// each absent when not given), checked by one set of rules for the CLI and
// the HTTP server alike. Every error is InvalidInput naming the field.
namespace staylab::app {

class Platform;

inline constexpr size_t kSearchPageSize = 20;

struct SearchRequest {
  std::optional<std::string> text, city, from, to, guests, max_price, currency, sort, page;
  std::vector<std::string> amenities;
};

// Returns the query for a search: text at most 500 bytes; --from and --to
// together, a valid stay; guests 1..kMaxGuests; max price in `currency`
// (default: the city's most common currency, else EUR); sort relevance or
// price; page 1..10000 of kSearchPageSize hits.
[[nodiscard]] Result<SearchQuery> makeSearchQuery(Gateway& gateway, const SearchRequest& request);

// Orders records across topics and partitions as the log reads to people:
// by occurred-at time, then topic, partition and offset.
bool inLogOrder(const LogRecord& a, const LogRecord& b);

struct TailRequest {
  std::optional<std::string> topic, from, limit;  // limit: default 20.
};

// Returns the latest `limit` events (1..100000) of `topic` (all when absent),
// oldest first; with `from`, those from that offset of each partition on.
[[nodiscard]] Result<std::vector<LogRecord>> tailEvents(EventLog& log, const TailRequest& request);

struct HistoryRequest {
  std::optional<std::string> property, guest;  // Exactly one.
};

struct HistoryAnswer {
  bool by_property = false;
  std::string row;  // The property id or the guest handle.
  std::vector<Cell> cells;
};

// Returns the booking history of one property or one guest, once the
// gateway allows `caller` to read it.
[[nodiscard]] Result<HistoryAnswer> readHistory(Platform& platform, const Caller& caller,
                                                const HistoryRequest& request);

}  // namespace staylab::app
