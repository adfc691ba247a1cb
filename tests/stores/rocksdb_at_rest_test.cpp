// Where the RocksDB adapters' data rests after a writer's clean close: in
// table files, whose size the MANIFEST records and whose blocks carry
// checksums, not in the WAL, where a damaged record would end recovery and
// drop every write after it without an error (point-in-time recovery).
// Half a table file is a store failure at the next open; half a WAL would
// have been half the data.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "events/rocksdb_event_log.h"
#include "stores/wide_column/rocksdb_wide_column_store.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Returns the largest file of `directory`, where a damaged sector would
// most likely fall.
fs::path largestFileIn(const fs::path& directory) {
  fs::path largest;
  uintmax_t size = 0;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.is_regular_file() && entry.file_size() > size) {
      largest = entry.path();
      size = entry.file_size();
    }
  }
  return largest;
}

void truncateToHalf(const fs::path& file) {
  fs::resize_file(file, fs::file_size(file) / 2);
}

TEST(RocksDbAtRestTest, EventLogAppendsRestInATableFileAndHalfOfItFailsTheOpen) {
  TempDir dir;
  RocksDbEventLog::Options options;
  options.directory = dir / "events";
  options.creation = StoreCreation::CreateIfMissing;
  {
    auto log = testing::must(RocksDbEventLog::open(options), "open");
    std::vector<EventEnvelope> events;
    for (int index = 0; index < 200; ++index)
      events.push_back(testing::makeEvent("property", fmt::format("p{}", index), 1));
    testing::must(log->append(events), "append");
  }
  const fs::path largest = largestFileIn(dir / "events");
  EXPECT_EQ(largest.extension(), ".sst") << largest;
  truncateToHalf(largest);
  options.creation = StoreCreation::OpenExisting;
  auto reopened = RocksDbEventLog::open(options);
  ASSERT_FALSE(reopened) << "opened over half a table file";
  EXPECT_EQ(reopened.error().kind, ErrorKind::StoreFailure);
}

TEST(RocksDbAtRestTest, WideColumnWritesRestInATableFileAndHalfOfItFailsTheOpen) {
  TempDir dir;
  RocksDbWideColumnStore::Options options;
  options.directory = dir / "history";
  options.families = {"by_property"};
  options.creation = StoreCreation::CreateIfMissing;
  {
    auto store = testing::must(RocksDbWideColumnStore::open(options), "open");
    WideColumnBatch batch;
    // Values that do not compress, so the table file is the largest file.
    uint64_t state = 88172645463325252ULL;
    for (int index = 0; index < 200; ++index) {
      std::string value;
      for (int word = 0; word < 16; ++word) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        value += fmt::format("{:016x}", state);
      }
      batch.put(fmt::format("row-{:03}", index), "by_property", "q", index, value);
    }
    testing::must(store->apply(batch), "apply");
  }
  const fs::path largest = largestFileIn(dir / "history");
  EXPECT_EQ(largest.extension(), ".sst") << largest;
  truncateToHalf(largest);
  options.creation = StoreCreation::OpenExisting;
  auto reopened = RocksDbWideColumnStore::open(options);
  ASSERT_FALSE(reopened) << "opened over half a table file";
  EXPECT_EQ(reopened.error().kind, ErrorKind::StoreFailure);
}

}  // namespace
}  // namespace staylab
