#include "app/platform/booking_queue.h"

#include <fmt/format.h>

#include "domain/common/json_number.h"

namespace staylab::app {
namespace {

constexpr std::string_view kRequested = "PlaceBookingRequested";

nlohmann::json commandJson(const booking::PlaceBooking& command, const CommandContext& context) {
  return {{"property_id", command.property_id},
          {"guest", command.guest},
          {"from", command.from},
          {"to", command.to},
          {"guests", command.guests},
          {"payment", command.payment},
          {"device", command.device},
          {"ip", command.ip},
          {"command_id", context.command_id},
          {"caller", context.caller}};
}

Result<booking::PlaceBooking> commandOf(const nlohmann::json& payload, std::string status_id) {
  try {
    booking::PlaceBooking command;
    command.property_id = payload.at("property_id").get<std::string>();
    command.guest = payload.at("guest").get<std::string>();
    command.from = payload.at("from").get<std::string>();
    command.to = payload.at("to").get<std::string>();
    const std::optional<int64_t> guests = wholeNumber<int64_t>(payload.at("guests"));
    if (!guests) {
      return invalidInput("payload", "a queued booking request's guests is not an integer");
    }
    command.guests = *guests;
    command.payment = payload.at("payment").get<std::string>();
    command.device = payload.at("device").get<std::string>();
    command.ip = payload.at("ip").get<std::string>();
    command.idempotency_key = std::move(status_id);
    return command;
  } catch (const nlohmann::json::exception& error) {
    return invalidInput("payload", "a queued booking request is malformed: {}", error.what());
  }
}

}  // namespace

Result<std::string> BookingQueue::submit(const booking::PlaceBooking& command,
                                         const CommandContext& context) {
  EventEnvelope request;
  request.event_id = newId(m_random, "evt");
  request.type = std::string(kRequested);
  request.aggregate_type = std::string(kTopic);
  request.aggregate_id = newId(m_random, "req");
  request.aggregate_version = 1;
  request.occurred_at_nanos = m_clock.nowNanos();
  request.correlation_id = context.correlation_id;
  request.causation_id = context.command_id;
  request.caller = context.caller;
  request.payload = commandJson(command, context);
  STAYLAB_TRY(m_log.append({request}));
  m_statuses.emplace(request.aggregate_id, BookingRequestStatus{});
  return request.aggregate_id;
}

Result<std::size_t> BookingQueue::drain(std::size_t max) {
  const auto records = STAYLAB_TRY(m_log.read(kTopic, 0, m_next, max));
  std::size_t taken = 0;
  for (const LogRecord& record : records) {
    const EventEnvelope& request = record.event;
    auto command = commandOf(request.payload, request.aggregate_id);
    Result<booking::PlaceBookingAnswer> answer =
        command ? m_bookings.place(*command, CommandContext{request.payload.value("command_id", ""),
                                                            request.correlation_id,
                                                            request.payload.value("caller", "")})
                : Result<booking::PlaceBookingAnswer>(std::unexpected(command.error()));
    if (!answer && answer.error().kind == ErrorKind::StoreFailure)
      return std::unexpected(answer.error());  // Tried again by the next drain.
    m_statuses[request.aggregate_id] =
        BookingRequestStatus{BookingRequestStatus::State::Done, std::move(answer)};
    m_next = record.position.offset + 1;
    ++taken;
  }
  return taken;
}

Result<QueueDepth> BookingQueue::depth() {
  const int64_t end = STAYLAB_TRY(m_log.endOffset(kTopic, 0));
  return QueueDepth{std::max<int64_t>(end - m_next, 0), end};
}

Result<BookingRequestStatus> BookingQueue::status(std::string_view status_id) const {
  auto found = m_statuses.find(status_id);
  if (found == m_statuses.end()) {
    return std::unexpected(Error{ErrorKind::NotFound, "booking.request_unknown", "status",
                                 fmt::format("no queued booking request '{}'", status_id)});
  }
  return found->second;
}

}  // namespace staylab::app
