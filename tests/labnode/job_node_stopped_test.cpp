// The node running an operation hung (SIGSTOP) mid-operation for longer than the failure
// detector takes to convict it, then resumed (SIGCONT), or SIGKILLed where an operation has
// announced itself and not yet streamed (held there by the test hook, labnode/test_hold.h), on
// one cluster of real ringnode processes (127.0.101.1..5), a ringd beside the nodes hung, a
// QUORUM writer running throughout through node 1 (0-based 0), never stopped or killed:
//  1. join: the joining node, streaming throttled, is hung; meanwhile every other node shows it
//     down (and still joining), and its agent reports it not ready (no collection succeeded).
//     Resumed, the join either completes or fails with a reason (JOINING_FAILED), and restarted,
//     the join run again completes.
//  2. cleanup: node 2 (0-based 1), its cleanup paced by compaction_throughput_mib, is hung between
//     its ranges; the others show it down (normal), its agent not ready. Resumed, the cleanup
//     either completes or fails with a reason and run again completes.
//  3. decommission, announced: the leaving node is SIGKILLed once every peer sees it leaving
//     and before it streams; restarted, it is NORMAL with no job, and every node sees 5 normal.
//     Its retry is case 4.
//  4. decommission: the leaving node, streaming throttled, is hung; every other node shows it
//     down (and leaving), its agent not ready. Meanwhile a receiver it is sending to is
//     SIGKILLed, so resumed, the decommission fails naming it (DECOMMISSION_FAILED); the
//     receiver started again, run again it completes.
//  5. repair: node 2's rows are taken from its RocksDB and a repair on it, throttled, streams
//     them back; node 2, the coordinator, is hung mid-stream. Resumed, the repair either
//     completes or fails with a reason and run again completes.
//  6. removenode, announced: node 4 (0-based 3) is stopped and removed through node 2, which
//     is SIGKILLed once every peer sees the dead node removing and before it streams; restarted,
//     it has no job. Its retry is case 7.
//  7. removenode: node 2, relaying the streams (throttled), is hung mid-stream. Resumed, the
//     removenode either completes or fails with a reason and run again completes; the 3 nodes
//     left see each other up and normal.
// At the end every acknowledged row (seeded and the writer's) reads back at QUORUM through the 3
// nodes left, and every 10th is on all 3 of its replicas.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "support/cluster_checks.h"
#include "support/node_agents.h"
#include "support/node_hung.h"
#include "support/phase_holds.h"
#include "support/rows_taken.h"
#include "support/throttled_rows.h"
#include "test_hold.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
constexpr int kNode = 4;    // the fifth node: joins, then leaves
constexpr int kWorker = 1;  // cleaned, repair's and removenode's coordinator
constexpr int kDead = 3;    // removed by removenode

// Starts `operation` on node i, its streams throttled, and waits until a session of the job
// (`direction` seen from node i, with `peer` when one is named) has moved some bytes and not all.
struct Streaming {
  std::string id;
  Json session;
};
Streaming streaming(TestCluster& cluster, int i, const std::string& operation, const Json& body,
                    const std::string& direction, const std::string& peer = "") {
  set_throughput(cluster, i, kThrottledStreamMib);
  Streaming result{start_job(cluster, i, operation, body), nullptr};
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        result.session = session_in_progress(cluster, i, direction, peer, result.id);
                        return result.session.is_object();
                      },
                      90s, 20ms),
                  cluster.api(i, "GET", "/v1/streams").body.dump());
  return result;
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
  const double convicted_after = hung_and_convicted(cluster, agents, kNode, {0, 1, 2, 3}, "joining");
  const std::size_t acknowledged_while_hung = writer.acknowledged().size() - acknowledged_before;
  cluster.process(kNode).send_signal(SIGCONT);
  set_throughput(cluster, kNode, 0);

  const std::string outcome = join_ended_or_retried(cluster, kNode);
  for (int i = 0; i <= kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  agent_ready_again(agents, kNode);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("join, hung at " << session["done_bytes"] << " of " << session["total_bytes"] << " bytes for "
                           << convicted_after << " s (" << acknowledged_while_hung
                           << " writes acknowledged meanwhile): " << outcome << "; " << seconds_since(started) << " s");
}

// The leaving node hung mid-stream past its conviction, and while it is hung a receiver it is
// sending to (node 4, 0-based 3, its session part done) SIGKILLed; then resumed: the
// decommission cannot finish (that receiver must take the rest of its pages, then flush them),
// so it fails naming the receiver, DECOMMISSION_FAILED, the node NORMAL again in every view: the
// branch "failed with a reason, then run again", which a hang alone never took (every resumed
// operation succeeded). The receiver started again, run again the decommission succeeds; the 4
// nodes left see each other up and normal.
void leaving_node_hung(TestCluster& cluster, Agents& agents, const Writer& writer) {
  INFO("decommission, the leaving node hung mid-stream, a receiver killed meanwhile");
  const auto started = std::chrono::steady_clock::now();
  const Streaming run = streaming(cluster, kNode, "decommission", Json::object(), "sending", cluster.address(kDead));
  const std::string& id = run.id;
  const Json& session = run.session;
  const std::size_t acknowledged_before = writer.acknowledged().size();
  const double convicted_after = hung_and_convicted(cluster, agents, kNode, {0, 1, 2, 3}, "leaving");
  const std::size_t acknowledged_while_hung = writer.acknowledged().size() - acknowledged_before;
  cluster.process(kDead).kill_hard();  // only now: the leaving node must not see it die before its hang
  cluster.process(kNode).send_signal(SIGCONT);
  set_throughput(cluster, kNode, 0);
  // succeeded_or_retried's retry branch, taken: settling is starting the receiver again.
  bool failed_first = false;
  const std::string outcome = ended_or_retried(
      cluster, kNode, id, "decommission", Json::object(),
      [&] {
        failed_first = true;
        cluster.start(kDead, false);
        for (int i = 0; i <= kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes);
      },
      "DECOMMISSION_FAILED");
  CHECK_MESSAGE(failed_first, outcome);
  CHECK_MESSAGE(outcome.find(cluster.address(kDead)) != std::string::npos, outcome);  // the reason names it
  CHECK(node_info(cluster, kNode)["mode"] == "DECOMMISSIONED");
  for (int i = 0; i < kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes - 1);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("decommission, hung at " << session["done_bytes"] << " of " << session["total_bytes"] << " bytes to "
                                   << session["peer"] << " for " << convicted_after << " s (" << acknowledged_while_hung
                                   << " writes acknowledged meanwhile), " << cluster.address(kDead)
                                   << " killed meanwhile: " << outcome << "; " << seconds_since(started) << " s");
}

// Node 2, its cleanup paced (compaction_throughput_mib in every node's config), hung once the
// cleanup has dropped some of its ranges and not all, past its conviction, then resumed: the
// cleanup ends in a clear state (succeeded, or failed with a reason and run again to success).
void cleaned_node_hung(TestCluster& cluster, Agents& agents, const Writer& writer) {
  INFO("cleanup, the node cleaned hung between its ranges");
  const auto started = std::chrono::steady_clock::now();
  const Json body = {{"keyspace", kKeyspace}};
  const std::string id = start_job(cluster, kWorker, "cleanup", body);
  Json midway;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        midway = running_job(cluster, kWorker, "cleanup");
                        return midway.is_object() && midway["progress"]["done"].get<std::uint64_t>() > 0 &&
                               midway["progress"]["done"] != midway["progress"]["total"];
                      },
                      30s, 20ms),
                  jobs_of(cluster, kWorker).dump());
  const double convicted_after = hung_and_convicted(cluster, agents, kWorker, {0, 2, 3, 4}, "normal");
  cluster.process(kWorker).send_signal(SIGCONT);
  const std::string outcome = ended_or_retried(cluster, kWorker, id, "cleanup", body, [] {});
  for (int i = 0; i <= kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  agent_ready_again(agents, kWorker);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("cleanup, hung at " << midway["progress"].dump() << " for " << convicted_after << " s: " << outcome << "; "
                              << seconds_since(started) << " s");
}

// The leaving node SIGKILLed where the test hook holds its decommission: LEAVING announced and
// seen by every peer, nothing streamed. Restarted, it is NORMAL with no job, and every node sees
// all 5 up and normal: the clear state is "not left, run it again" (leaving_node_hung does).
void leaving_node_killed_announced(TestCluster& cluster, const std::filesystem::path& hold) {
  INFO("decommission, the leaving node killed after announcing LEAVING, before streaming");
  const auto started = std::chrono::steady_clock::now();
  std::ofstream(hold).close();
  start_job(cluster, kNode, "decommission", Json::object());
  held_at(cluster, kNode, ringnode::kHoldDecommissionAnnounced);
  const Json held = running_job(cluster, kNode, "decommission");
  REQUIRE_MESSAGE(held.is_object(), jobs_of(cluster, kNode).dump());
  CHECK(held["progress"]["done"] == 0);
  CHECK(node_info(cluster, kNode)["mode"] == "LEAVING");
  for (int observer = 0; observer < kNode; ++observer) {
    CHECK(member_seen_by(cluster, observer, cluster.address(kNode))["state"] == "leaving");
  }
  cluster.process(kNode).kill_hard();
  std::filesystem::remove(hold);

  cluster.start(kNode, true);  // joined before: it starts NORMAL, it does not bootstrap again
  CHECK(jobs_of(cluster, kNode).empty());
  CHECK(node_info(cluster, kNode)["mode"] == "NORMAL");
  for (int i = 0; i <= kNode; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  MESSAGE("decommission, killed held after LEAVING at " << held["progress"].dump() << ": restarted NORMAL, no job; "
                                                        << seconds_since(started) << " s");
}

// Node 2's rows taken from its RocksDB, a repair on it, throttled, streams them back; node 2
// (the repair's coordinator) hung once a session has moved bytes, past its conviction, then
// resumed: the repair ends in a clear state (succeeded, or failed with a reason and run again to
// success).
void repair_coordinator_hung(TestCluster& cluster, Agents& agents, const Writer& writer) {
  INFO("repair, its coordinator hung while the differences stream");
  const auto started = std::chrono::steady_clock::now();
  const std::vector<int> nodes = {0, 1, 2, 3};
  const std::uint64_t taken = take_rows(cluster, kWorker, kKeyspace);
  for (const int i : nodes) cluster.wait_for_ring(i, nodes.size());
  set_throughput(cluster, kWorker, kThrottledStreamMib);
  const Json body = {{"keyspace", kKeyspace}};
  const std::string id = start_job(cluster, kWorker, "repair", body);
  Json session;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        session = plan_session_moving(cluster, kWorker, "Repair");
                        return session.is_object() && running_job(cluster, kWorker, "repair").is_object();
                      },
                      60s, 20ms),
                  cluster.api(kWorker, "GET", "/v1/streams").body.dump());
  const double convicted_after = hung_and_convicted(cluster, agents, kWorker, {0, 2, 3}, "normal");
  cluster.process(kWorker).send_signal(SIGCONT);
  set_throughput(cluster, kWorker, 0);
  const std::string outcome = ended_or_retried(cluster, kWorker, id, "repair", body, [&] {
    for (const int i : nodes) cluster.wait_for_ring(i, nodes.size());
  });
  for (const int i : nodes) cluster.wait_for_ring(i, nodes.size());
  agent_ready_again(agents, kWorker);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("repair, " << taken << " rows taken, the coordinator hung at " << session["done_bytes"]
                     << " bytes received in a session for " << convicted_after << " s: " << outcome << "; "
                     << seconds_since(started) << " s");
}

// Node 4 stopped and removed through node 2, which is SIGKILLed where the test hook holds the
// removenode: the dead node's REMOVING seen by every peer, nothing streamed. Restarted, node 2
// has no job and the dead node is still in the ring, down: the clear state is "not removed, run
// it again" (removenode_coordinator_hung does). The dead node's host id.
std::string removenode_coordinator_killed_announced(TestCluster& cluster, const std::filesystem::path& hold) {
  INFO("removenode, its coordinator killed after announcing REMOVING, before streaming");
  const auto started = std::chrono::steady_clock::now();
  const std::string dead_host = node_info(cluster, kDead)["host_id"].get<std::string>();
  // Stopped cleanly, it gossips its shutdown and is down in every view at once, where a SIGKILL
  // waits out its conviction (12 s): removenode asks only that it be down.
  REQUIRE(cluster.process(kDead).terminate(30s) == 0);
  for (const int observer : {0, 1, 2}) {
    REQUIRE(wait_until([&] { return seen_down(cluster, observer, kDead); }, 60s));
  }
  std::ofstream(hold).close();
  start_job(cluster, kWorker, "removenode", {{"host_id", dead_host}});
  held_at(cluster, kWorker, ringnode::kHoldRemovenodeAnnounced);
  const Json held = running_job(cluster, kWorker, "removenode");
  REQUIRE_MESSAGE(held.is_object(), jobs_of(cluster, kWorker).dump());
  CHECK(held["progress"]["done"] == 0);
  const Json removing = member_seen_by(cluster, 0, cluster.address(kDead));
  for (const int observer : {0, 2}) {  // REMOVING shows as leaving
    const Json seen = member_seen_by(cluster, observer, cluster.address(kDead));
    CHECK_MESSAGE((seen["state"] == "leaving" && seen["status"] == "down"), seen.dump());
  }
  cluster.process(kWorker).kill_hard();
  std::filesystem::remove(hold);

  cluster.start(kWorker, false);
  CHECK(jobs_of(cluster, kWorker).empty());
  for (const int observer : {0, 1, 2}) {
    REQUIRE(wait_until([&] { return seen_down(cluster, observer, kDead); }, 30s));
  }
  MESSAGE("removenode, coordinator killed held after REMOVING (node 1 saw the dead node as "
          << removing.dump() << "): restarted, no job; " << seconds_since(started) << " s");
  return dead_host;
}

// The removenode run again through node 2, which relays every page (throttled); node 2 hung
// once a stream into it has moved some bytes and not all, past its conviction, then resumed:
// the removenode ends in a clear state (succeeded, or failed with a reason and run again to
// success), and the 3 nodes left see each other up and normal.
void removenode_coordinator_hung(TestCluster& cluster, Agents& agents, const Writer& writer,
                                 const std::string& dead_host) {
  INFO("removenode, its coordinator hung mid-stream");
  const auto started = std::chrono::steady_clock::now();
  const Json body = {{"host_id", dead_host}};
  const Streaming run = streaming(cluster, kWorker, "removenode", body, "receiving");
  const std::string& id = run.id;
  const Json& session = run.session;
  const double convicted_after = hung_and_convicted(cluster, agents, kWorker, {0, 2}, "normal");
  cluster.process(kWorker).send_signal(SIGCONT);
  set_throughput(cluster, kWorker, 0);
  const std::string outcome = ended_or_retried(cluster, kWorker, id, "removenode", body, [&] {
    for (const int observer : {0, 2}) {
      REQUIRE(wait_until([&] { return member_seen_by(cluster, observer, cluster.address(kWorker))["status"] == "up"; },
                         30s));
    }
  });
  for (const int i : {0, 1, 2}) cluster.wait_for_ring(i, 3);
  agent_ready_again(agents, kWorker);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("removenode, the coordinator hung at " << session["done_bytes"] << " of " << session["total_bytes"]
                                                 << " bytes for " << convicted_after << " s: " << outcome << "; "
                                                 << seconds_since(started) << " s");
}

}  // namespace

TEST_CASE(
    "the node running a join, cleanup, decommission, repair or removenode hung past its conviction, then resumed, or "
    "killed before it streams: a clear end, retryable") {
  const auto test_started = std::chrono::steady_clock::now();
  const PhaseHolds holds("job_node_stopped");
  TestCluster cluster("job_node_stopped", 1, kThrottledNodes, 8, "127.0.101.");
  Agents agents(cluster);
  // Paced, a cleanup of the ranges node 2 gives the joining node (about 0.5 MB in 16 ranges) lasts
  // about 5 s: a range takes long enough to be seen between two, and the rest is soon done.
  start_nodes(cluster, 4, "compaction_throughput_mib: 0.1\n");
  agents.start(kWorker);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded =
      Writer::write_rows(cluster, kKeyspace, "seed", kThrottledRows, 6, kThrottledValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kThrottledRows));
  Writer writer(cluster, {0}, kKeyspace, "w", 2, 40);

  joining_node_hung(cluster, agents, writer);
  cleaned_node_hung(cluster, agents, writer);
  leaving_node_killed_announced(cluster, holds.file(ringnode::kHoldDecommissionAnnounced));
  leaving_node_hung(cluster, agents, writer);
  repair_coordinator_hung(cluster, agents, writer);
  const std::string dead_host =
      removenode_coordinator_killed_announced(cluster, holds.file(ringnode::kHoldRemovenodeAnnounced));
  removenode_coordinator_hung(cluster, agents, writer, dead_host);

  const std::size_t checked =
      check_acknowledged_rows(cluster, writer, {0, 1, 2}, kKeyspace, seeded, kThrottledValueBytes, 10);
  MESSAGE(checked << " acknowledged rows checked, " << seconds_since(test_started) << " s in all");
}
