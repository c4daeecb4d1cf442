// ringctl getstreamthroughput [-m] and setstreamthroughput MIB: the node's streaming
// throughput cap, through an agent (GET /v1/streams, PUT /v1/streams/throughput).
// setstreamthroughput changes a node: it needs an explicit -h (it never picks or fails over to
// another agent).
#include <memory>

#include "commands/command_context.h"
#include "operations.h"
#include "views/streamthroughput_view.h"

namespace ringctl {
namespace {

void register_getstreamthroughput(CLI::App& app, CommandContext& context) {
  auto in_mib = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("getstreamthroughput", "Print the node's streaming throughput cap");
  command->add_flag("-m,--mib", *in_mib, "Print it in MiB/s rather than megabits per second");
  command->callback([in_mib, &context] {
    const bool mib = *in_mib;
    const AgentView view = agent_document(context.source, "/v1/streams", "streams");
    render_cluster_view(
        view.document, view.freshness, context.format,
        [mib](const nlohmann::json& streams, std::ostream& out) { print_streamthroughput(streams, mib, out); },
        streamthroughput_document);
  });
}

void register_setstreamthroughput(CLI::App& app, CommandContext& context) {
  auto mib = std::make_shared<double>(0);
  CLI::App* command = app.add_subcommand(
      "setstreamthroughput", "Set the node's streaming throughput cap in MiB/s (0 = unlimited); needs -h HOST[:PORT]");
  command->add_option("MIB_PER_SECOND", *mib, "The cap in MiB/s (nodetool's unit is megabits: 1 MiB/s = 8.39 Mb/s)")
      ->required()
      ->check(CLI::Range(0.0, 1e6));
  command->callback([mib, &context] {
    AgentClient agent = connect_agents(context.source);
    const double applied = set_stream_throughput(agent, *mib);
    if (context.format != OutputFormat::kTable) {
      print_document({{"agent", agent.answered_by()},
                      {"mib_per_second", applied},
                      {"megabits_per_second", megabits_per_second(applied)},
                      {"unlimited", applied <= 0}},
                     context.format, std::cout);
    }
  });
}

}  // namespace

void register_streamthroughput_commands(CLI::App& app, CommandContext& context) {
  register_getstreamthroughput(app, context);
  register_setstreamthroughput(app, context);
}

}  // namespace ringctl
