#include "commands/command_context.h"

namespace ringctl {

void add_snapshot_options(CLI::App& command, CommandContext& context) {
  command.add_option("--ring", context.source.ring_file,
                     "Read the cluster from this snapshot file (JSON, see docs/snapshot-format.md); - for stdin");
}

void add_agent_options(CLI::App& app, CommandContext& context) {
  const char* group = "Agent (live) options";
  app.add_option("-h,--host", context.source.host, "Ask this agent (ringd): HOST[:PORT], port 7070 by default")
      ->group(group);
  app.add_option("--cluster", context.source.cluster,
                 "Ask the agents of this cluster from the cluster config ($RINGCTL_CONFIG or "
                 "~/.config/ringctl/clusters.yaml); default: its default cluster")
      ->group(group);
  app.add_option("--token", context.source.token, "Bearer token for the agent (default: $RINGCTL_TOKEN)")
      ->group(group);
  app.add_option("--cacert", context.source.cacert, "Speak HTTPS to the agent, trusting this CA certificate (PEM)")
      ->group(group);
}

nlohmann::json agent_document(const SnapshotSource& source, const std::string& path, const char* field) {
  AgentClient agent = connect_agents(source);
  const nlohmann::json answer = agent.get(path);
  warn_if_stale(answer, agent);
  return answer.value(field, nlohmann::json::object());
}

}  // namespace ringctl
