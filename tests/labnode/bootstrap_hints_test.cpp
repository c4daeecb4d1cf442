// A bootstrap started while hints are pending, on real ringnode processes on 127.0.91.1..4
// (RF 3): a replica is killed, QUORUM writes are acknowledged by the other two (which hint
// them), the replica comes back and, before its hints are delivered (the replay is throttled to
// 1 KiB/s, Cassandra's hinted_handoff_throttle, so that they are still pending), a fourth node
// bootstraps. Each range is streamed from one replica: streamed from the one that missed the
// writes, the new node would lack them and their hints would go to the old replica only. After
// the join every acknowledged row must be on every replica it belongs to, each replica read
// directly (no read repair).
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "support/cluster_checks.h"

namespace {

using namespace std::chrono_literals;
using test_support::hints_pending;
using test_support::TestCluster;
using test_support::wait_until;
using test_support::Writer;

constexpr int kRows = 300;

bool sees_up(const TestCluster& cluster, int observer, int node) {
  const nlohmann::json member = cluster.seen_by(observer, cluster.address(node));
  return member.is_object() && member["status"] == "up";
}

// The replicas of `key` that do not hold its acknowledged value (asked each directly, through
// node 0), or "only N replicas" when fewer than 3 answer.
std::vector<std::string> replicas_without(const TestCluster& cluster, const std::string& key) {
  const auto reply = cluster.api(0, "GET", "/v1/keyspaces/ks/rows/" + ringnet::percent_encode(key) + "/replicas");
  if (reply.status != 200) return {"no answer: " + reply.body.dump()};
  std::vector<std::string> without;
  for (const nlohmann::json& copy : reply.body) {
    const bool holds = copy["found"] == true && copy["digest"] == ringcore::value_digest(Writer::value_of(key));
    if (!holds) without.push_back(copy["address"].get<std::string>());
  }
  if (reply.body.size() != 3) without.push_back("only " + std::to_string(reply.body.size()) + " replicas");
  return without;
}

}  // namespace

TEST_CASE("a node bootstrapping while hints are pending gets every acknowledged row, on every replica") {
  TestCluster cluster("bootstrap_hints_test", 1, 4, 8, "127.0.91.");
  const std::string throttled = "hinted_handoff_throttle_kib: 1\n";
  for (int i = 0; i < 3; ++i) cluster.start(i, false, throttled);
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  cluster.create_keyspace("ks", 3);

  // Node 2 misses every write: nodes 0 and 1 acknowledge at QUORUM and hint it.
  cluster.process(2).kill_hard();
  REQUIRE(wait_until([&] { return !sees_up(cluster, 0, 2) && !sees_up(cluster, 1, 2); }, 60s, 200ms));
  std::vector<std::string> acknowledged;
  for (int n = 0; n < kRows; ++n) {
    const std::string key = "row-" + std::to_string(n);
    if (Writer::put(cluster, n % 2, "ks", key)) acknowledged.push_back(key);
  }
  REQUIRE(acknowledged.size() == kRows);
  CHECK(hints_pending(cluster, 0) + hints_pending(cluster, 1) >= kRows);

  // Node 2 returns; once it is seen up its hints replay, slowly. Node 3 bootstraps at once.
  cluster.start(2, false, throttled);
  REQUIRE(wait_until([&] { return sees_up(cluster, 0, 2) && sees_up(cluster, 1, 2); }, 60s, 200ms));
  cluster.start(3, true, throttled);
  const nlohmann::json job = cluster.bootstrap_job(3);
  INFO("bootstrap job: " << job.dump());
  REQUIRE(job["state"] == "succeeded");
  // The bootstrap saw the pending hints and waited for them (recorded apart from streaming).
  CHECK(job["result"].value("source_hints_awaited", 0) > 0);
  CHECK(job["result"]["waits"].contains("source_hints_seconds"));

  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  // Hints left (for writes during the join, if any) are delivered before the replicas are read.
  REQUIRE(test_support::hints_delivered(cluster, {0, 1, 2, 3}));

  std::size_t missing = 0;
  for (const std::string& key : acknowledged) {
    const std::vector<std::string> without = replicas_without(cluster, key);
    if (without.empty()) continue;
    ++missing;
    if (missing <= 5) MESSAGE(key << " missing on " << without.front() << " (" << without.size() << " replicas)");
  }
  MESSAGE("acknowledged rows checked on each of their 3 replicas: "
          << acknowledged.size() << ", missing on one or more: " << missing
          << "; hints awaited by the bootstrap: " << job["result"].value("source_hints_awaited", 0) << " in "
          << job["result"]["waits"].value("source_hints_seconds", 0.0) << " s");
  CHECK(missing == 0);
}
