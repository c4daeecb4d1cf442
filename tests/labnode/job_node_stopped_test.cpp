// The node running an operation hung (SIGSTOP) mid-stream for longer than the failure detector
// takes to convict it, then resumed (SIGCONT), on one cluster of real ringnode processes
// (127.0.101.1..5), each with its ringd beside it, a QUORUM writer running throughout through
// node 1 (0-based 0), never stopped:
//  1. join: the joining node, streaming throttled, is hung; meanwhile every other node shows it
//     down (and still joining), and its agent reports it not ready (no collection succeeded).
//     Resumed, the join either completes or fails with a reason (JOINING_FAILED), and restarted,
//     the join run again completes.
//  2. decommission: the leaving node, streaming throttled, is hung; every other node shows it
//     down (and leaving), its agent not ready. Resumed, the decommission either completes or
//     fails with a reason (DECOMMISSION_FAILED), and run again completes.
// At the end every acknowledged row (seeded and the writer's) reads back at QUORUM through the 4
// nodes left, and every 10th is on all 3 of its replicas.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/cluster_checks.h"
#include "support/node_agents.h"
#include "support/throttled_rows.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
constexpr int kNode = 4;  // the fifth node: joins, then leaves

// The node hung, once every other node's failure detector has convicted it: they show it down,
// in `state`, and its agent answers that it is not ready. How long that took.
double hung_and_convicted(TestCluster& cluster, Agents& agents, const std::string& state) {
  const auto hung_at = std::chrono::steady_clock::now();
  cluster.process(kNode).send_signal(SIGSTOP);
  for (int observer = 0; observer < kNode; ++observer) {
    REQUIRE_MESSAGE(wait_until([&] { return seen_down(cluster, observer, kNode); }, 60s),
                    member_seen_by(cluster, observer, cluster.address(kNode)).dump());
    CHECK(member_seen_by(cluster, observer, cluster.address(kNode))["state"] == state);
  }
  const double convicted_after = seconds_since(hung_at);
  ApiReply ready;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        ready = agents.get(kNode, "/v1/health/ready");
                        return ready.status == 503;
                      },
                      30s),
                  ready.status << " " << ready.body.dump());
  CHECK_MESSAGE(ready.body["error"]["message"].get<std::string>().find("no collection succeeded") != std::string::npos,
                ready.body.dump());
  MESSAGE("node " << cluster.address(kNode) << " hung: down in every other view after " << convicted_after
                  << " s; its agent: " << ready.body["error"]["message"].get<std::string>());
  return convicted_after;
}

void agent_ready_again(const Agents& agents) {
  CHECK(wait_until([&] { return agents.get(kNode, "/v1/health/ready").status == 200; }, 30s));
}

// The joining node hung mid-stream past its conviction, then resumed: the join ends in a clear
// state (succeeded, or failed with a reason and JOINING_FAILED); a failed join is run again by
// restarting the node, and completes.
void joining_node_hung(TestCluster& cluster, Agents& agents, const Writer& writer) {
  INFO("join, the joining node hung mid-stream");
  const auto started = std::chrono::steady_clock::now();
  cluster.start(kNode, true, "stream_throughput_mib: " + std::to_string(kThrottledStreamMib) + "\n");
  agents.start(kNode);
  Json session;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        session = session_in_progress(cluster, kNode, "receiving");
                        return session.is_object();
                      },
                      60s, 50ms),
                  cluster.api(kNode, "GET", "/v1/streams").body.dump());
  const std::size_t acknowledged_before = writer.acknowledged().size();
  const double convicted_after = hung_and_convicted(cluster, agents, "joining");
  const std::size_t acknowledged_while_hung = writer.acknowledged().size() - acknowledged_before;
  cluster.process(kNode).send_signal(SIGCONT);
  set_throughput(cluster, kNode, 0);

  const Json first = cluster.bootstrap_job(kNode);
  std::string outcome = first["state"].get<std::string>();
  if (first["state"] == "failed") {
    CHECK_MESSAGE(!first.value("error", "").empty(), first.dump());
    CHECK(node_info(cluster, kNode)["mode"] == "JOINING_FAILED");
    outcome += " (\"" + first["error"].get<std::string>() + "\")";
    REQUIRE(cluster.process(kNode).terminate(30s) == 0);
    cluster.start(kNode, true);  // the retry: a join runs again from the start at a node's start
    const Json retried = cluster.bootstrap_job(kNode);
    CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  } else {
    CHECK_MESSAGE(first["state"] == "succeeded", first.dump());
  }
  CHECK(node_info(cluster, kNode)["mode"] == "NORMAL");
  for (int i = 0; i <= kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  agent_ready_again(agents);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("join, hung at " << session["done_bytes"] << " of " << session["total_bytes"] << " bytes for "
                           << convicted_after << " s (" << acknowledged_while_hung
                           << " writes acknowledged meanwhile): " << outcome << "; " << seconds_since(started) << " s");
}

// The leaving node hung mid-stream past its conviction, then resumed: the decommission ends in
// a clear state (succeeded, or failed with a reason and DECOMMISSION_FAILED, then run again to
// success); the 4 nodes left see each other up and normal.
void leaving_node_hung(TestCluster& cluster, Agents& agents, const Writer& writer) {
  INFO("decommission, the leaving node hung mid-stream");
  const auto started = std::chrono::steady_clock::now();
  set_throughput(cluster, kNode, kThrottledStreamMib);
  const auto decommission = cluster.api(kNode, "POST", "/v1/operations/decommission", "{}");
  REQUIRE_MESSAGE(decommission.status == 202, decommission.body.dump());
  const std::string id = decommission.body["id"].get<std::string>();
  Json session;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        session = session_in_progress(cluster, kNode, "sending", "", id);
                        return session.is_object();
                      },
                      60s, 50ms),
                  cluster.api(kNode, "GET", "/v1/streams").body.dump());
  const std::size_t acknowledged_before = writer.acknowledged().size();
  const double convicted_after = hung_and_convicted(cluster, agents, "leaving");
  const std::size_t acknowledged_while_hung = writer.acknowledged().size() - acknowledged_before;
  cluster.process(kNode).send_signal(SIGCONT);
  set_throughput(cluster, kNode, 0);

  const Json first = cluster.wait_for_job(kNode, id, 180s);
  std::string outcome = first["state"].get<std::string>();
  if (first["state"] == "failed") {
    CHECK_MESSAGE(!first.value("error", "").empty(), first.dump());
    CHECK(node_info(cluster, kNode)["mode"] == "DECOMMISSION_FAILED");
    outcome += " (\"" + first["error"].get<std::string>() + "\")";
    for (int i = 0; i <= kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes);
    const Json retried = cluster.run_operation(kNode, "decommission", Json::object(), 180s);
    CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  } else {
    CHECK_MESSAGE(first["state"] == "succeeded", first.dump());
  }
  CHECK(node_info(cluster, kNode)["mode"] == "DECOMMISSIONED");
  for (int i = 0; i < kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes - 1);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("decommission, hung at " << session["done_bytes"] << " of " << session["total_bytes"] << " bytes for "
                                   << convicted_after << " s (" << acknowledged_while_hung
                                   << " writes acknowledged meanwhile): " << outcome << "; " << seconds_since(started)
                                   << " s");
}

}  // namespace

TEST_CASE("the node running a join or a decommission hung past its conviction, then resumed: a clear end, retryable") {
  const auto test_started = std::chrono::steady_clock::now();
  TestCluster cluster("job_node_stopped", 1, kThrottledNodes, 8, "127.0.101.");
  Agents agents(cluster);
  start_nodes(cluster, 4);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded =
      Writer::write_rows(cluster, kKeyspace, "seed", kThrottledRows, 6, kThrottledValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kThrottledRows));
  Writer writer(cluster, {0}, kKeyspace, "w", 2, 40);

  joining_node_hung(cluster, agents, writer);
  leaving_node_hung(cluster, agents, writer);

  const std::size_t checked =
      check_acknowledged_rows(cluster, writer, {0, 1, 2, 3}, kKeyspace, seeded, kThrottledValueBytes, 10);
  MESSAGE(checked << " acknowledged rows checked, " << seconds_since(test_started) << " s in all");
}
