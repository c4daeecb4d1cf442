// ringctl ring --ring FILE [KEYSPACE]: every token in ring order, per datacenter.
#include <memory>

#include "commands/command_context.h"
#include "views/ring_view.h"

namespace ringctl {

void register_ring_command(CLI::App& app, CommandContext& context) {
  auto keyspace = std::make_shared<std::optional<std::string>>();
  CLI::App* command = app.add_subcommand("ring", "Print every token of the ring with its node, per datacenter");
  add_snapshot_options(*command, context);
  command->add_option("KEYSPACE", *keyspace, "Show effective ownership for this keyspace");
  command->callback([keyspace, &context] {
    const ClusterView view = load_cluster_view(context.source);
    render_cluster_view(build_ring(view.snapshot, *keyspace), view.freshness, context.format, print_ring_table,
                        ring_document);
  });
}

}  // namespace ringctl
