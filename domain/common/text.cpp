#include "domain/common/text.h"

#include <cstdint>

namespace staylab {

bool isValidUtf8(std::string_view text) {
  size_t index = 0;
  while (index < text.size()) {
    auto byte = static_cast<uint8_t>(text[index]);
    size_t length = 0;
    uint32_t code_point = 0;
    if (byte < 0x80) {
      ++index;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (index + length > text.size()) {
      return false;
    }
    for (size_t offset = 1; offset < length; ++offset) {
      auto continuation = static_cast<uint8_t>(text[index + offset]);
      if ((continuation & 0xC0) != 0x80) {
        return false;
      }
      code_point = (code_point << 6) | (continuation & 0x3F);
    }
    constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    index += length;
  }
  return true;
}

size_t codePointCount(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if ((static_cast<uint8_t>(c) & 0xC0) != 0x80) {
      ++count;
    }
  }
  return count;
}

Result<std::string> boundedText(std::string_view text, std::string_view field,
                                size_t max_code_points, Lines lines) {
  std::string name(field);
  if (!isValidUtf8(text)) {
    return invalidInput(name, "is not valid UTF-8");
  }
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return invalidInput(name, "must not be empty");
  }
  uint8_t previous = 0;
  for (char c : text) {
    auto byte = static_cast<uint8_t>(c);
    bool allowed_break = lines == Lines::Multi && (c == '\n' || c == '\t' || c == '\r');
    if ((byte < 0x20 || byte == 0x7F) && !allowed_break) {
      return invalidInput(name, "contains control character 0x{:02X}", byte);
    }
    // The C1 controls U+0080..U+009F (0xC2 0x80..0x9F) include NEL and the
    // 8-bit CSI that starts terminal escape sequences.
    if (previous == 0xC2 && byte <= 0x9F) {
      return invalidInput(name, "contains control character U+{:04X}", byte);
    }
    previous = byte;
  }
  size_t count = codePointCount(text);
  if (count > max_code_points) {
    return invalidInput(name, "is {} characters long; at most {} are allowed", count,
                        max_code_points);
  }
  return std::string(text);
}

std::vector<std::string_view> splitWords(std::string_view text) {
  auto is_word_byte = [](char byte) {
    return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') ||
           (byte >= '0' && byte <= '9') || static_cast<unsigned char>(byte) >= 0x80;
  };
  std::vector<std::string_view> words;
  size_t index = 0;
  while (index < text.size()) {
    if (!is_word_byte(text[index])) {
      ++index;
      continue;
    }
    size_t end = index;
    while (end < text.size() && is_word_byte(text[end])) {
      ++end;
    }
    words.push_back(text.substr(index, end - index));
    index = end;
  }
  return words;
}

std::string foldAsciiCase(std::string_view text) {
  std::string folded(text);
  for (char& byte : folded) {
    if (byte >= 'A' && byte <= 'Z') {
      byte = static_cast<char>(byte - 'A' + 'a');
    }
  }
  return folded;
}

Result<std::string> handle(std::string_view text, std::string_view field) {
  std::string name(field);
  if (text.empty()) {
    return invalidInput(name, "must not be empty");
  }
  if (text.size() > 64) {
    return invalidInput(name, "is {} characters long; at most 64 are allowed", text.size());
  }
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    if (!ok) {
      return invalidInput(name, "'{}' may hold only letters, digits and . _ : @ -",
                          isValidUtf8(text) ? std::string(text) : std::string("(not UTF-8)"));
    }
  }
  return std::string(text);
}

}  // namespace staylab
