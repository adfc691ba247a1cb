#pragma once

// The child's side of ChildProcess (child_process.h): a child program says
// each line to its parent with one unbuffered write to stdout, so a line the
// parent read was said in full before any kill that follows.

#include <unistd.h>

#include <cstddef>
#include <string>
#include <string_view>

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

}  // namespace staylab::testing
