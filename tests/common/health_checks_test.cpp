// Health checks: each rule's thresholds and verdicts over constructed snapshots, offline and
// with the peer-view matrix and per-node activity a live run brings.
#include "ringcore/health_checks.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "support/ring_builder.h"

using ringcore::CheckStatus;
using ringcore::ClusterObservations;
using ringcore::ClusterSnapshot;
using ringcore::HealthCheck;
using ringcore::HealthReport;
using ringcore::HealthThresholds;
using ringcore::Node;
using ringcore::NodeCapacity;
using ringcore::NodeStatus;
using ringcore::PeerView;

namespace {

constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;

// n nodes with one token each, evenly spaced, racks r1..r3 in turn, in one DC, NTS {dc1: 3},
// every node 100 GiB of load on a 1000 GiB disk: a healthy cluster.
ClusterSnapshot healthy(int n = 6) {
  ClusterSnapshot snapshot = test_support::ring_of(test_support::interleaved_specs(n, 1, 3));
  for (auto& node : snapshot.nodes) {
    node.load_bytes = 100 * kGiB;
    node.capacity.disk_total_bytes = 1000 * kGiB;
  }
  snapshot.keyspaces.push_back({"orders", test_support::nts({{"dc1", 3}})});
  return snapshot;
}

HealthReport health(const ClusterSnapshot& snapshot, const ClusterObservations& observations = {},
                    const HealthThresholds& thresholds = {}) {
  auto report = ringcore::check_health(snapshot, observations, thresholds, std::nullopt);
  REQUIRE_MESSAGE(report.ok(), report.error().message());
  return std::move(report).value();
}

const HealthCheck& check_named(const HealthReport& report, const std::string& name) {
  for (const HealthCheck& check : report.checks) {
    if (check.name == name) return check;
  }
  FAIL("no check named " << name);
  return report.checks.front();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

PeerView view_of(const ClusterSnapshot& snapshot, const std::string& observer) {
  PeerView view;
  view.observer = observer;
  view.answered = true;
  view.snapshot = snapshot;
  return view;
}

}  // namespace

TEST_CASE("a healthy snapshot is ok overall, and figures a snapshot lacks are unknown and listed") {
  const HealthReport report = health(healthy());
  CHECK(report.status == CheckStatus::kOk);
  std::vector<std::string> names;
  for (const HealthCheck& check : report.checks) names.push_back(check.name);
  CHECK(names == std::vector<std::string>{"nodes_up_normal", "streaming_operations", "schema_agreement", "disk_usage",
                                          "pending_compactions", "dropped_messages", "cpu_utilization", "memory_usage",
                                          "read_latency_p99", "write_latency_p99", "ownership_balance", "load_skew",
                                          "cleanup_debt", "replica_availability"});
  CHECK(check_named(report, "nodes_up_normal").status == CheckStatus::kOk);
  CHECK(check_named(report, "disk_usage").status == CheckStatus::kOk);
  CHECK(check_named(report, "disk_usage").value == doctest::Approx(0.1));
  CHECK(check_named(report, "cpu_utilization").status == CheckStatus::kUnknown);
  CHECK(check_named(report, "cpu_utilization").message == "CPU use is not known for any node");
  CHECK(check_named(report, "streaming_operations").status == CheckStatus::kUnknown);
  CHECK(check_named(report, "schema_agreement").status == CheckStatus::kUnknown);
  CHECK(check_named(report, "ownership_balance").status == CheckStatus::kOk);
  CHECK(check_named(report, "replica_availability").status == CheckStatus::kOk);
  CHECK(check_named(report, "replica_availability").value == 3);
}

TEST_CASE("disk use: ok under 70% with a note from 50%, warn from 70%, critical from 80%") {
  ClusterSnapshot snapshot = healthy();
  auto disk_at = [&](std::int64_t used_gib) {
    snapshot.nodes[2].capacity.disk_used_bytes = used_gib * kGiB;
    return check_named(health(snapshot), "disk_usage");
  };
  CHECK(disk_at(499).status == CheckStatus::kOk);
  CHECK_FALSE(contains(disk_at(499).message, "target"));
  const HealthCheck noted = disk_at(550);
  CHECK(noted.status == CheckStatus::kOk);
  CHECK(contains(noted.message, "above the 50.0% target: add nodes before 60.0%"));
  CHECK(disk_at(699).status == CheckStatus::kOk);
  const HealthCheck warn = disk_at(700);
  CHECK(warn.status == CheckStatus::kWarn);
  CHECK(warn.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(warn.threshold == doctest::Approx(0.70));
  CHECK(contains(warn.message, "highest 70.0% on 10.0.0.3 (warn from 70.0%, critical from 80.0%)"));
  const HealthCheck critical = disk_at(800);
  CHECK(critical.status == CheckStatus::kCritical);
  CHECK(critical.threshold == doctest::Approx(0.80));
  CHECK(health(snapshot).status == CheckStatus::kCritical);
}

TEST_CASE("disk use without disk totals is unknown and never changes the overall status") {
  ClusterSnapshot snapshot = healthy();
  for (auto& node : snapshot.nodes) node.capacity.disk_total_bytes.reset();
  const HealthReport report = health(snapshot);
  CHECK(check_named(report, "disk_usage").status == CheckStatus::kUnknown);
  CHECK_FALSE(check_named(report, "disk_usage").value.has_value());
  CHECK(report.status == CheckStatus::kOk);

  SUBCASE("with some nodes known, the others are judged and the unknown ones named") {
    snapshot.nodes[0].capacity.disk_total_bytes = 120 * kGiB;  // 100 of 120 GiB: 83%
    const HealthCheck disk = check_named(health(snapshot), "disk_usage");
    CHECK(disk.status == CheckStatus::kCritical);
    CHECK(contains(disk.message, "not known for 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6"));
  }
}

TEST_CASE("pending compactions warn over 50 and are critical over 100") {
  ClusterSnapshot snapshot = healthy();
  auto at = [&](std::int64_t pending) {
    snapshot.nodes[0].capacity.pending_compactions = pending;
    return check_named(health(snapshot), "pending_compactions").status;
  };
  CHECK(at(50) == CheckStatus::kOk);
  CHECK(at(51) == CheckStatus::kWarn);
  CHECK(at(100) == CheckStatus::kWarn);
  CHECK(at(101) == CheckStatus::kCritical);
}

TEST_CASE("dropped messages as a ratio of requests warn over 0.1% and are critical over 1%") {
  ClusterSnapshot snapshot = healthy();
  auto at = [&](std::int64_t dropped) {
    snapshot.nodes[1].capacity.requests_total = 100000;
    snapshot.nodes[1].capacity.dropped_messages_total = dropped;
    return check_named(health(snapshot), "dropped_messages");
  };
  CHECK(at(100).status == CheckStatus::kOk);
  CHECK(at(101).status == CheckStatus::kWarn);
  CHECK(at(1000).status == CheckStatus::kWarn);
  CHECK(at(1001).status == CheckStatus::kCritical);
  CHECK(at(1001).value == doctest::Approx(0.01001));
  snapshot.nodes[1].capacity.requests_total = 0;
  snapshot.nodes[1].capacity.dropped_messages_total = 0;
  CHECK(check_named(health(snapshot), "dropped_messages").status == CheckStatus::kOk);
}

TEST_CASE("dropped messages are judged over the agent's recent window when it has one") {
  ClusterSnapshot snapshot = healthy();
  NodeCapacity& capacity = snapshot.nodes[1].capacity;
  capacity.requests_total = 100000;
  capacity.dropped_messages_total = 5000;  // a burst long ago: 5% since the node started
  CHECK(check_named(health(snapshot), "dropped_messages").status == CheckStatus::kCritical);
  CHECK(check_named(health(snapshot), "dropped_messages").message.find("since the nodes started") != std::string::npos);

  capacity.requests_recent = 20000;
  capacity.dropped_messages_recent = 0;
  capacity.recent_window_seconds = 300;
  snapshot.nodes[2].capacity.requests_total = 100;  // an agent that has collected once
  snapshot.nodes[2].capacity.dropped_messages_total = 0;
  HealthCheck recent = check_named(health(snapshot), "dropped_messages");
  CHECK(recent.status == CheckStatus::kOk);
  CHECK(recent.message.find("the last 300 s where measured, else since the node started") != std::string::npos);

  capacity.dropped_messages_recent = 201;  // 1.005% of the window's requests
  recent = check_named(health(snapshot), "dropped_messages");
  CHECK(recent.status == CheckStatus::kCritical);
  CHECK(recent.value == doctest::Approx(0.01005));

  for (Node& node : snapshot.nodes) {
    node.capacity.requests_total = 10;
    node.capacity.dropped_messages_total = 0;
    node.capacity.requests_recent = 10;
    node.capacity.dropped_messages_recent = 0;
    node.capacity.recent_window_seconds = 120.4;
  }
  CHECK(check_named(health(snapshot), "dropped_messages").message.rfind("dropped messages in the last 120 s", 0) == 0);
}

TEST_CASE("dropped messages are not judged on a node with fewer than 100 requests") {
  ClusterSnapshot snapshot = healthy();
  NodeCapacity& quiet = snapshot.nodes[1].capacity;
  quiet.requests_recent = 0;  // a quiet node whose few dropped internode messages would read as 100%
  quiet.dropped_messages_recent = 7;
  quiet.recent_window_seconds = 300;
  HealthCheck check = check_named(health(snapshot), "dropped_messages");
  CHECK(check.status == CheckStatus::kOk);
  CHECK_FALSE(check.value.has_value());
  CHECK(check.message == "dropped messages in the last 300 s: fewer than 100 requests on every node, too few to judge");

  quiet.requests_recent = 99;
  CHECK(check_named(health(snapshot), "dropped_messages").status == CheckStatus::kOk);
  quiet.requests_recent = 100;
  check = check_named(health(snapshot), "dropped_messages");
  CHECK(check.status == CheckStatus::kCritical);
  CHECK(check.value == doctest::Approx(0.07));
}

TEST_CASE("CPU from 60%, memory from 80% of its limit, read p99 from 50 ms and write p99 from 25 ms warn") {
  ClusterSnapshot snapshot = healthy();
  auto& capacity = snapshot.nodes[4].capacity;
  capacity.cpu_utilization_ratio = 0.59;
  capacity.memory_used_bytes = 79;
  capacity.memory_limit_bytes = 100;
  capacity.read_latency_p99_seconds = 0.0499;
  capacity.write_latency_p99_seconds = 0.0249;
  HealthReport report = health(snapshot);
  for (const char* name : {"cpu_utilization", "memory_usage", "read_latency_p99", "write_latency_p99"}) {
    CAPTURE(name);
    CHECK(check_named(report, name).status == CheckStatus::kOk);
  }
  capacity.cpu_utilization_ratio = 0.60;
  capacity.memory_used_bytes = 80;
  capacity.read_latency_p99_seconds = 0.050;
  capacity.write_latency_p99_seconds = 0.025;
  report = health(snapshot);
  for (const char* name : {"cpu_utilization", "memory_usage", "read_latency_p99", "write_latency_p99"}) {
    CAPTURE(name);
    CHECK(check_named(report, name).status == CheckStatus::kWarn);
    CHECK(check_named(report, name).nodes == std::vector<std::string>{"10.0.0.5"});
  }
  CHECK(contains(check_named(report, "read_latency_p99").message, "highest 50.0 ms on 10.0.0.5 (warn from 50.0 ms)"));
  CHECK(report.status == CheckStatus::kWarn);
  capacity.memory_limit_bytes.reset();
  CHECK(check_named(health(snapshot), "memory_usage").status == CheckStatus::kUnknown);
}

TEST_CASE("thresholds can be overridden by name, and a wrong name lists the names") {
  ClusterSnapshot snapshot = healthy();
  snapshot.nodes[0].capacity.disk_used_bytes = 750 * kGiB;
  HealthThresholds thresholds;
  REQUIRE(ringcore::set_threshold(thresholds, "disk_warn", 0.9).ok());
  REQUIRE(ringcore::set_threshold(thresholds, "disk_critical", 0.95).ok());
  CHECK(check_named(health(snapshot, {}, thresholds), "disk_usage").status == CheckStatus::kOk);
  REQUIRE(ringcore::set_threshold(thresholds, "disk_warn", 0.5).ok());
  CHECK(check_named(health(snapshot, {}, thresholds), "disk_usage").status == CheckStatus::kWarn);
  const auto wrong = ringcore::set_threshold(thresholds, "disk_wran", 0.5);
  REQUIRE_FALSE(wrong.ok());
  CHECK(contains(wrong.error().message(), "unknown threshold 'disk_wran' (thresholds: disk_warn, disk_critical,"));
  CHECK(contains(ringcore::set_threshold(thresholds, "cpu_warn", -1).error().message(), "must not be negative"));
}

TEST_CASE("offline, a node down in the snapshot is critical and a leaving one a warning") {
  ClusterSnapshot snapshot = healthy();
  snapshot.nodes[2].status = NodeStatus::kDown;
  HealthReport report = health(snapshot);
  const HealthCheck& up = check_named(report, "nodes_up_normal");
  CHECK(up.status == CheckStatus::kCritical);
  CHECK(up.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(up.message == "10.0.0.3 is down in the view of the snapshot");
  CHECK(report.status == CheckStatus::kCritical);

  snapshot.nodes[2].status = NodeStatus::kUp;
  snapshot.nodes[4].state = ringcore::NodeState::kLeaving;
  report = health(snapshot);
  CHECK(check_named(report, "nodes_up_normal").status == CheckStatus::kWarn);
  CHECK(check_named(report, "nodes_up_normal").message == "10.0.0.5 is leaving");
  CHECK(check_named(report, "streaming_operations").status == CheckStatus::kWarn);
  CHECK(check_named(report, "streaming_operations").message == "10.0.0.5: leaving (decommission streaming)");
}

TEST_CASE("live, a node down in any node's view is critical, naming the views that see it down") {
  const ClusterSnapshot snapshot = healthy(3);
  ClusterSnapshot sees_3_down = snapshot;
  sees_3_down.nodes[2].status = NodeStatus::kDown;
  ClusterObservations observations;
  observations.views = {view_of(sees_3_down, "10.0.0.1"), view_of(sees_3_down, "10.0.0.2"),
                        view_of(snapshot, "10.0.0.3")};
  observations.activity = std::vector<ringcore::NodeActivity>(3);
  const HealthReport report = health(snapshot, observations);
  const HealthCheck& up = check_named(report, "nodes_up_normal");
  CHECK(up.status == CheckStatus::kCritical);
  CHECK(up.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(up.message == "10.0.0.3 is down in the views of 10.0.0.1, 10.0.0.2");
  CHECK(check_named(report, "agents_reachable").status == CheckStatus::kOk);
  // RF 3 on 3 nodes: every range has 2 of 3 replicas up, still a QUORUM.
  const HealthCheck& replicas = check_named(report, "replica_availability");
  CHECK(replicas.status == CheckStatus::kWarn);
  CHECK(replicas.value == 2);
  CHECK(replicas.message == "orders in dc1: ranges with 2 of 3 replicas up (QUORUM needs 2; down: 10.0.0.3)");
}

TEST_CASE("live, nodes that run but cannot reach each other are a partition, named by its groups") {
  const ClusterSnapshot snapshot = healthy(3);
  ClusterSnapshot sees_3_down = snapshot, sees_1_2_down = snapshot;
  sees_3_down.nodes[2].status = NodeStatus::kDown;
  sees_1_2_down.nodes[0].status = NodeStatus::kDown;
  sees_1_2_down.nodes[1].status = NodeStatus::kDown;
  ClusterObservations observations;
  observations.views = {view_of(sees_3_down, "10.0.0.1"), view_of(sees_3_down, "10.0.0.2"),
                        view_of(sees_1_2_down, "10.0.0.3")};
  const HealthCheck cut = ringcore::check_partitions(observations);
  CHECK(cut.status == CheckStatus::kCritical);
  CHECK(cut.value == 2);
  CHECK(cut.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(cut.message ==
        "network partition: the nodes that answer split into 2 groups that do not see each other up: 10.0.0.1, "
        "10.0.0.2 | 10.0.0.3");
  CHECK(check_named(health(snapshot, observations), "partitions").status == CheckStatus::kCritical);

  // One way only: 10.0.0.3 sees the others down, they see it up. Still no group holds them all.
  observations.views = {view_of(snapshot, "10.0.0.1"), view_of(snapshot, "10.0.0.2"),
                        view_of(sees_1_2_down, "10.0.0.3")};
  CHECK(ringcore::check_partitions(observations).status == CheckStatus::kCritical);

  // A dead node is no group: its agent's view is stale (or missing), and the others see it down.
  observations.views = {view_of(sees_3_down, "10.0.0.1"), view_of(sees_3_down, "10.0.0.2"),
                        view_of(snapshot, "10.0.0.3")};
  (*observations.views)[2].stale = true;
  const HealthCheck dead = ringcore::check_partitions(observations);
  CHECK(dead.status == CheckStatus::kOk);
  CHECK(dead.message == "the 2 nodes that answer see each other up");

  observations.views->resize(1);
  CHECK(ringcore::check_partitions(observations).status == CheckStatus::kUnknown);
  observations.views = std::nullopt;  // offline: no such check
  const HealthReport offline = health(snapshot, observations);
  CHECK(std::none_of(offline.checks.begin(), offline.checks.end(),
                     [](const HealthCheck& check) { return check.name == "partitions"; }));
}

namespace {

// Live observations of healthy(3)'s nodes: each view as given, each node's activity with the
// hints it holds by the node they are for.
ClusterObservations with_hints(std::vector<PeerView> views,
                               const std::vector<std::map<std::string, std::int64_t>>& hints_by_peer) {
  ClusterObservations observations;
  observations.activity.emplace();
  for (std::size_t i = 0; i < hints_by_peer.size(); ++i) {
    ringcore::NodeActivity activity;
    activity.address = views[i].observer;
    activity.hints_by_peer = hints_by_peer[i];
    observations.activity->push_back(activity);
  }
  observations.views = std::move(views);
  return observations;
}

}  // namespace

TEST_CASE("live, a node holding hints for peers every view sees up is named as cut off one way") {
  const ClusterSnapshot snapshot = healthy(3);
  // 10.0.0.3's sends are dropped: every view sees every node up, and it keeps hints for both
  // peers; 10.0.0.1 holds none, 10.0.0.2 holds none for anyone.
  const std::vector<PeerView> all_up = {view_of(snapshot, "10.0.0.1"), view_of(snapshot, "10.0.0.2"),
                                        view_of(snapshot, "10.0.0.3")};
  ClusterObservations observations = with_hints(all_up, {{}, {{"10.0.0.1", 0}}, {{"10.0.0.1", 12}, {"10.0.0.2", 30}}});
  const HealthReport report = health(snapshot, observations);
  const HealthCheck& one_way = check_named(report, "one_way_partitions");
  CHECK(one_way.status == CheckStatus::kWarn);
  CHECK(one_way.value == 1);
  CHECK(one_way.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(one_way.message ==
        "10.0.0.3 cannot reach 10.0.0.1, 10.0.0.2 although every view sees them up: one-way partition or a "
        "firewall (42 hints held)");
  CHECK(check_named(report, "partitions").status == CheckStatus::kOk);
  CHECK(report.status == CheckStatus::kWarn);

  // Hints for one peer only name it alone.
  observations = with_hints(all_up, {{}, {}, {{"10.0.0.2", 5}}});
  CHECK(check_named(health(snapshot, observations), "one_way_partitions").message ==
        "10.0.0.3 cannot reach 10.0.0.2 although every view sees it up: one-way partition or a firewall (5 hints "
        "held)");

  // No hints for anyone: ok.
  observations = with_hints(all_up, {{}, {}, {}});
  const HealthCheck none = check_named(health(snapshot, observations), "one_way_partitions");
  CHECK(none.status == CheckStatus::kOk);
  CHECK(none.message == "no node holds hints for a node every view sees up (3 nodes report their hints by node)");
}

TEST_CASE("live, hints held for a node that is down, in all views or in some, are no one-way cut") {
  const ClusterSnapshot snapshot = healthy(3);
  ClusterSnapshot sees_3_down = snapshot;
  sees_3_down.nodes[2].status = NodeStatus::kDown;
  // 10.0.0.3 is dead: the others see it down and hold hints for it; its agent answers stale,
  // with the hints its node had for the others before it died.
  ClusterObservations observations =
      with_hints({view_of(sees_3_down, "10.0.0.1"), view_of(sees_3_down, "10.0.0.2"), view_of(snapshot, "10.0.0.3")},
                 {{{"10.0.0.3", 40}}, {{"10.0.0.3", 35}}, {{"10.0.0.1", 9}}});
  (*observations.views)[2].stale = true;
  HealthReport report = health(snapshot, observations);
  const HealthCheck dead = check_named(report, "one_way_partitions");
  CHECK(dead.status == CheckStatus::kOk);
  CHECK(dead.nodes.empty());
  CHECK(dead.message == "no node holds hints for a node every view sees up (2 nodes report their hints by node)");
  CHECK(check_named(report, "nodes_up_normal").status == CheckStatus::kCritical);

  // Cut off both ways: each side sees the other down and holds hints for it; that is the
  // partitions check's to name, not this one's.
  ClusterSnapshot sees_1_2_down = snapshot;
  sees_1_2_down.nodes[0].status = NodeStatus::kDown;
  sees_1_2_down.nodes[1].status = NodeStatus::kDown;
  observations = with_hints(
      {view_of(sees_3_down, "10.0.0.1"), view_of(sees_3_down, "10.0.0.2"), view_of(sees_1_2_down, "10.0.0.3")},
      {{{"10.0.0.3", 40}}, {{"10.0.0.3", 35}}, {{"10.0.0.1", 9}, {"10.0.0.2", 4}}});
  report = health(snapshot, observations);
  CHECK(check_named(report, "one_way_partitions").status == CheckStatus::kOk);
  CHECK(check_named(report, "partitions").status == CheckStatus::kCritical);

  // A node of unknown status in one view is not up in every view either.
  ClusterSnapshot sees_2_unknown = snapshot;
  sees_2_unknown.nodes[1].status = NodeStatus::kUnknown;
  observations =
      with_hints({view_of(snapshot, "10.0.0.1"), view_of(snapshot, "10.0.0.2"), view_of(sees_2_unknown, "10.0.0.3")},
                 {{{"10.0.0.2", 3}}, {}, {}});
  CHECK(check_named(health(snapshot, observations), "one_way_partitions").status == CheckStatus::kOk);

  // Agents that do not report hints by node (Cassandra's): unknown, never a finding.
  observations = with_hints({view_of(snapshot, "10.0.0.1"), view_of(snapshot, "10.0.0.2")}, {});
  const HealthCheck unreported = check_named(health(snapshot, observations), "one_way_partitions");
  CHECK(unreported.status == CheckStatus::kUnknown);
  CHECK(unreported.message == "no agent with a current view reported its hints by the node they are for");
  // Offline: no such check.
  const HealthReport offline = health(snapshot);
  CHECK(std::none_of(offline.checks.begin(), offline.checks.end(),
                     [](const HealthCheck& check) { return check.name == "one_way_partitions"; }));
}

TEST_CASE("live, an agent that does not answer is a warning, and its node is judged by the other views") {
  const ClusterSnapshot snapshot = healthy(3);
  ClusterObservations observations;
  PeerView silent;
  silent.observer = "10.0.0.3";
  silent.error = "connection refused";
  observations.views = {view_of(snapshot, "10.0.0.1"), view_of(snapshot, "10.0.0.2"), silent};
  const HealthReport report = health(snapshot, observations);
  const HealthCheck& agents = check_named(report, "agents_reachable");
  CHECK(agents.status == CheckStatus::kWarn);
  CHECK(agents.nodes == std::vector<std::string>{"10.0.0.3"});
  CHECK(contains(agents.message, "10.0.0.3 (connection refused)"));
  CHECK(check_named(report, "nodes_up_normal").status == CheckStatus::kOk);
  CHECK(check_named(report, "nodes_up_normal").message == "3 nodes up and normal in 2 views");
  CHECK(report.status == CheckStatus::kWarn);
}

TEST_CASE("fewer live replicas than a QUORUM in a DC is critical") {
  ClusterSnapshot snapshot = healthy(3);
  snapshot.nodes[0].status = NodeStatus::kDown;
  snapshot.nodes[1].status = NodeStatus::kDown;
  const HealthCheck replicas = check_named(health(snapshot), "replica_availability");
  CHECK(replicas.status == CheckStatus::kCritical);
  CHECK(replicas.value == 1);
  CHECK(replicas.nodes == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
}

TEST_CASE("a DC with fewer nodes than its rf, or none left, is critical and says so") {
  ClusterSnapshot snapshot = healthy(3);
  snapshot.keyspaces[0].replication.datacenters.emplace_back("dc2", 2);
  HealthCheck replicas = check_named(health(snapshot), "replica_availability");
  CHECK(replicas.status == CheckStatus::kCritical);
  CHECK(replicas.value == 0);
  CHECK(replicas.message == "orders in dc2: rf 2 but dc2 has 0 nodes (QUORUM needs 2)");
  snapshot.nodes[2].dc = "dc2";
  replicas = check_named(health(snapshot), "replica_availability");
  CHECK(replicas.status == CheckStatus::kCritical);
  CHECK(replicas.value == 1);
  CHECK(contains(replicas.message, "orders in dc2: rf 2 but dc2 has 1 node (QUORUM needs 2)"));
}

TEST_CASE("running operations and streams are warnings, and with activity known and none, ok") {
  const ClusterSnapshot snapshot = healthy(3);
  ClusterObservations observations;
  observations.activity = {{"10.0.0.1", {}, 0, std::nullopt, std::nullopt},
                           {"10.0.0.2", {"repair"}, 2, std::nullopt, std::nullopt},
                           {"10.0.0.3", {}, 0, std::nullopt, std::nullopt}};
  HealthCheck check = check_named(health(snapshot, observations), "streaming_operations");
  CHECK(check.status == CheckStatus::kWarn);
  CHECK(check.nodes == std::vector<std::string>{"10.0.0.2"});
  CHECK(check.message == "10.0.0.2: running repair, 10.0.0.2: 2 streams in flight");
  observations.activity = {{"10.0.0.1", {}, 0, std::nullopt, std::nullopt},
                           {"10.0.0.2", {}, 0, std::nullopt, std::nullopt},
                           {"10.0.0.3", {}, 0, std::nullopt, std::nullopt}};
  check = check_named(health(snapshot, observations), "streaming_operations");
  CHECK(check.status == CheckStatus::kOk);
}

TEST_CASE("schema disagreement across the views is a warning naming the versions and who has them") {
  ClusterSnapshot a = healthy(3), b = healthy(3);
  a.schema_version = "v1";
  b.schema_version = "v2";
  ClusterObservations observations;
  observations.views = {view_of(a, "10.0.0.1"), view_of(a, "10.0.0.2"), view_of(b, "10.0.0.3")};
  HealthCheck check = check_named(health(a, observations), "schema_agreement");
  CHECK(check.status == CheckStatus::kWarn);
  CHECK(check.message == "2 schema versions: v1 (10.0.0.1, 10.0.0.2) v2 (10.0.0.3)");
  observations.views = {view_of(a, "10.0.0.1"), view_of(a, "10.0.0.2")};
  CHECK(check_named(health(a, observations), "schema_agreement").status == CheckStatus::kOk);
}

TEST_CASE("hints held for other nodes are a warning naming who holds how many, and unknown when none reported") {
  ClusterObservations observations;
  HealthCheck check = ringcore::check_hints_pending(observations);
  CHECK(check.status == CheckStatus::kUnknown);
  CHECK(check.message == "not known offline");
  ringcore::NodeActivity a{"10.0.0.1", {}, 0, 0, std::nullopt}, b{"10.0.0.2", {}, 0, 12, std::nullopt},
      c{"10.0.0.3", {}, 0, std::nullopt, std::nullopt};
  observations.activity = {a, b, c};
  check = ringcore::check_hints_pending(observations);
  CHECK(check.status == CheckStatus::kWarn);
  CHECK(check.value == 12);
  CHECK(check.nodes == std::vector<std::string>{"10.0.0.2"});
  CHECK(check.message == "hints pending: 10.0.0.2 holds 12 (not reported by 10.0.0.3)");
  b.hints_pending = 0;
  observations.activity = {a, b};
  check = ringcore::check_hints_pending(observations);
  CHECK(check.status == CheckStatus::kOk);
  CHECK(check.message == "no hints pending on 2 nodes");
  observations.activity = {c};
  CHECK(ringcore::check_hints_pending(observations).status == CheckStatus::kUnknown);
  CHECK(ringcore::check_hints_pending(observations).message == "no agent reported its hints");
}

TEST_CASE("ownership balance and load skew compare each DC's max with its mean") {
  ClusterSnapshot snapshot = healthy(6);
  snapshot.keyspaces = {{"one", test_support::nts({{"dc1", 1}})}};
  // Move node 2's token next to node 1's: node 3 now owns two slices' worth.
  snapshot.nodes[1].tokens = {snapshot.nodes[0].tokens[0] + 1000};
  const HealthReport report = health(snapshot);
  const HealthCheck& owns = check_named(report, "ownership_balance");
  CHECK(owns.status == CheckStatus::kWarn);
  CHECK(owns.value == doctest::Approx(2.0).epsilon(0.01));
  CHECK(owns.nodes == std::vector<std::string>{"10.0.0.3"});

  ClusterSnapshot loads = healthy(6);
  loads.nodes[3].load_bytes = 125 * kGiB;  // mean 104.2: 1.2x
  CHECK(check_named(health(loads), "load_skew").status == CheckStatus::kOk);
  loads.nodes[3].load_bytes = 200 * kGiB;  // mean 116.7: 1.71x
  const HealthCheck skew = check_named(health(loads), "load_skew");
  CHECK(skew.status == CheckStatus::kWarn);
  CHECK(skew.nodes == std::vector<std::string>{"10.0.0.4"});
  for (auto& node : loads.nodes) node.load_bytes.reset();
  CHECK(check_named(health(loads), "load_skew").status == CheckStatus::kUnknown);
}

TEST_CASE("cleanup debt: nodes holding more than their ranges, with the likely cause") {
  ClusterSnapshot snapshot = healthy(4);
  snapshot.keyspaces = {{"one", test_support::nts({{"dc1", 1}})}};
  // Three old nodes held a third each; the fourth, just added, holds its quarter.
  for (int i = 0; i < 3; ++i) snapshot.nodes[i].load_bytes = 300 * kGiB;
  snapshot.nodes[3].load_bytes = 225 * kGiB;
  const HealthCheck debt = check_named(health(snapshot), "cleanup_debt");
  CHECK(debt.status == CheckStatus::kWarn);
  CHECK(debt.nodes == std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3"});
  CHECK(contains(debt.message, "likely cause: cleanup not run after a scale-up"));
  for (auto& node : snapshot.nodes) node.load_bytes.reset();
  CHECK(check_named(health(snapshot), "cleanup_debt").status == CheckStatus::kUnknown);
}

TEST_CASE("--keyspace limits the keyspace checks, and an unknown one is refused") {
  ClusterSnapshot snapshot = healthy(3);
  snapshot.keyspaces.push_back({"wide", test_support::simple(5)});
  auto report = ringcore::check_health(snapshot, {}, {}, std::string("orders"));
  REQUIRE(report.ok());
  auto unknown = ringcore::check_health(snapshot, {}, {}, std::string("nope"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == ringcore::ErrorCode::kNotFound);
  CHECK(contains(unknown.error().message(), "keyspace 'nope' does not exist"));
}
