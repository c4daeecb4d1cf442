// ringctl version: the node's release version, from an agent (GET /v1/node). ringctl's own
// version is --version.
#include "commands/command_context.h"
#include "views/version_view.h"

namespace ringctl {

void register_version_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand("version", "Print the node's release version (ringctl's own: --version)");
  command->callback([&context] {
    const AgentView view = agent_document(context.source, "/v1/node", "node");
    render_cluster_view(view.document, view.freshness, context.format, print_version, version_document);
  });
}

}  // namespace ringctl
