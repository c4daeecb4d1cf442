// ringctl compactionstats [-H]: the node's pending and running compactions, from an agent
// (GET /v1/node, its "compaction" object).
#include <memory>

#include "commands/command_context.h"
#include "views/compactionstats_view.h"

namespace ringctl {

void register_compactionstats_command(CLI::App& app, CommandContext& context) {
  auto human_readable = std::make_shared<bool>(false);
  CLI::App* command =
      app.add_subcommand("compactionstats", "Print the node's pending compaction tasks and running compactions");
  command->add_flag("-H,--human-readable", *human_readable, "Print sizes as KiB, MiB, GiB, TiB");
  command->callback([human_readable, &context] {
    const bool human = *human_readable;
    const AgentView view = agent_document(context.source, "/v1/node", "node");
    render_cluster_view(
        view.document, view.freshness, context.format,
        [human](const nlohmann::json& node, std::ostream& out) { print_compactionstats(node, human, out); },
        compactionstats_document);
  });
}

}  // namespace ringctl
