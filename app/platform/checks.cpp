#include "app/platform/checks.h"

#include <map>
#include <set>

#include "events/history_projection.h"
#include "events/search_projection.h"
#include "stores/text/memory_text_index.h"
#include "stores/wide_column/memory_wide_column_store.h"

namespace staylab::app {
namespace {

constexpr size_t kReadBatch = 4096;

// Returns aggregate id -> versions seen in the log, over every topic and partition.
Result<std::map<std::string, std::set<int64_t>>> versionsInLog(EventLog& log) {
  std::map<std::string, std::set<int64_t>> versions;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      int64_t offset = 0;
      while (true) {
        auto records = STAYLAB_TRY(log.read(topic, partition, offset, kReadBatch));
        if (records.empty()) {
          break;
        }
        for (const auto& record : records) {
          versions[record.event.aggregate_id].insert(record.event.aggregate_version);
        }
        offset = records.back().position.offset + 1;
      }
    }
  }
  return versions;
}

CheckResult noNightTwice(const std::vector<BookedNight>& nights) {
  std::set<std::pair<std::string, Date>> seen;
  std::string problems;
  size_t duplicates = 0;
  for (const auto& night : nights) {
    if (!seen.insert({night.property_id, night.night}).second) {
      if (++duplicates <= 3) {
        problems += fmt::format("{} on {}; ", night.property_id, night.night.toString());
      }
    }
  }
  if (duplicates > 0) {
    return {"no night booked twice", false,
            fmt::format("{} nights held twice: {}", duplicates, problems)};
  }
  return {"no night booked twice", true, fmt::format("{} booked nights", nights.size())};
}

Result<CheckResult> digestsMatch(std::string name, Consumer& live, Consumer& fresh) {
  STAYLAB_TRY(fresh.rebuild());
  auto live_digest = STAYLAB_TRY(live.canonicalDigest());
  auto fresh_digest = STAYLAB_TRY(fresh.canonicalDigest());
  if (live_digest != fresh_digest) {
    return CheckResult{std::move(name), false,
                       fmt::format("live {} != rebuilt {}", live_digest, fresh_digest)};
  }
  return CheckResult{std::move(name), true, live_digest};
}

}  // namespace

Result<std::vector<CheckResult>> checkInvariants(Platform& platform) {
  STAYLAB_TRY(platform.pump().drain());
  std::vector<CheckResult> results;

  auto nights = STAYLAB_TRY(platform.bookingStore().bookedNights());
  results.push_back(noNightTwice(nights));

  size_t listing_outbox = STAYLAB_TRY(platform.listingStore().outboxSize());
  size_t booking_outbox = STAYLAB_TRY(platform.bookingStore().outboxSize());
  results.push_back(
      {"outboxes empty", listing_outbox == 0 && booking_outbox == 0,
       fmt::format("listing {}, booking {} waiting", listing_outbox, booking_outbox)});

  auto versions = STAYLAB_TRY(versionsInLog(platform.eventLog()));
  auto properties = STAYLAB_TRY(platform.listing().list(std::nullopt));
  auto bookings = STAYLAB_TRY(platform.bookings().list({}));
  std::vector<std::string> missing;
  auto expect_version = [&](const std::string& id, int64_t version) {
    auto found = versions.find(id);
    for (int64_t wanted = 1; wanted <= version; ++wanted) {
      if (found == versions.end() || !found->second.contains(wanted)) {
        missing.push_back(fmt::format("{} v{}", id, wanted));
      }
    }
  };
  for (const auto& property : properties) {
    expect_version(property.id, property.version);
  }
  for (const auto& booking : bookings) {
    expect_version(booking.id, booking.version);
  }
  std::string missing_text;
  for (size_t index = 0; index < missing.size() && index < 3; ++index) {
    missing_text += missing[index] + "; ";
  }
  results.push_back({"every committed event in the log", missing.empty(),
                     missing.empty()
                         ? fmt::format("{} properties and {} bookings accounted for",
                                       properties.size(), bookings.size())
                         : fmt::format("{} events missing: {}", missing.size(), missing_text)});

  MemoryTextIndex fresh_index;
  SearchProjection fresh_search(fresh_index, platform.eventLog());
  results.push_back(STAYLAB_TRY(
      digestsMatch("search equals a rebuild", platform.searchProjection(), fresh_search)));

  auto fresh_history_store =
      STAYLAB_TRY(MemoryWideColumnStore::open({HistoryProjection::families()}));
  HistoryProjection fresh_history(*fresh_history_store, platform.eventLog());
  results.push_back(STAYLAB_TRY(
      digestsMatch("history equals a rebuild", platform.historyProjection(), fresh_history)));

  auto scratch_dir = platform.dataDir() / "fraud-check";
  std::error_code ignored;
  std::filesystem::remove_all(scratch_dir, ignored);
  {
    auto scratch_store = STAYLAB_TRY(fraud::FraudSnapshotStore::open(scratch_dir));
    auto fresh_fraud = STAYLAB_TRY(fraud::FraudConsumer::open(platform.eventLog(), *scratch_store));
    STAYLAB_TRY(fresh_fraud->rebuild());
    auto live_digest = STAYLAB_TRY(platform.fraudDetection().canonicalDigest());
    auto fresh_digest = STAYLAB_TRY(fresh_fraud->canonicalDigest());
    results.push_back(
        {"fraud detection equals a rebuild", live_digest == fresh_digest,
         live_digest == fresh_digest
             ? fmt::format("{} suspicions, {}",
                           platform.fraudDetection().detector().suspicions().size(), live_digest)
             : fmt::format("live {} != rebuilt {}", live_digest, fresh_digest)});
  }
  std::filesystem::remove_all(scratch_dir, ignored);
  return results;
}

Result<void> rebuildReadModels(Platform& platform) {
  STAYLAB_TRY(platform.pump().drain());
  STAYLAB_TRY(platform.searchProjection().rebuild());
  STAYLAB_TRY(platform.historyProjection().rebuild());
  STAYLAB_TRY(platform.fraudDetection().rebuild());
  STAYLAB_TRY(platform.pump().drain());
  return {};
}

}  // namespace staylab::app
