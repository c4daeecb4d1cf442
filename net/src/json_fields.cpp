#include "ringnet/json_fields.h"

#include "ringcore/error.h"

namespace ringnet {
namespace {

using Json = nlohmann::json;

// object[key] when `object` is an object holding `key` with `is_type`; else nullptr.
const Json* field_of(const Json& object, const char* key, bool (Json::*is_type)() const noexcept) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(key);
  return found != object.end() && ((*found).*is_type)() ? &*found : nullptr;
}

}  // namespace

std::optional<double> json_number(const Json& object, const char* key) {
  const Json* found = field_of(object, key, &Json::is_number);
  return found ? std::optional<double>(found->get<double>()) : std::nullopt;
}

std::int64_t json_int(const Json& object, const char* key) {
  const Json* found = field_of(object, key, &Json::is_number);
  return found ? found->get<std::int64_t>() : 0;
}

std::string json_text(const Json& object, const char* key, const std::string& fallback) {
  const Json* found = field_of(object, key, &Json::is_string);
  return found ? found->get<std::string>() : fallback;
}

const Json& json_array(const Json& object, const char* key) {
  static const Json kEmpty = Json::array();
  const Json* found = field_of(object, key, &Json::is_array);
  return found ? *found : kEmpty;
}

const Json& json_object(const Json& object, const char* key) {
  static const Json kNull;
  const Json* found = field_of(object, key, &Json::is_object);
  return found ? *found : kNull;
}

Json object_body(std::string_view body) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) throw ringcore::Error::invalid_input("the request body must be a JSON object");
  return parsed;
}

Json object_body_or_empty(std::string_view body) { return body.empty() ? Json::object() : object_body(body); }

}  // namespace ringnet
