#pragma once

#include <expected>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace staylab {

// What kind of failure an Error is. The kind decides how a caller reacts (and
// the CLI's exit code); the code names the exact rule.
enum class ErrorKind {
  InvalidInput,  // The caller sent something that breaks a rule; nothing was changed.
  NotFound,      // The named entity does not exist.
  Refused,       // The domain refuses the command (nights taken, suspended property...).
  Conflict,      // A concurrent writer got there first (stale revision); retry may succeed.
  StoreFailure,  // The store could not do its work (I/O error, corruption, outage).
};

std::string_view toString(ErrorKind kind);

// A failure with a stable machine-readable code ("booking.nights_taken"), the
// input field it concerns (empty when none) and a human-readable message.
struct Error {
  ErrorKind kind = ErrorKind::StoreFailure;
  std::string code;
  std::string field;
  std::string message;

  // Returns "field: message" or just the message.
  std::string describe() const;
};

template <typename T>
using Result = std::expected<T, Error>;

// Shorthand constructors; the message is a fmt format string.
template <typename... Args>
std::unexpected<Error> invalidInput(std::string field, fmt::format_string<Args...> format,
                                    Args&&... args) {
  return std::unexpected(Error{ErrorKind::InvalidInput, "input.invalid", std::move(field),
                               fmt::format(format, std::forward<Args>(args)...)});
}

template <typename... Args>
std::unexpected<Error> storeFailure(std::string code, fmt::format_string<Args...> format,
                                    Args&&... args) {
  return std::unexpected(Error{ErrorKind::StoreFailure, std::move(code), "",
                               fmt::format(format, std::forward<Args>(args)...)});
}

inline Result<void> ok() {
  return {};
}

}  // namespace staylab

// Propagates the error of a Result-returning expression, otherwise yields its value.
// Written as a GNU statement expression (GCC and Clang), like SerenityOS's TRY.
#define STAYLAB_TRY(expr)                                            \
  ({                                                                 \
    auto&& staylab_try_result = (expr);                              \
    if (!staylab_try_result) [[unlikely]]                            \
      return std::unexpected(std::move(staylab_try_result).error()); \
    std::move(staylab_try_result).value();                           \
  })
