#include "support/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>

namespace staylab::support {

namespace detail {
std::atomic<int> g_crash_point_state{0};
}  // namespace detail

namespace {

constexpr std::string_view kVariable = "STAYLAB_CRASH_POINT";

std::string g_armed_name;
uint64_t g_armed_hit = 1;
std::atomic<uint64_t> g_hits{0};
std::once_flag g_read_once;
bool g_malformed = false;
std::string g_malformed_reason;

void writeAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t written = ::write(fd, text.data(), text.size());
    if (written <= 0) {
      return;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
}

// Reads STAYLAB_CRASH_POINT once and publishes the state.
void readEnvironment() {
  const char* value = std::getenv(std::string(kVariable).c_str());
  if (value == nullptr || *value == '\0') {
    detail::g_crash_point_state.store(1, std::memory_order_relaxed);
    return;
  }
  std::string_view text(value);
  std::string_view name = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    name = text.substr(0, colon);
    std::string_view count = text.substr(colon + 1);
    auto [end, error] = std::from_chars(count.data(), count.data() + count.size(), g_armed_hit);
    if (error != std::errc() || end != count.data() + count.size() || g_armed_hit < 1) {
      g_malformed = true;
      g_malformed_reason =
          "the hit after ':' must be a positive integer, got '" + std::string(count) + "'";
    }
  }
  if (!g_malformed &&
      std::find(kCrashPoints.begin(), kCrashPoints.end(), name) == kCrashPoints.end()) {
    g_malformed = true;
    g_malformed_reason = "no crash point is named '" + std::string(name) + "'";
  }
  g_armed_name = std::string(name);
  detail::g_crash_point_state.store(2, std::memory_order_release);
}

}  // namespace

namespace detail {

void crashPointSlow(std::string_view name) {
  std::call_once(g_read_once, readEnvironment);
  if (g_crash_point_state.load(std::memory_order_acquire) != 2) {
    return;
  }
  if (g_malformed) {
    writeAll(STDERR_FILENO, std::string(kVariable) + ": " + g_malformed_reason + "\n");
    std::_Exit(2);
  }
  if (name != g_armed_name) {
    return;
  }
  const uint64_t hit = g_hits.fetch_add(1, std::memory_order_relaxed) + 1;
  if (hit != g_armed_hit) {
    return;
  }
  writeAll(STDOUT_FILENO, "CRASH-POINT " + g_armed_name + " " + std::to_string(hit) + "\n");
  ::raise(SIGKILL);
}

}  // namespace detail

}  // namespace staylab::support
