// Hints across restarts, with real ringnode processes on 127.0.90.1..3 (RF 3):
// - durable: a replica is killed, the coordinator acknowledges QUORUM writes and keeps a hint for
//   each, the coordinator itself is SIGKILLed and restarted before the replica returns, and once
//   it is back every acknowledged write is read from that replica's own copy;
// - kept: a replica restarting never leaves its peers' ring (its new life gossips its tokens and
//   status from the first exchange), so no coordinator routes its rows elsewhere or drops its
//   hints as if it had left.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "support/phase_holds.h"
#include "support/ringnode_cluster.h"
#include "test_hold.h"

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

// Three nodes up (ks at RF 3), replica 3 SIGKILLed and seen down by node 1, then `count` QUORUM
// writes through node 1 ("<prefix><n>"), each acknowledged with a hint kept for replica 3.
std::vector<std::string> writes_hinted_for_killed_replica(TestCluster& cluster, const std::string& prefix, int count) {
  for (int i = 0; i < 3; ++i) cluster.start(i, false);
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  cluster.create_keyspace("ks", 3);
  cluster.process(2).kill_hard();
  REQUIRE(wait_until([&] { return sees_status(cluster, 0, cluster.address(2), "down"); }, 60s, 200ms));
  std::vector<std::string> acknowledged;
  for (int n = 0; n < count; ++n) {
    const std::string key = prefix + std::to_string(n);
    if (Writer::put(cluster, 0, "ks", key)) acknowledged.push_back(key);
  }
  REQUIRE(acknowledged.size() == static_cast<std::size_t>(count));  // QUORUM of 3 with one replica down
  return acknowledged;
}

}  // namespace

TEST_CASE("hints survive a SIGKILLed coordinator and restore every acknowledged write on the returning replica") {
  TestCluster cluster("hints_restart_test", 1, 3, 8, "127.0.90.");
  const std::vector<std::string> acknowledged = writes_hinted_for_killed_replica(cluster, "hinted-", 200);
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

TEST_CASE("a replica restarting stays in every peer's ring, and the hints held for it are delivered, none dropped") {
  test_support::PhaseHolds holds("hints_restart_ring_test");
  TestCluster cluster("hints_restart_ring_test", 1, 3, 8, "127.0.90.");
  const std::vector<std::string> acknowledged = writes_hinted_for_killed_replica(cluster, "kept-", 100);

  // Restarted and held before it joins, its new life gossiping: both peers must see it up, and
  // never without it (a view without it routes its rows to other nodes and drops its hints).
  std::ofstream(holds.file(ringnode::kHoldStartJoining)).close();
  cluster.start(2, false);  // returns once it serves clients, before it joins
  REQUIRE(cluster.process(2).log().find("test hold: start_joining") != std::string::npos);
  int looks = 0, absent = 0;
  const bool up = wait_until(
      [&] {
        bool both = true;
        for (int observer : {0, 1}) {
          const nlohmann::json seen = cluster.seen_by(observer, cluster.address(2));
          ++looks;
          absent += seen.is_null() ? 1 : 0;
          both = both && !seen.is_null() && seen["status"] == "up";
        }
        return both && looks >= 100;  // and a second more of looks, every 10 ms
      },
      60s, 10ms);
  std::filesystem::remove(holds.file(ringnode::kHoldStartJoining));
  MESSAGE("peers' views looked at while it was held: " << looks << ", without it: " << absent);
  CHECK(up);
  CHECK(absent == 0);

  const bool replayed = wait_until([&] { return hint_counts(cluster, 0)["pending"] == 0; }, 90s, 200ms);
  INFO("hints on the coordinator: " << hint_counts(cluster, 0).dump());
  REQUIRE(replayed);
  CHECK(hint_counts(cluster, 0).value("dropped", std::size_t{1}) == 0);
  std::size_t missing = 0;
  for (const std::string& key : acknowledged) {
    const nlohmann::json copy = copy_on(cluster, 2, key);
    missing += copy.is_object() && copy["found"] == true ? 0 : 1;
  }
  CHECK(missing == 0);
}
