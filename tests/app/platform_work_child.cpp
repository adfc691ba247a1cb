// A child process for the kill loop and the crash-point tests: opens the whole
// platform on a data directory with the durability the CLI's `serve` uses
// (Full) and runs, continuously and interleaved, every kind of work the
// platform does: single bookings and group commits, cancellations, host
// edits (UpdateProperty), the outbox relay, the search and history
// projections, and fraud detection with the delivery of its actions. It runs
// until it is killed: by the parent (kill loop) or by an armed crash point
// (STAYLAB_CRASH_POINT, support/crash_point.h).
//
// What it says on stdout, one unbuffered line each (tests/support/child_voice.h):
//   ARMED VALUE                    STAYLAB_CRASH_POINT is set to VALUE
//   READY                          the platform is open, the work begins
//   PHASE book|cancel|edit|relay|search|history|fraud
//                                  the unit of work it starts now
//   BOOKING PROPERTY GUEST FROM TO     a booking it is about to ask for
//   BOOKED ID PROPERTY GUEST FROM TO   a booking the platform acknowledged
//   CANCELLING ID                  a cancellation it is about to ask for
//   CANCELLED ID                   a cancellation the platform acknowledged
//   EDITED PROPERTY REVISION       a host edit acknowledged: the property's
//                                  title is now "Kill flat rev REVISION"
//   ERROR ...                      anything unexpected (then exit 3)
//
// Usage: platform_work_child DATA_DIR SEED
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "app/platform/platform.h"
#include "tests/app/platform_work.h"
#include "tests/support/child_voice.h"

namespace {

using namespace staylab;
using staylab::testing::fail;
using staylab::testing::orFail;
using staylab::testing::say;

using testing::work::kCity;
using testing::work::kHost;
using testing::work::kTitlePrefix;
constexpr size_t kProperties = 6;
constexpr int kDaysAhead = 400;
// One booking in this many comes from a small pool of frequent guests, so
// that fraud detection's velocity rule fires and its actions are delivered.
constexpr uint64_t kFrequentGuestOneIn = 6;
constexpr uint64_t kFrequentGuests = 3;

// The work the child does, each acknowledged step said on stdout.
class Workload {
 public:
  Workload(app::Platform& platform, uint64_t seed) : m_platform(platform), m_rng(seed) {
    findOrCreateProperties();
  }

  void placeOne() {
    booking::PlaceBooking command = nextCommand();
    announce(command);
    acknowledge(command, m_platform.gateway().placeBooking(m_admin, command));
  }

  // Places `count` bookings in one group commit (Gateway::placeBookings).
  void placeGroup(size_t count) {
    std::vector<booking::PlaceBooking> commands;
    for (size_t index = 0; index < count; ++index) {
      commands.push_back(nextCommand());
      announce(commands.back());
    }
    auto answers = m_platform.gateway().placeBookings(m_admin, commands);
    for (size_t index = 0; index < count; ++index) {
      acknowledge(commands[index], std::move(answers[index]));
    }
  }

  // Cancels one of the bookings acknowledged in this life, if any is left.
  void cancelOne() {
    if (m_active.empty()) {
      return;
    }
    const size_t index = m_rng() % m_active.size();
    const std::string id = m_active[index];
    m_active.erase(m_active.begin() + static_cast<std::ptrdiff_t>(index));
    say("CANCELLING " + id);
    booking::CancelBooking command{id};
    orFail(m_platform.gateway().cancelBooking(m_admin, command), "cancel " + id);
    say("CANCELLED " + id);
  }

  // Edits one property as its host would: a new title (the next revision) and price.
  void editOne() {
    const size_t index = m_rng() % m_properties.size();
    const uint64_t revision = m_revisions[index] + 1;
    listing::UpdateProperty command;
    command.property_id = m_properties[index];
    command.host = kHost;
    command.title = std::string(kTitlePrefix) + std::to_string(revision);
    command.price = std::to_string(60 + m_rng() % 90) + ".00";
    orFail(m_platform.gateway().updateProperty(m_admin, command), "edit " + command.property_id);
    m_revisions[index] = revision;
    say("EDITED " + command.property_id + " " + std::to_string(revision));
  }

  std::mt19937_64& rng() { return m_rng; }

 private:
  void findOrCreateProperties() {
    for (auto& property :
         orFail(m_platform.gateway().listProperties(std::string_view(kCity)), "list properties")) {
      if (property.host_id == kHost && property.status == listing::PropertyStatus::Active) {
        m_properties.push_back(property.id);
        m_revisions.push_back(testing::work::revisionOf(property.title));
      }
    }
    while (m_properties.size() < kProperties) {
      listing::CreateProperty command;
      command.host = kHost;
      command.title = std::string(kTitlePrefix) + "0";
      command.description = "Killed again and again.";
      command.city = kCity;
      command.price = "80.00";
      command.currency = "EUR";
      command.capacity = 4;
      auto property = orFail(m_platform.gateway().createProperty(m_admin, command), "create");
      m_properties.push_back(property.id);
      m_revisions.push_back(0);
    }
  }

  booking::PlaceBooking nextCommand() {
    const Date first = Date::parse("2029-01-01").value();
    const int start = static_cast<int>(m_rng() % kDaysAhead);
    const int nights = 1 + static_cast<int>(m_rng() % 3);
    booking::PlaceBooking command;
    command.property_id = m_properties[m_rng() % m_properties.size()];
    command.guest = m_rng() % kFrequentGuestOneIn == 0
                        ? "guest-frequent-" + std::to_string(m_rng() % kFrequentGuests)
                        : "guest-" + std::to_string(m_rng() % 1'000'000'000);
    command.from = first.plusDays(start).toString();
    command.to = first.plusDays(start + nights).toString();
    return command;
  }

  // Says what it is about to book, so that the test can bound the copies.
  void announce(const booking::PlaceBooking& command) {
    say("BOOKING " + command.property_id + " " + command.guest + " " + command.from + " " +
        command.to);
  }

  void acknowledge(const booking::PlaceBooking& command,
                   Result<booking::PlaceBookingAnswer> answer) {
    if (answer) {
      m_active.push_back(answer->booking.id);
      say("BOOKED " + answer->booking.id + " " + command.property_id + " " + command.guest + " " +
          command.from + " " + command.to);
    } else if (answer.error().code != "booking.nights_taken") {
      fail("place booking", answer.error());
    }
  }

  const app::Caller m_admin{"kill-loop", app::Role::Admin};
  app::Platform& m_platform;
  std::mt19937_64 m_rng;
  std::vector<std::string> m_properties;
  std::vector<uint64_t> m_revisions;  // Of m_properties, as this life last saw them.
  std::vector<std::string> m_active;  // Bookings acknowledged in this life, not cancelled.
};

[[noreturn]] void workLoop(app::Platform& platform, Workload& work) {
  app::Pump& pump = platform.pump();
  for (uint64_t iteration = 0;; ++iteration) {
    say("PHASE book");
    if (iteration % 3 == 2) {
      work.placeGroup(3 + work.rng()() % 4);
    } else {
      work.placeOne();
    }
    if (iteration % 2 == 1) {
      say("PHASE cancel");
      work.cancelOne();
    }
    if (iteration % 3 == 0) {
      say("PHASE edit");
      work.editOne();
    }
    say("PHASE relay");
    orFail(pump.relayStep(), "relay step");
    say("PHASE search");
    orFail(pump.consumerStep(platform.searchProjection()), "search step");
    say("PHASE history");
    orFail(pump.consumerStep(platform.historyProjection()), "history step");
    say("PHASE fraud");
    orFail(pump.fraudStep(), "fraud step");
    orFail(pump.deliverFraudActions(), "fraud actions");
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    say("usage: platform_work_child DATA_DIR SEED");
    return 2;
  }
  if (const char* armed = std::getenv("STAYLAB_CRASH_POINT"); armed != nullptr) {
    say(std::string("ARMED ") + armed);
  }
  app::PlatformOptions options;
  options.data_dir = argv[1];
  options.mode = app::OpenMode::InitialiseIfEmpty;
  options.durability = app::Durability::Full;
  // Small steps, and fraud detection's state written often: more commits and
  // more of each kind to land in.
  options.pump_batch = 8;
  options.fraud_save_every_events = 16;
  auto platform = orFail(app::Platform::open(options), "open");
  Workload work(*platform, std::stoull(argv[2]));
  say("READY");
  workLoop(*platform, work);
}
