// ringctl health [--ring FILE] [--fail-on warn|critical] [--keyspace KS] [--threshold NAME=VALUE]:
// one verdict per check and one overall; exit 5 when the overall is at or above --fail-on.
// Thresholds: the seeds' defaults, then the cluster config's (configured_thresholds.h), then the flags.
#include <memory>

#include "cluster_survey.h"
#include "commands/command_context.h"
#include "configured_thresholds.h"
#include "option_values.h"
#include "views/health_view.h"

namespace ringctl {
namespace {

struct HealthOptions {
  std::string fail_on = "critical";
  std::optional<std::string> keyspace;
  std::vector<std::string> thresholds;  // NAME=VALUE
};

// `thresholds` with the --threshold NAME=VALUE settings over them.
ringcore::HealthThresholds thresholds_from(ringcore::HealthThresholds thresholds,
                                           const std::vector<std::string>& settings) {
  for (const std::string& setting : settings) {
    const std::size_t equals = setting.find('=');
    double value = 0;
    std::size_t used = 0;
    try {
      if (equals != std::string::npos) value = std::stod(setting.substr(equals + 1), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (equals == std::string::npos || used == 0 || equals + 1 + used != setting.size()) {
      throw ringcore::Error::invalid_input("--threshold '" + setting + "': expected NAME=NUMBER, e.g. disk_warn=0.75");
    }
    auto set = ringcore::set_threshold(thresholds, setting.substr(0, equals), value);
    if (!set) throw set.error().with_context("--threshold");
  }
  return thresholds;
}

}  // namespace

void register_health_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<HealthOptions>();
  CLI::App* command = app.add_subcommand(
      "health", "Check the cluster against the seeds' capacity and alert thresholds, in every node's view");
  add_snapshot_options(*command, context);
  one_of(command->add_option("--fail-on", options->fail_on,
                             "Exit 5 when the overall status is at or above this (default critical)"),
         {"warn", "critical"});
  command->add_option("--keyspace", options->keyspace,
                      "Judge ownership and replica availability for this keyspace only");
  command
      ->add_option("--threshold", options->thresholds,
                   "Override a threshold, NAME=VALUE (ratios as fractions, latencies in seconds), e.g. "
                   "disk_warn=0.75; repeatable; over the cluster config's thresholds (top level, then the "
                   "cluster's)")
      ->type_name("NAME=VALUE");
  command->callback([options, &context] {
    const ringcore::HealthThresholds thresholds =
        thresholds_from(configured_health_thresholds(context.source), options->thresholds);
    const ClusterSurvey survey = survey_cluster(context.source);
    HealthView view;
    view.report =
        ringcore::check_health(survey.snapshot, survey.observations, thresholds, options->keyspace).value_or_throw();
    view.fail_on = ringcore::parse_check_status(options->fail_on).value_or_throw();
    view.snapshot_from = survey.snapshot_from;
    render(view, context.format, print_health_table, health_document);
    if (ringcore::at_or_above(view.report.status, view.fail_on)) context.not_fit = true;
  });
}

}  // namespace ringctl
