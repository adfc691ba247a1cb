#pragma once

// Shared by the suites that drive the whole platform through its
// composition root: result helpers, the invariants as one assertion, and a
// platform seeded as `staylab-cli seed` seeds one.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "app/platform/seed.h"
#include "tests/support/result_assertions.h"
#include "tests/support/temp_dir.h"

namespace staylab::app::testing {

inline constexpr int64_t kNanosPerDay = 86'400'000'000'000LL;
inline constexpr int64_t kNanosPerMinute = 60'000'000'000LL;
inline constexpr int64_t kToday = 21'915;  // 2030-01-01, in days since the epoch.
inline constexpr int kSeededProperties = 150;

using staylab::testing::must;

// The canonical digests of the three read models.
struct Digests {
  std::string search;
  std::string history;
  std::string fraud;

  bool operator==(const Digests&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Digests& digests) {
    return os << "{" << digests.search << ", " << digests.history << ", " << digests.fraud << "}";
  }
};

inline Digests digestsOf(Platform& platform) {
  return Digests{must(platform.searchProjection().canonicalDigest(), "search digest"),
                 must(platform.historyProjection().canonicalDigest(), "history digest"),
                 must(platform.fraudDetection().canonicalDigest(), "fraud digest")};
}

// Returns success when checkInvariants() ran and every check passed.
inline ::testing::AssertionResult allChecksPass(Platform& platform) {
  auto results = checkInvariants(platform);
  if (!results) {
    return ::testing::AssertionFailure()
           << "checkInvariants could not run: " << results.error().describe();
  }
  if (results->empty()) {
    return ::testing::AssertionFailure() << "checkInvariants returned no checks";
  }
  ::testing::AssertionResult verdict = ::testing::AssertionSuccess();
  for (const auto& result : *results) {
    if (!result.passed) {
      if (verdict) {
        verdict = ::testing::AssertionFailure();
      }
      verdict << "failed '" << result.name << "': " << result.detail << "; ";
    }
  }
  return verdict;
}

// A platform seeded as `staylab-cli seed` does it: a ManualClock at the start
// of "today", a SeededRandom derived from the seed, bookings from tomorrow;
// then drained. `options` chooses patterns and decorators; its data
// directory, mode, clock and random source are the fixture's.
class SeededPlatform {
 public:
  explicit SeededPlatform(uint64_t seed, PlatformOptions options = {})
      : m_clock(kToday * kNanosPerDay), m_random(seed * 0x9E3779B97F4A7C15ULL + 1) {
    options.data_dir = m_dir / "data";
    options.mode = OpenMode::InitialiseIfEmpty;
    options.clock = &m_clock;
    options.random = &m_random;
    m_platform = must(Platform::open(options), "open the platform");
    SeedOptions seed_options;
    seed_options.properties = kSeededProperties;
    seed_options.seed = seed;
    seed_options.first_night = must(Date::fromDays(kToday + 1), "first night");
    m_report = must(seedDemoData(m_platform->gateway(), m_clock, seed_options), "seed");
    must(m_platform->pump().drain(), "drain");
  }

  Platform& platform() { return *m_platform; }
  ManualClock& clock() { return m_clock; }
  const SeedReport& report() const { return m_report; }

 private:
  staylab::testing::TempDir m_dir;
  ManualClock m_clock;
  SeededRandom m_random;
  std::unique_ptr<Platform> m_platform;
  SeedReport m_report;
};

}  // namespace staylab::app::testing
