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
#include "tests/support/largest_file.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_events.h"

namespace staylab {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Checks that the largest file under `directory` is a table file, cuts it to
// half its size, and expects `open` to fail with a store failure.
template <typename Open>
void expectHalfATableFileFailsTheOpen(const fs::path& directory, Open open) {
  const fs::path largest = testing::largestFileIn(directory);
  EXPECT_EQ(largest.extension(), ".sst") << largest;
  fs::resize_file(largest, fs::file_size(largest) / 2);
  auto reopened = open();
  ASSERT_FALSE(reopened) << "opened over half a table file";
  EXPECT_EQ(reopened.error().kind, ErrorKind::StoreFailure);
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
  options.creation = StoreCreation::OpenExisting;
  expectHalfATableFileFailsTheOpen(dir / "events", [&] { return RocksDbEventLog::open(options); });
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
  options.creation = StoreCreation::OpenExisting;
  expectHalfATableFileFailsTheOpen(dir / "history",
                                   [&] { return RocksDbWideColumnStore::open(options); });
}

}  // namespace
}  // namespace staylab
