// Nodes SIGKILLed or hung at the phases of join, repair and removenode that other tests leave
// out, one after another on one cluster of real ringnode processes (127.0.73.1..5), a QUORUM
// writer running throughout through node 1 (0-based 0), never killed. Each phase is held by a
// condition the test makes (a peer hung, a stream throttled), never by sleeping; each case ends
// with every node up and normal, so the next starts from a healthy cluster:
//  1. join, waiting before streaming: a peer is hung (SIGSTOP), so the joining node, its BOOT
//     announced, waits to see every peer up; it is SIGKILLed there.
//  2. join, waiting before streaming: restarted, it waits again for the hung peer, which is
//     SIGKILLed there; the join waits on, and once the peer is restarted streams, the same job.
//  3. join, streaming: throttled, a stream source is SIGKILLed mid-stream. The join fails naming it.
//  4. join, after streaming: the source and the joining node restarted, the join runs again,
//     held by the nodes' test hook (labnode/test_hold.h) once it has streamed everything, before
//     it announces NORMAL; it is SIGKILLed there. Restarted, it joins from the start and is held
//     there again; a peer is SIGKILLed there; the hold lifted, the join ends NORMAL.
//  5. repair, validation: a replica's rows are taken from its RocksDB, then it is hung
//     (SIGSTOP) so the repair waits on its Merkle tree, and SIGKILLed there. The repair fails
//     naming it; restarted, the repair run again succeeds and streams what it lacked, no more.
//  6. repair, sync: a replica's rows taken again, the repair streaming them back (throttled) is
//     held there and the replica hung (SIGSTOP). The repair fails naming it once convicted;
//     resumed, the repair run again streams the rest, not what the replica had received.
//  7. repair, its own node (the coordinator) SIGKILLed in validation and in sync: restarted, it
//     lists no job; run again, the repair succeeds and streams what it lacked, no more.
//  8. removenode, streaming: a survivor sending rows to a new replica (through the coordinator,
//     throttled) is hung (SIGSTOP), then, run again, one is SIGKILLed. Each time the removenode
//     fails naming it; resumed or restarted, run again, it succeeds.
// At the end every acknowledged row (seeded and the writer's) reads back at QUORUM, and every
// 10th is on all 3 of its replicas.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/cluster_checks.h"
#include "support/phase_holds.h"
#include "support/rows_taken.h"
#include "support/throttled_rows.h"
#include "test_hold.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
constexpr int kJoining = 4;  // the fifth node, which joins

int index_of(const TestCluster& cluster, const std::string& address) {
  for (int i = 0; i < kThrottledNodes; ++i) {
    if (cluster.address(i) == address) return i;
  }
  FAIL("no node " << address);
  return -1;
}

bool seen_up(const TestCluster& cluster, int observer, int node) {
  const Json member = member_seen_by(cluster, observer, cluster.address(node));
  return member.is_object() && member["status"] == "up";
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
  constexpr int kHung = 2;
  cluster.process(kHung).send_signal(SIGSTOP);
  REQUIRE(wait_until([&] { return seen_down(cluster, 0, kHung); }, 30s));
  // Throttled from its first start: the join run again below is held streaming by it.
  cluster.start(kJoining, true, "stream_throughput_mib: " + std::to_string(kThrottledStreamMib) + "\n");
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
  MESSAGE("join killed while waiting for peers; " << seconds_since(started) << " s");
}

// Restarted, the joining node runs its join again from the start and waits again to see the hung
// peer up; that peer is SIGKILLed there. A peer down is waited for (up to 60 s, then the join
// fails naming it, topology_waits_test): the job runs on, at 0 bytes. The peer restarted, the
// join passes its waits and streams, the same job: it rode through the peer's death.
void join_awaited_peer_killed(TestCluster& cluster) {
  INFO("join, the peer it waits for killed");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kHung = 2;
  cluster.start(kJoining, true);  // its config's stream throughput holds the join streaming
  Json waiting;
  REQUIRE(wait_until(
      [&] {
        waiting = running_job(cluster, kJoining, "bootstrap");
        return waiting.is_object();
      },
      30s));
  CHECK(waiting["progress"]["done"] == 0);
  CHECK_FALSE(seen_up(cluster, kJoining, kHung));  // what it waits for
  cluster.process(kHung).kill_hard();
  const Json after_kill = cluster.api(kJoining, "GET", "/v1/jobs/" + waiting["id"].get<std::string>()).body;
  CHECK_MESSAGE(after_kill["state"] == "running", after_kill.dump());

  cluster.start(kHung, false);
  Json streaming;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        streaming = cluster.api(kJoining, "GET", "/v1/jobs/" + waiting["id"].get<std::string>()).body;
                        return streaming["state"] != "running" || streaming["progress"]["done"] > 0;
                      },
                      60s),
                  streaming.dump());
  CHECK_MESSAGE(streaming["state"] == "running", streaming.dump());
  CHECK(node_info(cluster, kJoining)["mode"] == "JOINING");
  MESSAGE("join, the awaited peer killed and restarted: the same job streams (" << streaming["progress"].dump() << "); "
                                                                                << seconds_since(started) << " s");
}

// The joining node's join, run again from the start and streaming throttled; once a source
// other than the seed (the writer's coordinator) has sent some of its bytes and not all, that
// source is SIGKILLed. The join fails naming it (JOINING_FAILED: the node stays up, its BOOT
// still gossiped); with the source back and the joining node restarted, the join runs again and
// ends NORMAL.
void join_source_killed_mid_stream(TestCluster& cluster, const Writer& writer) {
  INFO("join, a stream source killed mid-stream");
  const auto started = std::chrono::steady_clock::now();
  Json session;
  int source = -1;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        for (const int peer : {1, 2, 3}) {
                          session = session_in_progress(cluster, kJoining, "receiving", cluster.address(peer));
                          if (session.is_object()) {
                            source = peer;
                            return true;
                          }
                        }
                        return false;
                      },
                      60s, 50ms),
                  cluster.api(kJoining, "GET", "/v1/streams").body.dump());
  cluster.process(source).kill_hard();

  const Json failed = cluster.bootstrap_job(kJoining);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(names(failed, cluster.address(source)), failed.dump());
  CHECK(node_info(cluster, kJoining)["mode"] == "JOINING_FAILED");
  CHECK(writes_acknowledged(writer, 40));  // QUORUM of 3: two replicas are up

  cluster.start(source, false);
  REQUIRE(wait_until([&] { return seen_up(cluster, kJoining, source); }, 30s));
  MESSAGE("join, source " << cluster.address(source) << " killed at " << session["done_bytes"] << " of "
                          << session["total_bytes"] << " bytes: failed with \"" << failed["error"].get<std::string>()
                          << "\"; " << seconds_since(started) << " s");
}

// The joining node's running join once the test hook (labnode/test_hold.h) holds it with every
// byte streamed, before it announces NORMAL.
Json join_held_streamed(TestCluster& cluster) {
  Json held;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        held = running_job(cluster, kJoining, "bootstrap");
                        // Done may pass the planned total: rows written meanwhile stream too.
                        return held.is_object() && held["progress"]["total"].get<std::uint64_t>() > 0 &&
                               held["progress"]["done"] >= held["progress"]["total"] &&
                               cluster.process(kJoining).log().find("test hold: bootstrap_streamed") !=
                                   std::string::npos;
                      },
                      120s),
                  cluster.api(kJoining, "GET", "/v1/jobs").body.dump());
  return held;
}

// Restarted once more, the joining node runs its join again, unthrottled, and is held by the
// test hook (labnode/test_hold.h) once every byte is streamed, before it announces NORMAL; it is
// SIGKILLed there, its peers seeing it joining (not normal). Restarted, the join runs again from
// the start (nothing recorded it done) and is held there again; this time a peer (node 2) is
// SIGKILLed. The hold lifted, the join ends NORMAL with the peer down: everything is streamed,
// and the peer learns the new node's state from gossip once restarted.
void join_killed_before_normal(TestCluster& cluster, const Writer& writer, const std::filesystem::path& hold) {
  INFO("join, it or a peer killed after streaming, before announcing NORMAL");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kPeer = 1;
  REQUIRE(cluster.process(kJoining).terminate(30s) == 0);
  std::ofstream(hold).close();
  cluster.start(kJoining, true);
  set_throughput(cluster, kJoining, 0);
  const Json held = join_held_streamed(cluster);
  CHECK(node_info(cluster, kJoining)["mode"] == "JOINING");
  CHECK(member_seen_by(cluster, 0, cluster.address(kJoining))["state"] == "joining");
  cluster.process(kJoining).kill_hard();

  cluster.start(kJoining, true);
  set_throughput(cluster, kJoining, 0);
  const Json held_again = join_held_streamed(cluster);
  cluster.process(kPeer).kill_hard();
  const auto peer_killed = std::chrono::steady_clock::now();
  CHECK(node_info(cluster, kJoining)["mode"] == "JOINING");
  std::filesystem::remove(hold);
  const Json joined = cluster.bootstrap_job(kJoining);
  CHECK_MESSAGE(joined["state"] == "succeeded", joined.dump());
  CHECK(joined["id"] == held_again["id"]);
  CHECK(joined["result"]["rows_streamed"].get<std::uint64_t>() > 0);
  CHECK(node_info(cluster, kJoining)["mode"] == "NORMAL");
  const double normal_after = seconds_since(peer_killed);
  CHECK(writes_acknowledged(writer, 40));  // QUORUM of 3: two replicas are up
  cluster.start(kPeer, false);
  for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  MESSAGE("join, killed before NORMAL at "
          << held["progress"].dump() << "; run again and held there, a peer killed at " << held_again["progress"].dump()
          << ": NORMAL " << normal_after << " s after the kill, " << joined["result"]["rows_streamed"]
          << " rows streamed, waits " << joined["result"]["waits"].dump() << "; " << seconds_since(started) << " s");
}

// Rows taken from node i's RocksDB (take_rows: every row of the keyspace), the cluster whole
// again; with the writes made by then, so that a repair after can be bounded: it streams at most
// `rows` plus twice the writes made since (each on at most 2 replicas short of it: a refused
// write may have reached one).
struct RowsTaken {
  std::uint64_t rows = 0;
  std::size_t writes_before = 0;
  std::uint64_t most_to_stream(const Writer& writer) const { return rows + 2 * (writes_made(writer) - writes_before); }
};
RowsTaken rows_taken(TestCluster& cluster, const Writer& writer, int i) {
  RowsTaken taken;
  taken.rows = take_rows(cluster, i, kKeyspace);
  for (int n = 0; n < kThrottledNodes; ++n) cluster.wait_for_ring(n, kThrottledNodes);
  taken.writes_before = writes_made(writer);
  return taken;
}

// A repair run on the replica that rows were taken from: its ranges the repair on another node
// did not share, restored for the checks at the end.
void repair_rest(TestCluster& cluster, int replica) {
  const Json rest = cluster.run_operation(replica, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(rest["state"] == "succeeded", rest.dump());
}

void repair_replica_killed_in_validation(TestCluster& cluster, const Writer& writer) {
  INFO("repair, a replica killed during validation");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCoordinator = 0, kReplica = 2;
  const RowsTaken taken = rows_taken(cluster, writer, kReplica);

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
  for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  const Json retried = cluster.run_operation(kCoordinator, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  // What differs: the rows taken (those of ranges the coordinator shares with the replica), and
  // of the writes made since, each on at most 2 replicas short of it (a refused write may have
  // reached one); never everything again.
  const std::uint64_t streamed = retried["result"]["rows_streamed"].get<std::uint64_t>();
  CHECK(streamed > 0);
  CHECK(streamed <= taken.most_to_stream(writer));
  repair_rest(cluster, kReplica);
  MESSAGE("repair, replica killed in validation: failed with \"" << failed["error"].get<std::string>() << "\"; "
                                                                 << taken.rows << " rows taken, the rerun streamed "
                                                                 << streamed << "; " << seconds_since(started) << " s");
}

// The session of job `id`'s stream plan on node i sending to `peer`, as node i lists it (the plan
// of an ended job too), or null.
Json sending_session(const TestCluster& cluster, int i, const std::string& id, const std::string& peer) {
  const auto reply = cluster.api(i, "GET", "/v1/streams");
  if (reply.status != 200) return nullptr;
  for (const Json& plan : reply.body["plans"]) {
    if (plan["job_id"] != id) continue;
    for (const Json& session : plan["sessions"]) {
      if (session["peer"] == peer && session["direction"] == "sending") return session;
    }
  }
  return nullptr;
}

// Repair, sync: a replica's rows are taken from its RocksDB, and a repair on node 1 (0-based 0),
// throttled, streams them back; once that replica has received some (64 KiB), it is hung
// (SIGSTOP). The ranges left wait on it (its Merkle trees, its pages, the rows sent to it):
// the repair fails naming it once the failure detector convicts it, not at the stream timeout.
// Resumed, the repair run again streams the rest: more than 0 rows, and not again what the replica
// received: with those, at most the rows taken plus twice the writes made meanwhile (a write
// left off two replicas is sent to each once, by one run or the other).
void repair_replica_hung_in_sync(TestCluster& cluster, const Writer& writer) {
  INFO("repair, a replica hung while the differences stream");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCoordinator = 0, kReplica = 2;
  const RowsTaken taken = rows_taken(cluster, writer, kReplica);
  const std::string replica = cluster.address(kReplica);

  set_throughput(cluster, kCoordinator, kThrottledStreamMib);
  const auto repair = cluster.api(kCoordinator, "POST", "/v1/operations/repair", Json{{"keyspace", kKeyspace}}.dump());
  REQUIRE_MESSAGE(repair.status == 202, repair.body.dump());
  const std::string id = repair.body["id"].get<std::string>();
  Json session, running;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        session = sending_session(cluster, kCoordinator, id, replica);
                        running = running_job(cluster, kCoordinator, "repair");
                        // Some rows applied on it, not a first few: the stream well under way.
                        return session.is_object() && session["done_bytes"].get<std::uint64_t>() >= 64 * 1024 &&
                               running.is_object();
                      },
                      60s, 20ms),
                  cluster.api(kCoordinator, "GET", "/v1/streams").body.dump());
  cluster.process(kReplica).send_signal(SIGSTOP);
  const auto hung_at = std::chrono::steady_clock::now();

  const Json failed = cluster.wait_for_job(kCoordinator, id, 90s);
  const double failed_after = seconds_since(hung_at);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(names(failed, replica), failed.dump());
  // What the replica had received when the repair failed: kept (a repair applies rows as it goes).
  const Json received = sending_session(cluster, kCoordinator, id, replica);
  REQUIRE(received.is_object());
  const std::uint64_t received_rows = received["rows"].get<std::uint64_t>();
  CHECK(received_rows > 0);
  CHECK(writes_acknowledged(writer, 40));  // QUORUM of 3: two replicas are up

  cluster.process(kReplica).send_signal(SIGCONT);
  set_throughput(cluster, kCoordinator, 0);
  for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);
  const Json retried = cluster.run_operation(kCoordinator, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  const std::uint64_t streamed = retried["result"]["rows_streamed"].get<std::uint64_t>();
  CHECK(streamed > 0);
  CHECK(streamed + received_rows <= taken.most_to_stream(writer));
  repair_rest(cluster, kReplica);
  MESSAGE("repair, replica hung in sync at "
          << session["done_bytes"] << " bytes, " << running["progress"].dump() << ": failed " << failed_after
          << " s later with \"" << failed["error"].get<std::string>() << "\"; " << received_rows
          << " rows received before, " << taken.rows << " taken, the rerun streamed " << streamed << "; "
          << seconds_since(started) << " s");
}

// Node i's jobs, as it lists them (a restarted node lists none: jobs live in the process).
Json jobs_of(const TestCluster& cluster, int i) {
  const auto reply = cluster.api(i, "GET", "/v1/jobs");
  REQUIRE_MESSAGE(reply.status == 200, reply.error);
  return reply.body["jobs"];
}

// Repair's own node (its coordinator) SIGKILLed in validation, then in sync. Its rows are taken
// from its RocksDB first, so the repair has them to stream back to it.
//  - validation: a replica is hung (SIGSTOP), so the ranges it shares with the coordinator wait
//    on its Merkle trees; once the repair's plan is listed and the job runs, the coordinator is
//    SIGKILLed (and the replica resumed);
//  - sync: the repair run again, throttled on the coordinator, is SIGKILLed once it has received
//    some rows and still runs.
// After each restart the coordinator lists no job: the clear state is "not done, run it again".
// Run again, the repair succeeds and streams what the coordinator still lacked: more than 0 rows,
// at most the rows taken plus twice the writes made meanwhile.
void repair_coordinator_killed(TestCluster& cluster, const Writer& writer) {
  INFO("repair, its coordinator killed in validation and in sync");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCoordinator = 1, kHung = 3;
  const RowsTaken taken = rows_taken(cluster, writer, kCoordinator);
  const Json repair_body = {{"keyspace", kKeyspace}};

  cluster.process(kHung).send_signal(SIGSTOP);  // its Merkle trees are asked for and never come
  const auto validating = cluster.api(kCoordinator, "POST", "/v1/operations/repair", repair_body.dump());
  REQUIRE_MESSAGE(validating.status == 202, validating.body.dump());
  REQUIRE(wait_until([&] { return plan_listed(cluster, kCoordinator, "Repair"); }, 10s, 20ms));
  const Json in_validation = running_job(cluster, kCoordinator, "repair");
  REQUIRE(in_validation.is_object());
  cluster.process(kCoordinator).kill_hard();
  cluster.process(kHung).send_signal(SIGCONT);
  cluster.start(kCoordinator, false);
  CHECK(jobs_of(cluster, kCoordinator).empty());
  for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);

  set_throughput(cluster, kCoordinator, kThrottledStreamMib);
  const auto syncing = cluster.api(kCoordinator, "POST", "/v1/operations/repair", repair_body.dump());
  REQUIRE_MESSAGE(syncing.status == 202, syncing.body.dump());
  Json session, in_sync;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        session = plan_session_moving(cluster, kCoordinator, "Repair");
                        in_sync = running_job(cluster, kCoordinator, "repair");
                        return session.is_object() && in_sync.is_object();
                      },
                      60s, 20ms),
                  cluster.api(kCoordinator, "GET", "/v1/streams").body.dump());
  cluster.process(kCoordinator).kill_hard();
  cluster.start(kCoordinator, false);  // its stream throughput back to its config's: unlimited
  CHECK(jobs_of(cluster, kCoordinator).empty());
  for (int i = 0; i < kThrottledNodes; ++i) cluster.wait_for_ring(i, kThrottledNodes);

  const Json retried = cluster.run_operation(kCoordinator, "repair", repair_body, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  const std::uint64_t streamed = retried["result"]["rows_streamed"].get<std::uint64_t>();
  CHECK(streamed > 0);
  CHECK(streamed <= taken.most_to_stream(writer));
  MESSAGE("repair, coordinator killed in validation ("
          << in_validation["progress"].dump() << ") and in sync (" << in_sync["progress"].dump() << ", "
          << session["done_bytes"] << " bytes received); " << taken.rows << " rows taken, the rerun streamed "
          << streamed << "; " << seconds_since(started) << " s");
}

// A removenode of `dead_host` through node 1 (0-based 0), which relays every page, throttled;
// once a survivor's stream to a new replica has moved some bytes and not all, that survivor is
// hung (SIGSTOP) or killed (SIGKILL). The job as it ended, the survivor, and the session seen.
struct SourceSignalled {
  Json failed;
  int source = -1;
  Json session;
};
SourceSignalled removenode_source_signalled(TestCluster& cluster, const std::string& dead_host, bool hang) {
  constexpr int kCoordinator = 0;
  set_throughput(cluster, kCoordinator, kThrottledStreamMib);
  const auto removal =
      cluster.api(kCoordinator, "POST", "/v1/operations/removenode", Json{{"host_id", dead_host}}.dump());
  REQUIRE_MESSAGE(removal.status == 202, removal.body.dump());
  const std::string id = removal.body["id"].get<std::string>();
  SourceSignalled result;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        result.session = session_in_progress(cluster, kCoordinator, "receiving", "", id);
                        return result.session.is_object() && result.session["peer"] != cluster.address(kCoordinator);
                      },
                      90s),
                  cluster.api(kCoordinator, "GET", "/v1/streams").body.dump());
  result.source = index_of(cluster, result.session["peer"].get<std::string>());
  if (hang) {
    cluster.process(result.source).send_signal(SIGSTOP);
  } else {
    cluster.process(result.source).kill_hard();
  }
  result.failed = job_when_ended(cluster.address(kCoordinator), cluster.native_port(), id, 90s);
  REQUIRE_MESSAGE(result.failed["state"] != "running",
                  result.failed.dump() << "\n"
                                       << cluster.api(kCoordinator, "GET", "/v1/streams").body.dump() << "\n"
                                       << cluster.logs());
  set_throughput(cluster, kCoordinator, 0);
  return result;
}

// removenode, streaming: node 4 (0-based 3) is SIGKILLed and removed through node 1. A survivor
// sending rows is hung (SIGSTOP): the removenode fails naming it once the failure detector
// convicts it, well before the stream timeout; resumed, it is seen up again. Run again, a
// survivor sending rows is SIGKILLed: the removenode fails naming it. Restarted, the removenode
// run again succeeds and the 4 nodes left see each other up and normal.
void removenode_source_hung_then_killed(TestCluster& cluster) {
  INFO("removenode, a stream source hung, then one killed");
  const auto started = std::chrono::steady_clock::now();
  constexpr int kCoordinator = 0, kDead = 3;
  const std::string dead_host = node_info(cluster, kDead)["host_id"].get<std::string>();
  cluster.process(kDead).kill_hard();
  for (const int observer : {0, 1, 2, 4}) REQUIRE(wait_until([&] { return seen_down(cluster, observer, kDead); }, 60s));

  const SourceSignalled hung = removenode_source_signalled(cluster, dead_host, true);
  const double hung_seconds = seconds_since(started);
  CHECK(hung.failed["state"] == "failed");
  CHECK_MESSAGE(names(hung.failed, cluster.address(hung.source)), hung.failed.dump());
  cluster.process(hung.source).send_signal(SIGCONT);
  REQUIRE(wait_until([&] { return seen_up(cluster, kCoordinator, hung.source); }, 30s));

  const SourceSignalled killed = removenode_source_signalled(cluster, dead_host, false);
  CHECK(killed.failed["state"] == "failed");
  CHECK_MESSAGE(names(killed.failed, cluster.address(killed.source)), killed.failed.dump());

  cluster.start(killed.source, false);
  REQUIRE(wait_until([&] { return seen_up(cluster, kCoordinator, killed.source); }, 30s));
  const Json retried = cluster.run_operation(kCoordinator, "removenode", {{"host_id", dead_host}}, 180s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  for (const int i : {0, 1, 2, 4}) cluster.wait_for_ring(i, kThrottledNodes - 1);
  for (const SourceSignalled* attempt : {&hung, &killed}) {
    MESSAGE("removenode, source " << cluster.address(attempt->source)
                                  << std::string(attempt == &hung ? " hung" : " killed") << " at "
                                  << attempt->session["done_bytes"] << " of " << attempt->session["total_bytes"]
                                  << " bytes: failed with \"" << attempt->failed["error"].get<std::string>() << "\"");
  }
  MESSAGE("removenode: the hung attempt ended after " << hung_seconds << " s; the rerun streamed "
                                                      << retried["result"]["rows_streamed"] << " rows; "
                                                      << seconds_since(started) << " s");
}

}  // namespace

TEST_CASE(
    "nodes SIGKILLed or hung while a join waits for peers or streams, in repair validation and sync and as a "
    "removenode source") {
  const auto test_started = std::chrono::steady_clock::now();
  const PhaseHolds holds("phase_killed");
  TestCluster cluster("phase_killed", 1, kThrottledNodes, 8, "127.0.73.");
  start_nodes(cluster, 4);
  cluster.create_keyspace(kKeyspace, 3);
  const std::vector<std::string> seeded =
      Writer::write_rows(cluster, kKeyspace, "seed", kThrottledRows, 6, kThrottledValueBytes);
  REQUIRE(seeded.size() == static_cast<std::size_t>(kThrottledRows));
  Writer writer(cluster, {0}, kKeyspace, "w", 2, 40);

  join_killed_waiting_for_peers(cluster);
  join_awaited_peer_killed(cluster);
  join_source_killed_mid_stream(cluster, writer);
  join_killed_before_normal(cluster, writer, holds.file(ringnode::kHoldBootstrapStreamed));
  repair_replica_killed_in_validation(cluster, writer);
  repair_replica_hung_in_sync(cluster, writer);
  repair_coordinator_killed(cluster, writer);
  removenode_source_hung_then_killed(cluster);

  CHECK(writes_acknowledged(writer, 40));  // the cluster still serves QUORUM writes
  const std::size_t checked =
      check_acknowledged_rows(cluster, writer, {0, 1, 2, 4}, kKeyspace, seeded, kThrottledValueBytes, 10);
  MESSAGE(checked << " acknowledged rows checked, " << seconds_since(test_started) << " s in all");
}
