#include "commands/command_context.h"

#include <cmath>
#include <cstdlib>

#include "operations.h"
#include "option_values.h"

namespace ringctl {

void add_snapshot_options(CLI::App& command, CommandContext& context) {
  command
      .add_option("--ring", context.source.ring_file,
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
  app.add_option("--token", context.source.token, "Bearer token for the agent (default: $RINGCTL_TOKEN)")->group(group);
  app.add_option("--cacert", context.source.cacert, "Speak HTTPS to the agent, trusting this CA certificate (PEM)")
      ->type_name(kFileValue)
      ->group(group);
}

CLI::Validator timeout_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        const double seconds = std::strtod(text.c_str(), &end);
        const bool number = !text.empty() && end == text.c_str() + text.size();
        if (number && std::isfinite(seconds) && seconds > 0 && seconds <= kMaxTimeoutSeconds) return "";
        return "expected a number of seconds above 0 and at most 604800 (7 days), got '" + text + "'";
      },
      "SECONDS");
}

void add_wait_options(CLI::App& command, WaitFlags& flags) {
  CLI::Option* wait = command.add_flag(
      "--wait", flags.wait, "Wait for the job to end: a progress bar on a terminal, JSON events with -o json");
  command
      .add_option("--timeout", flags.timeout_seconds,
                  "With --wait: give up waiting after this many seconds (exit 3; the job goes on). "
                  "Above 0, at most 604800 (7 days)")
      ->check(timeout_check())
      ->needs(wait);
}

AgentView agent_document(const SnapshotSource& source, const std::string& path, const char* field) {
  AgentClient agent = connect_agents(source);
  return load_agent_view(agent, path, field);
}

}  // namespace ringctl
