// A child process for the booking store's process race: opens the real
// SqliteBookingStore on an existing booking.db, as each staylab-cli call
// does, says READY, waits for a byte on stdin (so that all racers start
// together), then places random bookings over a few properties and nights
// and says what became of each attempt:
//   ACK <booking id> <property> <from> <to>
//   REFUSED <property> <from> <to>
//   ERROR <what happened>           (then exits 3)
// and DONE at the end.
//
// Usage: booking_race_child BOOKING_DB SEED ATTEMPTS
#include <unistd.h>

#include <random>
#include <string>

#include "domain/booking/booking_service.h"
#include "tests/support/booking_fixtures.h"
#include "tests/support/child_voice.h"

namespace {

using namespace staylab;

// Few properties and nights: the racers fight over the same ones.
constexpr int kProperties = 3;
constexpr int kNights = 60;
constexpr int kLongestStay = 4;
// 2027-01-01, the clock's "today"; the nights start in June.
constexpr int64_t kToday = 20'819;
constexpr int64_t kNanosPerDay = 86'400'000'000'000LL;

using staylab::testing::say;

[[noreturn]] void fail(const std::string& what) {
  say("ERROR " + what);
  _exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    say("usage: booking_race_child BOOKING_DB SEED ATTEMPTS");
    return 2;
  }
  const uint64_t seed = std::stoull(argv[2]);
  const int attempts = std::stoi(argv[3]);
  auto store = SqliteBookingStore::open({argv[1]});
  if (!store) {
    fail("open: " + store.error().describe());
  }
  testing::FixedPropertyDirectory directory;
  for (int index = 0; index < kProperties; ++index) {
    directory.add(PropertySnapshot{"p" + std::to_string(index), "host", 4, 10000, "EUR", true});
  }
  ManualClock clock(kToday * kNanosPerDay);
  // Ids from the seed: each racer gets its own seed, so its own ids.
  SeededRandom random(seed);
  booking::BookingService service(**store, directory, clock, random);
  const Date first_night = Date::parse("2027-06-01").value();

  say("READY");
  char go = 0;
  if (read(STDIN_FILENO, &go, 1) != 1) {
    fail("no start signal on stdin");
  }
  std::mt19937_64 rng(seed);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const int property = static_cast<int>(rng() % kProperties);
    const int start = static_cast<int>(rng() % (kNights - 1));
    const int end = std::min(start + 1 + static_cast<int>(rng() % kLongestStay), kNights);
    booking::PlaceBooking command;
    command.property_id = "p" + std::to_string(property);
    // The guest names the racer (by its seed), for the test to tell whose a commit was.
    command.guest = "guest-" + std::to_string(seed) + "-" + std::to_string(attempt);
    command.from = first_night.plusDays(start).toString();
    command.to = first_night.plusDays(end).toString();
    const std::string stay = command.property_id + " " + command.from + " " + command.to;
    auto answer = service.place(command, CommandContext{"cmd", "corr", "race"});
    if (answer) {
      say("ACK " + answer->booking.id + " " + stay);
    } else if (answer.error().code == "booking.nights_taken") {
      say("REFUSED " + stay);
    } else {
      fail(stay + ": " + answer.error().describe());
    }
  }
  say("DONE");
  return 0;
}
