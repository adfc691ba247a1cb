// Listings: create, show, change and list.
#include "app/http/json_body.h"
#include "app/http/routes.h"
#include "app/platform/api_json.h"
#include "app/platform/input.h"
#include "domain/common/text.h"

namespace staylab::app::http {
namespace {

// Refuses a member that is not a listing's field.
Result<void> onlyListingFields(const JsonBody& body) {
  return body.onlyKnown({"host", "title", "description", "city", "price", "currency", "capacity",
                         "amenities", "payment", "device", "ip"});
}

Result<Reply> createProperty(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  auto body = STAYLAB_TRY(JsonBody::parse(request.body));
  STAYLAB_TRY(onlyListingFields(body));
  listing::CreateProperty command;
  command.host = STAYLAB_TRY(required(STAYLAB_TRY(body.text("host")), "host"));
  command.title = STAYLAB_TRY(required(STAYLAB_TRY(body.text("title")), "title"));
  command.description = STAYLAB_TRY(body.text("description")).value_or("");
  command.city = STAYLAB_TRY(required(STAYLAB_TRY(body.text("city")), "city"));
  command.price = STAYLAB_TRY(required(STAYLAB_TRY(body.decimal("price")), "price"));
  command.currency = STAYLAB_TRY(required(STAYLAB_TRY(body.text("currency")), "currency"));
  command.capacity = STAYLAB_TRY(required(STAYLAB_TRY(body.integer("capacity")), "capacity"));
  command.amenities = STAYLAB_TRY(body.texts("amenities")).value_or(std::vector<std::string>{});
  command.payment = STAYLAB_TRY(body.text("payment")).value_or("");
  command.device = STAYLAB_TRY(body.text("device")).value_or("");
  command.ip = STAYLAB_TRY(body.text("ip")).value_or("");
  auto created = services.platform.gateway().createProperty(request.caller, command);
  services.pipeline.committed();
  Reply reply;
  reply.status = 201;
  reply.body = propertyJson(STAYLAB_TRY(std::move(created)));
  reply.headers.emplace_back("Location", "/properties/" + reply.body["id"].get<std::string>());
  return reply;
}

Result<Reply> updateProperty(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  auto body = STAYLAB_TRY(JsonBody::parse(request.body));
  STAYLAB_TRY(onlyListingFields(body));
  listing::UpdateProperty command;
  command.property_id = STAYLAB_TRY(idText(request.params.at(0), "property"));
  command.host = STAYLAB_TRY(body.text("host"));
  command.title = STAYLAB_TRY(body.text("title"));
  command.description = STAYLAB_TRY(body.text("description"));
  command.city = STAYLAB_TRY(body.text("city"));
  command.price = STAYLAB_TRY(body.decimal("price"));
  command.currency = STAYLAB_TRY(body.text("currency"));
  command.capacity = STAYLAB_TRY(body.integer("capacity"));
  command.amenities = STAYLAB_TRY(body.texts("amenities"));
  command.payment = STAYLAB_TRY(body.text("payment"));
  command.device = STAYLAB_TRY(body.text("device"));
  command.ip = STAYLAB_TRY(body.text("ip"));
  auto updated = services.platform.gateway().updateProperty(request.caller, command);
  services.pipeline.committed();
  Reply reply;
  reply.body = propertyJson(STAYLAB_TRY(std::move(updated)));
  return reply;
}

Result<Reply> getProperty(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({}));
  auto id = STAYLAB_TRY(idText(request.params.at(0), "property"));
  Reply reply;
  reply.body = propertyJson(STAYLAB_TRY(services.platform.gateway().getProperty(id)));
  return reply;
}

Result<Reply> listProperties(Services& services, const RequestContext& request) {
  STAYLAB_TRY(request.query.onlyKnown({"city", "page", "per_page"}));
  auto page = STAYLAB_TRY(pageRequest(request.query));
  std::optional<std::string> city = STAYLAB_TRY(request.query.one("city"));
  if (city) {
    city = STAYLAB_TRY(boundedText(*city, "city", listing::kMaxCity));
  }
  auto properties = STAYLAB_TRY(services.platform.gateway().listProperties(
      city ? std::optional<std::string_view>(*city) : std::nullopt));
  nlohmann::json all = nlohmann::json::array();
  for (const auto& property : properties) {
    all.push_back(propertyJson(property));
  }
  Reply reply;
  reply.body = pageOf(all, page);
  return reply;
}

}  // namespace

Result<PageRequest> pageRequest(const QueryParams& query) {
  PageRequest request;
  if (auto page = STAYLAB_TRY(query.one("page"))) {
    int64_t number = STAYLAB_TRY(wholeNumber(*page, "page"));
    if (number < 1 || number > 1'000'000) {
      return invalidInput("page", "must be 1..1000000, got {}", number);
    }
    request.page = static_cast<size_t>(number);
  }
  if (auto per_page = STAYLAB_TRY(query.one("per_page"))) {
    int64_t number = STAYLAB_TRY(wholeNumber(*per_page, "per_page"));
    if (number < 1 || number > 100) {
      return invalidInput("per_page", "must be 1..100, got {}", number);
    }
    request.per_page = static_cast<size_t>(number);
  }
  return request;
}

nlohmann::json pageOf(const nlohmann::json& all, const PageRequest& page) {
  nlohmann::json items = nlohmann::json::array();
  const size_t first = (page.page - 1) * page.per_page;
  for (size_t index = first; index < all.size() && index < first + page.per_page; ++index) {
    items.push_back(all[index]);
  }
  const bool more = first + page.per_page < all.size();
  return nlohmann::json{{"items", std::move(items)},
                        {"page", page.page},
                        {"per_page", page.per_page},
                        {"total", all.size()},
                        {"next_page", more ? nlohmann::json(page.page + 1) : nlohmann::json()}};
}

void addListingRoutes(Router& router, Services& services) {
  auto bind = [&services](RouteFunction handler) { return bindRoute(services, handler); };
  router.add({"POST", "/properties", "property create", bind(createProperty)});
  router.add({"GET", "/properties", "property list", bind(listProperties)});
  router.add({"GET", "/properties/{id}", "property get", bind(getProperty)});
  router.add({"PATCH", "/properties/{id}", "property update", bind(updateProperty)});
}

}  // namespace staylab::app::http
