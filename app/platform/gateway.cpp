#include "app/platform/gateway.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace staylab::app {
namespace {

Error forbidden(const Caller& caller, std::string_view what) {
  return Error{ErrorKind::Refused, "gateway.forbidden", "",
               fmt::format("{} '{}' may not {}", toString(caller.role), caller.name, what)};
}

}  // namespace

std::string_view toString(Role role) {
  switch (role) {
    case Role::Guest:
      return "guest";
    case Role::Host:
      return "host";
    case Role::FraudService:
      return "fraud-service";
    case Role::Admin:
      return "admin";
  }
  return "unknown";
}

Result<Role> parseRole(std::string_view text) {
  for (Role role : {Role::Guest, Role::Host, Role::FraudService, Role::Admin}) {
    if (toString(role) == text) {
      return role;
    }
  }
  return invalidInput("role", "'{}' is not one of guest, host, fraud-service, admin", text);
}

Result<std::unique_ptr<KeyRing>> KeyRing::open(std::filesystem::path file) {
  std::unique_ptr<KeyRing> ring(new KeyRing(std::move(file)));
  std::ifstream in(ring->m_file);
  if (!in) {
    return ring;  // No keys issued yet.
  }
  std::stringstream text;
  text << in.rdbuf();
  auto json = nlohmann::json::parse(text.str(), nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("keys") ||
      !json["keys"].is_array()) {
    return storeFailure("gateway.keys_corrupt", "{} is not a valid key file",
                        ring->m_file.string());
  }
  for (const auto& entry : json["keys"]) {
    if (!entry.is_object() || !entry.value("key", nlohmann::json()).is_string() ||
        !entry.value("caller", nlohmann::json()).is_string() ||
        !entry.value("role", nlohmann::json()).is_string()) {
      return storeFailure("gateway.keys_corrupt", "{} holds a malformed key entry",
                          ring->m_file.string());
    }
    auto role = parseRole(entry["role"].get<std::string>());
    if (!role) {
      return storeFailure("gateway.keys_corrupt", "{}: {}", ring->m_file.string(),
                          role.error().message);
    }
    ring->m_keys[entry["key"].get<std::string>()] =
        Caller{entry["caller"].get<std::string>(), *role};
  }
  return ring;
}

Result<Caller> KeyRing::authenticate(std::string_view api_key) const {
  std::lock_guard lock(m_mutex);
  auto it = m_keys.find(std::string(api_key));
  if (it == m_keys.end()) {
    return std::unexpected(Error{ErrorKind::Refused, "gateway.unauthenticated", "api-key",
                                 "the API key is not known"});
  }
  return it->second;
}

Result<std::string> KeyRing::issue(const Caller& caller, RandomSource& random) {
  std::string key = fmt::format("sk_{:016x}{:016x}", random.next64(), random.next64());
  {
    std::lock_guard lock(m_mutex);
    m_keys[key] = caller;
  }
  auto saved = save();
  if (!saved) {
    std::lock_guard lock(m_mutex);
    m_keys.erase(key);
    return std::unexpected(saved.error());
  }
  return key;
}

std::map<std::string, Caller> KeyRing::keys() const {
  std::lock_guard lock(m_mutex);
  return m_keys;
}

Result<void> KeyRing::save() const {
  nlohmann::json keys = nlohmann::json::array();
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [key, caller] : m_keys) {
      keys.push_back({{"key", key}, {"caller", caller.name}, {"role", toString(caller.role)}});
    }
  }
  std::string text = nlohmann::json{{"keys", keys}}.dump(2) + "\n";
  auto temporary = m_file;
  temporary += ".tmp";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return storeFailure("gateway.keys_write", "cannot write {}", temporary.string());
  }
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  ::close(fd);
  std::error_code error;
  if (written) {
    std::filesystem::rename(temporary, m_file, error);
  }
  if (!written || error) {
    return storeFailure("gateway.keys_write", "cannot save {}", m_file.string());
  }
  return {};
}

CommandContext Gateway::newContext(const Caller& caller, std::string correlation_id) {
  std::string command_id = newId(m_random, "cmd");
  if (correlation_id.empty()) {
    correlation_id = command_id;
  }
  return CommandContext{command_id, std::move(correlation_id), caller.name};
}

Result<listing::Property> Gateway::createProperty(const Caller& caller,
                                                  const listing::CreateProperty& command) {
  if (caller.role != Role::Admin && !(caller.role == Role::Host && command.host == caller.name)) {
    return std::unexpected(forbidden(caller, "create listings for host '" + command.host + "'"));
  }
  return m_listing.create(command, newContext(caller));
}

Result<listing::Property> Gateway::updateProperty(const Caller& caller,
                                                  const listing::UpdateProperty& command) {
  if (caller.role != Role::Admin) {
    if (caller.role != Role::Host) {
      return std::unexpected(forbidden(caller, "edit listings"));
    }
    auto current = STAYLAB_TRY(m_listing.get(command.property_id));
    if (current.host_id != caller.name) {
      return std::unexpected(forbidden(caller, "edit another host's listing"));
    }
  }
  return m_listing.update(command, newContext(caller));
}

Result<listing::Property> Gateway::markPropertyFraud(const Caller& caller,
                                                     const listing::MarkPropertyFraud& command,
                                                     std::optional<CommandContext> context) {
  if (caller.role != Role::Admin && caller.role != Role::FraudService) {
    return std::unexpected(forbidden(caller, "suspend listings"));
  }
  CommandContext chosen = context ? *context : newContext(caller);
  chosen.caller = caller.name;
  return m_listing.markFraud(command, chosen);
}

Result<booking::PlaceBookingAnswer> Gateway::placeBooking(const Caller& caller,
                                                          const booking::PlaceBooking& command) {
  if (caller.role != Role::Admin && !(caller.role == Role::Guest && command.guest == caller.name)) {
    return std::unexpected(forbidden(caller, "book for guest '" + command.guest + "'"));
  }
  return m_bookings.place(command, newContext(caller));
}

std::vector<Result<booking::PlaceBookingAnswer>> Gateway::placeBookings(
    const Caller& caller, const std::vector<booking::PlaceBooking>& commands) {
  std::vector<Result<booking::PlaceBookingAnswer>> answers(commands.size());
  std::vector<size_t> allowed;
  std::vector<booking::PlaceBooking> forwarded;
  std::vector<CommandContext> contexts;
  for (size_t index = 0; index < commands.size(); ++index) {
    const booking::PlaceBooking& command = commands[index];
    if (caller.role != Role::Admin &&
        !(caller.role == Role::Guest && command.guest == caller.name)) {
      answers[index] = std::unexpected(forbidden(caller, "book for guest '" + command.guest + "'"));
      continue;
    }
    allowed.push_back(index);
    forwarded.push_back(command);
    contexts.push_back(newContext(caller));
  }
  auto placed = m_bookings.placeMany(forwarded, contexts);
  for (size_t position = 0; position < allowed.size(); ++position) {
    answers[allowed[position]] = std::move(placed[position]);
  }
  return answers;
}

Result<booking::Booking> Gateway::cancelBooking(const Caller& caller,
                                                const booking::CancelBooking& command) {
  if (caller.role != Role::Admin) {
    auto booking = STAYLAB_TRY(m_bookings.get(command.booking_id));
    if (caller.role != Role::Guest || booking.guest_id != caller.name) {
      return std::unexpected(forbidden(caller, "cancel another guest's booking"));
    }
  }
  return m_bookings.cancel(command, newContext(caller));
}

Result<listing::Property> Gateway::getProperty(std::string_view id) {
  return m_listing.get(id);
}

Result<std::vector<listing::Property>> Gateway::listProperties(
    std::optional<std::string_view> city) {
  return m_listing.list(city);
}

Result<std::vector<booking::Booking>> Gateway::listBookings(const BookingFilter& filter) {
  return m_bookings.list(filter);
}

}  // namespace staylab::app
