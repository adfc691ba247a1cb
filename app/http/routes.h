#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>

#include <nlohmann/json.hpp>

#include "app/http/metrics.h"
#include "app/http/pipeline.h"
#include "app/http/router.h"
#include "app/platform/platform.h"

// The API's routes, one file per area: listings (routes_listing.cpp),
// bookings (routes_booking.cpp), and the read side and the server's own
// state (routes_read.cpp).
namespace staylab::app::http {

// What the handlers use; everything outlives the router.
struct Services {
  Platform& platform;
  Pipeline& pipeline;
  Metrics& metrics;
  // How long POST /bookings?consistency=wait waits for search and history. Default: 5 s.
  std::chrono::milliseconds wait_timeout{5000};
  // Set once the server stops taking work (SIGTERM): /health answers 503.
  std::atomic<bool> draining{false};
};

// A route's handler written as a plain function of the services.
using RouteFunction = Result<Reply> (*)(Services&, const RequestContext&);
inline Handler bindRoute(Services& services, RouteFunction function) {
  return
      [&services, function](const RequestContext& request) { return function(services, request); };
}

// POST /properties, GET /properties/{id}, PATCH /properties/{id}, GET /properties.
void addListingRoutes(Router& router, Services& services);
// POST /bookings, POST /bookings/{id}/cancel, GET /bookings.
void addBookingRoutes(Router& router, Services& services);
// GET /search, /history, /events, /fraud/suspicions, /audit, /health, /metrics.
void addReadRoutes(Router& router, Services& services);

// A page of a list: `page` from 1, `per_page` 1..100 (default 20), read from
// the query's page and per_page; InvalidInput naming the parameter otherwise.
struct PageRequest {
  size_t page = 1;
  size_t per_page = 20;
};
[[nodiscard]] Result<PageRequest> pageRequest(const QueryParams& query);
// Returns {"items", "page", "per_page", "total", "next_page"} for one page of
// `all` (a JSON array); next_page is null on the last page.
nlohmann::json pageOf(const nlohmann::json& all, const PageRequest& page);

}  // namespace staylab::app::http
