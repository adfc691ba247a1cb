#include "app/http/target.h"

#include <algorithm>

#include "domain/common/text.h"

namespace staylab::app::http {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::unexpected<Error> badEncoding(std::string_view field, std::string_view rule) {
  return std::unexpected(
      Error{ErrorKind::InvalidInput, "http.bad_encoding", std::string(field), std::string(rule)});
}

// Decodes one percent-encoded piece; `plus_is_space` in the query.
Result<std::string> decode(std::string_view text, bool plus_is_space, std::string_view field) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t at = 0; at < text.size(); ++at) {
    char c = text[at];
    if (c == '%') {
      if (at + 2 >= text.size()) {
        return badEncoding(field, "'%' must be followed by two hex digits");
      }
      int high = hexValue(text[at + 1]);
      int low = hexValue(text[at + 2]);
      if (high < 0 || low < 0) {
        return badEncoding(field, "'%' must be followed by two hex digits");
      }
      decoded.push_back(static_cast<char>(high * 16 + low));
      at += 2;
    } else if (c == '+' && plus_is_space) {
      decoded.push_back(' ');
    } else {
      decoded.push_back(c);
    }
  }
  if (!isValidUtf8(decoded) || decoded.find('\0') != std::string::npos) {
    return badEncoding(field, "decodes to bytes that are not UTF-8 text (or hold NUL)");
  }
  return decoded;
}

}  // namespace

Result<void> QueryParams::onlyKnown(std::initializer_list<std::string_view> known) const {
  for (const auto& [name, value] : m_pairs) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view item : known) {
        list += (list.empty() ? "" : ", ") + std::string(item);
      }
      return std::unexpected(Error{ErrorKind::InvalidInput, "http.unknown_parameter", name,
                                   fmt::format("is not a parameter of this route (it takes: {})",
                                               list.empty() ? "none" : list)});
    }
  }
  return {};
}

Result<std::optional<std::string>> QueryParams::one(std::string_view name) const {
  std::optional<std::string> found;
  for (const auto& [key, value] : m_pairs) {
    if (key == name) {
      if (found) {
        return invalidInput(std::string(name), "is given more than once");
      }
      found = value;
    }
  }
  return found;
}

std::vector<std::string> QueryParams::all(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : m_pairs) {
    if (key == name) {
      values.push_back(value);
    }
  }
  return values;
}

Result<Target> parseTarget(std::string_view target) {
  if (!target.starts_with('/')) {
    return badEncoding("path", "the request target must start with '/'");
  }
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  Target parsed;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view raw =
        path.substr(start, slash == std::string_view::npos ? path.size() - start : slash - start);
    if (!raw.empty() || slash != std::string_view::npos) {
      parsed.segments.push_back(STAYLAB_TRY(decode(raw, false, "path")));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t at = 0;
  while (at < query.size()) {
    size_t amp = query.find('&', at);
    std::string_view piece =
        query.substr(at, amp == std::string_view::npos ? query.size() - at : amp - at);
    at = amp == std::string_view::npos ? query.size() : amp + 1;
    if (piece.empty()) {
      continue;
    }
    size_t equals = piece.find('=');
    std::string name = STAYLAB_TRY(decode(piece.substr(0, equals), true, "query"));
    std::string value =
        equals == std::string_view::npos
            ? std::string()
            : STAYLAB_TRY(decode(piece.substr(equals + 1), true, name.empty() ? "query" : name));
    pairs.emplace_back(std::move(name), std::move(value));
  }
  parsed.query = QueryParams(std::move(pairs));
  return parsed;
}

}  // namespace staylab::app::http
