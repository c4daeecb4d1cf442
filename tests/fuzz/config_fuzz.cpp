// Fuzzes the three YAML configuration readers with the same text: ringd's config file
// (resolve_agent_config), ringnode's (parse_node_config) and ringctl's cluster config
// (parse_cluster_config). Properties: no crash, no hang, every refusal is an invalid_input
// error with a message; a cluster config that parses writes back (cluster_config_yaml) to
// text that parses to the same clusters and thresholds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "agent_config.h"
#include "cluster_config.h"
#include "node_config.h"

namespace {

void check_refusal(const ringcore::Error& error) {
  if (error.code() != ringcore::ErrorCode::kInvalidInput || error.message().empty()) std::abort();
}

bool same(const ringctl::ClusterConfig& a, const ringctl::ClusterConfig& b) {
  if (a.default_cluster != b.default_cluster || a.thresholds != b.thresholds || a.clusters.size() != b.clusters.size())
    return false;
  for (const auto& [name, entry] : a.clusters) {
    auto other = b.clusters.find(name);
    if (other == b.clusters.end() || other->second.agents != entry.agents || other->second.token != entry.token ||
        other->second.cacert != entry.cacert || other->second.thresholds != entry.thresholds) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (auto agent = ringd::resolve_agent_config(text, {}, {}); !agent) check_refusal(agent.error());
  if (auto node = ringnode::parse_node_config(text); !node) check_refusal(node.error());
  auto clusters = ringctl::parse_cluster_config(text, "fuzz.yaml");
  if (!clusters) {
    check_refusal(clusters.error());
    return 0;
  }
  auto again = ringctl::parse_cluster_config(ringctl::cluster_config_yaml(*clusters), "again.yaml");
  if (!again || !same(*clusters, *again)) std::abort();
  return 0;
}
