// JSON helpers shared by the HTTP APIs (client_api.cpp, internode_api.cpp, operations_api.cpp).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"
#include "ringnet/http_server.h"
#include "ringnet/json_fields.h"

namespace ringnode {

// The request body as a JSON object; anything else is kInvalidInput (thrown, for the handler).
inline nlohmann::json json_body(const ringnet::ServerRequest& request) { return ringnet::object_body(request.body); }

// Fields of a request body; a field of the wrong type is kInvalidInput naming it (thrown).
// optional_string: absent or null is nullopt; optional_bool: absent is false.
inline std::optional<std::string> optional_string(const nlohmann::json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::nullopt;
  if (!body[name].is_string()) throw ringcore::Error::invalid_input(std::string("'") + name + "' must be a string");
  return body[name].get<std::string>();
}

inline std::string string_field(const nlohmann::json& body, const char* name) {
  std::optional<std::string> value = optional_string(body, name);
  if (!value) throw ringcore::Error::invalid_input(std::string("'") + name + "' must be a string");
  return std::move(*value);
}

inline bool optional_bool(const nlohmann::json& body, const char* name) {
  if (!body.contains(name)) return false;
  if (!body[name].is_boolean())
    throw ringcore::Error::invalid_input(std::string("'") + name + "' must be true or false");
  return body[name].get<bool>();
}

// A request decoder's Result: `decode` reads the body with the throwing field helpers above,
// as the handlers do; what it throws is returned as the error.
template <class Decode>
auto decoding(Decode decode) -> ringcore::Result<decltype(decode())> {
  try {
    return decode();
  } catch (const ringcore::Error& error) {
    return error;
  }
}

inline ringnet::ServerResponse json_response(const nlohmann::json& value, int status = 200) {
  return {.status = status, .body = value.dump(), .content_type = "application/json"};
}

}  // namespace ringnode
