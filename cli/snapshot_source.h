// Where a command gets its cluster from: a snapshot file (--ring FILE), one agent (-h
// HOST[:PORT]), or a named cluster of agents from the cluster config (--cluster NAME, else the
// config's default). Every view renders live and offline snapshots the same way.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "agent_client.h"
#include "ringcore/snapshot.h"
#include "views/freshness_view.h"

namespace ringctl {

struct SnapshotSource {
  std::string ring_file;  // --ring FILE; "-" reads standard input
  std::string host;       // -h HOST[:PORT]
  std::string cluster;    // --cluster NAME
  std::string token;      // --token; else $RINGCTL_TOKEN; else the cluster's token
  std::string cacert;     // --cacert; else the cluster's cacert
};

// The agents to ask and how: -h, else the named or default cluster of the cluster config, with
// the token and CA certificate from the flags, the environment or the config. Throws as
// connect_agents.
AgentOptions agent_options(const SnapshotSource& source);

// The agents to ask: -h, else the named or default cluster of the cluster config. Throws
// ringcore::Error (kInvalidInput) when there is none, saying how to name one.
AgentClient connect_agents(const SnapshotSource& source);

// A cluster as a command shows it, and how fresh it is (nullopt: read from a file).
struct ClusterView {
  ringcore::ClusterSnapshot snapshot;
  std::optional<ViewFreshness> freshness;
};

// Reads and parses the snapshot: from the file, else GET /v1/cluster from the agents,
// preferring one with a current view (AgentClient::get_freshest). When only stale views are to
// be had, the stale agent's own node is shown with status unknown unless the view says it is
// down: its node not answering its agent is why the view is stale. Errors name the file or the
// agent. Throws ringcore::Error.
ClusterView load_cluster_view(const SnapshotSource& source);

// load_cluster_view's snapshot, for views that show no status; a stale one is warned of on
// stderr.
ringcore::ClusterSnapshot load_snapshot(const SnapshotSource& source);

// One agent's cached document (GET /v1/node, /v1/streams, /v1/gossip, /v1/jobs: its member
// `field`, an empty object when absent or null) and how fresh it is.
struct AgentView {
  nlohmann::json document;
  std::optional<ViewFreshness> freshness;
};

// GET `path` from the agents, preferring a current answer as load_cluster_view does
// (AgentClient::get_freshest): a stale one only when no agent that answered has a current one,
// and then marked stale. Later requests on `agent` go to the agent that answered. Throws as
// AgentClient::get.
AgentView load_agent_view(AgentClient& agent, const std::string& path, const char* field);

}  // namespace ringctl
