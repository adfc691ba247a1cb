#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

// Help for error messages: spelling suggestions ("did you mean 'duration'?")
// and keeping quoted input short.
namespace staylab::sim {

// Returns the Damerau-Levenshtein distance (adjacent swaps count as one edit).
std::size_t editDistance(std::string_view a, std::string_view b);

// Returns the candidate closest to `word` when it is close enough to be a
// likely typo (at most 2 edits, or a third of the word for long words).
std::optional<std::string_view> closestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates);

// Returns "; did you mean 'x'?" for the closest candidate, or "" when none is close.
std::string didYouMean(std::string_view word, std::span<const std::string_view> candidates);

// Returns `text` cut to at most `limit` bytes, ending in "..." when cut, and
// never inside a UTF-8 sequence: what an error message quotes of the input.
std::string abbreviate(std::string_view text, std::size_t limit = 40);

// Returns "a, b, c" for the candidates.
std::string joinNames(std::span<const std::string_view> candidates);

}  // namespace staylab::sim
