// ringctl describecluster: the cluster's name, snitch, partitioner, every node's schema and
// release version, from one agent's node view (GET /v1/cluster and GET /v1/gossip).
#include "commands/command_context.h"
#include "views/describecluster_view.h"

namespace ringctl {

void register_describecluster_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "describecluster", "Print the cluster's name, snitch, partitioner and each node's schema version");
  command->callback([&context] {
    AgentClient agent = connect_agents(context.source);
    const nlohmann::json cluster = agent.get("/v1/cluster");
    warn_if_stale(cluster, agent);
    auto snapshot = ringcore::parse_snapshot(cluster.value("snapshot", nlohmann::json::object()).dump());
    if (!snapshot) throw snapshot.error().with_context("agent " + agent.answered_by() + "'s /v1/cluster");
    // The same agent (AgentClient asks the one that answered first): one node's view.
    const nlohmann::json gossip = agent.get("/v1/gossip");
    const DescribeClusterReport report = build_describecluster(*snapshot, gossip.value("endpoints", nlohmann::json::array()));
    render(report, context.format, print_describecluster, describecluster_document);
  });
}

}  // namespace ringctl
