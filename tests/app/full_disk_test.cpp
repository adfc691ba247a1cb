// staylab-cli on a disk that is really full: a small tmpfs (mounted by the
// test, which needs root, as CI has) holds the data directory, and a ballast
// file leaves only so many bytes free. Every store then meets ENOSPC for
// real: SQLite, the RocksDB event log and history, Xapian and fraud
// detection's store. The free space is swept page by page from none up to what a
// `book` needs (its booking, the relay, both projections and fraud
// detection, as the CLI drains after every write), so the disk fills at
// every page the command allocates; each time `book` must succeed or exit 3
// naming the failure; once the ballast is gone, `check` passes and the next
// `book` succeeds.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/app/fault_platform.h"
#include "tests/support/cli_under_test.h"
#include "tests/support/fault_vfs.h"
#include "tests/support/temp_dir.h"

namespace staylab::app {
namespace {

using staylab::testing::cliAnswer;
using staylab::testing::ProcessResult;
using staylab::testing::runCliOn;
using staylab::testing::TempDir;
using testing::allChecksPass;
using testing::FaultPlatform;
using testing::must;

constexpr uint64_t kPage = 4096;
constexpr const char* kTmpfsSize = "size=32m";

// A tmpfs mounted on a fresh directory for the test's life.
class Tmpfs {
 public:
  Tmpfs() : m_mount(m_dir / "fs") {
    std::filesystem::create_directory(m_mount);
    if (::mount("tmpfs", m_mount.c_str(), "tmpfs", 0, kTmpfsSize) != 0) {
      m_refused = errno == EPERM || errno == EACCES;
      m_error = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (m_error.empty()) {
      ::umount2(m_mount.c_str(), MNT_DETACH);
    }
  }
  bool mounted() const { return m_error.empty(); }
  // Whether the kernel refused the mount for want of privilege (root in a
  // container without CAP_SYS_ADMIN), rather than failing it.
  bool refused() const { return m_refused; }
  const std::string& error() const { return m_error; }
  const std::filesystem::path& path() const { return m_mount; }

  // Returns the bytes free for a new file.
  uint64_t available() const {
    struct statvfs stats {};
    ::statvfs(m_mount.c_str(), &stats);
    return uint64_t{stats.f_bavail} * stats.f_frsize;
  }
  // Fills the file system but `leave` bytes; false when it could not.
  bool fillBut(uint64_t leave) {
    const uint64_t free_now = available();
    if (free_now < leave) {
      return false;
    }
    int fd = ::open(ballast().c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0) {
      return false;
    }
    const int rc =
        free_now == leave ? 0 : ::posix_fallocate(fd, 0, static_cast<off_t>(free_now - leave));
    ::close(fd);
    return rc == 0;
  }
  // The space comes back.
  void empty() { std::filesystem::remove(ballast()); }

 private:
  std::filesystem::path ballast() const { return m_mount / "ballast"; }
  TempDir m_dir;
  std::filesystem::path m_mount;
  std::string m_error;
  bool m_refused = false;
};

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "mounting a tmpfs needs root (CI runs as root)";
    }
    if (m_fs.refused()) {
      GTEST_SKIP() << "the kernel refused to mount a tmpfs (" << m_fs.error()
                   << "): a container without CAP_SYS_ADMIN";
    }
    ASSERT_TRUE(m_fs.mounted()) << "mount -t tmpfs failed: " << m_fs.error();
    m_data = m_fs.path() / "data";
    m_listing = cliAnswer(
        m_data, {"property", "create", "--host", "hana", "--title", "Loft", "--city", "Utrecht",
                 "--price", "80", "--currency", "EUR", "--capacity", "4"})["id"];
  }

  // Books attempt number `attempt` on its own nights.
  ProcessResult book(int attempt) {
    const int year = 2031 + attempt / 300;
    const int day_of_year = attempt % 300;
    const int month = 1 + day_of_year / 25;
    const int day = 1 + day_of_year % 25;
    return runCliOn(m_data, {"--json", "book", "--property", m_listing, "--guest",
                             fmt::format("guest{}", attempt), "--from",
                             fmt::format("{}-{:02}-{:02}", year, month, day), "--to",
                             fmt::format("{}-{:02}-{:02}", year, month, day + 1)});
  }

  size_t bookingsHeld() {
    return cliAnswer(m_data, {"bookings", "list", "--property", m_listing}).size();
  }

  Tmpfs m_fs;
  std::filesystem::path m_data;
  std::string m_listing;
};

TEST_F(FullDiskTest, BookExitsThreeOnEveryFullPageThenSucceedsOnceSpaceReturns) {
  size_t acknowledged = 0;
  size_t refused = 0;
  uint64_t pages = 0;
  int attempt = 0;
  for (;; ++pages) {
    ASSERT_TRUE(m_fs.fillBut(pages * kPage)) << "cannot leave " << pages << " pages free";
    ProcessResult full = book(attempt++);
    m_fs.empty();
    ASSERT_TRUE(full.exited()) << "crashed with " << pages << " pages free: " << full.describe();
    if (full.exit_code == 0) {
      ++acknowledged;
      break;  // Enough room for the whole command: every page before it was tried.
    }
    ++refused;
    ASSERT_EQ(full.exit_code, 3) << pages << " pages free: " << full.describe();
    // A clear message: a store failure that names the disk being full.
    EXPECT_NE(full.err.find("\"kind\":\"store failure\""), std::string::npos) << full.err;
    EXPECT_TRUE(full.err.find("No space left on device") != std::string::npos ||
                full.err.find("disk is full") != std::string::npos)
        << full.err;
    // Space is back: the platform is whole and takes the next booking.
    ProcessResult check = runCliOn(m_data, {"check"});
    ASSERT_EQ(check.exit_code, 0) << pages << " pages free, then check: " << check.describe();
    ProcessResult next = book(attempt++);
    ASSERT_EQ(next.exit_code, 0) << pages << " pages free, then book: " << next.describe();
    ++acknowledged;
  }
  fmt::print(
      "book on a full tmpfs: {} free-page levels refused with exit 3, succeeded with {} "
      "pages ({} KiB) free\n",
      refused, pages, pages * kPage / 1024);
  RecordProperty("pages_swept", static_cast<int>(pages));
  EXPECT_GT(refused, 0u);
  // Every acknowledged booking is there; a refused one may be there too when
  // its own commit succeeded and a later step (the drain) ran out of space.
  EXPECT_GE(bookingsHeld(), acknowledged);
  EXPECT_LE(bookingsHeld(), acknowledged + refused);
  EXPECT_EQ(runCliOn(m_data, {"check"}).exit_code, 0);
}

// The asynchronous half meets the full disk in-process, step by step: the
// relay (the RocksDB event log), the search projection (Xapian), the history
// projection (RocksDB), fraud
// detection's step and its commit (SQLite), each with the disk filled but
// `pages` pages, swept until eight levels in a row pass. A failed step is an
// error, never a crash; once space returns the same platform goes on (a
// server is not restarted), and after a restart everything drains and
// `check` passes.
TEST_F(FullDiskTest, PipelineStepsFailWholeOnEveryFullPageAndRecoverWithoutRestart) {
  ASSERT_TRUE(staylab::testing::fault_vfs::install());
  FaultPlatform platform(Durability::Full, m_fs.path() / "in-process");
  struct Step {
    const char* name;
    std::function<Result<void>()> run;
    int failed = 0;
  };
  Platform* live = &platform.platform();
  auto asVoid = [](auto result) -> Result<void> {
    if (!result) {
      return std::unexpected(result.error());
    }
    return {};
  };
  std::vector<Step> steps = {
      {"relay step", [&] { return asVoid(live->pump().relayStep()); }},
      {"search projection",
       [&] { return asVoid(live->pump().consumerStep(live->searchProjection())); }},
      {"history projection",
       [&] { return asVoid(live->pump().consumerStep(live->historyProjection())); }},
      {"fraud step", [&] { return asVoid(live->pump().fraudStep()); }},
      {"fraud commit", [&] { return live->fraudDetection().flush(); }},
  };
  int ordinal = 0;
  int passes_in_a_row = 0;
  uint64_t pages = 0;
  std::vector<std::string> unrecovered;
  for (; passes_in_a_row < 8; ++pages) {
    for (int count = 0; count < 2; ++count) {
      must(platform.book(ordinal++), "book");
    }
    bool any_failed = false;
    for (auto& step : steps) {
      // Each step meets the disk with just `pages` pages free.
      ASSERT_TRUE(m_fs.fillBut(pages * kPage)) << "cannot leave " << pages << " pages free";
      auto result = step.run();
      m_fs.empty();
      if (result) {
        continue;
      }
      any_failed = true;
      ++step.failed;
      EXPECT_EQ(result.error().kind, ErrorKind::StoreFailure) << result.error().describe();
      // Space is back: the same process goes on, as a server would, with no
      // restart (a RocksDB store reopens itself after a failed write), and
      // the next step has the work this one left.
      if (auto again = step.run(); !again) {
        unrecovered.push_back(
            fmt::format("{} with {} pages free: {}", step.name, pages, again.error().describe()));
      }
    }
    passes_in_a_row = any_failed ? 0 : passes_in_a_row + 1;
    if (!any_failed) {
      continue;
    }
    ASSERT_TRUE(platform.intact()) << pages << " pages free";
  }
  for (const auto& step : steps) {
    fmt::print("{} on a full tmpfs: failed at {} of {} free-page levels\n", step.name, step.failed,
               pages);
    // Every step that writes a file met the full disk at least once; fraud
    // detection's step keeps its effects in its open transaction until the
    // platform's commit threshold (8,192 events), which the commit step writes.
    if (std::string_view(step.name) != "fraud step") {
      EXPECT_GT(step.failed, 0) << step.name << " never met the full disk";
    }
  }
  for (const auto& failure : unrecovered) {
    ADD_FAILURE() << "did not recover once space returned: " << failure;
  }
  must(live->pump().drain(), "drain");
  EXPECT_TRUE(allChecksPass(*live));
  platform.close();
  platform.open();
  EXPECT_TRUE(platform.intact());
  EXPECT_TRUE(allChecksPass(platform.platform()));
}

}  // namespace
}  // namespace staylab::app
