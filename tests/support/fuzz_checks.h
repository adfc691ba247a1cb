#pragma once

// Checks shared by the fuzz targets (tests/*/*_fuzz.cpp): a violated property
// aborts with its description, which libFuzzer and the replay driver report
// as a crash, so the input is kept as a regression case.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "domain/common/error.h"

namespace staylab::fuzz {

// The longest message an error may carry: input quoted in it is abbreviated.
inline constexpr std::size_t kMaxMessageBytes = 1024;

// Prints which property `what` failed and `detail`, then aborts.
[[noreturn]] inline void violated(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "fuzz property violated: %.*s\n%.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// Returns true for "<file>:<line>:<column>" with positive line and column.
inline bool isPosition(std::string_view field, std::string_view file) {
  if (!field.starts_with(file) || field.size() <= file.size() || field[file.size()] != ':') {
    return false;
  }
  const std::string_view rest = field.substr(file.size() + 1);
  const std::size_t colon = rest.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  const auto positive = [](std::string_view digits) {
    return !digits.empty() && digits.front() != '0' &&
           digits.find_first_not_of("0123456789") == std::string_view::npos;
  };
  return positive(rest.substr(0, colon)) && positive(rest.substr(colon + 1));
}

// Checks that `error` is bad input whose code starts with `code_prefix`, with
// a readable message; and, when `file` is not empty, that it names a position
// in `file`.
inline void expectBadInput(const Error& error, std::string_view code_prefix,
                           std::string_view file) {
  if (error.kind != ErrorKind::InvalidInput || !error.code.starts_with(code_prefix) ||
      (!file.empty() && !isPosition(error.field, file)) || error.message.empty() ||
      error.message.size() > kMaxMessageBytes) {
    violated("a rejection is bad input naming a position and a reason", error.describe());
  }
}

}  // namespace staylab::fuzz
