#include "checks.h"

#include <cctype>
#include <cstdio>
#include <map>
#include <set>

#include "gossip_endpoint.h"
#include "ringnet/json_fields.h"

namespace ringd {
namespace {

using nlohmann::json;
using ringnet::json_array;
using ringnet::json_number;
using ringnet::json_text;

Check backend_reachable(const Freshness& freshness) {
  if (!freshness.error.empty()) return {"backend_reachable", "fail", freshness.error};
  if (!freshness.collected_at) return {"backend_reachable", "fail", "no collection has finished yet"};
  if (freshness.stale)
    return {"backend_reachable", "fail",
            "no collection succeeded in the last " + std::to_string(kStaleAfterIntervals) + " intervals"};
  return {"backend_reachable", "ok", "the node answered"};
}

Check node_state(const json& node) {
  // "mode" is nodetool netstats' operation mode; an older node only has the snapshot "state".
  std::string mode = json_text(node, "mode");
  if (mode.empty()) {
    mode = json_text(node, "state");
    for (char& c : mode) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (mode == "NORMAL") return {"node_state", "ok", "NORMAL"};
  static const std::set<std::string> transitional = {"STARTING", "JOINING", "LEAVING", "MOVING"};
  if (transitional.contains(mode)) return {"node_state", "warn", mode + ": an operation is in progress"};
  return {"node_state", "fail",
          (mode.empty() ? std::string("unknown") : mode) + ": the node is not serving as a member"};
}

Check peers_up(const json& gossip) {
  std::string down;
  int up = 0;
  for (const json& endpoint : json_array(gossip, "endpoints")) {
    if (has_left(endpoint)) continue;
    if (json_text(endpoint, "status") == "up") {
      ++up;
    } else {
      down += (down.empty() ? "" : ", ") + json_text(endpoint, "address", "?") + " (" +
              json_text(endpoint, "status", "?") + ")";
    }
  }
  if (!down.empty()) return {"peers_up", "fail", "not up in this node's gossip: " + down};
  return {"peers_up", "ok", std::to_string(up) + " endpoints up"};
}

Check schema_agreement(const json& gossip) {
  std::map<std::string, std::vector<std::string>> versions;  // version -> addresses
  for (const json& endpoint : json_array(gossip, "endpoints")) {
    if (json_text(endpoint, "status") != "up") continue;
    const std::string version = gossip_state(endpoint, "SCHEMA");
    if (!version.empty()) versions[version].push_back(json_text(endpoint, "address", "?"));
  }
  if (versions.size() <= 1)
    return {"schema_agreement", "ok",
            versions.empty() ? "no schema versions gossiped" : "one schema version: " + versions.begin()->first};
  std::string detail;
  for (const auto& [version, addresses] : versions) {
    detail += (detail.empty() ? "" : "; ") + version + ":";
    for (const std::string& address : addresses) detail += " " + address;
  }
  return {"schema_agreement", "fail", "live endpoints disagree on the schema: " + detail};
}

Check disk_space(const json& node) {
  const double total = json_number(node, "disk_total_bytes").value_or(0.0);
  const double free = json_number(node, "disk_free_bytes").value_or(0.0);
  if (total <= 0) return {"disk_space", "warn", "the node reports no disk size"};
  const double ratio = free / total;
  char text[96];
  std::snprintf(text, sizeof text, "%.1f%% free (%.0f of %.0f bytes)", ratio * 100, free, total);
  if (ratio < kDiskFreeFailRatio) return {"disk_space", "fail", std::string(text) + ", below 5%"};
  if (ratio < kDiskFreeWarnRatio) return {"disk_space", "warn", std::string(text) + ", below 10%"};
  return {"disk_space", "ok", text};
}

}  // namespace

std::vector<Check> run_checks(const CollectedFacts& facts, const Freshness& freshness) {
  std::vector<Check> checks = {backend_reachable(freshness)};
  if (facts.node.is_null()) {
    for (const char* name : {"node_state", "peers_up", "schema_agreement", "disk_space"}) {
      checks.push_back({name, "fail", "no facts collected from the node yet"});
    }
    return checks;
  }
  checks.push_back(node_state(facts.node));
  checks.push_back(peers_up(facts.gossip));
  checks.push_back(schema_agreement(facts.gossip));
  checks.push_back(disk_space(facts.node));
  return checks;
}

}  // namespace ringd
