#pragma once

// The child's side of ChildProcess (child_process.h): a child program says
// each line to its parent with one unbuffered write to stdout, so a line the
// parent read was said in full before any kill that follows.

#include <unistd.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "domain/common/error.h"

namespace staylab::testing {

// Writes `line` and a newline to stdout; exits 3 when the parent is gone.
inline void say(std::string_view line) {
  std::string text(line);
  text += '\n';
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t written = ::write(STDOUT_FILENO, data, left);
    if (written <= 0) {
      _exit(3);
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
}

// Says "ERROR what: reason" and exits 3: a child's answer to a failure it
// cannot go on from (the parent reads the line and fails its test).
[[noreturn]] inline void fail(const std::string& what, const Error& error) {
  say("ERROR " + what + ": " + error.describe());
  _exit(3);
}

// Returns the value of `result`, or fails naming `what`.
template <typename T>
T orFail(Result<T> result, const std::string& what) {
  if (!result) {
    fail(what, result.error());
  }
  if constexpr (!std::is_void_v<T>) {
    return std::move(*result);
  }
}

}  // namespace staylab::testing
