// Bootstrap: a new node joins the ring and streams the ranges it gains (operations.h).
#include "node.h"
#include "operations.h"
#include "ringcore/gossip/gossip_status.h"
#include "ringruntime/log.h"
#include "test_hold.h"
#include "topology_steps.h"

namespace ringnode {
namespace {

using ringcore::gossip::ApplicationState;

ringcore::Status run_bootstrap(Node& node, JobHandle& job) {
  const std::string& self = node.config().listen_address;
  const std::vector<ringcore::Token>& tokens = node.identity().tokens;
  auto marked = node.storage().put_local(kBootstrapKey, "in_progress");
  if (!marked) return marked;
  const std::string boot = ringcore::gossip::status_boot(tokens.front());
  node.gossip().set_local_state(ApplicationState::kTokens, ringcore::gossip::format_tokens_value(tokens));
  node.gossip().set_local_state(ApplicationState::kStatus, boot);
  FixedWaits waits;
  // Peers: the waits below ask the peers this node sees up, so it must see them all up first
  // (wait_until_peers_up).
  auto peers = waits.timed("peers_up", [&] { return wait_until_peers_up(node, kStatusPropagationTimeout); });
  if (!peers) return peers;
  // Announce: every peer must know this node is joining before it streams, or their writes to
  // its ranges would skip it (Cassandra sleeps RING_DELAY, 30 s, and hopes; we ask each peer).
  auto seen = waits.timed("announce", [&] { return node.wait_until_peers_see(self, boot, kStatusPropagationTimeout); });
  if (!seen) return seen;
  // Settle: the plan covers the keyspaces this node knows, so it must know them all first
  // (Cassandra's bootstrap waits for schema agreement the same way, before RING_DELAY).
  auto agreed = waits.timed("schema", [&] { return wait_for_schema_agreement(node, kStatusPropagationTimeout); });
  if (!agreed) return agreed;
  waits.timed("inflight_writes", wait_for_inflight_writes);
  // stream_change then waits for the hints live nodes hold for its stream sources, so that no
  // source streams without a write it missed (wait_for_source_hints).

  ringcore::TopologyChange change;
  change.added.push_back(ringcore::Node{});
  ringcore::Node& joining = change.added.back();
  joining.address = self;
  joining.dc = node.config().dc;
  joining.rack = node.config().rack;
  joining.host_id = node.identity().host_id;
  joining.tokens = tokens;
  auto streamed = stream_change(node, change, "Bootstrap", job, waits);
  if (!streamed) return streamed;
  hold_for_test(kHoldBootstrapStreamed, job);

  node.publish_load();
  node.gossip().set_local_state(ApplicationState::kStatus, ringcore::gossip::status_normal(tokens.front()));
  auto completed = node.storage().put_local(kBootstrapKey, "completed");
  if (!completed) return completed;
  node.set_mode(NodeMode::kNormal);
  ringruntime::log_info("bootstrap: " + self + " is NORMAL");
  return ringcore::Ok{};
}

}  // namespace

ringcore::Result<StartedJob> start_bootstrap(Node& node) {
  node.set_mode(NodeMode::kJoining);
  return node.jobs().start(
      "bootstrap", nlohmann::json::object(), [] { return ringcore::Status(ringcore::Ok{}); },
      [&node](JobHandle& job) {
        auto done = run_bootstrap(node, job);
        if (!done) node.set_mode(NodeMode::kJoiningFailed);
        return done;
      });
}

}  // namespace ringnode
