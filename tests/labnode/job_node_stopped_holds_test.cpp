// The node running an operation hung (SIGSTOP) past its conviction by the failure detector,
// then resumed (SIGCONT), in the phases that pass in a moment unless something holds them: a
// join's waits before it streams (held by a peer hung), and the phases the nodes' test hook
// holds (labnode/test_hold.h): a join streamed and not yet NORMAL, a decommission's and a
// removenode's announcement seen and nothing streamed, a repair's Merkle trees received and not
// compared, a cleanup's ranges dropped and not compacted. Where the hook holds it, the hold is
// lifted while the node is hung, so that, resumed, it goes on from that phase at once. One
// cluster of real ringnode processes (127.0.103.1..6), a ringd beside the nodes hung, a QUORUM
// writer running throughout through node 1 (0-based 0), never hung:
//  1. join, in its waits: node 4 (0-based 3) hung and convicted, node 5 joins and waits to see
//     it up; node 5 is hung there: every other node shows it down and joining, its agent not
//     ready. Resumed, then the peer resumed, the join ends NORMAL (succeeded, or failed with a
//     reason, JOINING_FAILED, and restarted, joins).
//  2. cleanup, final compaction: node 2 (0-based 1), held with every range dropped, is hung; the
//     others show it down and normal. Resumed, the cleanup succeeds or fails with a reason and
//     run again succeeds.
//  3. decommission, announced: node 5, held with LEAVING seen by every peer, is hung; the others
//     show it down and leaving. Resumed, it leaves (or fails with a reason, DECOMMISSION_FAILED,
//     and run again leaves).
//  4. join, streamed: node 6 (0-based 5), held with every range streamed and NORMAL not yet
//     announced, is hung; the others show it down and joining. Resumed, it joins.
//  5. repair, validation: node 2's rows are taken from its RocksDB and a repair on it is held
//     with its replicas' Merkle trees received and not compared; node 2 is hung there. Resumed,
//     the repair succeeds or fails with a reason and run again succeeds.
//  6. removenode, announced: node 4 is stopped and removed through node 2, held with the dead
//     node's REMOVING seen by every peer; node 2 is hung there, the others show it down and
//     normal and the dead node down and leaving. Resumed, the removenode succeeds or fails with
//     a reason and run again succeeds; the 4 nodes left see each other up and normal.
// At the end every acknowledged row (seeded and the writer's) reads back at QUORUM through the 4
// nodes left, and every 10th is on all 3 of its replicas.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
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
constexpr int kNodes = 6;
constexpr int kRows = 1200;       // seeded; no stream is throttled here, so a few seconds' worth
constexpr int kWorker = 1;        // cleaned, repair's and removenode's coordinator
constexpr int kDead = 3;          // the peer hung in the first join's waits; removed by removenode
constexpr int kFirstJoiner = 4;   // joins in case 1, leaves in case 3
constexpr int kSecondJoiner = 5;  // joins in case 4

// Starts node i's `operation` with `start`, the test hook's file `hold` made first, and waits
// until the hook holds it at `phase`; the job as node i lists it there. Each phase is held once
// per node in this test, so any hold of `phase` in node i's log is this one.
Json held_by_hook(TestCluster& cluster, int i, const std::string& operation, const std::filesystem::path& hold,
                  std::string_view phase, const std::function<void()>& start) {
  std::ofstream(hold).close();
  start();
  held_at(cluster, i, phase);
  const Json held = running_job(cluster, i, operation);
  REQUIRE_MESSAGE(held.is_object(), jobs_of(cluster, i).dump());
  return held;
}

// Node i, held by the test hook while the file `hold` exists, hung past its conviction by every
// node of `observers` (which show it in `state`); `while_hung` checks more of their views then.
// The hold is lifted while the node is hung, and the node resumed: it goes on from the held
// phase at once, as a process hung there would. How long its conviction took.
double hung_while_held(
    TestCluster& cluster, Agents& agents, int i, const std::filesystem::path& hold, const std::vector<int>& observers,
    const std::string& state, const std::function<void()>& while_hung = [] {}) {
  const double convicted_after = hung_and_convicted(cluster, agents, i, observers, state);
  while_hung();
  std::filesystem::remove(hold);
  cluster.process(i).send_signal(SIGCONT);
  return convicted_after;
}

void rings_settled(const TestCluster& cluster, const std::vector<int>& nodes) {
  for (const int i : nodes) cluster.wait_for_ring(i, nodes.size());
}

// 1. The joining node hung in its waits before streaming (held there by a peer hung: it waits to
// see every peer up), past its conviction; resumed, then the peer resumed: the join ends NORMAL.
void joining_node_hung_in_waits(TestCluster& cluster, Agents& agents, const Writer& writer) {
  INFO("join, the joining node hung in its waits before streaming");
  const auto started = std::chrono::steady_clock::now();
  cluster.process(kDead).send_signal(SIGSTOP);
  for (const int observer : {0, 1, 2}) {
    REQUIRE(wait_until([&] { return seen_down(cluster, observer, kDead); }, 60s));
  }
  cluster.start(kFirstJoiner, true);
  agents.start(kFirstJoiner);
  // In its waits: announced (every other node up sees it joining), the peer not up in its own
  // view, nothing streamed.
  Json waiting;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        waiting = running_job(cluster, kFirstJoiner, "bootstrap");
                        for (const int observer : {0, 1, 2}) {
                          const Json seen = member_seen_by(cluster, observer, cluster.address(kFirstJoiner));
                          if (!seen.is_object() || seen["state"] != "joining" || seen["status"] != "up") return false;
                        }
                        return waiting.is_object();
                      },
                      30s),
                  jobs_of(cluster, kFirstJoiner).dump());
  CHECK(waiting["progress"]["done"] == 0);
  CHECK(member_seen_by(cluster, kFirstJoiner, cluster.address(kDead))["status"] != "up");
  const double convicted_after = hung_and_convicted(cluster, agents, kFirstJoiner, {0, 1, 2}, "joining");
  cluster.process(kFirstJoiner).send_signal(SIGCONT);
  const Json resumed = running_job(cluster, kFirstJoiner, "bootstrap");
  cluster.process(kDead).send_signal(SIGCONT);

  const std::string outcome = join_ended_or_retried(cluster, kFirstJoiner);
  rings_settled(cluster, {0, 1, 2, kDead, kFirstJoiner});
  agent_ready_again(agents, kFirstJoiner);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("join, hung in its waits (" << cluster.address(kDead) << " hung) for " << convicted_after
                                      << " s; resumed, the job " << (resumed.is_object() ? resumed.dump() : "ended")
                                      << ": " << outcome << "; " << seconds_since(started) << " s");
}

// 2. The node cleaned hung with every range dropped, before its final compaction.
void cleaned_node_hung_compacting(TestCluster& cluster, Agents& agents, const Writer& writer,
                                  const std::filesystem::path& hold) {
  INFO("cleanup, the node cleaned hung before its final compaction");
  const auto started = std::chrono::steady_clock::now();
  const Json body = {{"keyspace", kKeyspace}};
  std::string id;
  const Json held = held_by_hook(cluster, kWorker, "cleanup", hold, ringnode::kHoldCleanupCompacting,
                                 [&] { id = start_job(cluster, kWorker, "cleanup", body); });
  CHECK(held["id"] == id);
  CHECK_MESSAGE(held["progress"]["done"] == held["progress"]["total"], held.dump());
  const double convicted_after = hung_while_held(cluster, agents, kWorker, hold, {0, 2, 3, 4}, "normal");
  const std::string outcome = ended_or_retried(cluster, kWorker, id, "cleanup", body, [] {});
  rings_settled(cluster, {0, 1, 2, 3, 4});
  agent_ready_again(agents, kWorker);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("cleanup, hung before compacting (" << held["progress"].dump() << ") for " << convicted_after
                                              << " s: " << outcome << "; " << seconds_since(started) << " s");
}

// 3. The leaving node hung with LEAVING seen by every peer, nothing streamed.
void leaving_node_hung_announced(TestCluster& cluster, Agents& agents, const Writer& writer,
                                 const std::filesystem::path& hold) {
  INFO("decommission, the leaving node hung after announcing LEAVING, before streaming");
  const auto started = std::chrono::steady_clock::now();
  std::string id;
  const Json held = held_by_hook(cluster, kFirstJoiner, "decommission", hold, ringnode::kHoldDecommissionAnnounced,
                                 [&] { id = start_job(cluster, kFirstJoiner, "decommission", Json::object()); });
  CHECK(held["progress"]["done"] == 0);
  CHECK(node_info(cluster, kFirstJoiner)["mode"] == "LEAVING");
  const double convicted_after = hung_while_held(cluster, agents, kFirstJoiner, hold, {0, 1, 2, 3}, "leaving");
  const std::string outcome = ended_or_retried(
      cluster, kFirstJoiner, id, "decommission", Json::object(),
      [&] {
        rings_settled(cluster, {0, 1, 2, 3, 4});
      },
      "DECOMMISSION_FAILED");
  CHECK(node_info(cluster, kFirstJoiner)["mode"] == "DECOMMISSIONED");
  rings_settled(cluster, {0, 1, 2, 3});
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("decommission, hung after LEAVING for " << convicted_after << " s: " << outcome << "; "
                                                  << seconds_since(started) << " s");
  // Out of the ring: stopped, so that its node and agent no longer take the machine's time.
  CHECK(cluster.process(kFirstJoiner).terminate(30s) == 0);
  agents.kill(kFirstJoiner);
}

// 4. The joining node hung with every range streamed, NORMAL not yet announced.
void joining_node_hung_streamed(TestCluster& cluster, Agents& agents, const Writer& writer,
                                const std::filesystem::path& hold) {
  INFO("join, the joining node hung after streaming, before announcing NORMAL");
  const auto started = std::chrono::steady_clock::now();
  const Json held = held_by_hook(cluster, kSecondJoiner, "bootstrap", hold, ringnode::kHoldBootstrapStreamed, [&] {
    cluster.start(kSecondJoiner, true);
    agents.start(kSecondJoiner);
  });
  // A join's done can pass its total: rows written meanwhile stream too.
  CHECK_MESSAGE(held["progress"]["done"].get<std::uint64_t>() >= held["progress"]["total"].get<std::uint64_t>(),
                held.dump());
  CHECK(node_info(cluster, kSecondJoiner)["mode"] == "JOINING");
  const double convicted_after = hung_while_held(cluster, agents, kSecondJoiner, hold, {0, 1, 2, 3}, "joining");
  const std::string outcome = join_ended_or_retried(cluster, kSecondJoiner);
  rings_settled(cluster, {0, 1, 2, 3, kSecondJoiner});
  agent_ready_again(agents, kSecondJoiner);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("join, hung streamed (" << held["progress"].dump() << ") for " << convicted_after << " s: " << outcome << "; "
                                  << seconds_since(started) << " s");
}

// 5. Node 2's rows taken from its RocksDB; the repair on it (its coordinator) hung with its
// replicas' Merkle trees received, none compared.
void repair_coordinator_hung_validating(TestCluster& cluster, Agents& agents, const Writer& writer,
                                        const std::filesystem::path& hold) {
  INFO("repair, its coordinator hung in validation");
  const auto started = std::chrono::steady_clock::now();
  const std::vector<int> nodes = {0, 1, 2, 3, kSecondJoiner};
  const std::uint64_t taken = take_rows(cluster, kWorker, kKeyspace);
  rings_settled(cluster, nodes);
  const Json body = {{"keyspace", kKeyspace}};
  std::string id;
  const Json held = held_by_hook(cluster, kWorker, "repair", hold, ringnode::kHoldRepairValidating,
                                 [&] { id = start_job(cluster, kWorker, "repair", body); });
  CHECK(held["id"] == id);
  const double convicted_after = hung_while_held(cluster, agents, kWorker, hold, {0, 2, 3, kSecondJoiner}, "normal");
  const std::string outcome =
      ended_or_retried(cluster, kWorker, id, "repair", body, [&] { rings_settled(cluster, nodes); });
  rings_settled(cluster, nodes);
  agent_ready_again(agents, kWorker);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("repair, " << taken << " rows taken, the coordinator hung in validation (" << held["progress"].dump()
                     << ") for " << convicted_after << " s: " << outcome << "; " << seconds_since(started) << " s");
}

// 6. Node 4 stopped and removed through node 2, which is hung with the dead node's REMOVING seen
// by every peer, nothing streamed.
void removenode_coordinator_hung_announced(TestCluster& cluster, Agents& agents, const Writer& writer,
                                           const std::filesystem::path& hold) {
  INFO("removenode, its coordinator hung after announcing REMOVING, before streaming");
  const auto started = std::chrono::steady_clock::now();
  const std::vector<int> observers = {0, 2, kSecondJoiner};
  const std::string dead_host = node_info(cluster, kDead)["host_id"].get<std::string>();
  // Stopped cleanly, it gossips its shutdown and is down in every view at once.
  REQUIRE(cluster.process(kDead).terminate(30s) == 0);
  for (const int observer : {0, 1, 2, kSecondJoiner}) {
    REQUIRE(wait_until([&] { return seen_down(cluster, observer, kDead); }, 60s));
  }
  const Json body = {{"host_id", dead_host}};
  std::string id;
  const Json held = held_by_hook(cluster, kWorker, "removenode", hold, ringnode::kHoldRemovenodeAnnounced,
                                 [&] { id = start_job(cluster, kWorker, "removenode", body); });
  CHECK(held["progress"]["done"] == 0);
  const auto dead_node_removing = [&] {
    for (const int observer : observers) {  // REMOVING shows as leaving
      const Json seen = member_seen_by(cluster, observer, cluster.address(kDead));
      CHECK_MESSAGE((seen["state"] == "leaving" && seen["status"] == "down"), seen.dump());
    }
  };
  dead_node_removing();
  const double convicted_after =
      hung_while_held(cluster, agents, kWorker, hold, observers, "normal", dead_node_removing);
  const std::string outcome = ended_or_retried(cluster, kWorker, id, "removenode", body, [&] {
    for (const int observer : observers) {
      REQUIRE(wait_until([&] { return member_seen_by(cluster, observer, cluster.address(kWorker))["status"] == "up"; },
                         30s));
    }
  });
  rings_settled(cluster, {0, 1, 2, kSecondJoiner});
  agent_ready_again(agents, kWorker);
  CHECK(writes_acknowledged(writer, 40));
  MESSAGE("removenode, the coordinator hung after REMOVING for " << convicted_after << " s: " << outcome << "; "
                                                                 << seconds_since(started) << " s");
}

}  // namespace

TEST_CASE(
    "the node running a join, cleanup, decommission, repair or removenode hung past its conviction in a phase that "
    "passes in a moment, then resumed: a clear end, retryable") {
  const auto test_started = std::chrono::steady_clock::now();
  const PhaseHolds holds("job_node_stopped_holds");
  TestCluster cluster("job_node_stopped_holds", 1, kNodes, 8, "127.0.103.");
  Agents agents(cluster, kNodes);
  start_nodes(cluster, 4);
  agents.start(kWorker);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded =
      Writer::write_rows(cluster, kKeyspace, "seed", kRows, 6, kThrottledValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kRows));
  Writer writer(cluster, {0}, kKeyspace, "w", 2, 40);

  joining_node_hung_in_waits(cluster, agents, writer);
  cleaned_node_hung_compacting(cluster, agents, writer, holds.file(ringnode::kHoldCleanupCompacting));
  leaving_node_hung_announced(cluster, agents, writer, holds.file(ringnode::kHoldDecommissionAnnounced));
  joining_node_hung_streamed(cluster, agents, writer, holds.file(ringnode::kHoldBootstrapStreamed));
  repair_coordinator_hung_validating(cluster, agents, writer, holds.file(ringnode::kHoldRepairValidating));
  removenode_coordinator_hung_announced(cluster, agents, writer, holds.file(ringnode::kHoldRemovenodeAnnounced));

  const std::size_t checked =
      check_acknowledged_rows(cluster, writer, {0, 1, 2, kSecondJoiner}, kKeyspace, seeded, kThrottledValueBytes, 10);
  MESSAGE(checked << " acknowledged rows checked, " << seconds_since(test_started) << " s in all");
}
