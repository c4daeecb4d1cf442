#include "commands/command_context.h"

namespace ringctl {

void add_snapshot_options(CLI::App& command, CommandContext& context) {
  command.add_option("--ring", context.source.ring_file,
                     "Read the cluster from this snapshot file (JSON, see docs/snapshot-format.md); - for stdin");
}

}  // namespace ringctl
