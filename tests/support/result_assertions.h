#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "domain/common/error.h"

namespace staylab::testing {

// "ok", or the error of `result`, for assertion messages.
template <typename T>
std::string describe(const Result<T>& result) {
  return result ? std::string("ok") : result.error().describe();
}

// Asserts that `expr` (a Result) succeeded, naming its error otherwise.
#define ASSERT_OK(expr)                                                              \
  do {                                                                               \
    const auto& assert_ok_result = (expr);                                           \
    ASSERT_TRUE(assert_ok_result) << ::staylab::testing::describe(assert_ok_result); \
  } while (false)

// Asserts that `expr` (a Result) failed, and expects InvalidInput.
#define EXPECT_INVALID_INPUT(expr)                                         \
  do {                                                                     \
    const auto& expect_invalid_result = (expr);                            \
    ASSERT_FALSE(expect_invalid_result) << "expected InvalidInput";        \
    EXPECT_EQ(expect_invalid_result.error().kind, ErrorKind::InvalidInput) \
        << expect_invalid_result.error().describe();                       \
  } while (false)

// Returns the value of `result`, or throws naming `what` (gtest reports the
// test as failed): for steps a test needs to go on at all.
template <typename T>
T must(Result<T> result, std::string_view what) {
  if (!result) {
    throw std::runtime_error(fmt::format("{}: {}", what, result.error().describe()));
  }
  if constexpr (!std::is_void_v<T>) {
    return std::move(*result);
  }
}

// Returns success when `result` failed with InvalidInput naming `field`.
// Use as EXPECT_TRUE(invalidInputOn(Date::parse("x"), "date")).
template <typename T>
::testing::AssertionResult invalidInputOn(const Result<T>& result, std::string_view field) {
  if (result) {
    return ::testing::AssertionFailure() << "succeeded; expected InvalidInput on '" << field << "'";
  }
  const Error& error = result.error();
  if (error.kind != ErrorKind::InvalidInput || error.field != field) {
    return ::testing::AssertionFailure()
           << "failed with " << toString(error.kind) << " on '" << error.field << "' ("
           << error.code << ": " << error.describe() << "); expected InvalidInput on '" << field
           << "'";
  }
  return ::testing::AssertionSuccess();
}

// Returns success when `result` failed with `kind` and the error code `code`.
template <typename T>
::testing::AssertionResult failsWith(const Result<T>& result, ErrorKind kind,
                                     std::string_view code) {
  if (result) {
    return ::testing::AssertionFailure() << "succeeded; expected " << toString(kind) << " " << code;
  }
  const Error& error = result.error();
  if (error.kind != kind || error.code != code) {
    return ::testing::AssertionFailure()
           << "failed with " << toString(error.kind) << " " << error.code << " ("
           << error.describe() << "); expected " << toString(kind) << " " << code;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace staylab::testing
