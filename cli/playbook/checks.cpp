#include "playbook/checks.h"

#include <algorithm>
#include <optional>

#include "cluster_survey.h"
#include "configured_thresholds.h"
#include "playbook/health_thresholds.h"
#include "ringcore/health_checks.h"
#include "ringcore/rebalance.h"
#include "ringcore/scale_plan.h"
#include "ringcore/seed_checks.h"
#include "views/plan_view.h"

namespace ringctl::playbook {
namespace {

using Json = nlohmann::json;
using ringcore::CheckStatus;

// One finding of a check, as its event and the report show it.
struct Finding {
  std::string name;
  CheckStatus status = CheckStatus::kUnknown;
  std::string message;
  std::vector<std::string> nodes;
  std::optional<double> value;      // the health checks' worst figure, when known
  std::optional<double> threshold;  // the level it crossed, else the warn level
};

Json optional_number(const std::optional<double>& number) { return number ? Json(*number) : Json(nullptr); }

Json finding_json(const Finding& finding) {
  return {{"name", finding.name},
          {"status", ringcore::check_status_name(finding.status)},
          {"message", finding.message},
          {"nodes", finding.nodes},
          {"value", optional_number(finding.value)},
          {"threshold", optional_number(finding.threshold)}};
}

// Sends one "check" event per finding, records them, and blocks at block_on.
StepOutcome judge(const std::string& check, const std::vector<Finding>& findings, StepContext& context,
                  StepOutcome outcome) {
  CheckStatus overall = CheckStatus::kOk;
  Json listed = Json::array();
  std::string worst;
  for (const Finding& finding : findings) {
    overall = ringcore::combine(overall, finding.status);
    listed.push_back(finding_json(finding));
    const Json shown = finding_json(finding);
    Document event = {{"event", "check"}, {"check", check}};
    for (auto it = shown.begin(); it != shown.end(); ++it) event[it.key()] = *it;
    context.emit(event);
  }
  const std::string block_on = context.param("block_on", "critical");
  for (const Finding& finding : findings) {
    if (block_on != "never" &&
        ringcore::at_or_above(finding.status, ringcore::parse_check_status(block_on).value_or_throw())) {
      worst += (worst.empty() ? "" : "; ") + finding.name + ": " + finding.message;
    }
  }
  outcome.result["check"] = check;
  outcome.result["status"] = ringcore::check_status_name(overall);
  outcome.result["findings"] = listed;
  outcome.message = check + ": " + ringcore::check_status_name(overall);
  if (!worst.empty()) {
    throw RunHalt(RunStatus::kBlocked, "check " + check + " blocked the run (" + block_on + " or worse): " + worst);
  }
  return outcome;
}

Finding from_health(const ringcore::HealthCheck& check) {
  return {check.name, check.status, check.message, check.nodes, check.value, check.threshold};
}
Finding from_plan(const ringcore::PlanCheck& check) {
  return {check.name, check.status, check.message, check.nodes, std::nullopt, std::nullopt};
}

StepOutcome health(StepContext& context) {
  const ClusterSurvey survey = survey_cluster(context.source);
  const ringcore::HealthReport report =
      ringcore::check_health(survey.snapshot, survey.observations, step_thresholds(context.source, context.params),
                             std::nullopt)
          .value_or_throw();
  std::vector<Finding> findings;
  for (const ringcore::HealthCheck& check : report.checks) findings.push_back(from_health(check));
  return judge("health", findings, context, {});
}

// Before a topology change, as the seeds' "Before Scaling" list says.
StepOutcome preflight(StepContext& context) {
  const ClusterSurvey survey = survey_cluster(context.source);
  ringcore::HealthThresholds thresholds;
  const double disk_max = std::stod(context.param("with.disk_max", "0.5"));
  thresholds.disk = {disk_max, disk_max, false};
  const ringcore::HealthReport report =
      ringcore::check_health(survey.snapshot, survey.observations, thresholds, std::nullopt).value_or_throw();
  std::vector<Finding> findings = {
      from_health(ringcore::check_nodes_up_normal(survey.snapshot, survey.observations, CheckStatus::kCritical)),
      from_health(ringcore::check_streaming_operations(survey.snapshot, survey.observations, CheckStatus::kCritical))};
  for (const ringcore::HealthCheck& check : report.checks) {
    if (check.name == "schema_agreement" || check.name == "agents_reachable") {
      Finding finding = from_health(check);
      if (finding.status == CheckStatus::kWarn) finding.status = CheckStatus::kCritical;  // a change waits for them
      findings.push_back(finding);
    } else if (check.name == "disk_usage") {
      findings.push_back(from_health(check));
    }
  }
  return judge("preflight", findings, context, {});
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

StepOutcome plan(const std::string& check, StepContext& context) {
  const ClusterSurvey survey = survey_cluster(context.source);
  ringcore::ScalePlan plan;
  if (check == "plan_add") {
    ringcore::AddRequest request;
    request.count = std::stoi(context.param("with.count", "1"));
    request.dc = context.param("with.dc");
    plan = ringcore::plan_add(survey.snapshot, request, survey.observations).value_or_throw();
  } else {
    plan = ringcore::plan_remove(survey.snapshot, context.param("node"), survey.observations).value_or_throw();
  }
  StepOutcome outcome;
  std::vector<std::string> losing;
  for (const ringcore::NodeForecast& node : plan.nodes) {
    bool loses = node.cleanup_bytes > 0;  // by the loads; a load not yet reported still loses its ranges
    for (const ringcore::RangeLoss& loss : plan.movement.losses) loses = loses || loss.node == node.address;
    if (node.role == "stays" && loses) losing.push_back(node.address);
  }
  outcome.exports["planned_bytes"] = std::to_string(plan.movement.total_bytes);
  if (check == "plan_add") {
    outcome.exports["losing_nodes"] = joined(losing);
  } else {
    const ringcore::Node& target = plan.removed.front();
    outcome.exports["target_address"] = target.address;
    outcome.exports["target_host_id"] = target.host_id;
    bool seed = false;
    for (const ringcore::PlanCheck& planned : plan.checks)
      seed = seed || (planned.name == "seed" && planned.status == CheckStatus::kWarn);
    outcome.exports["target_is_seed"] = seed ? "true" : "false";
  }
  const Document document = plan_document(plan);
  outcome.result["plan"] = Json::parse(document.dump());
  outcome.result["planned_bytes"] = plan.movement.total_bytes;
  // The movement per node and the seeds' formula, as `plan add|remove -o json` has them, so that a
  // dry run shows what each node would gain and lose.
  Document event = {{"event", "plan"},
                    {"operation", plan.operation},
                    {"verdict", ringcore::plan_verdict_name(plan.verdict)},
                    {"planned_bytes", plan.movement.total_bytes},
                    {"nodes", document["nodes"]},
                    {"formula", document["formula"]}};
  context.emit(event);
  std::vector<Finding> findings;
  for (const ringcore::PlanCheck& planned : plan.checks) findings.push_back(from_plan(planned));
  return judge(check, findings, context, outcome);
}

StepOutcome balance(StepContext& context) {
  const ClusterSurvey survey = survey_cluster(context.source);
  const ringcore::RebalanceReport report =
      ringcore::analyse_balance(survey.snapshot,
                                shared_rebalance_thresholds(configured_health_thresholds(context.source)))
          .value_or_throw();
  std::vector<Finding> findings;
  std::vector<std::string> cleanup;
  std::vector<std::string> add_to;  // DCs whose token distribution needs a node added
  for (const ringcore::Finding& finding : report.findings) {
    findings.push_back({ringcore::finding_kind_name(finding.kind), CheckStatus::kWarn,
                        finding.message + " (fix: " + finding.fix + ")", finding.nodes, finding.value,
                        finding.threshold});
    if (finding.kind == ringcore::FindingKind::kCleanupDebt) {
      for (const ringcore::NodeBytes& node : finding.cleanup) cleanup.push_back(node.address);
    }
    if (finding.kind == ringcore::FindingKind::kTokenDistribution &&
        std::find(add_to.begin(), add_to.end(), finding.dc) == add_to.end())
      add_to.push_back(finding.dc);
  }
  if (findings.empty())
    findings.push_back({"balance", CheckStatus::kOk, "rebalance finds nothing", {}, std::nullopt, std::nullopt});
  StepOutcome outcome;
  outcome.exports["cleanup_nodes"] = joined(cleanup);
  outcome.exports["add_node_dcs"] = joined(add_to);
  return judge("balance", findings, context, outcome);
}

// After a topology change: the seed lists as the nodes have them (ringcore::check_seed_lists).
StepOutcome seed_lists(StepContext& context) {
  const ClusterSurvey survey = survey_cluster(context.source);
  return judge("seed_lists", {from_health(ringcore::check_seed_lists(survey.snapshot, survey.observations))}, context,
               {});
}

}  // namespace

StepOutcome run_check(const std::string& name, StepContext& context) {
  if (name == "health") return health(context);
  if (name == "preflight") return preflight(context);
  if (name == "plan_add" || name == "plan_remove") return plan(name, context);
  if (name == "balance") return balance(context);
  if (name == "seed_lists") return seed_lists(context);
  throw ringcore::Error(ringcore::ErrorCode::kInternal, "no implementation of check " + name);
}

}  // namespace ringctl::playbook
