#include "app/platform/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace staylab::app {

Result<void> writeFileDurably(const std::filesystem::path& path, std::string_view text,
                              unsigned mode, const char* code) {
  auto temporary = path;
  temporary += ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return storeFailure(code, "cannot write {}: {}", temporary.string(), std::strerror(errno));
  }
  bool written = ::fchmod(fd, mode) == 0 &&
                 ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return storeFailure(code, "cannot write {}: {}", temporary.string(), std::strerror(saved));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return storeFailure(code, "cannot replace {}: {}", path.string(), error.message());
  }
  // The rename itself reaches the disk with the directory.
  int directory = ::open(path.parent_path().empty() ? "." : path.parent_path().c_str(),
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory >= 0) {
    ::fsync(directory);
    ::close(directory);
  }
  return {};
}

}  // namespace staylab::app
