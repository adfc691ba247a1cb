#include "tests/support/io_fault.h"

#include <dlfcn.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace staylab::testing::io_fault {
namespace {

std::mutex g_mutex;
std::string g_directory;  // GUARDED_BY(g_mutex); ends with '/'.
std::atomic<bool> g_armed{false};
std::atomic<uint64_t> g_nth{0};
std::atomic<int> g_error{0};
std::atomic<uint64_t> g_seen{0};
std::atomic<bool> g_fired{false};

// Whether `fd` names a file under the armed directory.
bool underArmedDirectory(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char target[4096];
  const ssize_t length = ::readlink(link, target, sizeof target - 1);
  if (length <= 0) {
    return false;
  }
  std::lock_guard lock(g_mutex);
  return static_cast<size_t>(length) >= g_directory.size() &&
         std::memcmp(target, g_directory.data(), g_directory.size()) == 0;
}

// Counts a write or sync on `fd`; returns true when it must fail (errno set).
bool mustFail(int fd) {
  if (!g_armed.load(std::memory_order_acquire) || !underArmedDirectory(fd)) {
    return false;
  }
  const uint64_t ordinal = g_seen.fetch_add(1) + 1;
  if (ordinal < g_nth.load()) {
    return false;
  }
  g_fired.store(true);
  errno = g_error.load();
  return true;
}

// The next definition of `name` after this executable's (the C library's,
// or a sanitizer's interceptor).
template <typename Function>
Function next(const char* name) {
  void* found = ::dlsym(RTLD_NEXT, name);
  if (found == nullptr) {
    std::fprintf(stderr, "io_fault: no next definition of %s\n", name);
    std::abort();
  }
  return reinterpret_cast<Function>(found);
}

}  // namespace

void arm(const std::filesystem::path& directory, uint64_t nth, int error) {
  {
    std::lock_guard lock(g_mutex);
    g_directory = std::filesystem::weakly_canonical(directory).string() + "/";
  }
  g_nth.store(nth);
  g_error.store(error);
  g_seen.store(0);
  g_fired.store(false);
  g_armed.store(true, std::memory_order_release);
}

void disarm() {
  g_armed.store(false, std::memory_order_release);
}

uint64_t seen() {
  return g_seen.load();
}

bool fired() {
  return g_fired.load();
}

}  // namespace staylab::testing::io_fault

using staylab::testing::io_fault::mustFail;
using staylab::testing::io_fault::next;

// The C library's entry points, failing while armed. Each resolves the next
// definition once (a function-local static is thread-safe).
extern "C" {

ssize_t write(int fd, const void* buffer, size_t count) {
  static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  return mustFail(fd) ? -1 : real(fd, buffer, count);
}

ssize_t pwrite(int fd, const void* buffer, size_t count, off_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  return mustFail(fd) ? -1 : real(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void* buffer, size_t count, off64_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  return mustFail(fd) ? -1 : real(fd, buffer, count, offset);
}

ssize_t writev(int fd, const struct iovec* vectors, int count) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  return mustFail(fd) ? -1 : real(fd, vectors, count);
}

ssize_t pwritev(int fd, const struct iovec* vectors, int count, off_t offset) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int, off_t)>("pwritev");
  return mustFail(fd) ? -1 : real(fd, vectors, count, offset);
}

ssize_t pwritev64(int fd, const struct iovec* vectors, int count, off64_t offset) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int, off64_t)>("pwritev64");
  return mustFail(fd) ? -1 : real(fd, vectors, count, offset);
}

int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  return mustFail(fd) ? -1 : real(fd);
}

int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  return mustFail(fd) ? -1 : real(fd);
}

}  // extern "C"
