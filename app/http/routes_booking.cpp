// Bookings: place (idempotent with Idempotency-Key), cancel and list.
#include <chrono>

#include "app/http/json_body.h"
#include "app/http/routes.h"
#include "app/platform/api_json.h"
#include "app/platform/input.h"
#include "domain/common/text.h"

namespace staylab::app::http {
namespace {

Result<Reply> placeBooking(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({"consistency"}));
  const std::string consistency =
      STAYLAB_TRY(request.query.one("consistency")).value_or("eventual");
  if (consistency != "eventual" && consistency != "wait") {
    return invalidInput("consistency", "must be eventual or wait, got '{}'",
                        isValidUtf8(consistency) ? consistency : "(not UTF-8)");
  }
  auto body = STAYLAB_TRY(JsonBody::parse(request.body));
  STAYLAB_TRY(
      body.onlyKnown({"property", "guest", "from", "to", "guests", "payment", "device", "ip"}));
  booking::PlaceBooking command;
  command.property_id = STAYLAB_TRY(
      idText(STAYLAB_TRY(required(STAYLAB_TRY(body.text("property")), "property")), "property"));
  command.guest = STAYLAB_TRY(required(STAYLAB_TRY(body.text("guest")), "guest"));
  command.from = STAYLAB_TRY(required(STAYLAB_TRY(body.text("from")), "from"));
  command.to = STAYLAB_TRY(required(STAYLAB_TRY(body.text("to")), "to"));
  command.guests = STAYLAB_TRY(body.integer("guests")).value_or(1);
  command.payment = STAYLAB_TRY(body.text("payment")).value_or("");
  command.device = STAYLAB_TRY(body.text("device")).value_or("");
  command.ip = STAYLAB_TRY(body.text("ip")).value_or("");
  if (auto key = request.header("Idempotency-Key")) {
    if (key->empty() || key->size() > 255 || !isValidUtf8(*key)) {
      return invalidInput("idempotency-key", "must be 1..255 bytes of text, got {} bytes",
                          key->size());
    }
    command.idempotency_key = *key;
  }
  auto answer = services.platform.gateway().placeBooking(request.caller, command);
  // A refused booking commits too (a Rejected booking and its event).
  const uint64_t ticket = services.pipeline.committed();
  auto placed = STAYLAB_TRY(std::move(answer));
  Reply reply;
  reply.status = 201;
  reply.body = bookingJson(placed.booking);
  reply.body["replayed"] = placed.replayed;
  if (placed.replayed) {
    reply.headers.emplace_back("Idempotent-Replayed", "true");
  }
  nlohmann::json applied{{"mode", consistency}};
  if (consistency == "wait") {
    const auto started = std::chrono::steady_clock::now();
    const bool caught_up = services.pipeline.waitUntilApplied(ticket, services.wait_timeout);
    applied["search"] = caught_up;
    applied["history"] = caught_up;
    applied["waited_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();
  }
  reply.body["consistency"] = applied;
  return reply;
}

Result<Reply> cancelBooking(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  if (!request.body.empty()) {
    auto body = STAYLAB_TRY(JsonBody::parse(request.body));
    STAYLAB_TRY(body.onlyKnown({}));
  }
  auto id = STAYLAB_TRY(idText(request.params.at(0), "booking"));
  auto cancelled =
      services.platform.gateway().cancelBooking(request.caller, booking::CancelBooking{id});
  services.pipeline.committed();
  Reply reply;
  reply.body = bookingJson(STAYLAB_TRY(std::move(cancelled)));
  return reply;
}

Result<Reply> listBookings(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({"property", "guest", "page", "per_page"}));
  auto page = STAYLAB_TRY(pageRequest(request.query));
  BookingFilter filter;
  if (auto property = STAYLAB_TRY(request.query.one("property"))) {
    filter.property_id = STAYLAB_TRY(idText(*property, "property"));
  }
  if (auto guest = STAYLAB_TRY(request.query.one("guest"))) {
    filter.guest_id = STAYLAB_TRY(handle(*guest, "guest"));
  }
  auto found = STAYLAB_TRY(services.platform.gateway().listBookings(request.caller, filter));
  nlohmann::json all = nlohmann::json::array();
  for (const auto& item : found) {
    all.push_back(bookingJson(item));
  }
  Reply reply;
  reply.body = pageOf(all, page);
  return reply;
}

}  // namespace

void addBookingRoutes(Router& router, Services& services) {
  auto bind = [&services](RouteFunction handler) { return bindRoute(services, handler); };
  router.add({"POST", "/bookings", "book", bind(placeBooking)});
  router.add({"GET", "/bookings", "bookings list", bind(listBookings)});
  router.add({"POST", "/bookings/{id}/cancel", "cancel", bind(cancelBooking)});
}

}  // namespace staylab::app::http
