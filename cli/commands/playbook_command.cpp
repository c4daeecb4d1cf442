// ringctl playbook list | show NAME | run NAME [--var NAME=VALUE ...] [--dry-run] [--yes] |
// resume RUN_ID [--yes] | runs: guided procedures as resumable runs (cli/playbook/, views in
// views/playbook_view.h).
#include <memory>

#include "commands/command_context.h"
#include "exit_codes.h"
#include "option_values.h"
#include "playbook/playbook_catalog.h"
#include "playbook/playbook_loader.h"
#include "playbook/runner.h"
#include "playbook/variables.h"
#include "views/playbook_view.h"

namespace ringctl {
namespace {

struct PlaybookOptions {
  std::string name;
  std::string run_id;
  std::vector<std::string> vars;
  bool dry_run = false;
  bool yes = false;
};

playbook::Playbook load_named(const std::string& name) {
  const playbook::PlaybookFile file = playbook::find_playbook(name).value_or_throw();
  return playbook::load_playbook(file.path).value_or_throw();
}

playbook::RunOptions run_options(const PlaybookOptions& options, const CommandContext& context) {
  playbook::RunOptions run;
  run.source = context.source;
  run.dry_run = options.dry_run;
  run.yes = options.yes;
  return run;
}

}  // namespace

void register_playbook_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<PlaybookOptions>();
  CLI::App* command = app.add_subcommand(
      "playbook",
      "Guided procedures as resumable runs (shipped: health-check, scale-up, scale-down, repair, rebalance, "
      "rolling-restart): list, show, run, resume, runs");
  command->require_subcommand(1);

  CLI::App* list = command->add_subcommand("list", "List the playbooks: shipped ones, and your own that shadow them");
  list->callback([&context] {
    render(playbook::list_playbooks(), context.format, print_playbook_list_table, playbook_list_document);
  });

  CLI::App* show = command->add_subcommand("show", "Show a playbook's variables and steps");
  show->add_option("NAME", options->name, "The playbook's name (or a path to a .yaml file)")
      ->required()
      ->type_name(kPlaybookValue);
  show->callback([options, &context] {
    render(load_named(options->name), context.format, print_playbook_table, playbook_document);
  });

  CLI::App* run =
      command->add_subcommand("run", "Run a playbook: checks, then each step, journaled so that it can be resumed");
  run->add_option("NAME", options->name, "The playbook's name (or a path to a .yaml file)")
      ->required()
      ->type_name(kPlaybookValue);
  run->add_option("--var", options->vars, "Set a variable, NAME=VALUE (repeatable; see playbook show NAME)")
      ->type_name("NAME=VALUE");
  run->add_flag("--dry-run", options->dry_run, "Run the checks and print every step it would take; change nothing");
  run->add_flag("--yes", options->yes,
                "Answer yes to its questions (not to those that need a typed value, e.g. a host id)");
  run->callback([options, &context] {
    const playbook::Playbook book = load_named(options->name);
    const playbook::Values values = playbook::bind_variables(book, options->vars).value_or_throw();
    RunEventPrinter printer(context.format, std::cout);
    const playbook::RunOutcome outcome = playbook::start_run(
        book, values, run_options(*options, context), [&printer](const Document& event) { printer.print(event); });
    context.exit_code = exit_code_for_run(outcome.status, outcome.error);
  });

  CLI::App* resume =
      command->add_subcommand("resume", "Continue an interrupted or failed run from its first unfinished step");
  resume->add_option("RUN_ID", options->run_id, "The run (ringctl playbook runs lists them)")->required();
  resume->add_flag("--yes", options->yes,
                   "Answer yes to its questions (not to those that need a typed value: the run's --var gives it)");
  resume->callback([options, &context] {
    RunEventPrinter printer(context.format, std::cout);
    const playbook::RunOutcome outcome = playbook::resume_run(
        options->run_id, run_options(*options, context), [&printer](const Document& event) { printer.print(event); });
    context.exit_code = exit_code_for_run(outcome.status, outcome.error);
  });

  CLI::App* runs = command->add_subcommand("runs", "List the runs with their status, newest first");
  runs->callback([&context] { render(playbook::list_runs(), context.format, print_runs_table, runs_document); });
}

}  // namespace ringctl
