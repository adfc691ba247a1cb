#include "simulator/scenario/suggest.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace staylab::sim {

std::size_t editDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance over three rolling rows.
  std::vector<std::size_t> before(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t column = 0; column <= b.size(); ++column) {
    previous[column] = column;
  }
  for (std::size_t row = 1; row <= a.size(); ++row) {
    current[0] = row;
    for (std::size_t column = 1; column <= b.size(); ++column) {
      const std::size_t substitution = a[row - 1] == b[column - 1] ? 0 : 1;
      current[column] = std::min(
          {previous[column] + 1, current[column - 1] + 1, previous[column - 1] + substitution});
      if (row > 1 && column > 1 && a[row - 1] == b[column - 2] && a[row - 2] == b[column - 1]) {
        current[column] = std::min(current[column], before[column - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string_view> closestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates) {
  // Long words (a pasted paragraph) are never typos of a key; skip the quadratic work.
  if (word.empty() || word.size() > 64) {
    return std::nullopt;
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const std::size_t distance = editDistance(word, candidate);
    if (distance < best_distance && distance < std::max(word.size(), candidate.size())) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string didYouMean(std::string_view word, std::span<const std::string_view> candidates) {
  if (auto match = closestMatch(word, candidates)) {
    return fmt::format("; did you mean '{}'?", *match);
  }
  return "";
}

std::string abbreviate(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) {
    return std::string(text);
  }
  std::size_t cut = limit > 3 ? limit - 3 : 0;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;  // A continuation byte: back up to the start of its character.
  }
  return std::string(text.substr(0, cut)) + "...";
}

std::string joinNames(std::span<const std::string_view> candidates) {
  return fmt::format("{}", fmt::join(candidates, ", "));
}

}  // namespace staylab::sim
