#include "app/platform/seed.h"

#include <array>

#include <fmt/ranges.h>

#include "domain/ports/random.h"

namespace staylab::app {
namespace {

struct City {
  const char* name;
  const char* currency;
  int base_price;  // Major units per night.
  std::array<const char*, 3> quarters;
};

constexpr std::array kCities{
    City{"Lisbon", "EUR", 90, {"Alfama", "Bairro Alto", "Belém"}},
    City{"Porto", "EUR", 75, {"Ribeira", "Foz", "Bonfim"}},
    City{"Barcelona", "EUR", 120, {"Gràcia", "El Born", "Poblenou"}},
    City{"Paris", "EUR", 150, {"Le Marais", "Montmartre", "Saint-Germain"}},
    City{"Berlin", "EUR", 95, {"Kreuzberg", "Mitte", "Prenzlauer Berg"}},
    City{"Amsterdam", "EUR", 160, {"Jordaan", "De Pijp", "Oost"}},
    City{"Rome", "EUR", 110, {"Trastevere", "Monti", "Prati"}},
    City{"London", "GBP", 140, {"Shoreditch", "Camden", "Notting Hill"}},
    City{"Edinburgh", "GBP", 100, {"Old Town", "Leith", "Stockbridge"}},
    City{"Copenhagen", "DKK", 1100, {"Nørrebro", "Vesterbro", "Christianshavn"}},
    City{"Oslo", "NOK", 1300, {"Grünerløkka", "Frogner", "Bjørvika"}},
    City{"Zurich", "CHF", 170, {"Altstadt", "Seefeld", "Kreis 5"}},
    City{"New York", "USD", 210, {"Brooklyn Heights", "the West Village", "Harlem"}},
    City{"San Francisco", "USD", 230, {"the Mission", "North Beach", "Noe Valley"}},
    City{"Tokyo", "JPY", 16000, {"Shibuya", "Asakusa", "Shimokitazawa"}},
    City{"Sydney", "AUD", 190, {"Bondi", "Surry Hills", "Manly"}},
};

constexpr std::array kAdjectives{"Sunny",  "Quiet",  "Cosy",    "Bright", "Spacious", "Charming",
                                 "Modern", "Rustic", "Elegant", "Airy",   "Hidden",   "Historic"};
constexpr std::array kKinds{"studio",  "loft",      "apartment", "flat",   "townhouse",
                            "cottage", "penthouse", "room",      "duplex", "garden house"};
constexpr std::array kFeatures{"with a balcony",    "near the river",   "with a roof terrace",
                               "by the old market", "with a sea view",  "close to the park",
                               "with a fireplace",  "over the harbour", "in a quiet courtyard",
                               "near the station"};
constexpr std::array kAmenities{"wifi",     "kitchen",          "washer",  "parking",   "pool",
                                "hot tub",  "air conditioning", "heating", "workspace", "balcony",
                                "sea view", "pets allowed",     "sauna",   "fireplace", "elevator"};
constexpr std::array kDescriptions{
    "Light pours in through tall windows in the morning.",
    "A short walk from cafés, bakeries and the market.",
    "The bedroom faces the courtyard, so nights are quiet.",
    "Fast wifi and a proper desk make it easy to work from here.",
    "The kitchen has everything for a long stay.",
    "Trams and buses stop around the corner.",
    "Hosts live nearby and answer within the hour.",
    "Fresh linen and towels are included.",
};

// Picks from the seed's own generator, independent of the platform's id source.
class Picker {
 public:
  explicit Picker(uint64_t seed) : m_random(seed) {}
  uint64_t below(uint64_t bound) { return m_random.next64() % bound; }
  template <typename Array>
  auto pick(const Array& values) {
    return values[below(values.size())];
  }

 private:
  SeededRandom m_random;
};

// Ordinary bookings placed per store commit.
constexpr size_t kBookingGroup = 64;

std::string documentationIp(uint64_t index) {
  // A unique address per account from the IPv6 documentation prefix (RFC 3849):
  // never a real host, and no two ordinary accounts share one by accident.
  return fmt::format("2001:db8::{:x}:{:x}", (index >> 16) & 0xffff, index & 0xffff);
}

}  // namespace

Result<SeedReport> seedDemoData(Gateway& gateway, ManualClock& clock, const SeedOptions& options) {
  if (options.properties < 1 || options.properties > 100'000) {
    return invalidInput("properties", "must be 1..100000, got {}", options.properties);
  }
  const Caller admin{"seed", Role::Admin};
  Picker picker(options.seed);
  SeedReport report;
  auto tick = [&](int64_t max_minutes) {
    clock.advance((1 + static_cast<int64_t>(picker.below(static_cast<uint64_t>(max_minutes)))) *
                  60'000'000'000LL);
  };

  int host_count = std::max(1, options.properties / 3);
  int guest_count = std::max(4, options.properties * 2);
  std::vector<listing::Property> properties;
  properties.reserve(static_cast<size_t>(options.properties));
  for (int index = 0; index < options.properties; ++index) {
    const City& city = picker.pick(kCities);
    int host = static_cast<int>(picker.below(static_cast<uint64_t>(host_count)));
    listing::CreateProperty command;
    command.host = fmt::format("host-{:05}", host);
    command.city = city.name;
    // Each draw is its own statement: the order in which a call's arguments
    // are evaluated is unspecified, and differs between compilers. These
    // draw from the last word to the first, the order a seed's data has
    // always had.
    const char* quarter = picker.pick(city.quarters);
    const char* feature = picker.pick(kFeatures);
    const char* kind = picker.pick(kKinds);
    const char* adjective = picker.pick(kAdjectives);
    command.title = fmt::format("{} {} {} in {}", adjective, kind, feature, quarter);
    std::array<const char*, 3> sentences;
    for (size_t sentence = sentences.size(); sentence-- > 0;) {
      sentences[sentence] = picker.pick(kDescriptions);
    }
    command.description = fmt::format("{}", fmt::join(sentences, " "));
    int64_t price = city.base_price * (60 + static_cast<int64_t>(picker.below(120))) / 100;
    command.price = std::to_string(std::max<int64_t>(price, 1));
    command.currency = city.currency;
    command.capacity = 1 + static_cast<int64_t>(picker.below(8));
    const size_t amenity_count = 2 + picker.below(5);  // Drawn once, not per iteration.
    for (size_t amenity = 0; amenity < amenity_count; ++amenity) {
      command.amenities.push_back(picker.pick(kAmenities));
    }
    command.payment = fmt::format("payout-h{:05}", host);
    command.device = fmt::format("device-h{:05}", host);
    command.ip = documentationIp(static_cast<uint64_t>(host) * 2);
    tick(30);
    properties.push_back(STAYLAB_TRY(gateway.createProperty(admin, command)));
  }

  auto command_for = [&](const std::string& guest, const listing::Property& property, int start,
                         int nights, std::string payment, std::string device, std::string ip) {
    booking::PlaceBooking command;
    command.property_id = property.id;
    command.guest = guest;
    // The seed's clock runs on while it books (event times spread over the
    // listings and bookings it makes), and a stay may not start in the past:
    // a stay's offsets count from the later of first_night and tomorrow.
    const int64_t tomorrow = clock.nowNanos() / 86'400'000'000'000LL + 1;
    const Date base = std::max(options.first_night, Date::fromDays(tomorrow).value_or(Date()));
    command.from = base.plusDays(start).toString();
    command.to = base.plusDays(start + nights).toString();
    command.guests =
        1 + static_cast<int64_t>(picker.below(static_cast<uint64_t>(property.capacity)));
    command.payment = std::move(payment);
    command.device = std::move(device);
    command.ip = std::move(ip);
    return command;
  };
  auto count = [&](const Result<booking::PlaceBookingAnswer>& answer) -> Result<void> {
    if (answer) {
      ++report.bookings;
    } else if (answer.error().code == "booking.nights_taken") {
      ++report.rejected;
    } else {
      return std::unexpected(answer.error());
    }
    return {};
  };
  auto book = [&](const std::string& guest, const listing::Property& property, int start,
                  int nights, std::string payment, std::string device,
                  std::string ip) -> Result<void> {
    return count(
        gateway.placeBooking(admin, command_for(guest, property, start, nights, std::move(payment),
                                                std::move(device), std::move(ip))));
  };

  // The ordinary bookings go through the gateway in groups that share one
  // store commit (Gateway::placeBookings); a group is placed at the time of
  // its last booking.
  std::vector<booking::PlaceBooking> group;
  auto place_group = [&]() -> Result<void> {
    for (const auto& answer : gateway.placeBookings(admin, group)) {
      STAYLAB_TRY(count(answer));
    }
    group.clear();
    return {};
  };
  for (const auto& property : properties) {
    int stays = static_cast<int>(picker.below(6));
    for (int stay = 0; stay < stays; ++stay) {
      int guest = static_cast<int>(picker.below(static_cast<uint64_t>(guest_count)));
      tick(40);
      // Drawn in sequence, nights before start (see the title above).
      const int nights = 1 + static_cast<int>(picker.below(7));
      const int start = static_cast<int>(picker.below(358));
      group.push_back(command_for(fmt::format("guest-{:05}", guest), property, start, nights,
                                  fmt::format("card-g{:05}", guest),
                                  fmt::format("device-g{:05}", guest),
                                  documentationIp(static_cast<uint64_t>(guest) * 2 + 1)));
      if (group.size() == kBookingGroup) {
        STAYLAB_TRY(place_group());
      }
    }
  }
  STAYLAB_TRY(place_group());
  report.properties = static_cast<int>(properties.size());

  if (properties.size() < 12) {
    return report;
  }
  // Planted fraud, one case per rule, on stays far enough out not to collide
  // with the ordinary bookings above (which end within 365 nights).
  const int far = 400;

  // Self-dealing: a host books its own listing with its payout card.
  const auto& own = properties[1];
  tick(30);
  STAYLAB_TRY(book("guest-selfdeal", own, far, 2, own.host_signals.payout_fingerprint,
                   "device-selfdeal", "192.0.2.250"));
  report.planted.push_back(
      fmt::format("self-dealing: host {} books its own listing {}", own.host_id, own.id));

  // One card, three guest accounts.
  for (int guest = 0; guest < 3; ++guest) {
    tick(60);
    STAYLAB_TRY(book(fmt::format("guest-cardshare-{}", guest),
                     properties[3 + static_cast<size_t>(guest)], far + 10, 2, "card-shared-0001",
                     fmt::format("device-cardshare-{}", guest),
                     fmt::format("198.51.100.{}", 240 + guest)));
  }
  report.planted.push_back("shared payment: card-shared-0001 used by 3 guest accounts");

  // Velocity: five bookings within a few hours.
  for (int stay = 0; stay < 5; ++stay) {
    clock.advance(20LL * 60'000'000'000LL);
    STAYLAB_TRY(book("guest-rush", properties[6 + static_cast<size_t>(stay)], far + 20, 1,
                     "card-rush", "device-rush", "203.0.113.250"));
  }
  report.planted.push_back("velocity: guest-rush books 5 stays within 2 hours");

  // A ring: three guests and a host chained by a shared device, IP and card;
  // one ring member books the ring host's listing.
  listing::CreateProperty ring_listing;
  ring_listing.host = "host-ring";
  ring_listing.title = "Harbour view apartment, instant booking";
  ring_listing.description = "Too good to be true.";
  ring_listing.city = "Lisbon";
  ring_listing.price = "49";
  ring_listing.currency = "EUR";
  ring_listing.capacity = 4;
  ring_listing.amenities = {"wifi", "sea view"};
  ring_listing.payment = "payout-ring";
  ring_listing.device = "device-ring-host";
  ring_listing.ip = "203.0.113.251";
  tick(30);
  auto ring_property = STAYLAB_TRY(gateway.createProperty(admin, ring_listing));
  ++report.properties;
  tick(30);
  STAYLAB_TRY(book("guest-ring-a", ring_property, far + 30, 3, "card-ring-a", "device-ring-1",
                   "192.0.2.251"));
  tick(30);
  STAYLAB_TRY(book("guest-ring-b", properties[11], far + 30, 3, "card-ring-b", "device-ring-1",
                   "198.51.100.251"));
  tick(30);
  STAYLAB_TRY(book("guest-ring-c", properties[10], far + 40, 3, "payout-ring", "device-ring-c",
                   "198.51.100.251"));
  report.planted.push_back(fmt::format(
      "ring: guest-ring-a, guest-ring-b, guest-ring-c and host-ring linked by device, IP and "
      "card; guest-ring-a books {}",
      ring_property.id));
  return report;
}

}  // namespace staylab::app
