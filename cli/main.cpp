// ringctl: the operator's CLI. Wiring only: commands live in cli/commands/, and this file is
// the one place errors become exit codes (see exit_codes.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string_view>

#include "commands/command_context.h"
#include "exit_codes.h"
#include "option_values.h"
#include "ringcore/version.h"

namespace {

using ringctl::OutputFormat;

const std::map<std::string, OutputFormat> kFormats = {
    {"table", OutputFormat::kTable}, {"json", OutputFormat::kJson}, {"yaml", OutputFormat::kYaml}};

// The output format, read before parsing so that even usage errors follow it.
OutputFormat sniff_format(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    if ((arg == "-o" || arg == "--output") && i + 1 < argc) {
      value = argv[i + 1];
    } else if (arg.starts_with("--output=")) {
      value = arg.substr(9);
    } else if (arg.starts_with("-o") && arg.size() > 2) {
      value = arg.substr(2);
    }
    auto it = kFormats.find(std::string(value));
    if (it != kFormats.end()) return it->second;
  }
  return OutputFormat::kTable;
}

int report_error(const std::string& code, const std::string& message, int exit_code, OutputFormat format) {
  if (format == OutputFormat::kTable) {
    std::cerr << "ringctl: " << message << '\n';
  } else {
    ringctl::print_document({{"error", {{"code", code}, {"message", message}, {"exit_code", exit_code}}}}, format,
                            std::cerr);
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const OutputFormat sniffed = sniff_format(argc, argv);

  CLI::App app{"ringctl: inspect and operate Cassandra-style token rings", "ringctl"};
  // -h is nodetool's --host, so help is --help only.
  app.set_help_flag("--help", "Print this help and exit");
  app.set_version_flag("--version", std::string("ringctl ") + ringcore::version());
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(ringctl::exit_code_help());

  ringctl::CommandContext context;
  ringctl::one_of(app.add_option_function<std::string>(
                      "-o,--output", [&context](const std::string& name) { context.format = kFormats.at(name); },
                      "Output format: table (nodetool's layout), json or yaml"),
                  {"table", "json", "yaml"});

  ringctl::register_token_command(app, context);
  ringctl::register_getendpoints_command(app, context);
  ringctl::register_describering_command(app, context);
  ringctl::register_status_command(app, context);
  ringctl::register_ring_command(app, context);
  ringctl::register_lab_command(app, context);
  ringctl::register_netstats_command(app, context);
  ringctl::register_info_command(app, context);
  ringctl::register_gossipinfo_command(app, context);
  ringctl::register_compactionstats_command(app, context);
  ringctl::register_tpstats_command(app, context);
  ringctl::register_describecluster_command(app, context);
  ringctl::register_streamthroughput_commands(app, context);
  ringctl::register_version_command(app, context);
  ringctl::register_operation_commands(app, context);
  ringctl::register_help_command(app);
  ringctl::register_health_command(app, context);
  ringctl::register_plan_command(app, context);
  ringctl::register_rebalance_command(app, context);
  ringctl::register_playbook_command(app, context);
  ringctl::register_completion_command(app);
  ringctl::add_agent_options(app, context);
  ringctl::add_global_options_to_help(app);

  if (const auto unknown = ringctl::check_command_word(app, argc, argv)) {
    return report_error("usage", *unknown, ringctl::kExitUsage, sniffed);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return report_error("usage", std::string(e.what()) + " (see ringctl --help)", ringctl::kExitUsage, sniffed);
  } catch (const ringcore::Error& e) {
    return report_error(ringcore::error_code_name(e.code()), ringctl::message_for(e), ringctl::exit_code_for(e),
                        sniffed);
  } catch (const std::exception& e) {
    return report_error("internal", std::string("internal error: ") + e.what(), ringctl::kExitFailed, sniffed);
  }
  std::cout.flush();
  if (!std::cout) return report_error("failed", "could not write the output", ringctl::kExitFailed, sniffed);
  if (context.exit_code != 0) return context.exit_code;
  return context.not_fit ? ringctl::kExitUnfit : ringctl::kExitOk;
}
