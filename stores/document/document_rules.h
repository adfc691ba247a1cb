#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "domain/common/error.h"
#include "domain/common/event_envelope.h"
#include "domain/common/text.h"
#include "domain/ports/document_store.h"

// The input rules and errors shared by SqliteDocumentStore and
// MemoryDocumentStore, so the adapter and its twin refuse exactly the same
// calls with exactly the same errors. Header-only; nothing here throws out of
// a function that returns a Result.
namespace staylab::document_rules {

inline constexpr size_t kMaxNameBytes = 128;
// The port sets no bound on paths; this one keeps index DDL small.
inline constexpr size_t kMaxPathBytes = 256;
inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;  // 1 MiB, as the port says.
// Nesting depth of objects and arrays in a body, the body itself being depth
// 1. Below SQLite's JSON1 limit (2000), so json_valid never refuses a body we
// accepted, and shallow enough that recursive serialisation cannot exhaust
// the stack.
inline constexpr size_t kMaxBodyDepth = 128;

inline bool isNameByte(char byte) {
  return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
         (byte >= '0' && byte <= '9') || byte == '_' || byte == '.' || byte == ':' || byte == '-';
}

inline bool isSegmentByte(char byte) {
  return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
         (byte >= '0' && byte <= '9') || byte == '_';
}

// Checks a collection name or document id: 1..128 bytes of [A-Za-z0-9_.:-].
// The message never echoes the rejected text (it may not be UTF-8).
[[nodiscard]] inline Result<void> validateName(std::string field, std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return invalidInput(std::move(field), "must be 1..{} bytes long, not {}", kMaxNameBytes,
                        name.size());
  }
  for (char byte : name) {
    if (!isNameByte(byte)) {
      return invalidInput(std::move(field), "may hold only [A-Za-z0-9_.:-]");
    }
  }
  return {};
}

// Checks an index path ("$.a.b", one or more segments of [A-Za-z0-9_], at
// most 256 bytes) and returns its segments. A valid path holds no quote, so
// the SQLite adapter may spell it inside a SQL string literal.
[[nodiscard]] inline Result<std::vector<std::string>> parsePath(std::string_view path) {
  if (path.size() > kMaxPathBytes) {
    return invalidInput("path", "must be at most {} bytes long, not {}", kMaxPathBytes,
                        path.size());
  }
  if (!path.starts_with("$.")) {
    return invalidInput("path", "must look like \"$.a.b\"");
  }
  std::vector<std::string> segments;
  std::string_view rest = path.substr(2);
  while (true) {
    size_t dot = rest.find('.');
    std::string_view segment = rest.substr(0, dot);
    if (segment.empty()) {
      return invalidInput("path", "has an empty segment; it must look like \"$.a.b\"");
    }
    for (char byte : segment) {
      if (!isSegmentByte(byte)) {
        return invalidInput("path", "segments may hold only [A-Za-z0-9_]");
      }
    }
    segments.emplace_back(segment);
    if (dot == std::string_view::npos) {
      return segments;
    }
    rest = rest.substr(dot + 1);
  }
}

// Checks a body and returns its serialisation (nlohmann's compact dump, the
// text whose size the 1 MiB limit counts). Refuses non-objects, nesting
// deeper than kMaxBodyDepth, NaN and infinities (JSON cannot spell them),
// binary values, invalid UTF-8 and oversized bodies, all as InvalidInput "body".
[[nodiscard]] inline Result<std::string> serialiseBody(const nlohmann::json& body) {
  if (!body.is_object()) {
    return invalidInput("body", "must be a JSON object");
  }
  // Iterative, so a hostile depth cannot overflow the stack before we refuse it.
  std::vector<std::pair<const nlohmann::json*, size_t>> pending{{&body, 1}};
  while (!pending.empty()) {
    auto [node, depth] = pending.back();
    pending.pop_back();
    if (node->is_structured()) {
      if (depth > kMaxBodyDepth) {
        return invalidInput("body", "nests deeper than {} levels", kMaxBodyDepth);
      }
      for (const auto& child : *node) {
        pending.emplace_back(&child, depth + 1);
      }
    } else if (node->is_number_float() && !std::isfinite(node->get<double>())) {
      return invalidInput("body", "holds NaN or an infinity, which JSON cannot represent");
    } else if (node->is_binary() || node->is_discarded()) {
      return invalidInput("body", "holds a value that is not JSON");
    }
  }
  std::string text;
  try {
    text = body.dump();
  } catch (const nlohmann::json::exception& error) {
    return invalidInput("body", "cannot be serialised: {}", error.what());
  }
  if (text.size() > kMaxBodyBytes) {
    return invalidInput("body", "is {} bytes once serialised; the limit is {}", text.size(),
                        kMaxBodyBytes);
  }
  return text;
}

// Checks a findEqual value (a string, a finite number or a boolean) and
// returns its JSON text.
[[nodiscard]] inline Result<std::string> serialiseFindValue(const nlohmann::json& value) {
  bool finite_number = value.is_number() && std::isfinite(value.get<double>());
  if (!value.is_string() && !value.is_boolean() && !finite_number) {
    return invalidInput("value", "must be a string, a finite number or a boolean");
  }
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& error) {
    return invalidInput("value", "cannot be serialised: {}", error.what());
  }
}

// Checks every condition of a query: valid paths (as parsePath), Equal
// values as findEqual's, finite numbers for ranges, words of 1 to
// DocumentQuery::kMaxWordBytes bytes of UTF-8 with at least one text path, and
// at most DocumentQuery::kMaxConditions of each kind. InvalidInput names the
// condition, e.g. "ranges[1].value". Paths hold no quote once checked, so the
// SQLite adapter may spell them inside SQL string literals.
[[nodiscard]] inline Result<void> validateQuery(const DocumentQuery& query) {
  // Returns the error of `checked`, if any, as concerning `field`.
  auto about = [](const auto& checked, std::string field) -> Result<void> {
    if (checked) {
      return {};
    }
    Error error = checked.error();
    error.field = std::move(field);
    return std::unexpected(std::move(error));
  };
  const std::pair<size_t, std::string_view> counts[] = {{query.equal.size(), "equal"},
                                                        {query.ranges.size(), "ranges"},
                                                        {query.contains.size(), "contains"},
                                                        {query.words.size(), "words"},
                                                        {query.text_paths.size(), "text_paths"}};
  for (const auto& [count, field] : counts) {
    if (count > DocumentQuery::kMaxConditions) {
      return invalidInput(std::string(field), "at most {} are allowed, got {}",
                          DocumentQuery::kMaxConditions, count);
    }
  }
  for (size_t index = 0; index < query.equal.size(); ++index) {
    const auto& condition = query.equal[index];
    STAYLAB_TRY(about(parsePath(condition.path), fmt::format("equal[{}].path", index)));
    STAYLAB_TRY(about(serialiseFindValue(condition.value), fmt::format("equal[{}].value", index)));
  }
  for (size_t index = 0; index < query.ranges.size(); ++index) {
    const auto& condition = query.ranges[index];
    STAYLAB_TRY(about(parsePath(condition.path), fmt::format("ranges[{}].path", index)));
    if (!condition.value.is_number() || !std::isfinite(condition.value.get<double>())) {
      return invalidInput(fmt::format("ranges[{}].value", index), "must be a finite number");
    }
  }
  for (size_t index = 0; index < query.contains.size(); ++index) {
    const auto& condition = query.contains[index];
    STAYLAB_TRY(about(parsePath(condition.path), fmt::format("contains[{}].path", index)));
    if (!isValidUtf8(condition.value)) {
      return invalidInput(fmt::format("contains[{}].value", index), "is not well-formed UTF-8");
    }
  }
  for (size_t index = 0; index < query.words.size(); ++index) {
    const std::string& word = query.words[index];
    if (word.empty() || word.size() > DocumentQuery::kMaxWordBytes || !isValidUtf8(word)) {
      return invalidInput(fmt::format("words[{}]", index), "must be 1 to {} bytes of UTF-8",
                          DocumentQuery::kMaxWordBytes);
    }
  }
  for (size_t index = 0; index < query.text_paths.size(); ++index) {
    STAYLAB_TRY(about(parsePath(query.text_paths[index]), fmt::format("text_paths[{}]", index)));
  }
  if (!query.words.empty() && query.text_paths.empty()) {
    return invalidInput("text_paths", "words need at least one text path to look in");
  }
  return {};
}

// Checks that each event survives the outbox's round trip (serialisation and
// EventEnvelope::fromJson; otherwise the relay could never read it back) and
// that the call's event ids are distinct. Uniqueness against the entries
// already in the outbox is checked by each adapter, inside its transaction.
[[nodiscard]] inline Result<void> validateEvents(const std::vector<EventEnvelope>& events) {
  std::set<std::string_view> ids;
  for (size_t index = 0; index < events.size(); ++index) {
    const EventEnvelope& event = events[index];
    nlohmann::json json;
    try {
      json = event.toJson();
      (void)json.dump();
    } catch (const nlohmann::json::exception& error) {
      return invalidInput("events", "event {} cannot be serialised: {}", index, error.what());
    }
    if (auto parsed = EventEnvelope::fromJson(json); !parsed) {
      return invalidInput("events", "event {} is malformed: {}", index, parsed.error().describe());
    }
    if (!ids.insert(event.event_id).second) {
      return invalidInput("events", "event id '{}' appears twice", event.event_id);
    }
  }
  return {};
}

[[nodiscard]] inline std::unexpected<Error> duplicateEvent(std::string_view event_id) {
  return invalidInput("events", "event id '{}' is already in the outbox", event_id);
}

[[nodiscard]] inline std::unexpected<Error> unindexedPath(std::string_view collection,
                                                          std::string_view path) {
  return invalidInput("path", "'{}' is not indexed in collection '{}'; call ensureIndex first",
                      path, collection);
}

[[nodiscard]] inline std::unexpected<Error> notFound(std::string_view collection,
                                                     std::string_view id) {
  return std::unexpected(Error{ErrorKind::NotFound, "document.not_found", "id",
                               fmt::format("no document '{}' in collection '{}'", id, collection)});
}

[[nodiscard]] inline std::unexpected<Error> alreadyExists(std::string_view collection,
                                                          std::string_view id) {
  return std::unexpected(
      Error{ErrorKind::Conflict, "document.exists", "id",
            fmt::format("document '{}' already exists in collection '{}'", id, collection)});
}

[[nodiscard]] inline std::unexpected<Error> staleRevision(std::string_view collection,
                                                          std::string_view id, int64_t expected,
                                                          int64_t actual) {
  return std::unexpected(
      Error{ErrorKind::Conflict, "document.stale_revision", "expected_revision",
            fmt::format("document '{}' in collection '{}': expected revision {}, actual {}", id,
                        collection, expected, actual)});
}

// Runs `body`, turning any escaping exception (allocation failure, a library
// surprise) into a StoreFailure so that none crosses the port.
template <typename Body>
auto guarded(std::string_view what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& error) {
    return storeFailure("document.exception", "{} failed: {}", what, error.what());
  } catch (...) {
    return storeFailure("document.exception", "{} failed with an unknown exception", what);
  }
}

}  // namespace staylab::document_rules
