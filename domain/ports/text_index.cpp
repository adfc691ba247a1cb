#include "domain/ports/text_index.h"

#include <algorithm>

#include "domain/common/json_number.h"

namespace staylab {
namespace {

// Returns the member `name` of `json` when it satisfies `is_type`; InvalidInput otherwise.
template <typename IsType>
Result<const nlohmann::json*> member(const nlohmann::json& json, const char* name, IsType is_type,
                                     std::string_view expected) {
  auto it = json.find(name);
  if (it == json.end() || !is_type(*it)) {
    return invalidInput(name, "must be {}", expected);
  }
  return &*it;
}

Result<std::string> stringMember(const nlohmann::json& json, const char* name) {
  const auto* value = STAYLAB_TRY(member(
      json, name, [](const auto& node) { return node.is_string(); }, "a string"));
  return value->get<std::string>();
}

template <typename Integer>
Result<Integer> integerMember(const nlohmann::json& json, const char* name) {
  const nlohmann::json* value = STAYLAB_TRY(member(
      json, name, [](const nlohmann::json& node) { return wholeNumber<Integer>(node).has_value(); },
      "an integer in range"));
  return *wholeNumber<Integer>(*value);
}

Result<std::vector<std::string>> stringsMember(const nlohmann::json& json, const char* name) {
  const nlohmann::json* value = STAYLAB_TRY(member(
      json, name,
      [](const nlohmann::json& node) {
        return node.is_array() && std::all_of(node.begin(), node.end(),
                                              [](const auto& item) { return item.is_string(); });
      },
      "an array of strings"));
  return value->get<std::vector<std::string>>();
}

}  // namespace

nlohmann::json SearchDocument::toJson() const {
  nlohmann::json nights = nlohmann::json::array();
  for (Date night : booked_nights) {
    nights.push_back(night.toString());
  }
  return nlohmann::json{
      {"id", id},
      {"title", title},
      {"description", description},
      {"city", city},
      {"amenities", amenities},
      {"capacity", capacity},
      {"price_minor", price_minor},
      {"currency", currency},
      {"booked_nights", std::move(nights)},
      {"listed", listed},
      {"source_version", source_version},
  };
}

Result<SearchDocument> SearchDocument::fromJson(const nlohmann::json& json) {
  if (!json.is_object()) {
    return invalidInput("document", "must be a JSON object");
  }
  SearchDocument document;
  document.id = STAYLAB_TRY(stringMember(json, "id"));
  document.title = STAYLAB_TRY(stringMember(json, "title"));
  document.description = STAYLAB_TRY(stringMember(json, "description"));
  document.city = STAYLAB_TRY(stringMember(json, "city"));
  document.amenities = STAYLAB_TRY(stringsMember(json, "amenities"));
  document.capacity = STAYLAB_TRY(integerMember<int>(json, "capacity"));
  document.price_minor = STAYLAB_TRY(integerMember<int64_t>(json, "price_minor"));
  document.currency = STAYLAB_TRY(stringMember(json, "currency"));
  if (json.contains("booked_nights")) {
    for (const auto& night : STAYLAB_TRY(stringsMember(json, "booked_nights"))) {
      document.booked_nights.push_back(STAYLAB_TRY(Date::parse(night, "booked_nights")));
    }
  }
  if (json.contains("listed")) {
    const auto* listed = STAYLAB_TRY(member(
        json, "listed", [](const auto& node) { return node.is_boolean(); }, "a boolean"));
    document.listed = listed->get<bool>();
  }
  if (json.contains("source_version")) {
    document.source_version = STAYLAB_TRY(integerMember<int64_t>(json, "source_version"));
  }
  return document;
}

}  // namespace staylab
