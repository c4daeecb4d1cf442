// ringctl netstats [-H]: the node's mode and its streams, from an agent (GET /v1/streams).
#include <memory>

#include "commands/command_context.h"
#include "views/netstats_view.h"

namespace ringctl {

void register_netstats_command(CLI::App& app, CommandContext& context) {
  auto human_readable = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("netstats", "Print the node's mode, its streams and read repair statistics");
  command->add_flag("-H,--human-readable", *human_readable, "Print sizes as KiB, MiB, GiB, TiB");
  command->callback([human_readable, &context] {
    AgentClient agent = connect_agents(context.source);
    AgentView view = load_agent_view(agent, "/v1/streams", "streams");
    nlohmann::json& streams = view.document;
    if (!streams.contains("mode")) {  // an older node: the mode is in its node facts
      streams["mode"] = agent.get("/v1/node").value("node", nlohmann::json::object()).value("mode", "NORMAL");
    }
    const bool human = *human_readable;
    render_cluster_view(
        streams, view.freshness, context.format,
        [human](const nlohmann::json& s, std::ostream& out) { print_netstats(s, human, out); }, netstats_document);
  });
}

}  // namespace ringctl
