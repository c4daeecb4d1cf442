// ringctl status --ring FILE [KEYSPACE]: nodes per datacenter with load and ownership.
#include <memory>

#include "commands/command_context.h"
#include "views/status_view.h"

namespace ringctl {

void register_status_command(CLI::App& app, CommandContext& context) {
  auto keyspace = std::make_shared<std::optional<std::string>>();
  CLI::App* command = app.add_subcommand("status", "Print each node's state, load and ownership, per datacenter");
  add_snapshot_options(*command, context);
  command->add_option("KEYSPACE", *keyspace, "Show effective ownership for this keyspace");
  command->callback([keyspace, &context] {
    const ClusterView view = load_cluster_view(context.source);
    render_cluster_view(build_status(view.snapshot, *keyspace), view.freshness, context.format, print_status_table,
                        status_document);
  });
}

}  // namespace ringctl
