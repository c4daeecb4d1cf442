#include "ringcore/gossip/gossip_view.h"

#include <algorithm>
#include <cmath>

namespace ringcore::gossip {
namespace {

std::string value_of(const EndpointState& state, ApplicationState key) {
  const VersionedValue* value = state.get(key);
  return value == nullptr ? std::string() : value->value;
}

NodeStatus status_of(const Gossiper& gossiper, const std::string& endpoint) {
  if (gossiper.is_alive(endpoint)) return NodeStatus::kUp;
  if (endpoint == gossiper.self() || gossiper.unreachable_endpoints().contains(endpoint)) return NodeStatus::kDown;
  return NodeStatus::kUnknown;
}

std::optional<std::int64_t> load_of(const EndpointState& state) {
  const VersionedValue* load = state.get(ApplicationState::kLoad);
  if (load == nullptr) return std::nullopt;
  auto bytes = parse_load_value(load->value);
  if (!bytes || *bytes >= 9.2e18) return std::nullopt;  // beyond int64: not a real size
  return std::llround(*bytes);
}

std::vector<Token> tokens_of(const EndpointState& state, const GossipStatus& status) {
  if (const VersionedValue* tokens = state.get(ApplicationState::kTokens)) {
    auto parsed = parse_tokens_value(tokens->value);
    if (parsed) {
      std::vector<Token> list = std::move(parsed).value();
      std::sort(list.begin(), list.end());
      return list;
    }
  }
  if (status.token) return {*status.token};
  return {};
}

}  // namespace

std::vector<Node> snapshot_nodes(const Gossiper& gossiper) {
  std::vector<Node> nodes;
  for (const auto& [endpoint, state] : gossiper.endpoint_states()) {
    const VersionedValue* status_value = state.get(ApplicationState::kStatus);
    if (status_value == nullptr) continue;
    auto status = parse_status_value(status_value->value);
    if (!status) continue;
    const std::optional<NodeState> node_state = node_state_of(status->kind);
    if (!node_state) continue;

    Node node;
    node.address = endpoint;
    node.host_id = value_of(state, ApplicationState::kHostId);
    node.dc = value_of(state, ApplicationState::kDc);
    node.rack = value_of(state, ApplicationState::kRack);
    node.status = status_of(gossiper, endpoint);
    node.state = *node_state;
    node.load_bytes = load_of(state);
    node.tokens = tokens_of(state, *status);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace ringcore::gossip
