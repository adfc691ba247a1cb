#include "app/platform/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

namespace staylab::app {
namespace {

// Returns what the lock file says of its holder ("pid 12, staylab-cli serve").
std::string holderOf(int fd) {
  char buffer[256] = {};
  const ssize_t read = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  std::string holder = read > 0 ? std::string(buffer, static_cast<size_t>(read)) : "";
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
    holder.pop_back();
  }
  return holder.empty() ? "another process" : holder;
}

}  // namespace

std::filesystem::path lockFileOf(const std::filesystem::path& data_dir) {
  std::filesystem::path absolute = std::filesystem::absolute(data_dir).lexically_normal();
  if (!absolute.has_filename()) {
    absolute = absolute.parent_path();
  }
  return absolute.parent_path() / (absolute.filename().string() + ".lock");
}

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::filesystem::path& data_dir,
                                                          std::string_view holder,
                                                          std::chrono::milliseconds wait) {
  const std::filesystem::path file = lockFileOf(data_dir);
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return storeFailure("data.lock", "cannot open the lock file {}: {}", file.string(),
                        std::strerror(errno));
  }
  // flock has no timeout: poll, backing off from 1 ms to 50 ms, so a queue of
  // short commands moves on quickly and a long wait costs little.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::chrono::milliseconds pause(1);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EINTR) {
      continue;
    }
    if (error != EWOULDBLOCK) {
      ::close(fd);
      return storeFailure("data.lock", "cannot lock {}: {}", file.string(), std::strerror(error));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string holder_now = holderOf(fd);
      ::close(fd);
      return std::unexpected(
          Error{ErrorKind::StoreFailure, "data.locked", "data",
                fmt::format("{} is in use by {}{}; stop it or try again (lock file {})",
                            data_dir.string(), holder_now,
                            wait.count() > 0 ? fmt::format(" (waited {} ms)", wait.count()) : "",
                            file.string())});
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  std::string says = fmt::format("pid {}, {}\n", ::getpid(), holder);
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, says.data(), says.size(), 0) != static_cast<ssize_t>(says.size())) {
    const int error = errno;
    ::close(fd);
    return storeFailure("data.lock", "cannot write the lock file {}: {}", file.string(),
                        std::strerror(error));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(file, fd));
}

DataDirLock::~DataDirLock() {
  // Unlocked by close; the file stays, so that a new holder's lock never
  // races with an unlink.
  ::close(m_fd);
}

}  // namespace staylab::app
