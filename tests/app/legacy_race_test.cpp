#include <map>
#include <random>
#include <set>
#include <thread>

#include "domain/common/date.h"
#include "tests/app/legacy_test_fixture.h"

namespace staylab::legacy::testing {
namespace {

constexpr int kThreads = 8;
constexpr int kAttemptsPerThread = 200;
constexpr int kProperties = 3;
constexpr int kDays = 40;  // Check-ins fall in the first kDays days of 2027.

// "YYYYMMDD" of the day `offset` days after 2027-01-01.
std::string legacyDate(int offset) {
  auto base = must(Date::parse("2027-01-01"), "base date");
  std::string iso = base.plusDays(offset).toString();
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

struct Booked {
  int64_t res_no = 0;
  ReservationRow row;
  bool cancelled = false;
};

struct ThreadOutcome {
  std::vector<Booked> booked;
  int overlaps = 0;
  std::vector<std::string> failures;  // Anything but a success or an overlap.
};

// Eight threads, each with its own LegacyMonolith (its own connection) on the
// same file, race bookings of overlapping ranges on three properties and
// cancel some of their own. The overlap check inside BEGIN IMMEDIATE must
// leave no night held twice by confirmed reservations.
TEST_F(LegacyTest, EightThreadsRacingBookingsNeverHoldANightTwice) {
  std::vector<int64_t> prop_nos;
  for (int index = 0; index < kProperties; ++index) {
    prop_nos.push_back(
        must(m_legacy->createProperty(sampleProperty(fmt::format("P{}", index))), "create"));
  }
  std::vector<ThreadOutcome> outcomes(kThreads);
  std::vector<std::unique_ptr<LegacyMonolith>> monoliths;
  for (int index = 0; index < kThreads; ++index) {
    monoliths.push_back(openLegacy());
  }
  std::vector<std::thread> threads;
  for (int thread_index = 0; thread_index < kThreads; ++thread_index) {
    threads.emplace_back([&, thread_index] {
      LegacyMonolith& legacy = *monoliths[static_cast<size_t>(thread_index)];
      ThreadOutcome& outcome = outcomes[static_cast<size_t>(thread_index)];
      std::mt19937_64 rng(static_cast<uint64_t>(thread_index) + 1);
      for (int attempt = 0; attempt < kAttemptsPerThread; ++attempt) {
        ReservationRow row;
        row.prop_no = prop_nos[rng() % kProperties];
        int from = static_cast<int>(rng() % kDays);
        row.check_in = legacyDate(from);
        row.check_out = legacyDate(from + 1 + static_cast<int>(rng() % 4));
        row.guest_name = fmt::format("guest-{}-{}", thread_index, attempt);
        row.guests = 1 + static_cast<int64_t>(rng() % 4);
        auto booked =
            legacy.book(row.prop_no, row.guest_name, row.check_in, row.check_out, row.guests);
        if (!booked) {
          if (booked.error().code == "legacy.overlap") {
            ++outcome.overlaps;
          } else {
            outcome.failures.push_back(booked.error().describe());
          }
          continue;
        }
        Booked entry{*booked, row, false};
        // Every fourth success is cancelled again, freeing its nights.
        if (outcome.booked.size() % 4 == 3) {
          auto cancelled = legacy.cancel(*booked);
          if (cancelled) {
            entry.cancelled = true;
          } else {
            outcome.failures.push_back(cancelled.error().describe());
          }
        }
        outcome.booked.push_back(entry);
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  monoliths.clear();

  std::map<int64_t, ReservationRow> stored;
  for (const auto& row : must(m_legacy->reservations(), "reservations")) {
    stored[row.res_no] = row;
  }
  size_t successes = 0;
  size_t cancels = 0;
  int overlaps = 0;
  for (const auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.failures.empty()) << outcome.failures.front();
    overlaps += outcome.overlaps;
    for (const auto& booked : outcome.booked) {
      ++successes;
      cancels += booked.cancelled ? 1 : 0;
      auto found = stored.find(booked.res_no);
      ASSERT_NE(found, stored.end()) << "RES_NO " << booked.res_no << " was returned but is gone";
      EXPECT_EQ(found->second.prop_no, booked.row.prop_no);
      EXPECT_EQ(found->second.guest_name, booked.row.guest_name);
      EXPECT_EQ(found->second.check_in, booked.row.check_in);
      EXPECT_EQ(found->second.check_out, booked.row.check_out);
      EXPECT_EQ(found->second.status, booked.cancelled ? 'X' : 'C');
    }
  }
  EXPECT_EQ(stored.size(), successes);
  EXPECT_GT(overlaps, 0);  // The ranges did collide: the check was exercised.
  EXPECT_EQ(successes + static_cast<size_t>(overlaps),
            static_cast<size_t>(kThreads * kAttemptsPerThread));

  // No night of any property is held by two confirmed reservations.
  std::set<std::pair<int64_t, int64_t>> held;
  for (const auto& [res_no, row] : stored) {
    if (row.status != 'C') {
      continue;
    }
    auto from = must(Date::parse(fmt::format("{}-{}-{}", row.check_in.substr(0, 4),
                                             row.check_in.substr(4, 2), row.check_in.substr(6))),
                     "check-in");
    auto to = must(Date::parse(fmt::format("{}-{}-{}", row.check_out.substr(0, 4),
                                           row.check_out.substr(4, 2), row.check_out.substr(6))),
                   "check-out");
    for (Date night = from; night < to; night = night.plusDays(1)) {
      EXPECT_TRUE(held.emplace(row.prop_no, night.daysSinceEpoch()).second)
          << "PROPERTY " << row.prop_no << " night " << night.toString() << " held twice";
    }
  }

  // Every committed write was captured once, in increasing change ids.
  auto changes = must(m_legacy->changesAfter(0, 1'000'000), "changes");
  EXPECT_EQ(changes.size(), static_cast<size_t>(kProperties) + successes + cancels);
  for (size_t index = 0; index < changes.size(); ++index) {
    EXPECT_EQ(changes[index].change_id, static_cast<int64_t>(index) + 1);
  }
  must(m_legacy->integrityCheck(), "integrity check");
}

}  // namespace
}  // namespace staylab::legacy::testing
