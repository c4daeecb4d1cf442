// ringctl tpstats: the node's request stages and dropped messages, from an agent (GET /v1/node,
// its "requests" object).
#include "commands/command_context.h"
#include "views/tpstats_view.h"

namespace ringctl {

void register_tpstats_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "tpstats", "Print the node's request stages (active, pending, completed, blocked) and dropped messages");
  command->callback([&context] {
    const AgentView view = agent_document(context.source, "/v1/node", "node");
    render_cluster_view(view.document, view.freshness, context.format, print_tpstats, tpstats_document);
  });
}

}  // namespace ringctl
