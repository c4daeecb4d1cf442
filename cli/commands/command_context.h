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
  // Set by an analysis command whose verdict is "not fit" (health at or above --fail-on, plan
  // remove blocked, rebalance findings): ringctl prints its output, then exits 5.
  bool not_fit = false;
  // Set by a command that ends with a code of its own (a playbook run: 2, 3, 4, 5, 6); 0: none.
  int exit_code = 0;
};

// Adds --ring FILE, the offline snapshot to read.
void add_snapshot_options(CLI::App& command, CommandContext& context);

// Adds the global agent options to the app: -h HOST[:PORT], --cluster, --token, --cacert.
void add_agent_options(CLI::App& app, CommandContext& context);

// The longest --timeout accepted: a week. Longer waits are better left to `ringctl jobs --wait`.
inline constexpr double kMaxTimeoutSeconds = 7 * 24 * 3600;

// Checks a --timeout value: a finite number of seconds above 0 and at most kMaxTimeoutSeconds;
// the message names the value ("1e10", "nan", "0", "-3") and the range.
CLI::Validator timeout_check();

struct WaitFlags;
// Adds --wait and --timeout SECONDS (refused without --wait) to an operation command.
void add_wait_options(CLI::App& command, WaitFlags& flags);

// GET `path` (a cached document) from the agents (load_agent_view): its member `field` and how
// fresh it is, for render_cluster_view. Throws as AgentClient::get.
AgentView agent_document(const SnapshotSource& source, const std::string& path, const char* field);

// Prints a report as a table or as a JSON/YAML document, per the chosen format.
template <class Report, class TableFn, class DocumentFn>
void render(const Report& report, OutputFormat format, TableFn print_table, DocumentFn document) {
  if (format == OutputFormat::kTable) {
    print_table(report, std::cout);
  } else {
    print_document(document(report), format, std::cout);
  }
}

// render() for anything read live from the agents (or a cluster read from a file): a stale view
// is marked by a line above the table and by "freshness" in the document (null when read from a
// file). The one way a live read shows how fresh it is (docs/live-reads.md).
template <class Report, class TableFn, class DocumentFn>
void render_cluster_view(const Report& report, const std::optional<ViewFreshness>& freshness, OutputFormat format,
                         TableFn print_table, DocumentFn document) {
  if (format == OutputFormat::kTable) {
    print_freshness_line(freshness, std::cout);
    print_table(report, std::cout);
  } else {
    Document doc = document(report);
    doc["freshness"] = freshness_document(freshness);
    print_document(doc, format, std::cout);
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
// health, plan add|remove|capacity, rebalance (cli/commands/<name>_command.cpp).
void register_health_command(CLI::App& app, CommandContext& context);
void register_plan_command(CLI::App& app, CommandContext& context);
void register_rebalance_command(CLI::App& app, CommandContext& context);
// ringctl playbook list|show|run|resume|runs (cli/commands/playbook_command.cpp).
void register_playbook_command(CLI::App& app, CommandContext& context);
void register_compactionstats_command(CLI::App& app, CommandContext& context);
void register_tpstats_command(CLI::App& app, CommandContext& context);
void register_describecluster_command(CLI::App& app, CommandContext& context);
void register_version_command(CLI::App& app, CommandContext& context);
// getstreamthroughput, setstreamthroughput (cli/commands/streamthroughput_commands.cpp).
void register_streamthroughput_commands(CLI::App& app, CommandContext& context);
// decommission, removenode, cleanup, repair, jobs (cli/commands/operation_commands.cpp).
void register_operation_commands(CLI::App& app, CommandContext& context);
// The shell completions, from the command tree `app` holds when it runs.
void register_completion_command(CLI::App& app);

// ringctl help [COMMAND] (cli/commands/help_command.cpp).
void register_help_command(CLI::App& app);
// After every command and global option is added: each command's help ends with the global
// options, where it reads the cluster from, and the exit codes.
void add_global_options_to_help(CLI::App& app);
// nullopt when the words of the command line that are no option (or an option's value) name a
// command, down to one that needs no further command, and no command is missing; else the
// message, e.g. "unknown command 'stauts' (did you mean status?); ...", "unknown command 'lab
// stauts' (did you mean lab start?); ..." or "'lab' needs a command: up, add, ...". Asked before
// parsing: CLI11 would only say that a subcommand is required.
std::optional<std::string> check_command_word(const CLI::App& app, int argc, char** argv);
// "unknown command 'PARENT WORD'", with the closest of `commands` (the commands of PARENT, ""
// for ringctl itself) suggested when it is close.
std::string unknown_command_message(const std::string& word, const std::vector<std::string>& commands,
                                    const std::string& parent = "");
// Levenshtein distance: insertions, deletions and substitutions turning `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ringctl
