// ringctl info [-T]: the agent's node, in nodetool info's layout (GET /v1/node).
#include <memory>

#include "commands/command_context.h"
#include "views/info_view.h"

namespace ringctl {

void register_info_command(CLI::App& app, CommandContext& context) {
  auto all_tokens = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("info", "Print the node's identity, state, load, uptime and tokens");
  command->add_flag("-T,--tokens", *all_tokens, "Print every token of the node");
  command->callback([all_tokens, &context] {
    const bool all = *all_tokens;
    const AgentView view = agent_document(context.source, "/v1/node", "node");
    render_cluster_view(
        view.document, view.freshness, context.format,
        [all](const nlohmann::json& node, std::ostream& out) { print_info(node, all, out); }, info_document);
  });
}

}  // namespace ringctl
