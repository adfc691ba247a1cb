#include "app/platform/api_json.h"

#include "app/platform/audit.h"
#include "domain/common/money.h"

namespace staylab::app {

std::string formatMoney(int64_t minor_units, const std::string& currency) {
  auto parsed = Currency::parse(currency);
  if (!parsed) {
    return fmt::format("{} (minor units) {}", minor_units, currency);
  }
  auto money = Money::fromMinor(minor_units, *parsed);
  return money ? money->toString() : fmt::format("{} {}", minor_units, currency);
}

namespace {

std::string decimal(int64_t minor_units, const std::string& currency) {
  auto parsed = Currency::parse(currency);
  if (!parsed) {
    return std::to_string(minor_units);
  }
  auto money = Money::fromMinor(minor_units, *parsed);
  return money ? money->toDecimalString() : std::to_string(minor_units);
}

}  // namespace

nlohmann::json propertyJson(const listing::Property& property) {
  return nlohmann::json{
      {"id", property.id},
      {"host", property.host_id},
      {"title", property.title},
      {"description", property.description},
      {"city", property.city},
      {"amenities", property.amenities},
      {"capacity", property.capacity},
      {"price", decimal(property.price_minor, property.currency)},
      {"price_minor", property.price_minor},
      {"currency", property.currency},
      {"status", std::string(listing::toString(property.status))},
      {"suspension_reason", property.suspension_reason},
      {"version", property.version},
  };
}

nlohmann::json bookingJson(const booking::Booking& booking) {
  nlohmann::json json{
      {"booking_id", booking.id},
      {"status", std::string(booking::toString(booking.status))},
      {"property_id", booking.property_id},
      {"guest", booking.guest_id},
      {"from", booking.check_in.toString()},
      {"to", booking.check_out.toString()},
      {"nights", booking.nights()},
      {"guests", booking.guests},
      {"total", decimal(booking.total_minor, booking.currency)},
      {"total_minor", booking.total_minor},
      {"currency", booking.currency},
      {"version", booking.version},
  };
  if (!booking.rejection_reason.empty()) {
    json["reason"] = booking.rejection_reason;
  }
  return json;
}

nlohmann::json errorJson(const Error& error) {
  return nlohmann::json{{"error",
                         {{"kind", std::string(toString(error.kind))},
                          {"code", error.code},
                          {"field", error.field},
                          {"message", error.message}}}};
}

std::string dumpJson(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json searchHitJson(const SearchHit& hit) {
  return nlohmann::json{{"id", hit.id},
                        {"title", hit.title},
                        {"city", hit.city},
                        {"price", formatMoney(hit.price_minor, hit.currency)},
                        {"price_minor", hit.price_minor},
                        {"currency", hit.currency},
                        {"relevance", hit.relevance}};
}

nlohmann::json historyCellJson(const Cell& cell) {
  auto value = nlohmann::json::parse(cell.value, nullptr, false);
  return nlohmann::json{{"booking_id", cell.qualifier},
                        {"version", cell.timestamp},
                        {"change", value.is_discarded() ? nlohmann::json(cell.value) : value}};
}

nlohmann::json logRecordJson(const LogRecord& record) {
  return nlohmann::json{{"topic", record.position.topic},
                        {"partition", record.position.partition},
                        {"offset", record.position.offset},
                        {"event", record.event.toJson()}};
}

nlohmann::json auditEntryJson(const LogRecord& record) {
  const EventEnvelope& event = record.event;
  return nlohmann::json{{"occurred_at", event.occurred_at_nanos},
                        {"type", event.type},
                        {"aggregate_type", event.aggregate_type},
                        {"aggregate_id", event.aggregate_id},
                        {"event_id", event.event_id},
                        {"caller", event.caller},
                        {"summary", auditSummary(event)},
                        {"topic", record.position.topic},
                        {"partition", record.position.partition},
                        {"offset", record.position.offset}};
}

}  // namespace staylab::app
