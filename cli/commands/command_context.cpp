#include "commands/command_context.h"

#include "option_values.h"

namespace ringctl {

void add_snapshot_options(CLI::App& command, CommandContext& context) {
  command.add_option("--ring", context.source.ring_file,
                     "Read the cluster from this snapshot file (JSON, see docs/snapshot-format.md); - for stdin")
      ->type_name(kFileValue);
}

void add_agent_options(CLI::App& app, CommandContext& context) {
  const char* group = "Agent (live) options";
  app.add_option("-h,--host", context.source.host, "Ask this agent (ringd): HOST[:PORT], port 7070 by default")
      ->group(group);
  app.add_option("--cluster", context.source.cluster,
                 "Ask the agents of this cluster from the cluster config ($RINGCTL_CONFIG or "
                 "~/.config/ringctl/clusters.yaml); default: its default cluster")
      ->type_name(kClusterValue)
      ->group(group);
  app.add_option("--token", context.source.token, "Bearer token for the agent (default: $RINGCTL_TOKEN)")
      ->group(group);
  app.add_option("--cacert", context.source.cacert, "Speak HTTPS to the agent, trusting this CA certificate (PEM)")
      ->type_name(kFileValue)
      ->group(group);
}

}  // namespace ringctl
