// Decommission: this node leaves the ring and streams everything it holds to the nodes that
// gain it (operations.h). Checks and messages follow Cassandra's StorageService.decommission.
#include "node.h"
#include "operations.h"
#include "ringcore/gossip/gossip_status.h"
#include "ringruntime/log.h"
#include "test_hold.h"
#include "topology_steps.h"

namespace ringnode {
namespace {

using ringcore::gossip::ApplicationState;

ringcore::TopologyChange leaving(const std::string& self) {
  ringcore::TopologyChange change;
  change.removed.push_back(self);
  change.removal = ringcore::Removal::kDecommission;
  return change;
}

ringcore::Status check_decommission(Node& node, bool force) {
  const NodeMode mode = node.mode();
  if (mode != NodeMode::kNormal && mode != NodeMode::kDecommissionFailed) {
    return ringcore::Error::conflict(std::string("Node in ") + node_mode_name(mode) +
                                     " state; wait for status to become normal or restart");
  }
  const auto view = node.gossip().view();
  const std::string& self = node.config().listen_address;
  if (view->changing()) {
    return ringcore::Error::conflict("other nodes are joining or leaving the ring; decommission once they are done");
  }
  int normal_nodes = 0;
  for (const ringcore::Node& member : view->snapshot.nodes) {
    if (member.state == ringcore::NodeState::kNormal && !member.tokens.empty()) ++normal_nodes;
  }
  if (normal_nodes < 2)
    return ringcore::Error::conflict("no other normal nodes in the ring; decommission would be pointless");
  auto plan = ringcore::plan_movement(node.cluster_snapshot(), leaving(self));
  if (!plan) return plan.error();
  if (!force && !plan->refusals.empty()) return ringcore::Error::conflict(plan->refusals.front().message);
  return ringcore::Ok{};
}

ringcore::Status run_decommission(Node& node, JobHandle& job) {
  const std::string& self = node.config().listen_address;
  const ringcore::Token first = node.identity().tokens.front();
  node.set_mode(NodeMode::kLeaving);
  const std::string leaving_status = ringcore::gossip::status_leaving(first);
  node.gossip().set_local_state(ApplicationState::kStatus, leaving_status);
  FixedWaits waits;
  // Announce: peers must send this node's ranges' writes to the new replicas too before it
  // streams (Cassandra sleeps RING_DELAY after LEAVING; we ask each peer).
  ringcore::Status streamed = waits.timed(
      "announce", [&] { return node.wait_until_peers_see(self, leaving_status, kStatusPropagationTimeout); });
  if (streamed) {
    hold_for_test(kHoldDecommissionAnnounced, job);
    waits.timed("inflight_writes", wait_for_inflight_writes);
    streamed = stream_change(node, leaving(self), "Unbootstrap", job, waits);
  }
  if (!streamed) {
    // Still a full replica of everything: back to NORMAL, so writes stop going to the targets.
    node.gossip().set_local_state(ApplicationState::kStatus, ringcore::gossip::status_normal(first));
    node.set_mode(NodeMode::kDecommissionFailed);
    return streamed;
  }
  const std::string left = ringcore::gossip::status_left(first, gossip_expiry_ms());
  node.gossip().set_local_state(ApplicationState::kStatus, left);
  if (auto seen = node.wait_until_peers_see(self, left, kStatusPropagationTimeout); !seen) {
    ringruntime::log_warn("decommission: " + seen.error().message() + "; gossip will carry LEFT to them");
  }
  auto recorded = node.storage().put_local(kDecommissionedKey, "true");
  if (!recorded) return recorded;
  node.stop_serving_data();
  node.set_mode(NodeMode::kDecommissioned);
  ringruntime::log_info("decommission: " + self + " has left the ring");
  return ringcore::Ok{};
}

}  // namespace

ringcore::Result<StartedJob> start_decommission(Node& node, bool force) {
  return node.jobs().start(
      "decommission", {{"force", force}}, [&node, force] { return check_decommission(node, force); },
      [&node](JobHandle& job) { return run_decommission(node, job); });
}

}  // namespace ringnode
