// removenode: restores the replica count of a dead node's ranges from the surviving replicas
// (operations.h). Checks and messages follow Cassandra's StorageService.removeNode.
#include "node.h"
#include "operations.h"
#include "ringcore/gossip/gossip_status.h"
#include "ringruntime/log.h"
#include "test_hold.h"
#include "topology_steps.h"

namespace ringnode {
namespace {

using ringcore::gossip::ApplicationState;

// The ring member with `host_id`, or the refusal.
ringcore::Result<ringcore::Node> removable_node(Node& node, const std::string& host_id) {
  const auto view = node.gossip().view();
  if (host_id == node.identity().host_id) return ringcore::Error::conflict("Cannot remove self");
  for (const ringcore::Node& member : view->snapshot.nodes) {
    if (member.host_id != host_id) continue;
    if (member.tokens.empty() || member.state == ringcore::NodeState::kJoining) {
      return ringcore::Error::conflict("Node to be removed is not a member of the token ring");
    }
    if (member.status == ringcore::NodeStatus::kUp) {
      return ringcore::Error::conflict(
          "Node " + member.address + " is alive and owns this ID. Use decommission command to remove it from the ring");
    }
    for (const ringcore::Node& other : view->snapshot.nodes) {
      if (other.address != member.address && other.state != ringcore::NodeState::kNormal) {
        return ringcore::Error::conflict("other nodes are joining or leaving the ring (" + other.address +
                                         "); remove the node once they are done");
      }
    }
    return member;
  }
  return ringcore::Error::not_found("Host ID not found: " + host_id);
}

ringcore::Status run_removenode(Node& node, const ringcore::Node& dead, JobHandle& job) {
  const std::string removing = ringcore::gossip::status_removing(dead.host_id);
  auto advertised = node.gossip().advertise_for(dead.address, ApplicationState::kStatus, removing);
  if (!advertised) return advertised;
  FixedWaits waits;
  auto seen = waits.timed("announce",
                          [&] { return node.wait_until_peers_see(dead.address, removing, kStatusPropagationTimeout); });
  if (!seen) return seen;
  hold_for_test(kHoldRemovenodeAnnounced, job);
  waits.timed("inflight_writes", wait_for_inflight_writes);

  ringcore::TopologyChange change;
  change.removed.push_back(dead.address);
  change.removal = ringcore::Removal::kRemoveNode;
  auto streamed = stream_change(node, change, "Restore replica count", job, waits);
  if (!streamed) return streamed;

  const std::string removed = ringcore::gossip::status_removed(dead.host_id, gossip_expiry_ms());
  advertised = node.gossip().advertise_for(dead.address, ApplicationState::kStatus, removed);
  if (!advertised) return advertised;
  if (auto told = node.wait_until_peers_see(dead.address, removed, kStatusPropagationTimeout); !told) {
    ringruntime::log_warn("removenode: " + told.error().message() + "; gossip will carry it to them");
  }
  ringruntime::log_info("removenode: " + dead.address + " (" + dead.host_id + ") removed");
  return ringcore::Ok{};
}

}  // namespace

ringcore::Result<StartedJob> start_removenode(Node& node, const std::string& host_id) {
  auto dead = std::make_shared<ringcore::Node>();
  return node.jobs().start(
      "removenode", {{"host_id", host_id}},
      [&node, host_id, dead]() -> ringcore::Status {
        auto found = removable_node(node, host_id);
        if (!found) return found.error();
        *dead = *found;
        return ringcore::Ok{};
      },
      [&node, dead](JobHandle& job) { return run_removenode(node, *dead, job); });
}

}  // namespace ringnode
