// ringctl rebalance [--ring FILE]: imbalance per DC and its likely causes, each with evidence and
// fix. A dry run: it changes nothing. Exit 5 when there is any finding.
#include "cluster_survey.h"
#include "commands/command_context.h"
#include "views/rebalance_view.h"

namespace ringctl {

void register_rebalance_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "rebalance", "Find imbalance and its cause (tokens, hotspot, hardware, cleanup debt, racks); changes nothing");
  add_snapshot_options(*command, context);
  command->callback([&context] {
    const ClusterSurvey survey = survey_cluster(context.source);
    const ringcore::RebalanceReport report = ringcore::analyse_balance(survey.snapshot, {}).value_or_throw();
    render(report, context.format, print_rebalance_table, rebalance_document);
    if (!report.findings.empty()) context.not_fit = true;
  });
}

}  // namespace ringctl
