// Nodes SIGKILLed at the phases of join, repair and removenode that other tests leave out, one
// after another on one cluster of real ringnode processes (127.0.73.1..5), a QUORUM writer
// running throughout through node 1 (0-based 0), the coordinator of repair and removenode, never
// killed. Each phase is held by a condition the test makes (a peer hung, a stream throttled),
// never by sleeping; each case ends with every node up and normal, so the next starts from a
// healthy cluster:
//  1. join, waiting before streaming: a peer is hung (SIGSTOP), so the joining node, its BOOT
//     announced, waits to see every peer up; it is SIGKILLed there. The peer resumed and the
//     node restarted, the join runs again from the start and ends NORMAL with rows streamed.
//  2. repair, validation: a replica's rows are taken from its RocksDB, then it is hung
//     (SIGSTOP) so the repair waits on its Merkle tree, and SIGKILLed there. The repair fails
//     naming it; restarted, the repair run again succeeds and streams what it lacked, no more.
//  3. removenode, streaming: a survivor sending rows to a new replica (through the coordinator,
//     throttled) is SIGKILLed. The removenode fails naming it; restarted, run again, it succeeds.
// At the end every acknowledged row (seeded and the writer's) reads back at QUORUM, and every
// 10th is on all 3 of its replicas.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/cluster_checks.h"
#include "support/rows_taken.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
// About 2.9 MB of rows (RF 3): a node's share outlasts its stream limiter's 1 MiB burst, so a
// throttled stream is still running seconds later (as in operation_killed_test).
constexpr int kRows = 2400;
constexpr std::size_t kValueBytes = 1200;
constexpr int kNodes = 5;           // 4 first nodes, the fifth joins
constexpr double kThrottle = 0.05;  // MiB/s of a throttled stream, past its burst

int index_of(const TestCluster& cluster, const std::string& address) {
  for (int i = 0; i < kNodes; ++i) {
    if (cluster.address(i) == address) return i;
  }
  FAIL("no node " << address);
  return -1;
}

bool seen_up(const TestCluster& cluster, int observer, int node) {
  const Json member = member_seen_by(cluster, observer, cluster.address(node));
  return member.is_object() && member["status"] == "up";
}

// The job of node i that runs `operation`, or null.
Json running_job(const TestCluster& cluster, int i, const std::string& operation) {
  const auto reply = cluster.api(i, "GET", "/v1/jobs");
  if (reply.status != 200) return nullptr;
  for (const Json& job : reply.body["jobs"]) {
    if (job["operation"] == operation && job["state"] == "running") return job;
  }
  return nullptr;
}

bool plan_listed(const TestCluster& cluster, int i, const std::string& description) {
  const auto reply = cluster.api(i, "GET", "/v1/streams");
  if (reply.status != 200) return false;
  for (const Json& plan : reply.body["plans"]) {
    if (plan["description"] == description) return true;
  }
  return false;
}

// The writes `writer` has made so far, acknowledged or refused.
std::size_t writes_made(const Writer& writer) {
  return writer.acknowledged().size() + static_cast<std::size_t>(writer.failures());
}

bool names(const Json& job, const std::string& address) {
  return job["error"].is_string() && job["error"].get<std::string>().find(address) != std::string::npos;
}

void join_killed_waiting_for_peers(TestCluster& cluster) {
  INFO("join, killed while it waits to see its peers up");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kHung = 2, kJoining = 4;
  cluster.process(kHung).send_signal(SIGSTOP);
  REQUIRE(wait_until([&] { return seen_down(cluster, 0, kHung); }, 30s));
  cluster.start(kJoining, true);
  // Its BOOT has reached the seed, and it cannot have gone further: it never sees the hung peer up.
  REQUIRE(wait_until(
      [&] {
        const Json member = member_seen_by(cluster, 0, cluster.address(kJoining));
        return member.is_object() && member["state"] == "joining";
      },
      30s));
  const Json waiting = running_job(cluster, kJoining, "bootstrap");
  REQUIRE_MESSAGE(waiting.is_object(), cluster.api(kJoining, "GET", "/v1/jobs").body.dump());
  CHECK(waiting["progress"]["done"] == 0);
  CHECK(node_info(cluster, kJoining)["mode"] == "JOINING");
  cluster.process(kJoining).kill_hard();

  cluster.process(kHung).send_signal(SIGCONT);
  REQUIRE(wait_until([&] { return seen_up(cluster, 0, kHung); }, 30s));
  cluster.start(kJoining, true);
  const Json joined = cluster.bootstrap_job(kJoining);
  CHECK_MESSAGE(joined["state"] == "succeeded", joined.dump());
  CHECK(joined["result"]["rows_streamed"].get<std::uint64_t>() > 0);
  CHECK(node_info(cluster, kJoining)["mode"] == "NORMAL");
  for (int i = 0; i < kNodes; ++i) cluster.wait_for_ring(i, kNodes);
  MESSAGE("join killed while waiting for peers: rerun " << joined["result"]["rows_streamed"] << " rows, waits "
                                                        << joined["result"]["waits"].dump() << "; "
                                                        << seconds_since(started) << " s");
}

void repair_replica_killed_in_validation(TestCluster& cluster, const Writer& writer) {
  INFO("repair, a replica killed during validation");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCoordinator = 0, kReplica = 2;
  const std::uint64_t taken = take_rows(cluster, kReplica, kKeyspace);
  for (int i = 0; i < kNodes; ++i) cluster.wait_for_ring(i, kNodes);
  const std::size_t writes_before = writes_made(writer);

  cluster.process(kReplica).send_signal(SIGSTOP);  // its Merkle trees are asked for and never come
  const auto repair = cluster.api(kCoordinator, "POST", "/v1/operations/repair", Json{{"keyspace", kKeyspace}}.dump());
  REQUIRE_MESSAGE(repair.status == 202, repair.body.dump());
  REQUIRE(wait_until([&] { return plan_listed(cluster, kCoordinator, "Repair"); }, 10s, 20ms));
  // Running, and it cannot end while the replica is hung: the ranges it shares with the
  // coordinator wait on its Merkle trees.
  REQUIRE(running_job(cluster, kCoordinator, "repair").is_object());
  cluster.process(kReplica).kill_hard();

  const Json failed = cluster.wait_for_job(kCoordinator, repair.body["id"].get<std::string>(), 90s);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(names(failed, cluster.address(kReplica)), failed.dump());

  cluster.start(kReplica, false);
  for (int i = 0; i < kNodes; ++i) cluster.wait_for_ring(i, kNodes);
  const Json retried = cluster.run_operation(kCoordinator, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  // What differs: the rows taken (those of ranges the coordinator shares with the replica), and
  // of the writes made since, each on at most 2 replicas short of it (a refused write may have
  // reached one); never everything again.
  const std::uint64_t streamed = retried["result"]["rows_streamed"].get<std::uint64_t>();
  CHECK(streamed > 0);
  CHECK(streamed <= taken + 2 * (writes_made(writer) - writes_before));
  // The replica's other ranges, restored for the checks at the end.
  const Json rest = cluster.run_operation(kReplica, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(rest["state"] == "succeeded", rest.dump());
  MESSAGE("repair, replica killed in validation: failed with \""
          << failed["error"].get<std::string>() << "\"; " << taken << " rows taken, the rerun streamed " << streamed
          << "; " << seconds_since(started) << " s");
}

void removenode_source_killed(TestCluster& cluster) {
  INFO("removenode, a stream source killed");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCoordinator = 0, kDead = 3;
  const std::string dead_host = node_info(cluster, kDead)["host_id"].get<std::string>();
  cluster.process(kDead).kill_hard();
  for (const int observer : {0, 1, 2, 4}) REQUIRE(wait_until([&] { return seen_down(cluster, observer, kDead); }, 60s));

  set_throughput(cluster, kCoordinator, kThrottle);  // the coordinator relays every page
  const auto removal =
      cluster.api(kCoordinator, "POST", "/v1/operations/removenode", Json{{"host_id", dead_host}}.dump());
  REQUIRE_MESSAGE(removal.status == 202, removal.body.dump());
  Json session;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        session = session_in_progress(cluster, kCoordinator, "receiving");
                        return session.is_object() && session["peer"] != cluster.address(kCoordinator);
                      },
                      90s),
                  cluster.api(kCoordinator, "GET", "/v1/streams").body.dump());
  const int source = index_of(cluster, session["peer"].get<std::string>());
  cluster.process(source).kill_hard();

  const Json failed = cluster.wait_for_job(kCoordinator, removal.body["id"].get<std::string>(), 90s);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(names(failed, cluster.address(source)), failed.dump());

  set_throughput(cluster, kCoordinator, 0);
  cluster.start(source, false);
  REQUIRE(wait_until([&] { return seen_up(cluster, kCoordinator, source); }, 30s));
  const Json retried = cluster.run_operation(kCoordinator, "removenode", {{"host_id", dead_host}}, 180s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  for (const int i : {0, 1, 2, 4}) cluster.wait_for_ring(i, kNodes - 1);
  MESSAGE("removenode, source " << cluster.address(source) << " killed at " << session["done_bytes"] << " of "
                                << session["total_bytes"] << " bytes: failed with \""
                                << failed["error"].get<std::string>() << "\"; the rerun streamed "
                                << retried["result"]["rows_streamed"] << " rows; " << seconds_since(started) << " s");
}

}  // namespace

TEST_CASE("nodes SIGKILLed while a join waits for peers, in repair validation and as a removenode source") {
  const auto test_started = std::chrono::steady_clock::now();
  TestCluster cluster("phase_killed", 1, kNodes, 8, "127.0.73.");
  start_nodes(cluster, 4);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded = Writer::write_rows(cluster, kKeyspace, "seed", kRows, 6, kValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kRows));
  Writer writer(cluster, {0}, kKeyspace, "w", 2, 40);

  join_killed_waiting_for_peers(cluster);
  repair_replica_killed_in_validation(cluster, writer);
  removenode_source_killed(cluster);

  CHECK(writes_acknowledged(writer, 40));  // the cluster still serves QUORUM writes
  writer.stop();
  const std::vector<int> survivors = {0, 1, 2, 4};
  REQUIRE(hints_delivered(cluster, survivors));
  const std::vector<std::string> written = with_acknowledged({}, writer);
  check_all_readable(cluster, survivors, kKeyspace, seeded, kValueBytes);
  check_all_readable(cluster, survivors, kKeyspace, written);
  check_on_every_replica(cluster, 0, kKeyspace, seeded, 3, 10, kValueBytes);
  check_on_every_replica(cluster, 0, kKeyspace, written, 3, 10);
  MESSAGE((seeded.size() + written.size())
          << " acknowledged rows checked, " << seconds_since(test_started) << " s in all");
}
