// The snapshot nodes built from a gossiper's view: what a lab node's admin API returns.
#include "ringcore/gossip/gossip_view.h"

#include <doctest/doctest.h>

#include "support/gossip_network.h"

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;
using gossip::EndpointState;
using ringcore::Node;
using ringcore::NodeState;
using ringcore::NodeStatus;
using std::chrono::milliseconds;

namespace {

EndpointState full_state(const std::string& status, const std::string& tokens, const std::string& load) {
  EndpointState state(gossip::HeartbeatState{1, 1});
  std::int64_t version = 1;
  auto put = [&](ApplicationState key, const std::string& value) { state.put(key, {value, ++version}); };
  put(ApplicationState::kStatus, status);
  if (!tokens.empty()) put(ApplicationState::kTokens, tokens);
  if (!load.empty()) put(ApplicationState::kLoad, load);
  put(ApplicationState::kDc, "dc1");
  put(ApplicationState::kRack, "r1");
  put(ApplicationState::kHostId, "host-" + status.substr(0, 4));
  return state;
}

const Node* find(const std::vector<Node>& nodes, const std::string& address) {
  for (const Node& node : nodes) {
    if (node.address == address) return &node;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("the view lists ring members with their gossiped fields and liveness") {
  gossip::Gossiper self(test_support::gossip_config("127.0.0.1", {}));
  self.set_local_state(ApplicationState::kStatus, gossip::status_normal(-100));
  self.set_local_state(ApplicationState::kTokens, gossip::format_tokens_value({300, -100}));
  self.set_local_state(ApplicationState::kLoad, gossip::format_load_value(12345678));
  self.set_local_state(ApplicationState::kDc, "dc1");
  self.set_local_state(ApplicationState::kRack, "r0");
  self.set_local_state(ApplicationState::kHostId, "host-self");

  const auto now = milliseconds(0);
  test_support::teach(self, "p",
                      {{"127.0.0.2", full_state(gossip::status_boot(5), "5,6", "81234.0")},
                       {"127.0.0.3", full_state(gossip::status_leaving(7), "", "")},        // no TOKENS: STATUS's token
                       {"127.0.0.4", full_state(gossip::status_left(8, 99), "8", "1.0")},   // gone
                       {"127.0.0.5", full_state(gossip::status_removed("h", 99), "", "")},  // gone
                       {"127.0.0.6", EndpointState(gossip::HeartbeatState{1, 1})},          // no STATUS yet
                       {"127.0.0.7", full_state(gossip::status_removing("h7"), "9", "junk")}},  // dead state: down
                      now);
  test_support::teach(self, "p", {{"127.0.0.8", full_state(gossip::status_moving(11), "11", "")}}, now,
                      /*answer_echoes=*/false);

  const std::vector<Node> nodes = gossip::snapshot_nodes(self);
  std::vector<std::string> addresses;
  for (const Node& node : nodes) addresses.push_back(node.address);
  CHECK(addresses == std::vector<std::string>{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.7", "127.0.0.8"});

  const Node& me = *find(nodes, "127.0.0.1");
  CHECK(me.status == NodeStatus::kUp);
  CHECK(me.state == NodeState::kNormal);
  CHECK(me.tokens == std::vector<ringcore::Token>{-100, 300});
  CHECK(me.load_bytes == 12345678);
  CHECK(me.dc == "dc1");
  CHECK(me.rack == "r0");
  CHECK(me.host_id == "host-self");

  const Node& joining = *find(nodes, "127.0.0.2");
  CHECK(joining.status == NodeStatus::kUp);
  CHECK(joining.state == NodeState::kJoining);
  CHECK(joining.tokens == std::vector<ringcore::Token>{5, 6});
  CHECK(joining.load_bytes == 81234);

  const Node& leaving = *find(nodes, "127.0.0.3");
  CHECK(leaving.state == NodeState::kLeaving);
  CHECK(leaving.tokens == std::vector<ringcore::Token>{7});
  CHECK_FALSE(leaving.load_bytes.has_value());

  const Node& removing = *find(nodes, "127.0.0.7");
  CHECK(removing.status == NodeStatus::kDown);
  CHECK(removing.state == NodeState::kLeaving);
  CHECK_FALSE(removing.load_bytes.has_value());  // "junk" is not a load

  const Node& moving = *find(nodes, "127.0.0.8");
  CHECK(moving.status == NodeStatus::kUnknown);  // its echo has not been answered
  CHECK(moving.state == NodeState::kMoving);
}

TEST_CASE("a shut-down peer is listed down and normal, and this node is down once it stops") {
  gossip::Gossiper self(test_support::gossip_config("a", {}));
  self.set_local_state(ApplicationState::kStatus, gossip::status_normal(1));
  test_support::teach(self, "p", {{"b", full_state(gossip::status_normal(2), "2", "")}}, milliseconds(0));
  EndpointState final_state = *self.endpoint_state("b");
  final_state.put(ApplicationState::kStatus, {gossip::status_shutdown(), 50});
  self.receive(gossip::GossipShutdown{final_state}, "b", milliseconds(10));

  auto nodes = gossip::snapshot_nodes(self);
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[1].status == NodeStatus::kDown);
  CHECK(nodes[1].state == NodeState::kNormal);
  CHECK(nodes[1].tokens == std::vector<ringcore::Token>{2});

  (void)self.shutdown();
  CHECK(gossip::snapshot_nodes(self)[0].status == NodeStatus::kDown);
}
