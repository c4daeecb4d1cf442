// JSON helpers shared by the HTTP APIs (client_api.cpp, internode_api.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "ringcore/error.h"
#include "ringnet/http_server.h"

namespace ringnode {

// The request body as a JSON object; anything else is kInvalidInput (thrown, for the handler).
inline nlohmann::json json_body(const ringnet::ServerRequest& request) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (!body.is_object()) throw ringcore::Error::invalid_input("the request body must be a JSON object");
  return body;
}

inline ringnet::ServerResponse json_response(const nlohmann::json& value, int status = 200) {
  return {.status = status, .body = value.dump(), .content_type = "application/json"};
}

}  // namespace ringnode
