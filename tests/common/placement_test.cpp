// Replica placement for SimpleStrategy and NetworkTopologyStrategy, in the server's order.
#include "ringcore/placement.h"

#include <doctest/doctest.h>

#include "support/ring_builder.h"

using ringcore::ReplicaPlacement;
using ringcore::TokenRing;
using test_support::nts;
using test_support::ring_of;
using test_support::simple;

namespace {

std::vector<std::string> replicas(const ringcore::ClusterSnapshot& snapshot, const ringcore::Replication& replication,
                                  ringcore::Token token) {
  const TokenRing ring(snapshot);
  auto placement = ReplicaPlacement::create(ring, replication);
  REQUIRE(placement.ok());
  std::vector<std::string> addresses;
  for (auto node : placement->replicas_for_token(token)) addresses.push_back(snapshot.nodes[node].address);
  return addresses;
}

using Addresses = std::vector<std::string>;

}  // namespace

TEST_CASE("a key belongs to the first ring token at or after it, wrapping past the last") {
  auto snapshot = ring_of({{"a", "dc1", "r1", {-100}}, {"b", "dc1", "r1", {0}}, {"c", "dc1", "r1", {100}}});
  CHECK(replicas(snapshot, simple(1), -100) == Addresses{"a"});
  CHECK(replicas(snapshot, simple(1), -99) == Addresses{"b"});
  CHECK(replicas(snapshot, simple(1), 0) == Addresses{"b"});
  CHECK(replicas(snapshot, simple(1), 101) == Addresses{"a"});
  CHECK(replicas(snapshot, simple(1), ringcore::kMinToken) == Addresses{"a"});
}

TEST_CASE("SimpleStrategy takes the next distinct owners clockwise") {
  auto snapshot = ring_of({{"a", "dc1", "r1", {0, 10}}, {"b", "dc1", "r1", {20}}, {"c", "dc1", "r1", {30}}});
  CHECK(replicas(snapshot, simple(2), 5) == Addresses{"a", "b"});  // skips a's second token
  CHECK(replicas(snapshot, simple(3), 25) == Addresses{"c", "a", "b"});
}

TEST_CASE("rf above the node count places every node once") {
  auto snapshot = ring_of({{"a", "dc1", "r1", {0}}, {"b", "dc1", "r1", {10}}});
  CHECK(replicas(snapshot, simple(5), 3) == Addresses{"b", "a"});
  CHECK(replicas(snapshot, nts({{"dc1", 5}}), 3) == Addresses{"b", "a"});
}

TEST_CASE("a one-node, one-token ring holds everything on that node") {
  auto snapshot = ring_of({{"a", "dc1", "r1", {42}}});
  CHECK(replicas(snapshot, simple(3), ringcore::kMaxToken) == Addresses{"a"});
  CHECK(replicas(snapshot, nts({{"dc1", 3}}), -7) == Addresses{"a"});
}

TEST_CASE("NTS with fewer racks than rf fills the gap with the first repeated-rack nodes met") {
  // Racks A and B, rf 3, ring A1 A2 B1: the server gives [A1, A2, B1] (the driver [A1, B1, A2]).
  auto snapshot = ring_of({{"A1", "dc1", "A", {0}}, {"A2", "dc1", "A", {10}}, {"B1", "dc1", "B", {20}}});
  CHECK(replicas(snapshot, nts({{"dc1", 3}}), -5) == Addresses{"A1", "A2", "B1"});
}

TEST_CASE("NTS with enough racks skips same-rack nodes until every rack has a replica") {
  auto snapshot = ring_of({{"A1", "dc1", "A", {0}},
                           {"A2", "dc1", "A", {10}},
                           {"B1", "dc1", "B", {20}},
                           {"A3", "dc1", "A", {30}},
                           {"C1", "dc1", "C", {40}}});
  CHECK(replicas(snapshot, nts({{"dc1", 3}}), -5) == Addresses{"A1", "B1", "C1"});
  CHECK(replicas(snapshot, nts({{"dc1", 2}}), -5) == Addresses{"A1", "B1"});
}

TEST_CASE("NTS walks all datacenters at once and ignores DCs with rf 0 or absent") {
  auto snapshot = ring_of({{"a1", "dc1", "r1", {0}},
                           {"b1", "dc2", "r1", {10}},
                           {"a2", "dc1", "r1", {20}},
                           {"c1", "dc3", "r1", {30}},
                           {"b2", "dc2", "r1", {40}}});
  CHECK(replicas(snapshot, nts({{"dc1", 1}, {"dc2", 2}}), -5) == Addresses{"a1", "b1", "b2"});
  CHECK(replicas(snapshot, nts({{"dc1", 1}, {"dc2", 0}, {"dc9", 3}}), 5) == Addresses{"a2"});
}

TEST_CASE("joining nodes are outside the ring: they hold no replicas yet") {
  auto snapshot = ring_of(
      {{"a", "dc1", "r1", {0}}, {"j", "dc1", "r1", {5}, ringcore::NodeState::kJoining}, {"b", "dc1", "r1", {10}}});
  CHECK(replicas(snapshot, simple(2), 3) == Addresses{"b", "a"});
  CHECK(replicas(snapshot, nts({{"dc1", 3}}), 3) == Addresses{"b", "a"});
}

TEST_CASE("leaving nodes still hold their replicas") {
  auto snapshot = ring_of({{"a", "dc1", "r1", {0}}, {"l", "dc1", "r1", {5}, ringcore::NodeState::kLeaving}});
  CHECK(replicas(snapshot, simple(1), 3) == Addresses{"l"});
}

TEST_CASE("a ring with no normal node has no replicas") {
  auto snapshot = ring_of({{"j", "dc1", "r1", {5}, ringcore::NodeState::kJoining}});
  CHECK(replicas(snapshot, simple(3), 3).empty());
}

TEST_CASE("LocalStrategy has no ring") {
  auto snapshot = ring_of({{"a", "dc1", "r1", {0}}});
  const TokenRing ring(snapshot);
  auto local = ringcore::parse_replication({{"class", "LocalStrategy"}});
  REQUIRE(local.ok());
  auto placement = ReplicaPlacement::create(ring, *local);
  REQUIRE_FALSE(placement.ok());
  CHECK(placement.error().code() == ringcore::ErrorCode::kUnsupported);
}
