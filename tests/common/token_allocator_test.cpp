// Token allocation: random tokens, and the balanced allocator judged by ringcore's own
// effective ownership (NetworkTopologyStrategy {dc: rf}).
#include "ringcore/token_allocator.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "support/ring_builder.h"

using ringcore::ClusterSnapshot;
using ringcore::kMinToken;
using ringcore::NewNode;
using ringcore::Token;
using test_support::nts;
using test_support::ring_of;

namespace {

// The target for 16 tokens at RF 3; Cassandra's own allocator test allows 1.083.
constexpr double kTarget = 1.05;
constexpr std::uint64_t kSeed = 7;

// The allocators with a SplitMix64 of the given seed, so that every test is repeatable.
ringcore::Result<std::vector<Token>> balanced(const ClusterSnapshot& snapshot, const NewNode& node, int num_tokens,
                                              int rf, std::uint64_t seed) {
  ringcore::SplitMix64 random(seed);
  return ringcore::allocate_balanced_tokens(snapshot, node, num_tokens, rf, random);
}

ringcore::Result<std::vector<Token>> random_tokens_from(int num_tokens, const std::vector<Token>& taken,
                                                        std::uint64_t seed) {
  ringcore::SplitMix64 random(seed);
  return ringcore::random_tokens(num_tokens, taken, random);
}

// Effective ownership of `dc`'s ring members under NTS {dc: rf}, computed by ringcore.
std::vector<double> dc_ownership(const ClusterSnapshot& snapshot, const std::string& dc, int rf,
                                 const std::string& rack = "") {
  const ringcore::TokenRing ring(snapshot);
  auto placement = ringcore::ReplicaPlacement::create(ring, nts({{dc, rf}}));
  REQUIRE(placement.ok());
  const auto owns = ringcore::effective_ownership(*placement);
  std::vector<double> values;
  for (std::size_t i = 0; i < owns.size(); ++i) {
    const auto& node = snapshot.nodes[i];
    if (owns[i] && node.dc == dc && (rack.empty() || node.rack == rack)) values.push_back(*owns[i]);
  }
  return values;
}

double max_over_mean(const std::vector<double>& values) {
  REQUIRE_FALSE(values.empty());
  double sum = 0;
  for (double v : values) sum += v;
  return *std::max_element(values.begin(), values.end()) / (sum / static_cast<double>(values.size()));
}

std::vector<Token> all_tokens(const ClusterSnapshot& snapshot) {
  std::vector<Token> tokens;
  for (const auto& node : snapshot.nodes) tokens.insert(tokens.end(), node.tokens.begin(), node.tokens.end());
  return tokens;
}

// Adds a node with balanced tokens and checks what every allocation must give: the asked
// number of tokens, sorted, never kMinToken, none taken before.
void join(ClusterSnapshot& snapshot, const std::string& dc, const std::string& rack, int rf, int num_tokens = 16) {
  const std::string address =
      "10.0." + std::to_string(snapshot.nodes.size() / 250) + "." + std::to_string(snapshot.nodes.size() % 250 + 1);
  auto tokens = balanced(snapshot, {address, dc, rack}, num_tokens, rf, kSeed);
  REQUIRE_MESSAGE(tokens.ok(), tokens.error().message());
  REQUIRE(tokens->size() == static_cast<std::size_t>(num_tokens));
  CHECK(std::is_sorted(tokens->begin(), tokens->end()));
  CHECK(std::find(tokens->begin(), tokens->end(), kMinToken) == tokens->end());
  std::set<Token> seen(tokens->begin(), tokens->end());
  CHECK(seen.size() == tokens->size());
  for (Token t : all_tokens(snapshot)) CHECK_FALSE(seen.contains(t));

  auto grown = ring_of({{address, dc, rack, *tokens}});
  grown.nodes[0].host_id = "host-" + address;
  snapshot.nodes.push_back(grown.nodes[0]);
}

ClusterSnapshot empty_cluster() { return ring_of({}); }

}  // namespace

TEST_CASE("one rack, RF 3, 16 tokens: every size from 1 to 12 nodes is within 1.05 max/mean") {
  // Up to rf nodes everyone owns 100%; from rf + 1 on, balance is the allocator's doing. No
  // size is exempt: the greedy keeps max/mean near 1.02 at every step.
  ClusterSnapshot snapshot = empty_cluster();
  for (int nodes = 1; nodes <= 12; ++nodes) {
    join(snapshot, "dc1", "r1", 3);
    CAPTURE(nodes);
    CHECK(max_over_mean(dc_ownership(snapshot, "dc1", 3)) <= kTarget);
  }
}

TEST_CASE("the first rf nodes lay out evenly spaced splits: rf x num_tokens equal ranges") {
  ClusterSnapshot snapshot = empty_cluster();
  for (int nodes = 0; nodes < 3; ++nodes) join(snapshot, "dc1", "r1", 3);
  std::vector<Token> tokens = all_tokens(snapshot);
  std::sort(tokens.begin(), tokens.end());
  REQUIRE(tokens.size() == 48);
  const double even = 18446744073709551616.0 / 48;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const Token previous = tokens[i == 0 ? tokens.size() - 1 : i - 1];
    const auto gap = static_cast<std::uint64_t>(tokens[i]) - static_cast<std::uint64_t>(previous);
    CHECK(static_cast<double>(gap) == doctest::Approx(even).epsilon(1e-9));
  }
  // And they interleave: no two neighbours belong to the same node.
  const ringcore::TokenRing ring(snapshot);
  for (std::size_t i = 1; i < ring.size(); ++i) CHECK(ring.owner_at(i) != ring.owner_at(i - 1));
}

TEST_CASE("the same snapshot and generator seed give the same tokens, and the seed rotates the first node") {
  ClusterSnapshot snapshot = empty_cluster();
  for (int nodes = 0; nodes < 5; ++nodes) join(snapshot, "dc1", "r1", 3);
  const NewNode node{"10.9.9.9", "dc1", "r1"};
  auto first = balanced(snapshot, node, 16, 3, 1);
  auto again = balanced(snapshot, node, 16, 3, 1);
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(*first == *again);

  auto seed1 = balanced(empty_cluster(), node, 16, 3, 1);
  auto seed2 = balanced(empty_cluster(), node, 16, 3, 2);
  REQUIRE(seed1.ok());
  REQUIRE(seed2.ok());
  CHECK(*seed1 != *seed2);
}

TEST_CASE("three racks, RF 3: each rack splits its one replica evenly, and equal racks balance the DC") {
  // With as many racks as rf, every range has one replica per rack, so a node owns its rack's
  // 100% divided among the rack's nodes: racks of unequal size cannot be equal, racks of equal
  // size can.
  ClusterSnapshot snapshot = empty_cluster();
  const std::vector<std::string> racks = {"r1", "r2", "r3"};
  for (int nodes = 1; nodes <= 12; ++nodes) {
    join(snapshot, "dc1", racks[(nodes - 1) % 3], 3);
    CAPTURE(nodes);
    for (int r = 0; r < std::min(nodes, 3); ++r)
      CHECK(max_over_mean(dc_ownership(snapshot, "dc1", 3, racks[r])) <= kTarget);
    if (nodes % 3 == 0) CHECK(max_over_mean(dc_ownership(snapshot, "dc1", 3)) <= kTarget);
  }
}

TEST_CASE("two DCs growing side by side are balanced per DC and never share a token") {
  ClusterSnapshot snapshot = empty_cluster();
  for (int round = 1; round <= 8; ++round) {
    join(snapshot, "dc1", "r1", 3);
    join(snapshot, "dc2", "r1", 3);
    CAPTURE(round);
    CHECK(max_over_mean(dc_ownership(snapshot, "dc1", 3)) <= kTarget);
    CHECK(max_over_mean(dc_ownership(snapshot, "dc2", 3)) <= kTarget);
  }
  const std::vector<Token> tokens = all_tokens(snapshot);
  CHECK(std::set<Token>(tokens.begin(), tokens.end()).size() == tokens.size());
}

TEST_CASE("a token another DC holds is not reused: the allocation moves to the next free token") {
  const NewNode node{"10.0.0.1", "dc1", "r1"};
  auto alone = balanced(empty_cluster(), node, 4, 3, kSeed);
  REQUIRE(alone.ok());
  // dc2 takes exactly those tokens, and the one after the first of them.
  std::vector<Token> blocking = *alone;
  blocking.push_back((*alone)[0] + 1);
  std::sort(blocking.begin(), blocking.end());
  auto snapshot = ring_of({{"10.0.1.1", "dc2", "r1", blocking}});
  auto moved = balanced(snapshot, node, 4, 3, kSeed);
  REQUIRE(moved.ok());
  std::vector<Token> expected = *alone;
  for (Token& t : expected) t += 1;
  expected[0] += 1;
  std::sort(expected.begin(), expected.end());
  CHECK(*moved == expected);
}

TEST_CASE("RF 1: raw ownership stays even") {
  ClusterSnapshot snapshot = empty_cluster();
  for (int nodes = 1; nodes <= 10; ++nodes) {
    join(snapshot, "dc1", "r1", 1);
    CAPTURE(nodes);
    CHECK(max_over_mean(dc_ownership(snapshot, "dc1", 1)) <= 1.10);
  }
}

TEST_CASE("fewer racks than rf (but more than one) is refused as Cassandra refuses it") {
  const auto snapshot =
      ring_of({{"10.0.0.1", "dc1", "r1", {-100}}, {"10.0.0.2", "dc1", "r2", {100}}, {"10.0.0.3", "dc1", "r1", {200}}});
  auto refused = balanced(snapshot, {"10.0.0.4", "dc1", "r2"}, 16, 3, kSeed);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(refused.error().message() ==
        "Token allocation failed: the number of racks 2 in datacenter dc1 is lower than its replication factor 3.");

  // A rack the DC does not know yet counts as one rack (the first rf nodes of a new DC may each
  // bring a rack), and RF 2 with two racks is fine.
  CHECK(balanced(snapshot, {"10.0.0.4", "dc1", "r3"}, 16, 3, kSeed).ok());
  CHECK(balanced(snapshot, {"10.0.0.4", "dc1", "r2"}, 16, 2, kSeed).ok());
}

TEST_CASE("num_tokens must be 1..1536 and rf at least 1") {
  const NewNode node{"10.0.0.1", "dc1", "r1"};
  for (int bad : {0, -1, 1537}) {
    CAPTURE(bad);
    auto refused = balanced(empty_cluster(), node, bad, 3, kSeed);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message() == "num_tokens " + std::to_string(bad) + " is out of range (1..1536)");
    auto random = random_tokens_from(bad, {}, kSeed);
    REQUIRE_FALSE(random.ok());
    CHECK(random.error().message() == "num_tokens " + std::to_string(bad) + " is out of range (1..1536)");
  }
  CHECK(balanced(empty_cluster(), node, 1536, 3, kSeed)->size() == 1536);
  CHECK(random_tokens_from(1536, {}, kSeed)->size() == 1536);
  auto no_rf = balanced(empty_cluster(), node, 16, 0, kSeed);
  REQUIRE_FALSE(no_rf.ok());
  CHECK(no_rf.error().message().find("replication factor 0") != std::string::npos);
}

TEST_CASE("a node that already owns tokens cannot allocate, and its own joining entry is ignored") {
  auto snapshot =
      ring_of({{"10.0.0.1", "dc1", "r1", {0}}, {"10.0.0.2", "dc1", "r1", {50}, ringcore::NodeState::kJoining}});
  auto owner = balanced(snapshot, {"10.0.0.1", "dc1", "r1"}, 4, 1, kSeed);
  REQUIRE_FALSE(owner.ok());
  CHECK(owner.error().message() == "node 10.0.0.1 is already in the ring with 1 token(s)");
  auto joining = balanced(snapshot, {"10.0.0.2", "dc1", "r1"}, 4, 1, kSeed);
  REQUIRE(joining.ok());
  CHECK(joining->size() == 4);
}

TEST_CASE("random tokens: sorted, distinct, never kMinToken nor taken, repeatable by seed") {
  auto first = random_tokens_from(256, {}, 11);
  REQUIRE(first.ok());
  CHECK(first->size() == 256);
  CHECK(std::is_sorted(first->begin(), first->end()));
  CHECK(std::set<Token>(first->begin(), first->end()).size() == 256);
  CHECK(std::find(first->begin(), first->end(), kMinToken) == first->end());
  CHECK(*random_tokens_from(256, {}, 11) == *first);

  // With the same seed and its own draws taken, every draw collides and is drawn again.
  auto redrawn = random_tokens_from(256, *first, 11);
  REQUIRE(redrawn.ok());
  CHECK(redrawn->size() == 256);
  for (Token t : *redrawn) CHECK_FALSE(std::binary_search(first->begin(), first->end(), t));
}

TEST_CASE("replicated ownership balance: even ring, and an unknown DC") {
  constexpr Token kQuarter = ringcore::kMaxToken / 2 + 1;
  const auto snapshot = ring_of({{"a", "dc1", "r1", {kMinToken}},
                                 {"b", "dc1", "r1", {kMinToken + kQuarter}},
                                 {"c", "dc1", "r1", {0}},
                                 {"d", "dc1", "r1", {kQuarter}}});
  auto balance = ringcore::replicated_ownership_balance(snapshot, "dc1", 3);
  REQUIRE(balance.ok());
  CHECK(balance->nodes == 4);
  CHECK(balance->mean == doctest::Approx(0.75).epsilon(1e-6));
  CHECK(balance->max_over_mean == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(balance->stddev_over_mean == doctest::Approx(0.0).epsilon(1e-6));
  auto missing = ringcore::replicated_ownership_balance(snapshot, "dc9", 3);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == ringcore::ErrorCode::kNotFound);
}
