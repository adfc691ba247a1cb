#pragma once

// A platform for the power-loss and I/O-fault suites: a few listings, then
// bookings that never collide (each on its own property and nights), closed
// and reopened as a process restart does, with time and ids from a
// ManualClock and a SeededRandom.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "domain/common/date.h"
#include "tests/app/platform_fixtures.h"
#include "tests/support/temp_dir.h"

namespace staylab::app::testing {

class FaultPlatform {
 public:
  static constexpr int kListings = 4;

  // Initialises a data directory with kListings listings, drains, and closes
  // it (so it holds a checkpointed store, as after any earlier command), then
  // opens it again with `durability`.
  // `data_dir` defaults to one in a fresh temporary directory.
  explicit FaultPlatform(Durability durability, std::filesystem::path data_dir = {})
      : m_durability(durability),
        m_data_dir(data_dir.empty() ? m_dir / "data" : std::move(data_dir)),
        m_clock(kToday * kNanosPerDay),
        m_random(15) {
    open(OpenMode::InitialiseIfEmpty);
    for (int index = 0; index < kListings; ++index) {
      listing::CreateProperty command;
      command.host = "hana";
      command.title = fmt::format("Harbour flat {}", index);
      command.description = "A quiet flat by the harbour.";
      command.city = "Lisbon";
      command.price = "90";
      command.currency = "EUR";
      command.capacity = 2;
      command.amenities = {"wifi"};
      m_listings.push_back(
          must(gateway().createProperty(Caller{"hana", Role::Host}, command), "create").id);
    }
    must(m_platform->pump().drain(), "drain");
    close();
    open(OpenMode::Existing);
  }

  Platform& platform() { return *m_platform; }
  Gateway& gateway() { return m_platform->gateway(); }
  const std::filesystem::path& dataDir() const { return m_data_dir; }

  void open(OpenMode mode = OpenMode::Existing) {
    PlatformOptions options;
    options.data_dir = dataDir();
    options.mode = mode;
    options.durability = m_durability;
    options.clock = &m_clock;
    options.random = &m_random;
    m_platform = must(Platform::open(options), "open the platform");
  }
  // Closes the platform as a process ending does.
  void close() { m_platform.reset(); }

  // Places booking number `ordinal`: two nights on its own property and
  // dates, so no two ordinals ever collide.
  Result<booking::PlaceBookingAnswer> book(int ordinal) {
    m_clock.advance(kNanosPerMinute);
    booking::PlaceBooking command;
    command.property_id = m_listings[static_cast<size_t>(ordinal % kListings)];
    command.guest = fmt::format("guest{}", ordinal);
    const int64_t first = kToday + 1 + int64_t{ordinal / kListings} * 3;
    command.from = must(Date::fromDays(first), "from").toString();
    command.to = must(Date::fromDays(first + 2), "to").toString();
    return gateway().placeBooking(Caller{command.guest, Role::Guest}, command);
  }

  // Returns how many of `ids` the booking store holds.
  size_t present(const std::vector<std::string>& ids) {
    size_t found = 0;
    for (const auto& id : ids) {
      if (must(m_platform->bookingStore().find(id), "find a booking").has_value()) {
        ++found;
      }
    }
    return found;
  }

  // Returns success when every engine's own integrity check passes.
  ::testing::AssertionResult intact() {
    for (auto& verdict : m_platform->verifyIntegrity()) {
      if (!verdict.result) {
        return ::testing::AssertionFailure()
               << verdict.store << ": " << verdict.result.error().describe();
      }
    }
    return ::testing::AssertionSuccess();
  }

 private:
  staylab::testing::TempDir m_dir;
  Durability m_durability;
  std::filesystem::path m_data_dir;
  ManualClock m_clock;
  SeededRandom m_random;
  std::vector<std::string> m_listings;
  std::unique_ptr<Platform> m_platform;
};

}  // namespace staylab::app::testing
