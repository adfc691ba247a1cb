#include "app/http/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace staylab::app::http {

std::filesystem::path lockFileOf(const std::filesystem::path& data_dir) {
  std::filesystem::path absolute = std::filesystem::absolute(data_dir).lexically_normal();
  if (!absolute.has_filename()) {
    absolute = absolute.parent_path();
  }
  return absolute.parent_path() / (absolute.filename().string() + ".serve.lock");
}

Result<std::unique_ptr<DataDirLock>> DataDirLock::acquire(const std::filesystem::path& data_dir) {
  const std::filesystem::path file = lockFileOf(data_dir);
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return storeFailure("serve.lock", "cannot open the lock file {}: {}", file.string(),
                        std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    char buffer[32] = {};
    ssize_t read = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
    ::close(fd);
    std::string holder = read > 0 ? std::string(buffer, static_cast<size_t>(read)) : "?";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
      holder.pop_back();
    }
    if (error == EWOULDBLOCK) {
      return std::unexpected(
          Error{ErrorKind::StoreFailure, "serve.locked", "data",
                fmt::format("another staylab-cli serve (pid {}) is serving {}; stop it first (lock "
                            "file {})",
                            holder, data_dir.string(), file.string())});
    }
    return storeFailure("serve.lock", "cannot lock {}: {}", file.string(), std::strerror(error));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    ::close(fd);
    return storeFailure("serve.lock", "cannot write the lock file {}: {}", file.string(),
                        std::strerror(errno));
  }
  return std::unique_ptr<DataDirLock>(new DataDirLock(file, fd));
}

DataDirLock::~DataDirLock() {
  // Unlocked by close; the file stays, so that a new server's lock never
  // races with an unlink.
  ::close(m_fd);
}

}  // namespace staylab::app::http
