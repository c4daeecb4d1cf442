// Operations interrupted at their streaming phase, on real ringnode processes: a repair whose
// receiving replica is SIGKILLed, a repair whose replica hangs (SIGSTOP), and a removenode whose
// coordinator is SIGKILLed. Each must end in a clear state (failed, naming the node, never
// hanging), and a retry once the node is back must complete, with every acknowledged QUORUM
// write still readable and every row on all its replicas. Clusters on 127.0.0.140..152.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringcore/token.h"
#include "storage.h"
#include "support/cluster_checks.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";

// Removes from node i's RocksDB (the node stopped) every row with a token in (min, 0]: about
// half its rows, so that repair has that much to stream back. Returns the keys removed.
std::vector<std::string> remove_lower_half(const TestCluster& cluster, int i, const std::vector<std::string>& keys) {
  auto storage = ringnode::Storage::open(cluster.data_directory(i));
  if (!storage) FAIL(storage.error().message());
  auto removed = (*storage)->remove_range(kKeyspace, {ringcore::kMinToken, 0});
  REQUIRE(removed);
  std::vector<std::string> gone;
  for (const std::string& key : keys) {
    if (ringcore::token_for_key(key) <= 0) gone.push_back(key);
  }
  REQUIRE(removed->rows == gone.size());
  MESSAGE("removed " << removed->rows << " rows (" << removed->bytes << " bytes) from " << cluster.address(i));
  return gone;
}

}  // namespace

TEST_CASE("a repair whose receiving replica is SIGKILLed mid-stream fails naming it, and a retry restores every row") {
  TestCluster cluster("repair_kill", 140, 3);
  const std::vector<std::string> seeded = seed_keyspace(cluster, 3, kKeyspace, 40000);
  REQUIRE(cluster.process(2).terminate(30s) == 0);
  const std::vector<std::string> removed = remove_lower_half(cluster, 2, seeded);
  cluster.start(2, false);
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);

  Writer writer(cluster, {0, 1}, kKeyspace, "w", 1);
  // About 1.3 MB to send back at 0.02 MiB/s after the limiter's 1 MiB burst: several seconds.
  set_throughput(cluster, 0, 0.02);
  const auto started = cluster.api(0, "POST", "/v1/operations/repair", Json{{"keyspace", kKeyspace}}.dump());
  REQUIRE_MESSAGE(started.status == 202, started.body.dump());
  REQUIRE_MESSAGE(wait_until([&] { return !plan_session_moving(cluster, 0, "Repair").is_null(); }, 60s),
                  cluster.api(0, "GET", "/v1/streams").body.dump());
  cluster.process(2).kill_hard();

  const Json failed = cluster.wait_for_job(0, started.body["id"].get<std::string>(), 120s);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(failed["error"].get<std::string>().find(cluster.address(2)) != std::string::npos, failed.dump());
  CHECK(writes_acknowledged(writer, 100));  // QUORUM of 3 still has two replicas

  cluster.start(2, false);
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  set_throughput(cluster, 0, 0);
  const Json retried = cluster.run_operation(0, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  CHECK(retried["result"]["rows_streamed"].get<std::uint64_t>() > 0);
  writer.stop();

  check_on_every_replica(cluster, 0, kKeyspace, removed, 3);
  check_all_readable(cluster, {0, 1, 2}, kKeyspace, with_acknowledged(seeded, writer));
}

TEST_CASE("a repair whose replica hangs (SIGSTOP) fails naming it rather than waiting, and completes once it resumes") {
  TestCluster cluster("repair_hang", 150, 3);
  const std::vector<std::string> seeded = seed_keyspace(cluster, 3, kKeyspace, 3000);

  Writer writer(cluster, {0, 1}, kKeyspace, "w", 1);
  cluster.process(2).send_signal(SIGSTOP);
  // The validation asked of the hung replica is given up once the failure detector convicts it
  // (as Cassandra fails a repair session), well before the stream timeout (120 s).
  const Json failed = cluster.run_operation(0, "repair", {{"keyspace", kKeyspace}}, 90s);
  CHECK(failed["state"] == "failed");
  CHECK_MESSAGE(failed["error"].get<std::string>().find(cluster.address(2)) != std::string::npos, failed.dump());
  MESSAGE("while hung: " << failed["error"].get<std::string>());
  CHECK(writes_acknowledged(writer, 100));

  cluster.process(2).send_signal(SIGCONT);
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  const Json retried = cluster.run_operation(0, "repair", {{"keyspace", kKeyspace}}, 120s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  writer.stop();

  const std::vector<std::string> keys = with_acknowledged(seeded, writer);
  check_on_every_replica(cluster, 0, kKeyspace, keys, 3);
  check_all_readable(cluster, {0, 1, 2}, kKeyspace, keys);
}

TEST_CASE("a removenode whose coordinator is SIGKILLed mid-stream can be run again once it restarts") {
  TestCluster cluster("removenode_kill", 144, 4);
  const std::vector<std::string> seeded = seed_keyspace(cluster, 4, kKeyspace, 40000);
  const std::string dead_host = node_info(cluster, 3)["host_id"].get<std::string>();
  cluster.process(3).kill_hard();
  for (int observer = 0; observer < 3; ++observer)
    REQUIRE(wait_until([&] { return seen_down(cluster, observer, 3); }, 30s));

  Writer writer(cluster, {1, 2}, kKeyspace, "w", 1);
  set_throughput(cluster, 0, 0.02);  // the coordinator relays every page: several seconds
  const auto started = cluster.api(0, "POST", "/v1/operations/removenode", Json{{"host_id", dead_host}}.dump());
  REQUIRE_MESSAGE(started.status == 202, started.body.dump());
  REQUIRE_MESSAGE(wait_until([&] { return !plan_session_moving(cluster, 0, "Restore replica count").is_null(); }, 60s),
                  cluster.api(0, "GET", "/v1/streams").body.dump());
  cluster.process(0).kill_hard();
  CHECK(writes_acknowledged(writer, 100));

  cluster.start(0, false);
  set_throughput(cluster, 0, 0);
  // The restarted coordinator learns the dead node again from its peers' gossip.
  Json dead;
  REQUIRE(wait_until(
      [&] {
        dead = member_seen_by(cluster, 0, cluster.address(3));
        return dead.is_object();
      },
      30s));
  MESSAGE("after the coordinator's restart it sees the dead node as " << dead["status"] << " " << dead["state"]);
  const Json retried = cluster.run_operation(0, "removenode", {{"host_id", dead_host}}, 180s);
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  for (int observer = 0; observer < 3; ++observer) cluster.wait_for_ring(observer, 3);
  writer.stop();

  const std::vector<std::string> keys = with_acknowledged(seeded, writer);
  check_on_every_replica(cluster, 1, kKeyspace, keys, 3);
  check_all_readable(cluster, {0, 1, 2}, kKeyspace, keys);
}
