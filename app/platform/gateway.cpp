#include "app/platform/gateway.h"

namespace staylab::app {
namespace {

Error forbidden(const Caller& caller, std::string_view what) {
  return Error{ErrorKind::Refused, "gateway.forbidden", "",
               fmt::format("{} '{}' may not {}", toString(caller.role), caller.name, what)};
}

}  // namespace

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
  if (m_saga != nullptr) {
    return m_saga->place(command, newContext(caller));
  }
  return m_bookings.place(command, newContext(caller));
}

Result<std::string> Gateway::submitBooking(const Caller& caller,
                                           const booking::PlaceBooking& command) {
  if (caller.role != Role::Admin && !(caller.role == Role::Guest && command.guest == caller.name)) {
    return std::unexpected(forbidden(caller, "book for guest '" + command.guest + "'"));
  }
  if (m_queue == nullptr)
    return invalidInput("intake", "this platform books synchronously: it has no booking queue");
  return m_queue->submit(command, newContext(caller));
}

Result<BookingRequestStatus> Gateway::bookingStatus(std::string_view status_id) {
  if (m_queue == nullptr)
    return invalidInput("intake", "this platform books synchronously: it has no booking queue");
  return m_queue->status(status_id);
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

Result<SearchPage> Gateway::search(const SearchQuery& query) {
  switch (queryModel()) {
    case QueryModel::ReadModel:
      break;
    case QueryModel::Composition:
      return m_composed_search.search(query);
  }
  if (m_search_index == nullptr) {
    return storeFailure("gateway.search_closed", "the search index is not open");
  }
  return m_search_index->search(query);
}

Result<listing::Property> Gateway::getProperty(std::string_view id) {
  return m_listing.view(id);
}

Result<std::vector<listing::Property>> Gateway::listProperties(
    std::optional<std::string_view> city) {
  return m_listing.list(city);
}

Result<std::vector<booking::Booking>> Gateway::listBookings(const Caller& caller,
                                                            BookingFilter filter) {
  switch (caller.role) {
    case Role::Admin:
    case Role::FraudService:
      break;
    case Role::Guest:
      if (filter.guest_id && *filter.guest_id != caller.name) {
        return std::unexpected(forbidden(caller, "see another guest's bookings"));
      }
      filter.guest_id = caller.name;
      break;
    case Role::Host: {
      if (!filter.property_id) {
        return std::unexpected(Error{ErrorKind::Refused, "gateway.forbidden", "property",
                                     fmt::format("host '{}' lists the bookings of one of its "
                                                 "listings: give --property",
                                                 caller.name)});
      }
      auto property = STAYLAB_TRY(m_listing.get(*filter.property_id));
      if (property.host_id != caller.name) {
        return std::unexpected(forbidden(caller, "see the bookings of another host's listing"));
      }
      break;
    }
  }
  return m_bookings.list(filter);
}

Result<void> Gateway::authorizeHistory(const Caller& caller, std::optional<std::string_view> guest,
                                       std::optional<std::string_view> property_id) {
  if (caller.role == Role::Admin || caller.role == Role::FraudService) {
    return {};
  }
  if (guest) {
    if (caller.role == Role::Guest && *guest == caller.name) {
      return {};
    }
    return std::unexpected(forbidden(caller, "read another guest's history"));
  }
  if (property_id && caller.role == Role::Host) {
    auto property = STAYLAB_TRY(m_listing.get(*property_id));
    if (property.host_id == caller.name) {
      return {};
    }
  }
  return std::unexpected(forbidden(caller, "read this listing's history"));
}

}  // namespace staylab::app
