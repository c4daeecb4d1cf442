// ringctl gossipinfo: every endpoint's gossip state as the agent's node knows it (GET /v1/gossip).
#include "commands/command_context.h"
#include "views/gossipinfo_view.h"

namespace ringctl {

void register_gossipinfo_command(CLI::App& app, CommandContext& context) {
  CLI::App* command =
      app.add_subcommand("gossipinfo", "Print every endpoint's gossip state (generation, heartbeat, states)");
  command->callback([&context] {
    AgentClient agent = connect_agents(context.source);
    const AgentView view = load_agent_view(agent, "/v1/gossip", "endpoints");
    render_cluster_view(view.document, view.freshness, context.format, print_gossipinfo, gossipinfo_document);
  });
}

}  // namespace ringctl
