#include "playbook/step_catalog.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace ringctl::playbook {
namespace {

// The health thresholds a check or wait may set as with.<name> (ringcore::threshold_names()).
std::vector<std::string> with_thresholds(std::vector<std::string> params) {
  for (const char* name :
       {"with.disk_warn", "with.disk_critical", "with.pending_compactions_warn", "with.pending_compactions_critical",
        "with.dropped_messages_warn", "with.dropped_messages_critical"}) {
    params.emplace_back(name);
  }
  return params;
}

const std::vector<CatalogEntry> kChecks = {
    {"health",
     "every health check (ringctl health); with.fail_on warn|critical",
     with_thresholds({"with.fail_on"}),
     {},
     {}},
    {"preflight",
     "before a topology change: all up and normal in every view, nothing streaming or running, "
     "schema agreed, disk under with.disk_max (default 0.5)",
     {"with.disk_max"},
     {},
     {}},
    {"plan_add",
     "the predicted movement of adding with.count nodes to with.dc (ringctl plan add)",
     {"with.count", "with.dc"},
     {},
     {"losing_nodes", "planned_bytes"}},
    {"plan_remove",
     "the removal pre-flight verdict for node (ringctl plan remove)",
     {"node"},
     {"node"},
     {"target_address", "target_host_id", "target_is_seed", "planned_bytes"}},
    {"balance",
     "rebalance finds nothing (ringctl rebalance, with the cluster config's thresholds)",
     {},
     {},
     {"cleanup_nodes", "add_node_dcs"}},
    {"seed_lists",
     "the nodes' seed lists: warn for a seed no longer in the ring or a datacenter without a seed",
     {},
     {},
     {}},
};

const std::vector<CatalogEntry> kActions = {
    {"start_node",
     "start the run's with.ordinal-th new node through the launcher",
     {"with.ordinal", "with.dc"},
     {"with.ordinal"},
     {"new_node"}},
    {"stop_node", "stop node through the launcher", {"node"}, {"node"}, {}},
    {"restart_node", "stop node, then start it, through the launcher", {"node"}, {"node"}, {}},
    {"repair",
     "repair on node (with.primary_range, default true; with.range, a token range, only the tokens in it), "
     "followed to its end",
     {"node", "with.primary_range", "with.keyspace", "with.range"},
     {"node"},
     {}},
    {"cleanup", "cleanup on node, followed to its end", {"node", "with.keyspace"}, {"node"}, {}},
    {"decommission", "decommission node, followed to its end", {"node"}, {"node"}, {}},
    {"removenode",
     "remove the dead node with.host_id, its data re-replicated, run on node's agent and followed to its end",
     {"node", "with.host_id"},
     {"node", "with.host_id"},
     {}},
    {"setstreamthroughput",
     "set node's streaming throughput cap to with.mib_per_second MiB/s (0: unlimited)",
     {"node", "with.mib_per_second"},
     {"node", "with.mib_per_second"},
     {},
     {"with.mib_per_second"}},
};

const std::vector<CatalogEntry> kConditions = {
    {"node_normal_everywhere",
     "node is up and normal in every node's view; while waiting, stream progress and the scaling alert "
     "thresholds (with.stall_warn / with.stall_critical seconds without progress, and the health thresholds) "
     "are watched; the node down in every other view for with.down_after seconds (default 30) fails the step",
     with_thresholds({"node", "timeout", "with.stall_warn", "with.stall_critical", "with.down_after"}),
     {"node"},
     {}},
    {"node_left_everywhere", "node is in no other node's view", {"node", "timeout"}, {"node"}, {}},
    {"all_normal", "every node is up and normal in every view", {"timeout"}, {}, {}},
    {"node_ready_everywhere",
     "every node is up and normal in every view, node's own included, one schema version, no node holds "
     "hints (where the agents report them), and no agent says its node does not answer: the rolling restart's "
     "gate before the next node",
     {"node", "timeout"},
     {"node"},
     {}},
};

const std::vector<CatalogEntry> kNone = {};

}  // namespace

std::optional<double> non_negative_number(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

const std::vector<CatalogEntry>& catalog_of(StepKind kind) {
  switch (kind) {
    case StepKind::kCheck:
      return kChecks;
    case StepKind::kAct:
      return kActions;
    case StepKind::kWait:
      return kConditions;
    default:
      return kNone;
  }
}

const CatalogEntry* find_entry(StepKind kind, const std::string& name) {
  for (const CatalogEntry& entry : catalog_of(kind)) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

const std::vector<std::string>& common_params(StepKind kind) {
  static const std::vector<std::string> check = {"name", "block_on"};
  static const std::vector<std::string> plain = {"name"};
  static const std::vector<std::string> ask = {"name", "expect", "answer_var"};
  static const std::vector<std::string> ssh = {"name", "host", "timeout"};
  // node and count: primary_segments only (playbook_loader.cpp).
  static const std::vector<std::string> foreach = {"name", "as", "steps", "node", "count"};
  switch (kind) {
    case StepKind::kCheck:
      return check;
    case StepKind::kAsk:
      return ask;
    case StepKind::kSsh:
      return ssh;
    case StepKind::kForeach:
      return foreach;
    default:
      return plain;
  }
}

const std::vector<std::string>& builtin_lists() {
  static const std::vector<std::string> lists = {"new_nodes", "nodes", kPrimarySegments};
  return lists;
}

}  // namespace ringctl::playbook
