// Durable hints across a coordinator's restart, with real ringnode processes on 127.0.90.1..3
// (RF 3): a replica is killed, the coordinator acknowledges QUORUM writes and keeps a hint for
// each, the coordinator itself is SIGKILLed and restarted before the replica returns, and once
// it is back every acknowledged write is read from that replica's own copy.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "support/ringnode_cluster.h"

namespace {

using namespace std::chrono_literals;
using test_support::TestCluster;
using test_support::wait_until;
using test_support::Writer;

nlohmann::json hint_counts(const TestCluster& cluster, int node) {
  auto reply = cluster.api(node, "GET", "/v1/node");
  return reply.status == 200 ? reply.body.value("hints", nlohmann::json::object()) : nlohmann::json::object();
}

bool sees_status(const TestCluster& cluster, int observer, const std::string& address, const std::string& status) {
  auto reply = cluster.api(observer, "GET", "/v1/cluster");
  if (reply.status != 200) return false;
  for (const auto& node : reply.body["nodes"]) {
    if (node["address"] == address) return node["status"] == status;
  }
  return false;
}

// The replica's own copy of `key` (GET .../replicas asks each replica directly; no repair).
nlohmann::json copy_on(const TestCluster& cluster, int replica, const std::string& key) {
  auto reply = cluster.api(replica, "GET", "/v1/keyspaces/ks/rows/" + ringnet::percent_encode(key) + "/replicas");
  if (reply.status != 200) return nlohmann::json();
  for (const auto& copy : reply.body) {
    if (copy["address"] == cluster.address(replica)) return copy;
  }
  return nlohmann::json();
}

}  // namespace

TEST_CASE("hints survive a SIGKILLed coordinator and restore every acknowledged write on the returning replica") {
  TestCluster cluster("hints_restart_test", 1, 3, 8, "127.0.90.");
  for (int i = 0; i < 3; ++i) cluster.start(i, false);
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  cluster.create_keyspace("ks", 3);

  cluster.process(2).kill_hard();
  REQUIRE(wait_until([&] { return sees_status(cluster, 0, cluster.address(2), "down"); }, 60s, 200ms));

  std::vector<std::string> acknowledged;
  for (int n = 0; n < 200; ++n) {
    const std::string key = "hinted-" + std::to_string(n);
    if (Writer::put(cluster, 0, "ks", key)) acknowledged.push_back(key);
  }
  REQUIRE(acknowledged.size() == 200);  // QUORUM of 3 with one replica down
  CHECK(hint_counts(cluster, 0).value("pending", std::size_t{0}) >= acknowledged.size());

  // The coordinator dies with its hints undelivered, and comes back before the replica does.
  cluster.process(0).kill_hard();
  cluster.start(0, false);
  const nlohmann::json after_restart = hint_counts(cluster, 0);
  INFO("hints after the restart: " << after_restart.dump());
  CHECK(after_restart.value("pending", std::size_t{0}) >= acknowledged.size());
  CHECK(after_restart.value("delivered", std::size_t{1}) == 0);

  cluster.start(2, false);
  const bool replayed = wait_until([&] { return hint_counts(cluster, 0)["pending"] == 0; }, 90s, 200ms);
  INFO("hints on the coordinator: " << hint_counts(cluster, 0).dump());
  REQUIRE(replayed);
  const nlohmann::json replayed_counts = hint_counts(cluster, 0);
  CHECK(replayed_counts.value("delivered", std::size_t{0}) >= acknowledged.size());
  CHECK(replayed_counts.value("dropped", std::size_t{1}) == 0);

  std::size_t lost = 0;
  for (const std::string& key : acknowledged) {
    nlohmann::json copy = copy_on(cluster, 2, key);
    const bool found =
        copy.is_object() && copy["found"] == true && copy["digest"] == ringcore::value_digest(Writer::value_of(key));
    if (!found) {
      ++lost;
      MESSAGE("missing on " << cluster.address(2) << ": " << key << " " << copy.dump());
    }
  }
  MESSAGE("acknowledged writes checked on the returning replica: " << acknowledged.size() << ", lost: " << lost);
  CHECK(lost == 0);
}
