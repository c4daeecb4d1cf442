// ringctl gossipinfo: every endpoint's gossip state as the agent's node knows it (GET /v1/gossip).
#include "commands/command_context.h"
#include "views/gossipinfo_view.h"

namespace ringctl {

void register_gossipinfo_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand("gossipinfo", "Print every endpoint's gossip state (generation, heartbeat, states)");
  command->callback([&context] {
    AgentClient agent = connect_agents(context.source);
    const nlohmann::json answer = agent.get("/v1/gossip");
    warn_if_stale(answer, agent);
    render(answer.value("endpoints", nlohmann::json::array()), context.format, print_gossipinfo, gossipinfo_document);
  });
}

}  // namespace ringctl
