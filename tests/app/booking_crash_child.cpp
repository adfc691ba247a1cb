// A child process for the crash test: places random bookings against the real
// stores in a data directory and acknowledges each committed one on stdout,
// until it is killed.
#include <unistd.h>

#include <random>
#include <string>

#include "app/platform/platform.h"

namespace {

void say(const std::string& line) {
  std::string text = line + "\n";
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t written = write(STDOUT_FILENO, data, left);
    if (written <= 0) {
      _exit(3);
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace staylab;
  if (argc != 3) {
    say("usage: booking_crash_child DATA_DIR SEED");
    return 2;
  }
  app::PlatformOptions options;
  options.data_dir = argv[1];
  options.mode = app::OpenMode::InitialiseIfEmpty;
  auto platform = app::Platform::open(options);
  if (!platform) {
    say("ERROR " + platform.error().describe());
    return 3;
  }
  auto& listing = (*platform)->listing();
  auto properties = listing.list(std::nullopt).value();
  while (properties.size() < 5) {
    listing::CreateProperty command{
        "host-crash", "Crash test flat", "", "Testville", "80.00", "EUR", 4, {}, "", "", ""};
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
  for (uint64_t attempt = 0;; ++attempt) {
    const auto& property = properties[rng() % properties.size()];
    int start = static_cast<int>(rng() % 200);
    int nights = 1 + static_cast<int>(rng() % 4);
    booking::PlaceBooking command;
    command.property_id = property.id;
    command.guest = "guest-" + std::to_string(rng() % 50);
    command.from = first.plusDays(start).toString();
    command.to = first.plusDays(start + nights).toString();
    auto answer = (*platform)->bookings().place(command, (*platform)->newCommand("test"));
    if (answer) {
      say("ACK " + answer->booking.id + " " + command.property_id + " " + command.from + " " +
          command.to);
    } else if (answer.error().kind != ErrorKind::Refused) {
      say("ERROR " + answer.error().describe());
      return 3;
    }
  }
}
