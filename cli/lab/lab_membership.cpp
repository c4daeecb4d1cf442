#include "lab/lab_membership.h"

#include <nlohmann/json.hpp>

#include "lab/lab_cluster.h"
#include "ringcore/gossip/gossip_status.h"
#include "ringnet/http_client.h"
#include "views/json_fields.h"

namespace ringctl::lab {
namespace {

using ringcore::gossip::StatusKind;

// The STATUS value of a /v1/gossip endpoint, or "".
std::string gossip_status(const nlohmann::json& endpoint) {
  for (const nlohmann::json& state : json_array(endpoint, "states")) {
    if (json_text(state, "name") == "STATUS") return json_text(state, "value");
  }
  return "";
}

}  // namespace

std::vector<Departure> departed_members(const Lab& lab) {
  std::vector<Departure> departed;
  auto note = [&](const LabNode& node, const std::string& reason) {
    for (const Departure& d : departed) {
      if (d.name == node.name) return;
    }
    departed.push_back({node.name, reason});
  };
  for (const LabNode* observer : running_nodes(lab)) {
    ringnet::HttpClient client(observer->address, lab.spec.native_port, std::chrono::seconds(2));
    const auto answer = client.get("/v1/gossip");
    if (!answer || answer->status != 200) continue;
    const auto doc = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object()) continue;
    for (const nlohmann::json& endpoint : json_array(doc, "endpoints")) {
      if (!endpoint.is_object()) continue;
      const auto status = ringcore::gossip::parse_status_value(gossip_status(endpoint));
      if (!status || (status->kind != StatusKind::kLeft && status->kind != StatusKind::kRemoved)) continue;
      for (const LabNode& node : lab.nodes) {
        if (node.address == json_text(endpoint, "address")) {
          note(node, status->kind == StatusKind::kLeft ? "decommissioned" : "removed (removenode)");
        }
      }
    }
  }
  return departed;
}

RingPresence ring_presence(const Lab& lab, const LabNode& node) {
  RingPresence presence;
  for (const LabNode* observer : running_nodes(lab)) {
    if (observer->name == node.name) continue;
    const auto view = observe(lab, *observer);
    if (!view) continue;
    ++presence.answered;
    for (const ringcore::Node& member : view->nodes) {
      if (member.address == node.address && presence.seen_by.empty()) presence.seen_by = observer->name;
    }
  }
  return presence;
}

}  // namespace ringctl::lab
