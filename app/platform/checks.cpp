#include "app/platform/checks.h"

#include <algorithm>
#include <map>
#include <set>

#include "app/platform/divergence.h"
#include "events/history_projection.h"
#include "events/search_projection.h"
#include "fraud/memory_fraud_state_store.h"
#include "stores/text/memory_text_index.h"
#include "stores/wide_column/memory_wide_column_store.h"

namespace staylab::app {
namespace {

constexpr size_t kReadBatch = 4096;

// Aggregate id -> versions seen in the log, over every partition of a topic.
using VersionsById = std::map<std::string, std::set<int64_t>>;

// Returns topic -> the versions of each aggregate seen in it.
Result<std::map<std::string, VersionsById>> versionsInLog(EventLog& log) {
  std::map<std::string, VersionsById> versions;
  for (const auto& [topic, partitions] : log.topics()) {
    for (int partition = 0; partition < partitions; ++partition) {
      int64_t offset = 0;
      while (true) {
        auto records = STAYLAB_TRY(log.read(topic, partition, offset, kReadBatch));
        if (records.empty()) {
          break;
        }
        for (const auto& record : records) {
          versions[topic][record.event.aggregate_id].insert(record.event.aggregate_version);
        }
        offset = records.back().position.offset + 1;
      }
    }
  }
  return versions;
}

// Joins the first three of `items` for a verdict's detail.
std::string firstFew(const std::vector<std::string>& items) {
  std::string text;
  for (size_t index = 0; index < items.size() && index < 3; ++index) {
    text += items[index] + "; ";
  }
  return text;
}

// Returns the verdict that every aggregate of `topic` is in its write store at
// the latest version the log holds: a write store emptied, replaced by an
// older copy or missing rows disagrees with the log that recorded its changes.
CheckResult storeMatchesLog(std::string name, const VersionsById& logged,
                            const std::map<std::string, int64_t>& stored, std::string_view what) {
  std::vector<std::string> problems;
  for (const auto& [id, versions] : logged) {
    int64_t latest = *versions.rbegin();
    auto found = stored.find(id);
    if (found == stored.end()) {
      problems.push_back(fmt::format("{} v{} is in the log, not in the store", id, latest));
    } else if (found->second < latest) {
      problems.push_back(
          fmt::format("{} is v{} in the store, v{} in the log", id, found->second, latest));
    }
  }
  if (!problems.empty()) {
    return {
        std::move(name), false,
        fmt::format("{} {} disagree with the log: {}", problems.size(), what, firstFew(problems))};
  }
  return {std::move(name), true, fmt::format("{} {} as the log has them", logged.size(), what)};
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
  std::vector<CheckResult> results;
  // The engines' own checks first: a damaged store is reported as such, not
  // as whatever the drain or a later check makes of its contents.
  for (auto& verdict : platform.verifyIntegrity()) {
    results.push_back({fmt::format("{} intact", verdict.store), verdict.result.has_value(),
                       verdict.result ? verdict.checked : verdict.result.error().message});
  }
  if (std::any_of(results.begin(), results.end(), [](const auto& r) { return !r.passed; })) {
    return results;  // Draining into a damaged store could only spread the damage.
  }
  STAYLAB_TRY(platform.pump().drain());

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
  auto expect_version = [&](const VersionsById& logged, const std::string& id, int64_t version) {
    auto found = logged.find(id);
    for (int64_t wanted = 1; wanted <= version; ++wanted) {
      if (found == logged.end() || !found->second.contains(wanted)) {
        missing.push_back(fmt::format("{} v{}", id, wanted));
      }
    }
  };
  std::map<std::string, int64_t> stored_properties, stored_bookings;
  for (const auto& property : properties) {
    expect_version(versions["property"], property.id, property.version);
    stored_properties[property.id] = property.version;
  }
  for (const auto& booking : bookings) {
    if (booking.status == booking::BookingStatus::Pending) {
      // Held while its payment is under way: nothing published yet, its
      // first event comes with its confirmation or its release.
      continue;
    }
    expect_version(versions["booking"], booking.id, booking.version);
    stored_bookings[booking.id] = booking.version;
  }
  results.push_back(
      {"every committed event in the log", missing.empty(),
       missing.empty() ? fmt::format("{} properties and {} bookings accounted for",
                                     properties.size(), bookings.size())
                       : fmt::format("{} events missing: {}", missing.size(), firstFew(missing))});
  results.push_back(storeMatchesLog("listing store equals the log", versions["property"],
                                    stored_properties, "listings"));
  results.push_back(storeMatchesLog("booking store equals the log", versions["booking"],
                                    stored_bookings, "bookings"));

  const Divergence divergence = STAYLAB_TRY(measureDivergence(platform));
  results.push_back(
      {"read models hold what the write stores hold", divergence.total() == 0,
       divergence.total() == 0
           ? std::string("every listing and confirmed booking shows in search and history")
           : fmt::format("{} listings, {} bookings in search, {} in history differ: {}",
                         divergence.listings, divergence.search_bookings,
                         divergence.history_bookings, firstFew(divergence.examples))});

  MemoryTextIndex fresh_index;
  SearchProjection fresh_search(fresh_index, platform.eventLog());
  results.push_back(STAYLAB_TRY(
      digestsMatch("search equals a rebuild", platform.searchProjection(), fresh_search)));

  auto fresh_history_store =
      STAYLAB_TRY(MemoryWideColumnStore::open({HistoryProjection::families()}));
  HistoryProjection fresh_history(*fresh_history_store, platform.eventLog());
  results.push_back(STAYLAB_TRY(
      digestsMatch("history equals a rebuild", platform.historyProjection(), fresh_history)));

  {
    // A rebuild into the in-memory twin, as for search and history above.
    fraud::MemoryFraudStateStore fresh_store;
    auto fresh_fraud = STAYLAB_TRY(fraud::FraudConsumer::open(platform.eventLog(), fresh_store));
    STAYLAB_TRY(fresh_fraud->rebuild());
    auto live_digest = STAYLAB_TRY(platform.fraudDetection().canonicalDigest());
    auto fresh_digest = STAYLAB_TRY(fresh_fraud->canonicalDigest());
    const size_t suspicions = STAYLAB_TRY(platform.fraudDetection().detector().suspicions()).size();
    results.push_back({"fraud detection equals a rebuild", live_digest == fresh_digest,
                       live_digest == fresh_digest
                           ? fmt::format("{} suspicions, {}", suspicions, live_digest)
                           : fmt::format("live {} != rebuilt {}", live_digest, fresh_digest)});
  }
  // The persisted union-find against Boost.Graph's own count of components.
  auto stats = platform.fraudDetection().detector().graphStats();
  results.push_back(
      {"fraud graph's components agree with Boost.Graph", stats.has_value(),
       stats ? fmt::format("{} accounts, {} instruments, {} edges, {} components", stats->accounts,
                           stats->instruments, stats->edges, stats->components)
             : stats.error().describe()});
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
