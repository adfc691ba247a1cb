// The read side (search, history, the event log, fraud suspicions) and the
// server's own state (/health, /metrics).
#include <algorithm>

#include "app/http/routes.h"
#include "app/platform/api_json.h"
#include "app/platform/audit.h"
#include "app/platform/queries.h"

namespace staylab::app::http {
namespace {

Result<Reply> search(Services& services, const RequestContext& request) {
  const QueryParams& query = request.query;
  STAYLAB_TRY(query.onlyKnown(
      {"q", "city", "from", "to", "guests", "max_price", "currency", "amenity", "sort", "page"}));
  SearchRequest search;
  search.text = STAYLAB_TRY(query.one("q"));
  search.city = STAYLAB_TRY(query.one("city"));
  search.from = STAYLAB_TRY(query.one("from"));
  search.to = STAYLAB_TRY(query.one("to"));
  search.guests = STAYLAB_TRY(query.one("guests"));
  search.max_price = STAYLAB_TRY(query.one("max_price"));
  search.currency = STAYLAB_TRY(query.one("currency"));
  search.sort = STAYLAB_TRY(query.one("sort"));
  search.page = STAYLAB_TRY(query.one("page"));
  search.amenities = query.all("amenity");
  SearchQuery built = STAYLAB_TRY(makeSearchQuery(services.platform.gateway(), search));
  auto result = STAYLAB_TRY(services.platform.gateway().search(built));
  nlohmann::json hits = nlohmann::json::array();
  for (const auto& hit : result.hits) {
    hits.push_back(searchHitJson(hit));
  }
  const size_t page = built.offset / kSearchPageSize + 1;
  const bool more = built.offset + result.hits.size() < result.estimated_total &&
                    result.hits.size() == kSearchPageSize;
  Reply reply;
  reply.body = {{"items", std::move(hits)},
                {"page", page},
                {"per_page", kSearchPageSize},
                {"total", result.estimated_total},
                {"next_page", more ? nlohmann::json(page + 1) : nlohmann::json()}};
  return reply;
}

Result<Reply> history(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({"property", "guest"}));
  HistoryRequest history;
  history.property = STAYLAB_TRY(request.query.one("property"));
  history.guest = STAYLAB_TRY(request.query.one("guest"));
  auto answer = STAYLAB_TRY(readHistory(services.platform, request.caller, history));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& cell : answer.cells) {
    items.push_back(historyCellJson(cell));
  }
  Reply reply;
  reply.body = {{answer.by_property ? "property" : "guest", answer.row},
                {"items", std::move(items)}};
  return reply;
}

Result<Reply> events(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({"topic", "from", "limit"}));
  TailRequest tail;
  tail.topic = STAYLAB_TRY(request.query.one("topic"));
  tail.from = STAYLAB_TRY(request.query.one("from"));
  tail.limit = STAYLAB_TRY(request.query.one("limit"));
  auto records = STAYLAB_TRY(tailEvents(services.platform.eventLog(), tail));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& record : records) {
    items.push_back(logRecordJson(record));
  }
  Reply reply;
  reply.body = {{"items", std::move(items)}};
  return reply;
}

Result<Reply> audit(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({"caller"}));
  AuditRequest trail_request;
  trail_request.caller = STAYLAB_TRY(request.query.one("caller"));
  auto trail = STAYLAB_TRY(auditTrail(services.platform.eventLog(), trail_request));
  nlohmann::json items = nlohmann::json::array();
  for (const auto& record : trail) {
    items.push_back(auditEntryJson(record));
  }
  Reply reply;
  reply.body = {{"caller", *trail_request.caller}, {"items", std::move(items)}};
  return reply;
}

Result<Reply> suspicions(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  Result<std::vector<fraud::Suspicion>> read;
  services.pipeline.withConsumers(
      [&](Platform& platform) { read = platform.fraudDetection().detector().suspicions(); });
  std::vector<fraud::Suspicion> found = STAYLAB_TRY(std::move(read));
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.detected_at_nanos, a.id) < std::tie(b.detected_at_nanos, b.id);
  });
  nlohmann::json items = nlohmann::json::array();
  for (const auto& suspicion : found) {
    items.push_back(suspicion.toJson());
  }
  Reply reply;
  reply.body = {{"items", std::move(items)}};
  return reply;
}

Result<Reply> health(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  PipelineStatus status = services.pipeline.status();
  const bool draining = services.draining.load();
  nlohmann::json consumers = nlohmann::json::object();
  for (const auto& lag : status.lags) {
    consumers[lag.name] = {{"lag_events", lag.events}};
  }
  Reply reply;
  reply.status = status.healthy && !draining ? 200 : 503;
  reply.body = {{"status", draining         ? "draining"
                           : status.healthy ? "ready"
                                            : "degraded"},
                {"outbox_depth", status.outbox_depth},
                {"consumers", std::move(consumers)}};
  if (!status.last_error.empty()) {
    reply.body["error"] = status.last_error;
  }
  return reply;
}

Result<Reply> metrics(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  Reply reply;
  reply.text = services.metrics.render(services.pipeline.status());
  reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return reply;
}

}  // namespace

void addReadRoutes(Router& router, Services& services) {
  auto bind = [&services](RouteFunction handler) { return bindRoute(services, handler); };
  router.add({"GET", "/search", "search", bind(search)});
  router.add({"GET", "/history", "history", bind(history)});
  router.add({"GET", "/events", "events tail", bind(events)});
  router.add({"GET", "/fraud/suspicions", "fraud report", bind(suspicions)});
  router.add({"GET", "/audit", "audit", bind(audit)});
  router.add({"GET", "/health", "", bind(health)});
  router.add({"GET", "/metrics", "", bind(metrics)});
}

}  // namespace staylab::app::http
