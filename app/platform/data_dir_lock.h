#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "domain/common/error.h"

namespace staylab::app {

// One process at a time on a data directory: an exclusive flock(2) on a lock
// file, held for the life of this object. RocksDB's own lock refuses a second
// process at once; this one lets a command wait its turn instead. The kernel
// drops the lock when the process dies, however it dies, so a SIGKILLed
// holder never leaves a stale lock. The file holds the holder's pid and what
// it runs, for the message of whoever waits.
//
// The lock file sits beside the data directory (`DIR.lock`), not in it, so
// that an empty data directory stays empty until the platform initialises it.
class DataDirLock {
 public:
  // Takes the lock for `holder` (what the process runs, e.g. "staylab-cli
  // book"), waiting up to `wait` for another holder to let go (zero: not at
  // all). StoreFailure "data.locked" naming the holder's pid and what it runs
  // when the wait runs out; StoreFailure "data.lock" when the file cannot be
  // opened or locked.
  [[nodiscard]] static Result<std::unique_ptr<DataDirLock>> acquire(
      const std::filesystem::path& data_dir, std::string_view holder,
      std::chrono::milliseconds wait);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  const std::filesystem::path& file() const { return m_file; }

 private:
  DataDirLock(std::filesystem::path file, int fd) : m_file(std::move(file)), m_fd(fd) {}

  std::filesystem::path m_file;
  int m_fd = -1;
};

// Returns the lock file of `data_dir`: DIR.lock beside it.
std::filesystem::path lockFileOf(const std::filesystem::path& data_dir);

}  // namespace staylab::app
