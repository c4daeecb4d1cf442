// ringctl describering --ring FILE KEYSPACE: every range of the ring and its replicas.
#include <memory>

#include "commands/command_context.h"
#include "views/describering_view.h"

namespace ringctl {

void register_describering_command(CLI::App& app, CommandContext& context) {
  auto keyspace = std::make_shared<std::string>();
  CLI::App* command = app.add_subcommand("describering", "Print every token range of a keyspace and its replicas");
  add_snapshot_options(*command, context);
  command->add_option("KEYSPACE", *keyspace, "Keyspace whose replication places the replicas")->required();
  command->callback([keyspace, &context] {
    const ringcore::ClusterSnapshot snapshot = load_snapshot(context.source);
    render(build_describering(snapshot, *keyspace), context.format, print_describering_table, describering_document);
  });
}

}  // namespace ringctl
