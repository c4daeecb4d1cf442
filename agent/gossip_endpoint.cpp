#include "gossip_endpoint.h"

namespace ringd {

std::string gossip_state(const nlohmann::json& endpoint, const std::string& name) {
  if (!endpoint.is_object()) return "";
  const auto states = endpoint.find("states");
  if (states == endpoint.end() || !states->is_array()) return "";
  for (const nlohmann::json& state : *states) {
    if (!state.is_object() || state.value("name", "") != name) continue;
    const auto value = state.find("value");
    return value != state.end() && value->is_string() ? value->get<std::string>() : "";
  }
  return "";
}

bool has_left(const nlohmann::json& endpoint) {
  const std::string status = gossip_state(endpoint, "STATUS");
  return status.starts_with("LEFT") || status.starts_with("removed") || status.starts_with("REMOVED");
}

}  // namespace ringd
