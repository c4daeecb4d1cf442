#include "ringcore/health_checks.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <string_view>

#include "analysis_text.h"
#include "ringcore/load_model.h"
#include "ringcore/placement.h"
#include "ringcore/rebalance.h"
#include "ringcore/ring.h"

namespace ringcore {
namespace {

using namespace analysis_text;

HealthCheck named_check(std::string name, std::optional<double> threshold = std::nullopt) {
  HealthCheck check;
  check.name = std::move(name);
  check.threshold = threshold;
  return check;
}

using Figure = std::function<std::optional<double>(const Node&)>;
using Format = std::string (*)(double);

// "warn from 70%, critical from 80%" or "warn over 50, critical over 100".
std::string describe(const Limit& limit, Format format) {
  const char* word = limit.strict ? " over " : " from ";
  std::string text;
  if (limit.warn) text += std::string("warn") + word + format(*limit.warn);
  if (limit.critical) text += (text.empty() ? "" : ", ") + std::string("critical") + word + format(*limit.critical);
  return text;
}

std::optional<double> threshold_for(CheckStatus status, const Limit& limit) {
  if (status == CheckStatus::kCritical) return limit.critical;
  return limit.warn ? limit.warn : limit.critical;
}

// One figure per node, graded against `limit`; the worst names the value.
HealthCheck figure_check(const char* name, const ClusterSnapshot& snapshot, const Figure& figure, const Limit& limit,
                         Format format, const char* what) {
  HealthCheck check = named_check(name);
  std::vector<std::string> unknown;
  std::optional<double> worst;
  std::string worst_node;
  CheckStatus status = CheckStatus::kUnknown;
  for (const Node& node : snapshot.nodes) {
    const std::optional<double> value = figure(node);
    if (!value) {
      unknown.push_back(node.address);
      continue;
    }
    const CheckStatus graded = grade(*value, limit);
    status = combine(status, graded);
    if (graded != CheckStatus::kOk) check.nodes.push_back(node.address);
    if (!worst || *value > *worst) {
      worst = value;
      worst_node = node.address;
    }
  }
  check.status = status;
  check.threshold = threshold_for(status, limit);
  check.value = worst;
  if (!worst) {
    check.message = std::string(what) + " is not known for any node";
    return check;
  }
  check.message =
      std::string(what) + ": highest " + format(*worst) + " on " + worst_node + " (" + describe(limit, format) + ")";
  if (!check.nodes.empty()) check.message += "; above the limit: " + listed(check.nodes);
  if (!unknown.empty()) check.message += "; not known for " + listed(unknown);
  return check;
}

std::optional<double> ratio(const std::optional<std::int64_t>& part, const std::optional<std::int64_t>& whole) {
  if (!part || !whole || *whole <= 0) return std::nullopt;
  return static_cast<double>(*part) / static_cast<double>(*whole);
}

// Disk use: disk_used_bytes, else the load (bytes on disk), over disk_total_bytes.
std::optional<double> disk_ratio(const Node& node) {
  const std::optional<std::int64_t> used =
      node.capacity.disk_used_bytes ? node.capacity.disk_used_bytes : node.load_bytes;
  return ratio(used, node.capacity.disk_total_bytes);
}

// Below this many requests a share of drops says little: a quiet node with a handful of
// dropped internode messages (Cassandra counts every verb's) would read as 100%.
constexpr std::int64_t kMinRequestsToJudge = 100;

// Dropped over all requests: over the agent's recent window when it measured one, else since
// the node started (an offline snapshot, an agent that has collected once). Not known below
// kMinRequestsToJudge requests.
std::optional<double> dropped_ratio(const Node& node) {
  const NodeCapacity& c = node.capacity;
  const bool recent = c.requests_recent && c.dropped_messages_recent;
  const std::optional<std::int64_t>& dropped = recent ? c.dropped_messages_recent : c.dropped_messages_total;
  const std::optional<std::int64_t>& requests = recent ? c.requests_recent : c.requests_total;
  if (!dropped || !requests || *requests < kMinRequestsToJudge) return std::nullopt;
  return static_cast<double>(*dropped) / static_cast<double>(std::max(*requests, *dropped));
}

// What the dropped_messages figure covers, for its message: the shortest recent window among
// the nodes that have one, and whether some count since they started instead.
std::string dropped_what(const ClusterSnapshot& snapshot) {
  std::optional<double> window;
  bool since_start = false;
  for (const Node& node : snapshot.nodes) {
    const NodeCapacity& c = node.capacity;
    if (c.requests_recent && c.dropped_messages_recent && c.recent_window_seconds) {
      window = window ? std::min(*window, *c.recent_window_seconds) : *c.recent_window_seconds;
    } else if (c.requests_total && c.dropped_messages_total) {
      since_start = true;
    }
  }
  if (!window) return since_start ? "dropped messages since the nodes started" : "dropped messages";
  const std::string last = "the last " + std::to_string(std::lround(*window)) + " s";
  return since_start ? "dropped messages (" + last + " where measured, else since the node started)"
                     : "dropped messages in " + last;
}

// The dropped_messages check: the figure where a node served enough requests; when no node did
// but some count requests, ok, saying so, rather than not known.
HealthCheck check_dropped_messages(const ClusterSnapshot& snapshot, const HealthThresholds& thresholds) {
  const std::string what = dropped_what(snapshot);
  HealthCheck check =
      figure_check("dropped_messages", snapshot, dropped_ratio, thresholds.dropped_messages, percent, what.c_str());
  const bool counted = std::any_of(snapshot.nodes.begin(), snapshot.nodes.end(), [](const Node& node) {
    return node.capacity.requests_total || node.capacity.requests_recent;
  });
  if (!check.value && counted) {
    check.status = CheckStatus::kOk;
    check.message =
        what + ": fewer than " + std::to_string(kMinRequestsToJudge) + " requests on every node, too few to judge";
  }
  return check;
}

std::optional<double> as_double(const std::optional<std::int64_t>& value) {
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

HealthCheck check_agents_reachable(const ClusterObservations& observations) {
  HealthCheck check = named_check("agents_reachable", 0);
  if (!observations.views) {
    check.message = "no agent asked (offline snapshot)";
    return check;
  }
  std::vector<std::string> failures;
  for (const PeerView& view : *observations.views) {
    if (view.answered) continue;
    check.nodes.push_back(view.observer);
    failures.push_back(view.observer + " (" + view.error + ")");
  }
  check.value = static_cast<double>(check.nodes.size());
  check.status = check.nodes.empty() ? CheckStatus::kOk : CheckStatus::kWarn;
  check.message = check.nodes.empty()
                      ? "all " + std::to_string(observations.views->size()) + " agents answered"
                      : "no answer from the agent of " + joined(failures) + "; its node is judged by the others' views";
  return check;
}

// Per DC, max / mean of `figure` over the DC's ring members.
HealthCheck spread_check(
    const char* name, const ClusterSnapshot& snapshot, const Limit& limit, const char* what,
    const std::function<std::vector<std::pair<std::size_t, double>>(const std::string&)>& figures) {
  HealthCheck check = named_check(name);
  CheckStatus status = CheckStatus::kUnknown;
  std::string worst_dc;
  std::vector<std::string> unknown_dcs;
  for (const std::string& dc : datacenter_names(snapshot)) {
    const auto values = figures(dc);
    if (values.empty()) {
      unknown_dcs.push_back(dc);
      continue;
    }
    double sum = 0, max = 0;
    for (const auto& [node, value] : values) {
      sum += value;
      max = std::max(max, value);
    }
    const double mean = sum / static_cast<double>(values.size());
    const double spread = mean > 0 ? max / mean : 1.0;
    const CheckStatus graded = grade(spread, limit);
    status = combine(status, graded);
    if (graded != CheckStatus::kOk) {
      for (const auto& [node, value] : values) {
        if (grade(mean > 0 ? value / mean : 1.0, limit) != CheckStatus::kOk)
          check.nodes.push_back(snapshot.nodes[node].address);
      }
    }
    if (!check.value || spread > *check.value) {
      check.value = spread;
      worst_dc = dc;
    }
  }
  check.status = status;
  check.threshold = threshold_for(status, limit);
  if (!check.value) {
    check.message = std::string(what) + " is not known in any datacenter";
    return check;
  }
  check.message =
      std::string(what) + ": max/mean " + times(*check.value) + " in " + worst_dc + " (" + describe(limit, times) + ")";
  if (!check.nodes.empty()) check.message += "; above it: " + listed(check.nodes);
  if (!unknown_dcs.empty()) check.message += "; not known in " + joined(unknown_dcs);
  return check;
}

HealthCheck check_ownership_balance(const ClusterSnapshot& snapshot, const HealthThresholds& thresholds,
                                    const Keyspace* keyspace) {
  return spread_check(
      "ownership_balance", snapshot, thresholds.ownership_balance, "effective ownership",
      [&](const std::string& dc) { return datacenter_ownership(snapshot, dc, datacenter_rf(snapshot, dc, keyspace)); });
}

HealthCheck check_load_skew(const ClusterSnapshot& snapshot, const HealthThresholds& thresholds) {
  return spread_check("load_skew", snapshot, thresholds.load_skew, "load", [&](const std::string& dc) {
    std::vector<std::pair<std::size_t, double>> loads;
    for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
      const Node& node = snapshot.nodes[i];
      if (node.dc == dc && node.state != NodeState::kJoining && node.load_bytes) {
        loads.emplace_back(i, static_cast<double>(*node.load_bytes));
      }
    }
    return loads;
  });
}

HealthCheck check_cleanup_debt(const ClusterSnapshot& snapshot, const HealthThresholds& thresholds) {
  HealthCheck check = named_check("cleanup_debt", 1 + thresholds.density_margin);
  const bool any_load = std::any_of(snapshot.nodes.begin(), snapshot.nodes.end(),
                                    [](const Node& node) { return node.load_bytes.has_value(); });
  if (!any_load) {
    check.message = "load is not known for any node";
    return check;
  }
  const std::vector<Finding> findings = find_load_findings(snapshot, thresholds.density_margin);
  check.status = findings.empty() ? CheckStatus::kOk : CheckStatus::kWarn;
  check.value = 1.0;
  for (const Finding& finding : findings) {
    check.value = std::max(*check.value, finding.value);
    check.nodes.insert(check.nodes.end(), finding.nodes.begin(), finding.nodes.end());
    check.message +=
        (check.message.empty() ? "" : "; ") + finding.message + " (likely cause: " +
        (finding.kind == FindingKind::kCleanupDebt ? "cleanup not run after a scale-up" : "a partition-key hotspot") +
        ")";
  }
  if (findings.empty())
    check.message = "every node's load matches its ranges within " + percent(thresholds.density_margin);
  return check;
}

// A node counts as live when its snapshot status is up and no view sees it down.
std::vector<bool> live_nodes(const ClusterSnapshot& snapshot, const ClusterObservations& observations) {
  std::set<std::string> down;
  if (observations.views) {
    for (const PeerView& view : *observations.views) {
      if (!view.answered) continue;
      for (const Node& node : view.snapshot.nodes) {
        if (node.status != NodeStatus::kUp) down.insert(node.address);
      }
    }
  }
  std::vector<bool> live(snapshot.nodes.size());
  for (std::size_t i = 0; i < snapshot.nodes.size(); ++i) {
    live[i] = snapshot.nodes[i].status == NodeStatus::kUp && !down.contains(snapshot.nodes[i].address);
  }
  return live;
}

HealthCheck check_replica_availability(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                       const Keyspace* only) {
  HealthCheck check = named_check("replica_availability");
  const std::vector<bool> live = live_nodes(snapshot, observations);
  const TokenRing ring(snapshot);
  std::set<std::string> concerned;
  CheckStatus status = CheckStatus::kUnknown;
  std::vector<std::string> problems;
  std::map<std::string, std::size_t> dc_sizes;
  for (const Node& node : snapshot.nodes) ++dc_sizes[node.dc];
  int keyspaces = 0;
  for (const Keyspace& keyspace : snapshot.keyspaces) {
    if (only != nullptr && keyspace.name != only->name) continue;
    if (keyspace.replication.kind == StrategyKind::kLocal || ring.empty()) continue;
    auto placement = ReplicaPlacement::create(ring, keyspace.replication);
    if (!placement) continue;
    ++keyspaces;
    // The fewest live replicas of any range, per DC ("" for SimpleStrategy: the whole ring).
    const bool per_dc = keyspace.replication.kind == StrategyKind::kNetworkTopology;
    std::map<std::string, int> fewest;
    std::map<std::string, std::set<std::string>> dead_replicas;
    placement->for_each_range([&](std::size_t, const std::vector<NodeIndex>& replicas) {
      std::map<std::string, int> up;
      for (NodeIndex r : replicas) {
        const Node& node = snapshot.nodes[r];
        const std::string dc = per_dc ? node.dc : "";
        up.try_emplace(dc, 0);
        if (live[r]) {
          ++up[dc];
        } else {
          dead_replicas[dc].insert(node.address);
        }
      }
      for (const auto& [dc, n] : up) {
        auto [it, inserted] = fewest.try_emplace(dc, n);
        if (!inserted) it->second = std::min(it->second, n);
      }
    });
    // A datacenter the keyspace names but no node is in (its last node left) holds none of its
    // replicas: Cassandra keeps serving the keyspace with the other DCs' replicas.
    if (per_dc) {
      for (const auto& [dc, rf] : keyspace.replication.datacenters) {
        if (rf > 0) fewest.try_emplace(dc, 0);
      }
    }
    for (const auto& [dc, n] : fewest) {
      const int rf = per_dc ? keyspace.replication.replicas_in(dc) : keyspace.replication.total_replicas();
      if (rf <= 0) continue;
      const int quorum = rf / 2 + 1;
      const std::size_t members = per_dc ? dc_sizes[dc] : snapshot.nodes.size();
      const CheckStatus graded = n < quorum ? CheckStatus::kCritical : n < rf ? CheckStatus::kWarn : CheckStatus::kOk;
      status = combine(status, graded);
      if (!check.value || n < *check.value) {
        check.value = n;
        check.threshold = rf;
      }
      if (graded == CheckStatus::kOk) continue;
      const std::string where = keyspace.name + (dc.empty() ? "" : " in " + dc);
      if (members < static_cast<std::size_t>(rf)) {
        problems.push_back(where + ": rf " + std::to_string(rf) + " but " + (dc.empty() ? "the ring" : dc) + " has " +
                           std::to_string(members) + (members == 1 ? " node" : " nodes") + " (QUORUM needs " +
                           std::to_string(quorum) + ")");
      } else {
        problems.push_back(where + ": ranges with " + std::to_string(n) + " of " + std::to_string(rf) +
                           " replicas up (QUORUM needs " + std::to_string(quorum) +
                           "; down: " + joined({dead_replicas[dc].begin(), dead_replicas[dc].end()}) + ")");
      }
      concerned.insert(dead_replicas[dc].begin(), dead_replicas[dc].end());
    }
  }
  check.status = status;
  check.nodes.assign(concerned.begin(), concerned.end());
  if (keyspaces == 0) {
    check.message = "no keyspace with replicas on the ring";
  } else if (problems.empty()) {
    check.message = "every range of " + std::to_string(keyspaces) + " keyspaces has all its replicas up";
  } else {
    check.message = joined(problems);
  }
  return check;
}

// The views the peer-view matrix checks read: those whose agents answered with current facts
// (a dead node's agent answers stale, or not at all).
std::vector<const PeerView*> current_views(const ClusterObservations& observations) {
  std::vector<const PeerView*> current;  // into observations.views, which outlives it
  if (observations.views) {
    for (const PeerView& view : *observations.views) {
      if (view.answered && !view.stale) current.push_back(&view);
    }
  }
  return current;
}

// The nodes every one of `views` lists and none sees down or of unknown status.
std::set<std::string> up_in_every_view(const std::vector<const PeerView*>& views) {
  std::set<std::string> up, not_up;
  for (const PeerView* view : views) {
    for (const Node& node : view->snapshot.nodes) (node.status == NodeStatus::kUp ? up : not_up).insert(node.address);
  }
  for (const std::string& address : not_up) up.erase(address);
  return up;
}

// A one-way cut (a node's own sends dropped) leaves the views agreeing: the peers' gossip rounds
// with the node carry both sides' heartbeats in one connection, so no detector convicts. What
// shows it is the hints the node keeps for peers it cannot write to: hints held for a peer that
// is down are what hinted handoff is for, hints held for a peer every view sees up mean the
// holder's writes do not reach it. Warn, not critical: a replay still draining to a peer just
// back up reads the same for a few seconds.
HealthCheck check_one_way_partitions(const ClusterObservations& observations) {
  HealthCheck check = named_check("one_way_partitions", 0);
  const std::vector<const PeerView*> views = current_views(observations);
  // A node whose agent answers stale (its node not answering) reports the hints it once had.
  std::set<std::string_view> current;
  for (const PeerView* view : views) current.insert(view->observer);
  std::vector<const NodeActivity*> reporting;  // into observations.activity
  if (observations.activity) {
    for (const NodeActivity& activity : *observations.activity) {
      if (activity.hints_by_peer && current.contains(activity.address)) reporting.push_back(&activity);
    }
  }
  if (reporting.empty()) {
    check.message = "no agent with a current view reported its hints by the node they are for";
    return check;
  }
  const std::set<std::string> up = up_in_every_view(views);
  std::vector<std::string> cuts;
  std::int64_t held = 0;
  for (const NodeActivity* activity : reporting) {
    std::vector<std::string> unreached;
    for (const auto& [peer, hints] : *activity->hints_by_peer) {
      if (hints <= 0 || peer == activity->address || !up.contains(peer)) continue;
      unreached.push_back(peer);
      held += hints;
    }
    if (unreached.empty()) continue;
    check.nodes.push_back(activity->address);
    cuts.push_back(activity->address + " cannot reach " + joined(unreached) + " although every view sees " +
                   (unreached.size() == 1 ? "it" : "them") + " up");
  }
  check.value = static_cast<double>(check.nodes.size());
  if (cuts.empty()) {
    check.status = CheckStatus::kOk;
    check.message = "no node holds hints for a node every view sees up (" + std::to_string(reporting.size()) +
                    " nodes report their hints by node)";
    return check;
  }
  check.status = CheckStatus::kWarn;
  std::string named;
  for (const std::string& cut : cuts) named += (named.empty() ? "" : "; ") + cut;
  check.message = named + ": one-way partition or a firewall (" + std::to_string(held) + " hints held)";
  return check;
}

struct NamedLimit {
  const char* check;
  Limit HealthThresholds::*limit;
};

constexpr NamedLimit kNamedLimits[] = {
    {"disk", &HealthThresholds::disk},
    {"pending_compactions", &HealthThresholds::pending_compactions},
    {"dropped_messages", &HealthThresholds::dropped_messages},
    {"cpu", &HealthThresholds::cpu},
    {"memory", &HealthThresholds::memory},
    {"read_latency_p99", &HealthThresholds::read_latency_p99},
    {"write_latency_p99", &HealthThresholds::write_latency_p99},
    {"ownership_balance", &HealthThresholds::ownership_balance},
    {"load_skew", &HealthThresholds::load_skew},
};

}  // namespace

HealthCheck check_schema_agreement(const ClusterObservations& observations) {
  HealthCheck check = named_check("schema_agreement", 1);
  std::map<std::string, std::vector<std::string>> versions;
  if (observations.views) {
    for (const PeerView& view : *observations.views) {
      if (view.answered && !view.snapshot.schema_version.empty()) {
        versions[view.snapshot.schema_version].push_back(view.observer);
      }
    }
  }
  if (versions.empty()) {
    check.message = observations.views ? "no agent reported a schema version"
                                       : "not known offline: a snapshot holds one view of the schema";
    return check;
  }
  check.value = static_cast<double>(versions.size());
  if (versions.size() == 1) {
    check.status = CheckStatus::kOk;
    check.message = "one schema version (" + versions.begin()->first + ") in " +
                    std::to_string(versions.begin()->second.size()) + " views";
    return check;
  }
  check.status = CheckStatus::kWarn;
  check.message = std::to_string(versions.size()) + " schema versions:";
  for (const auto& [version, observers] : versions) {
    check.message += " " + version + " (" + joined(observers) + ")";
    check.nodes.insert(check.nodes.end(), observers.begin(), observers.end());
  }
  return check;
}

HealthCheck check_hints_pending(const ClusterObservations& observations) {
  HealthCheck check = named_check("hints_pending", 0);
  std::vector<std::string> holding, unreported;
  std::int64_t total = 0;
  int reported = 0;
  for (const NodeActivity& activity : observations.activity.value_or(std::vector<NodeActivity>{})) {
    if (!activity.hints_pending) {
      unreported.push_back(activity.address);
      continue;
    }
    ++reported;
    total += *activity.hints_pending;
    if (*activity.hints_pending > 0) {
      check.nodes.push_back(activity.address);
      holding.push_back(activity.address + " holds " + std::to_string(*activity.hints_pending));
    }
  }
  if (reported == 0) {
    check.message = observations.activity ? "no agent reported its hints" : "not known offline";
    return check;
  }
  check.value = static_cast<double>(total);
  check.status = holding.empty() ? CheckStatus::kOk : CheckStatus::kWarn;
  check.message = holding.empty() ? "no hints pending on " + std::to_string(reported) + " nodes"
                                  : "hints pending: " + joined(holding);
  if (!unreported.empty()) check.message += " (not reported by " + joined(unreported) + ")";
  return check;
}

std::vector<std::string> threshold_names() {
  std::vector<std::string> names;
  for (const NamedLimit& named : kNamedLimits) {
    names.push_back(std::string(named.check) + "_warn");
    names.push_back(std::string(named.check) + "_critical");
  }
  names.push_back("density_margin");
  return names;
}

Status set_threshold(HealthThresholds& thresholds, std::string_view name, double value) {
  if (!(value >= 0)) return Error::invalid_input("threshold '" + std::string(name) + "' must not be negative");
  if (name == "density_margin") {
    thresholds.density_margin = value;
    return Ok{};
  }
  for (const NamedLimit& named : kNamedLimits) {
    const std::string check = named.check;
    if (name == check + "_warn") {
      (thresholds.*named.limit).warn = value;
      return Ok{};
    }
    if (name == check + "_critical") {
      (thresholds.*named.limit).critical = value;
      return Ok{};
    }
  }
  return Error::invalid_input("unknown threshold '" + std::string(name) +
                              "' (thresholds: " + joined(threshold_names()) + ")");
}

HealthCheck check_partitions(const ClusterObservations& observations) {
  HealthCheck check = named_check("partitions", 1);
  const std::vector<const PeerView*> current = current_views(observations);
  if (current.size() < 2) {
    check.message = "fewer than two nodes answer with a current view";
    return check;
  }
  // Who each view sees down, gathered once: the pairs below are quadratic in the views, and a
  // scan of every view's nodes per pair made 500 agents cost 125 million comparisons.
  std::vector<std::set<std::string_view>> down(current.size());
  for (std::size_t i = 0; i < current.size(); ++i) {
    for (const Node& node : current[i]->snapshot.nodes) {
      if (node.status == NodeStatus::kDown) down[i].insert(node.address);
    }
  }
  auto sees_down = [&](std::size_t viewer, std::size_t seen) { return down[viewer].contains(current[seen]->observer); };
  // Union-find over the views: a group holds nodes that see each other up, pair by pair.
  std::vector<std::size_t> group(current.size());
  for (std::size_t i = 0; i < group.size(); ++i) group[i] = i;
  const std::function<std::size_t(std::size_t)> root = [&](std::size_t i) {
    return group[i] == i ? i : group[i] = root(group[i]);
  };
  for (std::size_t a = 0; a < current.size(); ++a) {
    for (std::size_t b = a + 1; b < current.size(); ++b) {
      if (!sees_down(a, b) && !sees_down(b, a)) group[root(a)] = root(b);
    }
  }
  std::map<std::size_t, std::vector<std::string>> groups;
  for (std::size_t i = 0; i < current.size(); ++i) groups[root(i)].push_back(current[i]->observer);
  check.value = static_cast<double>(groups.size());
  if (groups.size() == 1) {
    check.status = CheckStatus::kOk;
    check.message = "the " + std::to_string(current.size()) + " nodes that answer see each other up";
    return check;
  }
  check.status = CheckStatus::kCritical;
  std::vector<std::vector<std::string>> sides;
  for (auto& [_, members] : groups) sides.push_back(std::move(members));
  std::sort(sides.begin(), sides.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::string split;
  for (std::size_t i = 0; i < sides.size(); ++i) {
    split += (i ? " | " : "") + joined(sides[i]);
    if (i > 0) check.nodes.insert(check.nodes.end(), sides[i].begin(), sides[i].end());
  }
  check.message = "network partition: the nodes that answer split into " + std::to_string(sides.size()) +
                  " groups that do not see each other up: " + split;
  return check;
}

HealthCheck check_nodes_up_normal(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                  CheckStatus not_normal) {
  HealthCheck check = named_check("nodes_up_normal", 0);
  // Per node (snapshot order), who sees it down or of unknown status.
  std::map<std::string, std::vector<std::string>> down_in, unknown_in;
  std::vector<std::string> order;
  std::set<std::string> ordered;  // what `order` holds, looked up once per node of every view
  for (const Node& node : snapshot.nodes) {
    if (ordered.insert(node.address).second) order.push_back(node.address);
  }
  auto observe = [&](const std::string& observer, const ClusterSnapshot& view) {
    for (const Node& node : view.nodes) {
      if (node.status == NodeStatus::kDown) down_in[node.address].push_back(observer);
      if (node.status == NodeStatus::kUnknown) unknown_in[node.address].push_back(observer);
      if (ordered.insert(node.address).second) order.push_back(node.address);
    }
  };
  std::size_t views = 0;
  if (observations.views) {
    for (const PeerView& view : *observations.views) {
      if (!view.answered) continue;
      observe(view.observer, view.snapshot);
      ++views;
    }
  }
  if (views == 0) observe("the snapshot", snapshot);

  CheckStatus status = CheckStatus::kOk;
  std::vector<std::string> problems;
  for (const std::string& address : order) {
    if (auto it = down_in.find(address); it != down_in.end()) {
      status = combine(status, CheckStatus::kCritical);
      check.nodes.push_back(address);
      problems.push_back(address + " is down in the view" + (it->second.size() > 1 ? "s" : "") + " of " +
                         joined(it->second));
    } else if (auto unknown = unknown_in.find(address); unknown != unknown_in.end()) {
      status = combine(status, CheckStatus::kWarn);
      check.nodes.push_back(address);
      problems.push_back(address + " has an unknown status in the view of " + joined(unknown->second));
    }
  }
  for (const Node& node : snapshot.nodes) {
    if (node.state == NodeState::kNormal) continue;
    status = combine(status, not_normal);
    if (std::find(check.nodes.begin(), check.nodes.end(), node.address) == check.nodes.end())
      check.nodes.push_back(node.address);
    problems.push_back(node.address + " is " + node_state_name(node.state));
  }
  check.status = status;
  check.value = static_cast<double>(check.nodes.size());
  check.message = problems.empty() ? std::to_string(order.size()) + " nodes up and normal in " +
                                         (views == 0 ? std::string("the snapshot") : std::to_string(views) + " views")
                                   : joined(problems);
  return check;
}

HealthCheck check_streaming_operations(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                       CheckStatus running) {
  HealthCheck check = named_check("streaming_operations", 0);
  std::vector<std::string> problems;
  auto concern = [&](const std::string& address, const std::string& what) {
    if (std::find(check.nodes.begin(), check.nodes.end(), address) == check.nodes.end()) check.nodes.push_back(address);
    problems.push_back(address + ": " + what);
  };
  for (const Node& node : snapshot.nodes) {
    if (node.state == NodeState::kJoining) concern(node.address, "joining (bootstrap streaming)");
    if (node.state == NodeState::kLeaving) concern(node.address, "leaving (decommission streaming)");
    if (node.state == NodeState::kMoving) concern(node.address, "moving");
  }
  if (observations.activity) {
    for (const NodeActivity& activity : *observations.activity) {
      if (!activity.operations.empty()) concern(activity.address, "running " + joined(activity.operations));
      if (activity.active_streams > 0) {
        concern(activity.address, std::to_string(activity.active_streams) + " stream" +
                                      (activity.active_streams > 1 ? "s" : "") + " in flight");
      }
    }
  }
  check.value = static_cast<double>(check.nodes.size());
  if (!problems.empty()) {
    check.status = running;
    check.message = joined(problems);
  } else if (observations.activity) {
    check.status = CheckStatus::kOk;
    check.message = "no stream and no operation on " + std::to_string(observations.activity->size()) + " nodes";
  } else {
    check.value.reset();
    check.message =
        "not known offline: no node is joining, leaving or moving, but streams and repairs are not in a snapshot";
  }
  return check;
}

Result<HealthReport> check_health(const ClusterSnapshot& snapshot, const ClusterObservations& observations,
                                  const HealthThresholds& thresholds, const std::optional<std::string>& keyspace) {
  const Keyspace* only = nullptr;
  if (keyspace) {
    auto found = snapshot.require_keyspace(*keyspace);
    if (!found) return found.error();
    only = *found;
  }
  HealthReport report;
  auto& checks = report.checks;
  checks.push_back(check_nodes_up_normal(snapshot, observations, CheckStatus::kWarn));
  if (observations.views) checks.push_back(check_agents_reachable(observations));
  if (observations.views) checks.push_back(check_partitions(observations));
  if (observations.views) checks.push_back(check_one_way_partitions(observations));
  checks.push_back(check_streaming_operations(snapshot, observations, CheckStatus::kWarn));
  checks.push_back(check_schema_agreement(observations));

  HealthCheck disk = figure_check("disk_usage", snapshot, disk_ratio, thresholds.disk, percent, "disk use");
  if (disk.status == CheckStatus::kOk && disk.value && *disk.value >= thresholds.disk_note) {
    disk.message += "; above the " + percent(thresholds.disk_note) + " target: add nodes before " +
                    percent(thresholds.disk_add_nodes);
  }
  checks.push_back(std::move(disk));
  checks.push_back(figure_check(
      "pending_compactions", snapshot, [](const Node& n) { return as_double(n.capacity.pending_compactions); },
      thresholds.pending_compactions, count, "pending compactions"));
  checks.push_back(check_dropped_messages(snapshot, thresholds));
  checks.push_back(figure_check(
      "cpu_utilization", snapshot, [](const Node& n) { return n.capacity.cpu_utilization_ratio; }, thresholds.cpu,
      percent, "CPU use"));
  checks.push_back(figure_check(
      "memory_usage", snapshot,
      [](const Node& n) { return ratio(n.capacity.memory_used_bytes, n.capacity.memory_limit_bytes); },
      thresholds.memory, percent, "memory use"));
  checks.push_back(figure_check(
      "read_latency_p99", snapshot, [](const Node& n) { return n.capacity.read_latency_p99_seconds; },
      thresholds.read_latency_p99, milliseconds, "read p99"));
  checks.push_back(figure_check(
      "write_latency_p99", snapshot, [](const Node& n) { return n.capacity.write_latency_p99_seconds; },
      thresholds.write_latency_p99, milliseconds, "write p99"));
  checks.push_back(check_ownership_balance(snapshot, thresholds, only));
  checks.push_back(check_load_skew(snapshot, thresholds));
  checks.push_back(check_cleanup_debt(snapshot, thresholds));
  checks.push_back(check_replica_availability(snapshot, observations, only));
  for (const HealthCheck& check : checks) report.status = combine(report.status, check.status);
  return report;
}

}  // namespace ringcore
