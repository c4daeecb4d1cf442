// ringctl getendpoints --ring FILE KEYSPACE [TABLE] KEY: the replicas of a key, in the
// server's order. TABLE is accepted for nodetool compatibility; placement is per keyspace.
#include <memory>

#include "commands/command_context.h"
#include "views/getendpoints_view.h"

namespace ringctl {
namespace {

struct GetEndpointsOptions {
  std::vector<std::string> arguments;  // KEYSPACE [TABLE] KEY
  bool hex = false;
};

void run_getendpoints(const GetEndpointsOptions& options, const CommandContext& context) {
  if (options.arguments.size() != 2 && options.arguments.size() != 3) {
    throw ringcore::Error::invalid_input("getendpoints takes KEYSPACE [TABLE] KEY");
  }
  const ringcore::ClusterSnapshot snapshot = load_snapshot(context.source);
  render(build_getendpoints(snapshot, options.arguments.front(), options.arguments.back(), options.hex), context.format,
         print_getendpoints_table, getendpoints_document);
}

}  // namespace

void register_getendpoints_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<GetEndpointsOptions>();
  CLI::App* command = app.add_subcommand("getendpoints", "Print the replicas of a partition key, primary first");
  add_snapshot_options(*command, context);
  command->add_option("KEYSPACE [TABLE] KEY", options->arguments, "Keyspace, optional table, and the key")
      ->required()
      ->expected(2, 3);
  command->add_flag("--hex", options->hex, "Read KEY as hex bytes");
  command->callback([options, &context] { run_getendpoints(*options, context); });
}

}  // namespace ringctl
