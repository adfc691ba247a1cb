#pragma once

#include <filesystem>
#include <memory>

#include "domain/common/error.h"

namespace staylab::app::http {

// One server per data directory: an exclusive, non-blocking flock(2) on a
// lock file, held for the life of this object. The kernel drops the lock when
// the process dies, however it dies, so a SIGKILLed server never leaves a
// stale lock. The file holds the owner's pid, for the refusal's message.
//
// The lock file sits beside the data directory (`DIR.serve.lock`), not in
// it, so that an empty data directory stays empty until the platform
// initialises it.
class DataDirLock {
 public:
  // Takes the lock; StoreFailure "serve.locked" naming the holder's pid when
  // another process holds it, StoreFailure "serve.lock" when the file cannot
  // be opened.
  [[nodiscard]] static Result<std::unique_ptr<DataDirLock>> acquire(
      const std::filesystem::path& data_dir);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::filesystem::path& file() const { return m_file; }

 private:
  DataDirLock(std::filesystem::path file, int fd) : m_file(std::move(file)), m_fd(fd) {}

  std::filesystem::path m_file;
  int m_fd = -1;
};

// Returns the lock file of `data_dir`: DIR.serve.lock beside it.
std::filesystem::path lockFileOf(const std::filesystem::path& data_dir);

}  // namespace staylab::app::http
