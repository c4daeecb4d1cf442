// ringctl rebalance [--ring FILE]: imbalance per DC and its likely causes, each with evidence and
// fix. A dry run: it changes nothing. Exit 5 when there is any finding. Its ownership spread and
// density margin are health's, from the cluster config (configured_thresholds.h).
#include "cluster_survey.h"
#include "commands/command_context.h"
#include "configured_thresholds.h"
#include "views/rebalance_view.h"

namespace ringctl {

void register_rebalance_command(CLI::App& app, CommandContext& context) {
  CLI::App* command = app.add_subcommand(
      "rebalance", "Find imbalance and its cause (tokens, hotspot, hardware, cleanup debt, racks); changes nothing");
  add_snapshot_options(*command, context);
  command->callback([&context] {
    const ringcore::RebalanceThresholds thresholds =
        shared_rebalance_thresholds(configured_health_thresholds(context.source));
    const ClusterSurvey survey = survey_cluster(context.source);
    const ringcore::RebalanceReport report = ringcore::analyse_balance(survey.snapshot, thresholds).value_or_throw();
    render(report, context.format, print_rebalance_table, rebalance_document);
    if (!report.findings.empty()) context.not_fit = true;
  });
}

}  // namespace ringctl
