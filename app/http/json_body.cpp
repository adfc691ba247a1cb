#include "app/http/json_body.h"

#include <algorithm>

#include "app/platform/input.h"
#include "domain/common/json_number.h"

namespace staylab::app::http {
namespace {

std::string_view typeName(const nlohmann::json& value) {
  return value.type_name();
}

Result<void> bounded(const std::string& text, std::string_view name) {
  if (text.size() > kMaxValueBytes) {
    return invalidInput(std::string(name), "is {} bytes long; at most {} are taken", text.size(),
                        kMaxValueBytes);
  }
  return {};
}

}  // namespace

Result<JsonBody> JsonBody::parse(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return std::unexpected(Error{ErrorKind::InvalidInput, "http.malformed_json", "body",
                                 "the body is not valid JSON (RFC 8259, UTF-8)"});
  }
  if (!json.is_object()) {
    return std::unexpected(
        Error{ErrorKind::InvalidInput, "http.malformed_json", "body",
              fmt::format("the body must be a JSON object, got {}", json.type_name())});
  }
  return JsonBody(std::move(json));
}

Result<void> JsonBody::onlyKnown(std::initializer_list<std::string_view> known) const {
  for (const auto& [name, value] : m_object.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (std::string_view item : known) {
        list += (list.empty() ? "" : ", ") + std::string(item);
      }
      return std::unexpected(
          Error{ErrorKind::InvalidInput, "http.unknown_field", name,
                fmt::format("is not a field of this request (it takes: {})", list)});
    }
  }
  return {};
}

const nlohmann::json* JsonBody::find(std::string_view name) const {
  auto found = m_object.find(name);
  if (found == m_object.end() || found->is_null()) {
    return nullptr;
  }
  return &*found;
}

Result<std::optional<std::string>> JsonBody::text(std::string_view name) const {
  const nlohmann::json* value = find(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_string()) {
    return invalidInput(std::string(name), "must be a string, got {}", typeName(*value));
  }
  std::string text = value->get<std::string>();
  STAYLAB_TRY(bounded(text, name));
  return text;
}

Result<std::optional<std::string>> JsonBody::decimal(std::string_view name) const {
  const nlohmann::json* value = find(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number()) {
    return value->dump();
  }
  if (!value->is_string()) {
    return invalidInput(std::string(name), "must be a decimal string such as \"120.50\", got {}",
                        typeName(*value));
  }
  std::string text = value->get<std::string>();
  STAYLAB_TRY(bounded(text, name));
  return text;
}

Result<std::optional<int64_t>> JsonBody::integer(std::string_view name) const {
  const nlohmann::json* value = find(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (value->is_number_integer()) {
    const auto number = staylab::wholeNumber<int64_t>(*value);
    if (!number) {
      return invalidInput(std::string(name), "'{}' is out of range", value->dump());
    }
    return *number;
  }
  return invalidInput(
      std::string(name), "must be a whole number, got {}",
      value->is_number() ? std::string("'") + value->dump() + "'" : std::string(typeName(*value)));
}

Result<std::optional<std::vector<std::string>>> JsonBody::texts(std::string_view name) const {
  const nlohmann::json* value = find(name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_array()) {
    return invalidInput(std::string(name), "must be an array of strings, got {}", typeName(*value));
  }
  std::vector<std::string> items;
  for (const auto& item : *value) {
    if (!item.is_string()) {
      return invalidInput(std::string(name), "must be an array of strings, found {}",
                          typeName(item));
    }
    items.push_back(item.get<std::string>());
    STAYLAB_TRY(bounded(items.back(), name));
  }
  return items;
}

}  // namespace staylab::app::http
