// ringctl plan add|remove|capacity: predicted movement and pre-flight verdicts for a scale-up,
// a decommission, or the nodes needed for a disk target. Offline on --ring FILE, else live.
#include <memory>

#include "cluster_survey.h"
#include "commands/command_context.h"
#include "views/plan_view.h"

namespace ringctl {
namespace {

struct PlanOptions {
  ringcore::AddRequest add;
  std::string tokens;  // "T1,T2,..."
  std::string node;    // plan remove
  double target_disk_percent = 50;
};

std::vector<ringcore::Token> parse_token_list(const std::string& text) {
  std::vector<ringcore::Token> tokens;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    auto token = ringcore::parse_token(text.substr(start, comma - start));
    if (!token) throw token.error().with_context("--tokens");
    tokens.push_back(*token);
    start = comma + 1;
  }
  return tokens;
}

void register_add(CLI::App& plan, CommandContext& context, const std::shared_ptr<PlanOptions>& options) {
  CLI::App* add =
      plan.add_subcommand("add", "Predict adding nodes: tokens, bytes per node, total against the seeds' formula");
  add_snapshot_options(*add, context);
  add->add_option("--dc", options->add.dc, "Datacenter of the new nodes (default: the only one)");
  add->add_option("--rack", options->add.rack, "Rack of the new nodes (default: the least populated, node by node)");
  CLI::Option* count = add->add_option("--count", options->add.count, "How many nodes to add (default 1)");
  add->add_option("--num-tokens", options->add.num_tokens, "Tokens per new node (default: as most of the DC)");
  CLI::Option* tokens =
      add->add_option("--tokens", options->tokens, "Exactly these tokens for one new node: --tokens=T1,T2,...")
          ->type_name("T1,T2,...")
          ->allow_extra_args(false);
  tokens->excludes(count);
  add->add_option("--address", options->add.addresses,
                  "Address of a new node (repeatable; default: placeholders new-node-1, ...)");
  add->callback([options, &context] {
    if (!options->tokens.empty()) options->add.tokens = parse_token_list(options->tokens);
    const ClusterSurvey survey = survey_cluster(context.source);
    const ringcore::ScalePlan plan =
        ringcore::plan_add(survey.snapshot, options->add, survey.observations).value_or_throw();
    render(plan, context.format, print_plan_table, plan_document);
  });
}

void register_remove(CLI::App& plan, CommandContext& context, const std::shared_ptr<PlanOptions>& options) {
  CLI::App* remove =
      plan.add_subcommand("remove", "Predict decommissioning a node, with the removal pre-flight verdict");
  add_snapshot_options(*remove, context);
  remove->add_option("NODE", options->node, "The node to remove: its address or host id")->required();
  remove->callback([options, &context] {
    const ClusterSurvey survey = survey_cluster(context.source);
    const ringcore::ScalePlan plan =
        ringcore::plan_remove(survey.snapshot, options->node, survey.observations).value_or_throw();
    render(plan, context.format, print_plan_table, plan_document);
    if (plan.verdict == ringcore::PlanVerdict::kBlocked) context.not_fit = true;
  });
}

void register_capacity(CLI::App& plan, CommandContext& context, const std::shared_ptr<PlanOptions>& options) {
  CLI::App* capacity =
      plan.add_subcommand("capacity", "Nodes to add per datacenter so that disk use falls under a target");
  add_snapshot_options(*capacity, context);
  capacity->add_option("--target-disk", options->target_disk_percent,
                       "Target disk use per node, in percent (default 50)");
  capacity->callback([options, &context] {
    const ClusterSurvey survey = survey_cluster(context.source);
    CapacityView view;
    view.target = options->target_disk_percent / 100.0;
    view.needs = ringcore::plan_capacity(survey.snapshot, view.target).value_or_throw();
    render(view, context.format, print_capacity_table, capacity_document);
  });
}

}  // namespace

void register_plan_command(CLI::App& app, CommandContext& context) {
  auto options = std::make_shared<PlanOptions>();
  CLI::App* plan = app.add_subcommand("plan", "Predict a topology change: plan add, plan remove, plan capacity");
  plan->require_subcommand(1);
  register_add(*plan, context, options);
  register_remove(*plan, context, options);
  register_capacity(*plan, context, options);
}

}  // namespace ringctl
