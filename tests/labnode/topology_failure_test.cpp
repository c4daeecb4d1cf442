// Topology operations under failure, on real ringnode processes (labnode/operations.h): a
// decommission refused below RF, a joining node SIGKILLed mid-stream and restarted, a
// decommission whose target is SIGKILLed and then retried, repair of rows deleted behind a
// node's back, and removenode of a dead node. Throughout, acknowledged QUORUM writes must stay
// readable. Each case runs its own cluster on 127.0.0.110+; waits poll with deadlines.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringcore/token.h"
#include "storage.h"
#include "support/cluster_checks.h"

using namespace std::chrono_literals;
using namespace test_support;

TEST_CASE(
    "decommission is refused with Cassandra's message when fewer nodes than RF would remain, and changes nothing") {
  TestCluster cluster("h6_refuse", 110, 3);
  start_nodes(cluster, 3);
  cluster.create_keyspace("ks_rf3", 3);

  const auto reply = cluster.api(2, "POST", "/v1/operations/decommission", Json{{"force", false}}.dump());
  CHECK(reply.status == 409);
  CHECK(reply.body["error"]["code"] == "conflict");
  CHECK(reply.body["error"]["message"] ==
        "Not enough live nodes to maintain replication factor in keyspace ks_rf3 (RF = 3, N = 3). "
        "Perform a forceful decommission to ignore.");

  CHECK(node_info(cluster, 2)["mode"] == "NORMAL");
  CHECK(node_info(cluster, 2)["state"] == "normal");
  CHECK(cluster.api(2, "GET", "/v1/jobs").body["jobs"].empty());
  const auto ring = cluster.api(0, "GET", "/v1/cluster");
  REQUIRE(ring.body["nodes"].size() == 3);
  for (const Json& node : ring.body["nodes"]) CHECK(node["state"] == "normal");
}

TEST_CASE("a joining node SIGKILLed mid-stream resumes its bootstrap after a restart while the cluster keeps serving") {
  TestCluster cluster("h6_join_kill", 114, 4);
  start_nodes(cluster, 3);
  cluster.create_keyspace("ks", 3);
  // Rows of 400 bytes: the joiner receives about 2.5 MB, well past the throttle's 1 MiB burst
  // (StreamManager), so at 0.1 MiB/s its stream is seen midway for over ten seconds.
  constexpr std::size_t kValueBytes = 400;
  const std::vector<std::string> seeded = Writer::write_rows(cluster, "ks", "seed", 8000, 6, kValueBytes);
  REQUIRE(seeded.size() == 8000);

  Writer writer(cluster, {0, 1, 2}, "ks", "w", 2);
  cluster.start(3, true, "stream_throughput_mib: 0.1\n");
  REQUIRE_MESSAGE(wait_until([&] { return !session_in_progress(cluster, 3, "receiving").is_null(); }, 30s),
                  cluster.api(3, "GET", "/v1/streams").body.dump());
  CHECK(node_info(cluster, 3)["mode"] == "JOINING");
  cluster.process(3).kill_hard();

  REQUIRE(wait_until([&] { return seen_down(cluster, 0, 3); }, 30s));
  CHECK(writes_acknowledged(writer, 200));

  cluster.start(3, true);
  set_throughput(cluster, 3, 0);
  const Json job = cluster.bootstrap_job(3);
  CHECK_MESSAGE(job["state"] == "succeeded", job.dump());
  CHECK(job["result"]["rows_streamed"].get<std::uint64_t>() > 0);
  CHECK(node_info(cluster, 3)["mode"] == "NORMAL");
  cluster.wait_for_ring(0, 4);
  cluster.wait_for_ring(3, 4);
  CHECK(writes_acknowledged(writer, 200));
  writer.stop();

  const std::vector<std::string> acknowledged = writer.acknowledged();
  MESSAGE(acknowledged.size() << " writes acknowledged during the join, " << writer.failures() << " failed");
  check_all_readable(cluster, {3, 0, 1, 2}, "ks", seeded, kValueBytes);
  check_all_readable(cluster, {3, 0, 1, 2}, "ks", acknowledged);
}

TEST_CASE("a decommission whose target is SIGKILLed fails naming it, and a retry after its restart succeeds") {
  TestCluster cluster("h6_leave_kill", 118, 4);
  start_nodes(cluster, 4);
  cluster.create_keyspace("ks", 2);
  // Rows of 400 bytes: node 3 holds about half of them, some 1.8 MB to send at 0.05 MiB/s, more
  // than the limiter's 1 MiB burst, which goes at full speed, so the stream is still sending
  // when the test looks for it (about 15 s). 28,000 short rows were 0.8 MB once streams sent
  // rows in binary pages: the whole decommission ended before the test saw it midway.
  constexpr std::size_t kValueBytes = 400;
  const std::vector<std::string> seeded = Writer::write_rows(cluster, "ks", "seed", 8000, 6, kValueBytes);
  REQUIRE(seeded.size() == 8000);

  Writer writer(cluster, {0, 1, 2}, "ks", "w", 2);
  set_throughput(cluster, 3, 0.05);
  const auto started = cluster.api(3, "POST", "/v1/operations/decommission", Json{{"force", false}}.dump());
  REQUIRE_MESSAGE(started.status == 202, started.body.dump());
  const std::string job_id = started.body["id"].get<std::string>();
  Json sending;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        sending = session_in_progress(cluster, 3, "sending");
                        return !sending.is_null();
                      },
                      30s),
                  cluster.api(3, "GET", "/v1/streams").body.dump());
  const std::string peer = sending["peer"].get<std::string>();
  int victim = 0;
  while (cluster.address(victim) != peer) ++victim;
  REQUIRE(victim < 3);
  cluster.process(victim).kill_hard();

  const Json failed = cluster.wait_for_job(3, job_id, 120s);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(failed["error"].get<std::string>().find(peer) != std::string::npos, failed.dump());
  CHECK(node_info(cluster, 3)["mode"] == "DECOMMISSION_FAILED");
  const int observer = victim == 0 ? 1 : 0;
  CHECK(wait_until([&] { return member_seen_by(cluster, observer, cluster.address(3))["state"] == "normal"; }, 30s));
  // RF 2 at QUORUM needs both replicas: only the keys the victim does not hold can be written.
  CHECK(writes_acknowledged(writer, 100));

  cluster.start(victim, false);
  cluster.wait_for_ring(0, 4);
  cluster.wait_for_ring(3, 4);
  set_throughput(cluster, 3, 0);
  const Json retried = cluster.run_operation(3, "decommission", {{"force", false}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  CHECK(node_info(cluster, 3)["mode"] == "DECOMMISSIONED");
  cluster.wait_for_ring(0, 3);
  writer.stop();

  const std::vector<std::string> acknowledged = writer.acknowledged();
  MESSAGE(acknowledged.size() << " writes acknowledged during the decommissions, " << writer.failures() << " failed");
  check_all_readable(cluster, {0, 1, 2}, "ks", seeded, kValueBytes);
  check_all_readable(cluster, {0, 1, 2}, "ks", acknowledged);
}

TEST_CASE("repair restores exactly the rows deleted from one replica, and a second repair streams nothing") {
  TestCluster cluster("h6_repair", 122, 3);
  start_nodes(cluster, 3);
  cluster.create_keyspace("ks", 3);
  const std::vector<std::string> keys = Writer::write_rows(cluster, "ks", "r", 3000);
  REQUIRE(keys.size() == 3000);
  make_replicas_consistent(cluster, "ks");
  REQUIRE(cluster.process(2).terminate(30s) == 0);

  // Delete 40 rows with tokens in (0, 2^62] from node 2's RocksDB, one single-token range each.
  constexpr ringcore::Token kQuarter = ringcore::Token{1} << 62;
  std::vector<std::string> removed_keys;
  std::uint64_t removed_rows = 0;
  {
    auto storage = ringnode::Storage::open(cluster.data_directory(2));
    if (!storage) FAIL(storage.error().message());
    std::uint64_t stored = 0;
    REQUIRE((*storage)->scan("ks", {0, 0}, [&](const ringnode::StoredRow&) {
      ++stored;
      return true;
    }));
    REQUIRE(stored == 3000);
    for (const std::string& key : keys) {
      const ringcore::Token token = ringcore::token_for_key(key);
      if (token <= 0 || token > kQuarter) continue;
      auto removed = (*storage)->remove_range("ks", {token - 1, token});
      REQUIRE(removed);
      removed_rows += removed->rows;
      removed_keys.push_back(key);
      if (removed_keys.size() == 40) break;
    }
  }
  REQUIRE(removed_rows == 40);
  cluster.start(2, false);
  cluster.wait_for_ring(0, 3);
  cluster.wait_for_ring(2, 3);

  // Only (-2^62, 0]: none of the removed rows, nothing to stream.
  const Json ranged = cluster.run_operation(
      0, "repair", {{"keyspace", "ks"}, {"start_token", ringcore::format_token(-kQuarter)}, {"end_token", "0"}}, 120s);
  CHECK_MESSAGE(ranged["state"] == "succeeded", ranged.dump());
  CHECK(ranged["result"]["ranges_checked"].get<std::uint64_t>() >= 1);
  CHECK(ranged["result"]["ranges_differing"] == 0);
  CHECK(ranged["result"]["rows_streamed"] == 0);

  const Json full = cluster.run_operation(0, "repair", {{"keyspace", "ks"}}, 120s);
  CHECK_MESSAGE(full["state"] == "succeeded", full.dump());
  CHECK(full["result"]["rows_streamed"] == removed_rows);
  CHECK(full["result"]["ranges_differing"].get<std::uint64_t>() >= 1);
  CHECK(full["result"]["bytes_streamed"].get<std::uint64_t>() > 0);
  MESSAGE("full repair: " << full["result"].dump());

  for (const std::string& key : removed_keys) {
    const auto copies = cluster.api(0, "GET", "/v1/keyspaces/ks/rows/" + key + "/replicas");
    REQUIRE(copies.status == 200);
    CHECK(copies.body.size() == 3);
    for (const Json& copy : copies.body) CHECK_MESSAGE(copy["found"] == true, key << ": " << copies.body.dump());
  }

  const Json again = cluster.run_operation(0, "repair", {{"keyspace", "ks"}}, 120s);
  CHECK_MESSAGE(again["state"] == "succeeded", again.dump());
  CHECK(again["result"]["rows_streamed"] == 0);
  CHECK(again["result"]["ranges_differing"] == 0);
}

TEST_CASE("removenode of a dead node restores its replicas from the survivors, and refuses live or unknown host ids") {
  TestCluster cluster("h6_removenode", 126, 4);
  start_nodes(cluster, 4);
  cluster.create_keyspace("ks", 3);
  const std::vector<std::string> keys = Writer::write_rows(cluster, "ks", "d", 3000);
  REQUIRE(keys.size() == 3000);
  make_replicas_consistent(cluster, "ks");
  const std::string dead_host = node_info(cluster, 3)["host_id"].get<std::string>();
  const std::string live_host = node_info(cluster, 1)["host_id"].get<std::string>();

  cluster.process(3).kill_hard();
  for (int observer = 0; observer < 3; ++observer) {
    REQUIRE(wait_until([&] { return seen_down(cluster, observer, 3); }, 30s));
  }
  const Json job = cluster.run_operation(0, "removenode", {{"host_id", dead_host}}, 120s);
  CHECK_MESSAGE(job["state"] == "succeeded", job.dump());
  CHECK(job["result"]["rows_streamed"].get<std::uint64_t>() > 0);
  for (int observer = 0; observer < 3; ++observer) cluster.wait_for_ring(observer, 3);

  check_all_readable(cluster, {0, 1, 2}, "ks", keys);
  // Replica count restored: with 3 nodes left and RF 3, every node holds every row.
  for (std::size_t n = 0; n < keys.size(); n += 50) {
    const auto copies = cluster.api(0, "GET", "/v1/keyspaces/ks/rows/" + keys[n] + "/replicas");
    REQUIRE(copies.status == 200);
    CHECK(copies.body.size() == 3);
    for (const Json& copy : copies.body) CHECK_MESSAGE(copy["found"] == true, keys[n] << ": " << copies.body.dump());
  }

  const auto live = cluster.api(0, "POST", "/v1/operations/removenode", Json{{"host_id", live_host}}.dump());
  CHECK(live.status == 409);
  CHECK(live.body["error"]["code"] == "conflict");
  const auto unknown = cluster.api(0, "POST", "/v1/operations/removenode",
                                   Json{{"host_id", "00000000-0000-0000-0000-000000000000"}}.dump());
  CHECK(unknown.status == 404);
  CHECK(unknown.body["error"]["code"] == "not_found");
}
