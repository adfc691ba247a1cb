#include "app/platform/input.h"

#include <charconv>

#include "domain/common/text.h"

namespace staylab::app {

Result<int64_t> wholeNumber(std::string_view text, std::string_view field) {
  std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  bool plain = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (!plain) {
    return invalidInput(std::string(field), "'{}' is not a whole number",
                        isValidUtf8(text) ? std::string(text) : std::string("(not UTF-8)"));
  }
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return invalidInput(std::string(field), "'{}' is out of range", text);
  }
  return value;
}

Result<std::string> idText(std::string_view id, std::string_view field) {
  constexpr size_t kMaxIdBytes = 64;
  if (id.size() > kMaxIdBytes) {
    return invalidInput(std::string(field), "an id is at most {} bytes, got {}", kMaxIdBytes,
                        id.size());
  }
  return std::string(id);
}

}  // namespace staylab::app
