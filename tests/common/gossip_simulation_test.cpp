// A hundred gossipers in one process: a state change reaches everyone in O(log N) rounds and a
// crash is noticed by everyone, with no live node ever convicted.
//
// The bound for spreading, 3 * log2(N) + 10 rounds (29 for N = 100): in push-pull gossip with
// one random partner per node and round, news reaches all N nodes in about log2(N) + ln(N)
// rounds (Karp et al. 2000), 11 for N = 100; Cassandra's nodes exchange with at least one live
// peer per round, so the typical case is near that, and the bound leaves room for the tail of
// unlucky seeds without letting a linear spread (100 rounds) pass.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "support/gossip_network.h"

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;

namespace {

constexpr std::size_t kNodes = 100;

// A formed cluster: every node sees every other live, and the failure detectors have samples.
test_support::GossipNetwork formed_cluster(std::uint64_t seed) {
  auto network = test_support::make_cluster(kNodes, 3, seed);
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 100).has_value());
  for (int i = 0; i < 20; ++i) network.run_round();
  return network;
}

}  // namespace

TEST_CASE("a state change reaches all 100 nodes within 3 log2(N) + 10 rounds") {
  const int bound = static_cast<int>(3 * std::log2(kNodes) + 10);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    CAPTURE(seed);
    auto network = formed_cluster(seed);
    for (std::size_t owner : {0u, 42u, 99u}) {  // a seed and two others
      CAPTURE(owner);
      network.node(owner).set_local_state(ApplicationState::kSchema, "schema-" + std::to_string(network.rounds()));
      const auto version =
          network.node(owner).endpoint_state(network.address(owner))->get(ApplicationState::kSchema)->version;
      auto rounds = network.run_until(
          [&] { return test_support::all_know(network, owner, ApplicationState::kSchema, version); }, bound);
      CHECK(rounds.has_value());
    }
  }
}

TEST_CASE("a crashed node is marked down by all 100 nodes, and no live node is") {
  auto network = formed_cluster(7);
  const std::size_t victim = 57;
  network.crash(victim);
  // Conviction after 8 ln 10 mean intervals of silence; a mean is at most the 2 s cap, so at
  // most 37 s after each node's last news of the victim, which lags the crash by no more
  // than the spreading bound.
  const int bound = static_cast<int>(8 * std::numbers::ln10 * 2 + 3 * std::log2(kNodes) + 10);
  bool false_conviction = false;  // any live node marked down by anyone, at any time
  auto rounds = network.run_until(
      [&] {
        for (std::size_t i = 0; i < kNodes; ++i) {
          const auto& down = network.node(i).unreachable_endpoints();
          false_conviction |= down.size() > (down.contains(network.address(victim)) ? 1u : 0u);
        }
        return test_support::all_see_down(network, victim);
      },
      bound);
  REQUIRE(rounds.has_value());
  CHECK_FALSE(false_conviction);
}
