#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "fraud/fraud_snapshot.h"
#include "fraud/fraud_snapshot_store.h"
#include "tests/fraud/fraud_test_events.h"
#include "tests/support/temp_dir.h"

namespace staylab::fraud {
namespace {

using testing::applyAll;
using testing::EventFactory;
using testing::makeDetector;
using testing::Signals;

// A snapshot with every kind of content: state, offsets and both kinds of actions.
FraudSnapshot richSnapshot() {
  EventFactory events;
  FraudDetector detector = makeDetector();
  FraudSnapshot snapshot;
  snapshot.pending = applyAll(
      detector, {events.propertyCreated("p1", "h1", Signals{"payout", "dev-h1", "10.0.0.1"}),
                 events.bookingPlaced("b1", "p1", "h1", "h1"),
                 events.bookingPlaced("b2", "p1", "g1", "h1", Signals{"card", "dev-h1", ""}),
                 events.bookingPlaced("b3", "p1", "g2", "h1", Signals{"card", "", ""}),
                 events.bookingPlaced("b4", "p1", "g3", "h1", Signals{"card", "", ""})});
  snapshot.detector = detector.state();
  snapshot.offsets = {{"booking/0", 4}, {"booking/3", 1}, {"property/2", 1}};
  snapshot.skipped_events = 2;
  return snapshot;
}

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST(FraudSnapshot, JsonRoundTripIsEqual) {
  FraudSnapshot snapshot = richSnapshot();
  ASSERT_GE(snapshot.pending.size(), 3u);
  ASSERT_FALSE(testing::marks(snapshot.pending).empty());
  auto parsed = FraudSnapshot::fromJson(snapshot.toJson());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().describe();
  EXPECT_EQ(*parsed, snapshot);
  // And through text.
  auto reparsed = FraudSnapshot::fromJson(nlohmann::json::parse(snapshot.toJson().dump()));
  ASSERT_TRUE(reparsed.has_value()) << reparsed.error().describe();
  EXPECT_EQ(*reparsed, snapshot);
}

TEST(FraudSnapshot, FromJsonRejectsBadShapesWithoutThrowing) {
  nlohmann::json good = richSnapshot().toJson();

  auto expectInvalid = [](const nlohmann::json& json, const std::string& field) {
    auto parsed = FraudSnapshot::fromJson(json);
    ASSERT_FALSE(parsed.has_value()) << "accepted: " << json.dump().substr(0, 200);
    EXPECT_EQ(parsed.error().kind, ErrorKind::InvalidInput);
    EXPECT_EQ(parsed.error().field, field) << parsed.error().describe();
  };
  expectInvalid(nlohmann::json::array(), "snapshot");
  nlohmann::json bad = good;
  bad["version"] = 99;
  expectInvalid(bad, "snapshot.version");
  bad = good;
  bad["offsets"]["booking/0"] = -1;
  expectInvalid(bad, "snapshot.offsets.booking/0");
  bad = good;
  bad["offsets"]["no-partition"] = 1;
  expectInvalid(bad, "snapshot.offsets");
  bad = good;
  bad["detector"]["suspicions"][0]["rule"] = "gut_feeling";
  expectInvalid(bad, "suspicion.rule");
  bad = good;
  bad["detector"]["suspicions"][0]["subject"]["id"] = "someone-else";
  expectInvalid(bad, "suspicion.id");
  bad = good;
  bad["detector"]["bookings"][0]["occurred_at"] = "yesterday";
  expectInvalid(bad, "state.bookings[].occurred_at");
  bad = good;
  bad["pending"][0]["action"] = "launch_missiles";
  expectInvalid(bad, "action.action");
  bad = good;
  bad["pending"][0]["event"]["correlation_id"] = "";
  expectInvalid(bad, "event.correlation_id");
}

TEST(FraudSnapshotStore, CreatingANewStoreSavesAnEmptySnapshot) {
  staylab::testing::TempDir dir;
  auto store = FraudSnapshotStore::open(dir / "fraud", FraudSnapshotStore::Sync::Full,
                                        StoreCreation::CreateIfMissing);
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  auto loaded = (*store)->load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().describe();
  EXPECT_EQ(*loaded, FraudSnapshot{});
  EXPECT_EQ((*store)->file(), dir / "fraud" / "fraud_snapshot.json");
}

TEST(FraudSnapshotStore, OpeningWithoutCreationRefusesAMissingSnapshotAndCreatesNothing) {
  staylab::testing::TempDir dir;
  auto store = FraudSnapshotStore::open(dir / "fraud");
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, "fraud.snapshot_missing");
  EXPECT_FALSE(std::filesystem::exists(dir / "fraud"));
}

TEST(FraudSnapshotStore, SnapshotDeletedWhileOpenIsAStoreFailureNotAnEmptySnapshot) {
  staylab::testing::TempDir dir;
  auto store = FraudSnapshotStore::open(dir.path(), FraudSnapshotStore::Sync::Full,
                                        StoreCreation::CreateIfMissing);
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->save(richSnapshot()).has_value());
  std::filesystem::remove((*store)->file());
  auto loaded = (*store)->load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, "fraud.snapshot_missing");
}

TEST(FraudSnapshotStore, SavedSnapshotSurvivesReopen) {
  staylab::testing::TempDir dir;
  FraudSnapshot snapshot = richSnapshot();
  {
    auto store = FraudSnapshotStore::open(dir.path(), FraudSnapshotStore::Sync::Full,
                                          StoreCreation::CreateIfMissing);
    ASSERT_TRUE(store.has_value());
    ASSERT_TRUE((*store)->save(FraudSnapshot{}).has_value());
    auto saved = (*store)->save(snapshot);
    ASSERT_TRUE(saved.has_value()) << saved.error().describe();
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "fraud_snapshot.json.tmp"));
  auto reopened = FraudSnapshotStore::open(dir.path());
  ASSERT_TRUE(reopened.has_value());
  auto loaded = (*reopened)->load();
  ASSERT_TRUE(loaded.has_value()) << loaded.error().describe();
  EXPECT_EQ(*loaded, snapshot);
}

TEST(FraudSnapshotStore, UnparsableFileIsAStoreFailure) {
  staylab::testing::TempDir dir;
  auto store = FraudSnapshotStore::open(dir.path(), FraudSnapshotStore::Sync::Full,
                                        StoreCreation::CreateIfMissing);
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->save(richSnapshot()).has_value());
  std::string text = readFile((*store)->file());
  writeFile((*store)->file(), text.substr(0, text.size() / 2));  // A torn write.
  auto loaded = (*store)->load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(loaded.error().code, "fraud.snapshot_corrupt");
  EXPECT_NE(loaded.error().message.find("not valid JSON"), std::string::npos);
}

TEST(FraudSnapshotStore, AlteredContentFailsTheChecksum) {
  staylab::testing::TempDir dir;
  auto store = FraudSnapshotStore::open(dir.path(), FraudSnapshotStore::Sync::Full,
                                        StoreCreation::CreateIfMissing);
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->save(richSnapshot()).has_value());
  std::string text = readFile((*store)->file());
  auto at = text.find("\"booking/0\":4");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 13, "\"booking/0\":5");  // Still valid JSON, one offset off.
  writeFile((*store)->file(), text);
  auto loaded = (*store)->load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, "fraud.snapshot_corrupt");
  EXPECT_NE(loaded.error().message.find("checksum"), std::string::npos);
}

TEST(FraudSnapshotStore, WellFormedButInvalidSnapshotIsAStoreFailure) {
  staylab::testing::TempDir dir;
  auto store = FraudSnapshotStore::open(dir.path(), FraudSnapshotStore::Sync::Full,
                                        StoreCreation::CreateIfMissing);
  ASSERT_TRUE(store.has_value());
  writeFile((*store)->file(), R"({"format": "something else"})");
  auto loaded = (*store)->load();
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().kind, ErrorKind::StoreFailure);
  EXPECT_EQ(loaded.error().code, "fraud.snapshot_corrupt");
}

}  // namespace
}  // namespace staylab::fraud
