// A child process for the platform crash test: opens the whole platform on a
// data directory and, by mode, seeds demo data, places bookings, drains the
// pump or rebuilds the read models in a loop until it is killed. Before each
// unit of work it names its phase on stdout ("PHASE seed", "PHASE book",
// "PHASE drain", "PHASE rebuild"), so the test knows in which phase its kill
// landed; each committed booking is acknowledged ("ACK ..."). With some
// probability the relay's test hook kills the process itself between the log
// append and the outbox delete, after saying "RELAY-KILL" (every mode but seed
// runs the relay).
//
// Modes, each dwelling in the phase of its name:
//   seed     seeds demo data sets (PHASE seed), leaving their events in the
//            outbox for the drain after the restart: draining takes about ten
//            times longer than seeding, so a mode doing both would mostly drain.
//   book     places bookings, pumping one round after every fifth (PHASE book).
//   drain    drains (PHASE drain), then places a burst of bookings in one
//            commit (PHASE book), the first one before READY.
//   rebuild  rebuilds every read model from the log (PHASE rebuild), then
//            places a few bookings (PHASE book), the first few before READY.
//
// Usage: platform_crash_child DATA_DIR seed|book|drain|rebuild SEED RELAY_KILL_ONE_IN
#include <signal.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include "app/platform/checks.h"
#include "app/platform/platform.h"
#include "app/platform/seed.h"
#include "tests/support/child_voice.h"

namespace {

using namespace staylab;

// Every property the book and drain modes use belongs to this host, away
// from the seeded ones (and from what fraud detection suspends there).
constexpr const char* kHost = "host-crash";
constexpr const char* kCity = "Crashville";
constexpr size_t kProperties = 10;
constexpr int kDaysAhead = 700;
constexpr int64_t kNanosPerDay = 86'400'000'000'000LL;
// 2027-01-01, the seeded data's "today".
constexpr int64_t kSeedToday = 20'819;

using staylab::testing::fail;
using staylab::testing::orFail;
using staylab::testing::say;

// Returns the active crash-test properties, creating them up to kProperties.
std::vector<listing::Property> crashProperties(app::Platform& platform) {
  const app::Caller admin{"crash-test", app::Role::Admin};
  std::vector<listing::Property> properties;
  for (auto& property :
       orFail(platform.gateway().listProperties(std::string_view(kCity)), "list properties")) {
    if (property.host_id == kHost && property.status == listing::PropertyStatus::Active) {
      properties.push_back(std::move(property));
    }
  }
  while (properties.size() < kProperties) {
    listing::CreateProperty command;
    command.host = kHost;
    command.title = "Crash test flat";
    command.description = "Survives being killed.";
    command.city = kCity;
    command.price = "80.00";
    command.currency = "EUR";
    command.capacity = 4;
    properties.push_back(
        orFail(platform.gateway().createProperty(admin, command), "create property"));
  }
  return properties;
}

// Places random bookings in the crash-test properties, each by a guest of its
// own (so fraud detection's velocity rule never fires), acknowledging each
// confirmed one on stdout.
class Booker {
 public:
  Booker(app::Platform& platform, uint64_t seed)
      : m_platform(platform), m_rng(seed), m_properties(crashProperties(platform)) {}

  void placeOne() {
    booking::PlaceBooking command = nextCommand();
    acknowledge(command, m_platform.gateway().placeBooking(m_admin, command));
  }

  // Places `count` bookings in one group commit (Gateway::placeBookings).
  void placeGroup(size_t count) {
    std::vector<booking::PlaceBooking> commands;
    for (size_t index = 0; index < count; ++index) {
      commands.push_back(nextCommand());
    }
    auto answers = m_platform.gateway().placeBookings(m_admin, commands);
    for (size_t index = 0; index < count; ++index) {
      acknowledge(commands[index], std::move(answers[index]));
    }
  }

  std::mt19937_64& rng() { return m_rng; }

 private:
  booking::PlaceBooking nextCommand() {
    const Date first = Date::parse("2029-01-01").value();
    const auto& property = m_properties[m_rng() % m_properties.size()];
    int start = static_cast<int>(m_rng() % kDaysAhead);
    int nights = 1 + static_cast<int>(m_rng() % 4);
    booking::PlaceBooking command;
    command.property_id = property.id;
    command.guest = "guest-" + std::to_string(m_rng() % 1'000'000'000);
    command.from = first.plusDays(start).toString();
    command.to = first.plusDays(start + nights).toString();
    return command;
  }

  void acknowledge(const booking::PlaceBooking& command,
                   Result<booking::PlaceBookingAnswer> answer) {
    if (answer) {
      say("ACK " + answer->booking.id + " " + command.property_id + " " + command.guest + " " +
          command.from + " " + command.to);
    } else if (answer.error().code != "booking.nights_taken") {
      fail("place booking", answer.error());
    }
  }

  const app::Caller m_admin{"crash-test", app::Role::Admin};
  app::Platform& m_platform;
  std::mt19937_64 m_rng;
  std::vector<listing::Property> m_properties;
};

[[noreturn]] void seedLoop(app::Platform& platform, ManualClock& clock, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (uint64_t iteration = 0;; ++iteration) {
    app::SeedOptions options;
    options.properties = 12 + static_cast<int>(rng() % 8);  // 12+ plants fraud cases.
    options.seed = seed + iteration;
    options.first_night = Date::fromDays(kSeedToday + 1).value();
    say("PHASE seed");
    auto report = orFail(app::seedDemoData(platform.gateway(), clock, options), "seed");
    say("SEEDED " + std::to_string(report.properties) + " " + std::to_string(report.bookings));
  }
}

[[noreturn]] void bookLoop(app::Platform& platform, Booker& booker) {
  for (uint64_t attempt = 1;; ++attempt) {
    say("PHASE book");
    booker.placeOne();
    if (attempt % 5 == 0) {
      orFail(platform.pump().round(), "pump round");
    }
  }
}

// Makes a burst of work for the pump in one group commit.
void placeBurst(Booker& booker) {
  say("PHASE book");
  booker.placeGroup(20 + booker.rng()() % 60);
}

// Drains the pump, then makes a burst of work for it.
[[noreturn]] void drainLoop(app::Platform& platform, Booker& booker) {
  for (;;) {
    say("PHASE drain");
    orFail(platform.pump().drain(), "drain");
    say("DRAINED");
    placeBurst(booker);
  }
}

// Adds a few bookings to the log.
void placeFew(Booker& booker) {
  const size_t few = 1 + booker.rng()() % 5;
  for (size_t index = 0; index < few; ++index) {
    say("PHASE book");
    booker.placeOne();
  }
}

// Rebuilds every read model from the log (which drains the pump before and
// after), then adds a few bookings to it.
[[noreturn]] void rebuildLoop(app::Platform& platform, Booker& booker) {
  for (;;) {
    say("PHASE rebuild");
    orFail(app::rebuildReadModels(platform), "rebuild");
    say("REBUILT");
    placeFew(booker);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    say("usage: platform_crash_child DATA_DIR seed|book|drain|rebuild SEED RELAY_KILL_ONE_IN");
    return 2;
  }
  const std::string mode = argv[2];
  const uint64_t seed = std::stoull(argv[3]);
  const uint64_t relay_kill_one_in = std::stoull(argv[4]);
  if (mode != "seed" && mode != "book" && mode != "drain" && mode != "rebuild") {
    say("ERROR unknown mode " + mode);
    return 2;
  }

  // Seeding wants its ids and times from the seed; a fresh seed per run keeps
  // the ids of one run from colliding with those of the last.
  ManualClock clock(kSeedToday * kNanosPerDay);
  SeededRandom random(seed * 0x9E3779B97F4A7C15ULL + 1);
  app::PlatformOptions options;
  options.data_dir = argv[1];
  options.mode = app::OpenMode::InitialiseIfEmpty;
  // Small steps: more relay windows and commits to land in. The drain mode's
  // are one event each, so that it spends most of its time draining rather
  // than placing the bursts of bookings between its drains.
  options.pump_batch = mode == "drain" ? 1 : 16;
  if (mode == "seed") {
    options.clock = &clock;
    options.random = &random;
  }
  auto platform = orFail(app::Platform::open(options), "open");

  std::mt19937_64 kill_rng(seed ^ 0x5DEECE66DULL);
  platform->pump().relay().testSetAfterAppend([&kill_rng, relay_kill_one_in] {
    if (relay_kill_one_in > 0 && kill_rng() % relay_kill_one_in == 0) {
      say("RELAY-KILL");
      raise(SIGKILL);
    }
  });
  if (mode == "seed") {
    say("READY");
    seedLoop(*platform, clock, seed);
  }
  // The booking modes find or create their properties before READY, so that
  // everything after it is work of a named phase; the drain and rebuild modes
  // also place their first bookings, so that they start in their own phase.
  Booker booker(*platform, seed);
  if (mode == "drain") {
    placeBurst(booker);
  } else if (mode == "rebuild") {
    placeFew(booker);
  }
  say("READY");
  if (mode == "book") {
    bookLoop(*platform, booker);
  } else if (mode == "drain") {
    drainLoop(*platform, booker);
  } else {
    rebuildLoop(*platform, booker);
  }
}
