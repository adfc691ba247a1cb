// A child process for the crash test: places random bookings against the real
// stores in a data directory, in listings of the round's own (created when
// missing), so that every round books free nights. Acknowledges each
// committed booking on stdout ("ACK id property from to") and says each
// refusal ("REFUSED property from to"), until it is killed.
//
// Usage: booking_crash_child DATA_DIR SEED ROUND
#include <unistd.h>

#include <random>
#include <string>

#include "app/platform/platform.h"
#include "tests/support/child_voice.h"

namespace {

// Listings per round, and the nights each offers: enough that a round, however
// long, is refused less often than it is accepted.
constexpr size_t kPropertiesPerRound = 10;
constexpr int kDaysAhead = 365;

using staylab::testing::say;

}  // namespace

int main(int argc, char** argv) {
  using namespace staylab;
  if (argc != 4) {
    say("usage: booking_crash_child DATA_DIR SEED ROUND");
    return 2;
  }
  const std::string host = std::string("host-crash-round-") + argv[3];
  app::PlatformOptions options;
  options.data_dir = argv[1];
  options.mode = app::OpenMode::InitialiseIfEmpty;
  auto platform = app::Platform::open(options);
  if (!platform) {
    say("ERROR " + platform.error().describe());
    return 3;
  }
  auto& listing = (*platform)->listing();
  auto listed = listing.list(std::nullopt);
  if (!listed) {
    say("ERROR " + listed.error().describe());
    return 3;
  }
  std::vector<listing::Property> properties;
  for (auto& property : *listed) {
    if (property.host_id == host) {
      properties.push_back(std::move(property));
    }
  }
  while (properties.size() < kPropertiesPerRound) {
    listing::CreateProperty command{
        host, "Crash test flat", "", "Testville", "80.00", "EUR", 4, {}, "", "", "", ""};
    auto created = listing.create(command, (*platform)->newCommand("test"));
    if (!created) {
      say("ERROR " + created.error().describe());
      return 3;
    }
    properties.push_back(*created);
  }
  std::mt19937_64 rng(std::stoull(argv[2]));
  const Date first = Date::parse("2028-01-01").value();
  say("READY");
  for (;;) {
    const auto& property = properties[rng() % properties.size()];
    int start = static_cast<int>(rng() % kDaysAhead);
    int nights = 1 + static_cast<int>(rng() % 4);
    booking::PlaceBooking command;
    command.property_id = property.id;
    command.guest = "guest-" + std::to_string(rng() % 50);
    command.from = first.plusDays(start).toString();
    command.to = first.plusDays(start + nights).toString();
    const std::string stay = command.property_id + " " + command.from + " " + command.to;
    auto answer = (*platform)->bookings().place(command, (*platform)->newCommand("test"));
    if (answer) {
      say("ACK " + answer->booking.id + " " + stay);
    } else if (answer.error().kind == ErrorKind::Refused) {
      say("REFUSED " + stay);
    } else {
      say("ERROR " + answer.error().describe());
      return 3;
    }
  }
}
