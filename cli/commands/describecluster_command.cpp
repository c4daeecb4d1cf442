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
    const AgentView cluster = load_agent_view(agent, "/v1/cluster", "snapshot");
    auto snapshot = ringcore::parse_snapshot(cluster.document.dump());
    if (!snapshot) throw snapshot.error().with_context("agent " + agent.answered_by() + "'s /v1/cluster");
    // The same agent (AgentClient asks the one that answered first): one node's view.
    const nlohmann::json gossip = agent.get("/v1/gossip");
    const DescribeClusterReport report =
        build_describecluster(*snapshot, gossip.value("endpoints", nlohmann::json::array()));
    render_cluster_view(report, cluster.freshness, context.format, print_describecluster, describecluster_document);
  });
}

}  // namespace ringctl
