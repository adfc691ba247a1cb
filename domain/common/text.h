#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/common/error.h"

namespace staylab {

enum class Lines { Single, Multi };

// Returns true when `text` is well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool isValidUtf8(std::string_view text);

// Counts code points of well-formed UTF-8.
size_t codePointCount(std::string_view text);

// Validates user text: well-formed UTF-8, 1 to `max_code_points` code points
// after trimming surrounding white space, no control characters (line breaks
// and tabs are allowed for Lines::Multi). Returns the trimmed text. Quotes,
// JSON, SQL or query syntax are ordinary characters here and are kept verbatim.
Result<std::string> boundedText(std::string_view text, std::string_view field,
                                size_t max_code_points, Lines lines = Lines::Single);

// Returns `text` with the ASCII letters A-Z lower-cased and every other byte
// kept: the case folding of cities, amenities and searched words (SQLite's
// lower() without ICU folds the same letters).
std::string foldAsciiCase(std::string_view text);

// Returns the words of `text` in order: the runs of ASCII letters and digits
// and of bytes >= 0x80 (the bytes of non-ASCII characters, which count as
// letters), split by anything else. "Café-bar, 2 rooms" is "Café", "bar",
// "2", "rooms". The views point into `text`.
std::vector<std::string_view> splitWords(std::string_view text);

// Validates a handle (guest, host, device, payment fingerprint...): 1 to 64
// characters of [A-Za-z0-9._:@-].
Result<std::string> handle(std::string_view text, std::string_view field);

}  // namespace staylab
