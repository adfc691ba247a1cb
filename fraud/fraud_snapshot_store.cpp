#include "fraud/fraud_snapshot_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>

#include "domain/common/hash.h"
#include "fraud/json_fields.h"
#include "support/crash_point.h"

namespace staylab::fraud {
namespace {

constexpr std::string_view kEnvelopeFormat = "staylab.fraud.snapshot_file";

std::unexpected<Error> ioFailure(std::string_view call, const std::filesystem::path& path,
                                 int error_number) {
  return storeFailure("fraud.snapshot_io", "{} {} failed: {}", call, path.string(),
                      std::strerror(error_number));
}

std::unexpected<Error> corrupt(const std::filesystem::path& path, std::string_view why) {
  return storeFailure("fraud.snapshot_corrupt", "snapshot file {} is corrupt: {}", path.string(),
                      why);
}

// Closes a descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : m_fd(fd) {}
  ~FileDescriptor() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return m_fd; }
  // Closes now and returns errno of a failed close, 0 on success.
  int close() {
    int result = ::close(m_fd);
    m_fd = -1;
    return result == 0 ? 0 : errno;
  }

 private:
  int m_fd;
};

Result<void> writeAll(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ioFailure("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

Result<void> fsyncDirectory(const std::filesystem::path& directory) {
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return ioFailure("open", directory, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return ioFailure("fsync", directory, errno);
  }
  return {};
}

}  // namespace

FraudSnapshotStore::FraudSnapshotStore(std::filesystem::path directory, Sync sync)
    : m_directory(std::move(directory)),
      m_sync(sync),
      m_file(m_directory / std::string(kSnapshotFileName)),
      m_temp_file(m_directory / fmt::format("{}.tmp", kSnapshotFileName)) {}

Result<std::unique_ptr<FraudSnapshotStore>> FraudSnapshotStore::open(
    const std::filesystem::path& directory, Sync sync, StoreCreation creation) {
  if (directory.empty()) {
    return invalidInput("directory", "must not be empty");
  }
  std::unique_ptr<FraudSnapshotStore> store(new FraudSnapshotStore(directory, sync));
  std::error_code error;
  bool present = std::filesystem::is_regular_file(store->m_file, error);
  if (present) {
    return store;
  }
  if (creation == StoreCreation::OpenExisting) {
    return storeFailure("fraud.snapshot_missing",
                        "{} is missing: fraud detection's state is never re-created by a "
                        "command; `rebuild` makes it again from the log",
                        store->m_file.string());
  }
  std::filesystem::create_directories(directory, error);
  if (error) {
    return storeFailure("fraud.snapshot_io", "cannot create directory {}: {}", directory.string(),
                        error.message());
  }
  STAYLAB_TRY(store->save(FraudSnapshot{}));
  return store;
}

Result<FraudSnapshot> FraudSnapshotStore::load() const {
  FileDescriptor fd(::open(m_file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return storeFailure("fraud.snapshot_missing", "{} is missing", m_file.string());
    }
    return ioFailure("open", m_file, errno);
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    ssize_t count = ::read(fd.get(), buffer, sizeof buffer);
    if (count < 0) {
      if (errno == EINTR) {
        continue;
      }
      return ioFailure("read", m_file, errno);
    }
    if (count == 0) {
      break;
    }
    text.append(buffer, static_cast<size_t>(count));
  }
  try {
    nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) {
      return corrupt(m_file, "not valid JSON");
    }
    auto format = json_fields::string(document, "file", "format");
    if (!format || *format != kEnvelopeFormat) {
      return corrupt(m_file, "not a fraud snapshot file");
    }
    auto checksum = json_fields::string(document, "file", "checksum");
    auto body = json_fields::object(document, "file", "snapshot");
    if (!checksum || !body) {
      return corrupt(m_file, "checksum or snapshot missing");
    }
    std::string expected = fmt::format("{:016x}", fnv1a64(json_fields::dump(**body)));
    if (*checksum != expected) {
      return corrupt(m_file,
                     fmt::format("checksum {} does not match content ({})", *checksum, expected));
    }
    auto snapshot = FraudSnapshot::fromJson(**body);
    if (!snapshot) {
      return corrupt(m_file, snapshot.error().describe());
    }
    return std::move(*snapshot);
  } catch (const nlohmann::json::exception& error) {
    return corrupt(m_file, error.what());
  }
}

Result<void> FraudSnapshotStore::save(const FraudSnapshot& snapshot) {
  std::string text;
  try {
    nlohmann::json body = snapshot.toJson();
    std::string checksum = fmt::format("{:016x}", fnv1a64(json_fields::dump(body)));
    nlohmann::json document{
        {"format", kEnvelopeFormat}, {"checksum", checksum}, {"snapshot", std::move(body)}};
    text = json_fields::dump(document);
  } catch (const nlohmann::json::exception& error) {
    return storeFailure("fraud.snapshot_io", "cannot serialise the snapshot: {}", error.what());
  }
  text.push_back('\n');

  auto written = [&]() -> Result<void> {
    FileDescriptor fd(::open(m_temp_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) {
      return ioFailure("open", m_temp_file, errno);
    }
    STAYLAB_TRY(writeAll(fd.get(), text, m_temp_file));
    support::crashPoint("fraud.snapshot_written");
    const bool full = m_sync == Sync::Full;
    if (full && ::fsync(fd.get()) != 0) {
      return ioFailure("fsync", m_temp_file, errno);
    }
    if (int error_number = fd.close(); error_number != 0) {
      return ioFailure("close", m_temp_file, error_number);
    }
    if (::rename(m_temp_file.c_str(), m_file.c_str()) != 0) {
      return ioFailure("rename", m_temp_file, errno);
    }
    return full ? fsyncDirectory(m_directory) : Result<void>();
  }();
  if (!written) {
    ::unlink(m_temp_file.c_str());  // Best effort; a stale temp file is overwritten next time.
  }
  return written;
}

}  // namespace staylab::fraud
