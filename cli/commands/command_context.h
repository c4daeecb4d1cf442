// What every command shares: global options, and the shared option groups commands add.
#pragma once

#include <CLI/CLI.hpp>
#include <iostream>

#include "output.h"
#include "snapshot_source.h"

namespace ringctl {

struct CommandContext {
  OutputFormat format = OutputFormat::kTable;
  SnapshotSource source;
};

// Adds --ring FILE, the offline snapshot to read.
void add_snapshot_options(CLI::App& command, CommandContext& context);

// Adds the global agent options to the app: -h HOST[:PORT], --cluster, --token, --cacert.
void add_agent_options(CLI::App& app, CommandContext& context);

// Prints a report as a table or as a JSON/YAML document, per the chosen format.
template <class Report, class TableFn, class DocumentFn>
void render(const Report& report, OutputFormat format, TableFn print_table, DocumentFn document) {
  if (format == OutputFormat::kTable) {
    print_table(report, std::cout);
  } else {
    print_document(document(report), format, std::cout);
  }
}

// One registration function per command (cli/commands/<name>_command.cpp).
void register_token_command(CLI::App& app, CommandContext& context);
void register_getendpoints_command(CLI::App& app, CommandContext& context);
void register_describering_command(CLI::App& app, CommandContext& context);
void register_status_command(CLI::App& app, CommandContext& context);
void register_ring_command(CLI::App& app, CommandContext& context);
void register_lab_command(CLI::App& app, CommandContext& context);
void register_netstats_command(CLI::App& app, CommandContext& context);
void register_info_command(CLI::App& app, CommandContext& context);
void register_gossipinfo_command(CLI::App& app, CommandContext& context);
// decommission, removenode, cleanup, repair (cli/commands/operation_commands.cpp).
void register_operation_commands(CLI::App& app, CommandContext& context);
// The shell completions, from the command tree `app` holds when it runs.
void register_completion_command(CLI::App& app);

}  // namespace ringctl
