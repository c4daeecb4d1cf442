// Who a gossiper talks to each round, and how endpoints become live and unreachable: echoes,
// failure-detector convictions, recovery, dead states and announced shutdowns.
#include "ringcore/gossip/gossiper.h"

#include <doctest/doctest.h>

#include <cmath>
#include <deque>
#include <numbers>
#include <set>

#include "support/gossip_network.h"

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;
using gossip::EndpointState;
using gossip::Gossiper;
using gossip::GossipEvent;
using gossip::Outgoing;
using std::chrono::milliseconds;
using test_support::gossip_config;
using test_support::teach;

namespace {

// Replays chosen draws: an index for next_below, a probability for next_double.
class ScriptedRandom final : public ringcore::Random {
 public:
  ScriptedRandom& index(std::uint64_t i) {
    values_.push_back(i);
    return *this;
  }
  ScriptedRandom& probability(double p) {
    values_.push_back(static_cast<std::uint64_t>(p * 0x1.0p53) << 11);
    return *this;
  }
  std::uint64_t next_u64() override {
    REQUIRE_MESSAGE(!values_.empty(), "the gossiper drew more values than the test scripted");
    const std::uint64_t v = values_.front();
    values_.pop_front();
    return v;
  }
  bool used_up() const { return values_.empty(); }

 private:
  std::deque<std::uint64_t> values_;
};

EndpointState with_status(std::int64_t generation, const std::string& status) {
  EndpointState state(gossip::HeartbeatState{generation, 1});
  state.put(ApplicationState::kStatus, {status, 1});
  return state;
}

std::set<std::string> targets(const std::vector<Outgoing>& out) {
  std::set<std::string> to;
  for (const Outgoing& o : out) {
    CHECK(std::holds_alternative<gossip::GossipDigestSyn>(o.message));
    to.insert(o.to);
  }
  return to;
}

}  // namespace

TEST_CASE("alone, a node gossips to a seed, and a seed alone with no other seed stays quiet") {
  Gossiper node(gossip_config("n", {"s1", "s2", "n"}));
  ScriptedRandom rng;
  rng.index(1);
  CHECK(targets(node.tick(milliseconds(0), rng)) == std::set<std::string>{"s2"});
  CHECK(rng.used_up());

  Gossiper seed(gossip_config("s1", {"s1"}));
  CHECK(seed.tick(milliseconds(0), rng).empty());
}

TEST_CASE("targets: a live node, an unreachable one with probability u/(l+1), a seed with probability s/(l+u)") {
  Gossiper node(gossip_config("n", {"s"}));
  const auto now = milliseconds(0);
  teach(node, "p",
        {{"b", with_status(1, "NORMAL,1")},
         {"c", with_status(1, "NORMAL,2")},
         {"d", with_status(1, gossip::status_left(3, 0))}},
        now);
  REQUIRE(node.live_endpoints().items() == std::vector<std::string>{"b", "c"});
  REQUIRE(node.unreachable_endpoints().contains("d"));

  ScriptedRandom rng;
  // live pick -> c; unreachable: 0.3 < 1/3 -> d; seed (c is no seed): 0.7 > 1/3 -> none
  rng.index(1).probability(0.3).index(0).probability(0.7);
  CHECK(targets(node.tick(now, rng)) == std::set<std::string>{"c", "d"});
  // live pick -> b; unreachable: 0.34 > 1/3 -> none; seed: 0.33 <= 1/3 -> s
  rng.index(0).probability(0.34).probability(0.33).index(0);
  CHECK(targets(node.tick(now, rng)) == std::set<std::string>{"b", "s"});
  CHECK(rng.used_up());
}

TEST_CASE("after gossiping to a live seed, no extra seed is chosen once enough nodes are live") {
  Gossiper node(gossip_config("n", {"s"}));
  teach(node, "p", {{"s", with_status(1, "NORMAL,1")}, {"b", with_status(1, "NORMAL,2")}}, milliseconds(0));
  ScriptedRandom rng;
  rng.index(1);  // live = {b, s}: picks s, a seed; 2 live >= 1 seed, no unreachable: nothing else drawn
  CHECK(targets(node.tick(milliseconds(0), rng)) == std::set<std::string>{"s"});
  CHECK(rng.used_up());
}

TEST_CASE("an endpoint is live only once it answers an echo") {
  Gossiper node(gossip_config("n", {}));
  auto out = node.receive(gossip::GossipDigestAck2{{{"b", with_status(1, "NORMAL,1")}}}, "p", milliseconds(0));
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "b");
  CHECK(std::holds_alternative<gossip::EchoRequest>(out[0].message));
  CHECK_FALSE(node.is_alive("b"));
  CHECK_FALSE(node.unreachable_endpoints().contains("b"));

  node.receive(gossip::EchoResponse{}, "c", milliseconds(0));  // nobody asked c
  CHECK_FALSE(node.is_alive("c"));
  node.receive(gossip::EchoResponse{}, "b", milliseconds(0));
  CHECK(node.is_alive("b"));
  // An echo request is always answered.
  auto reply = node.receive(gossip::EchoRequest{}, "z", milliseconds(0));
  REQUIRE(reply.size() == 1);
  CHECK(std::holds_alternative<gossip::EchoResponse>(reply[0].message));
}

TEST_CASE("endpoints in a dead state are marked down, never echoed") {
  Gossiper node(gossip_config("n", {}));
  for (const std::string& status : {gossip::status_left(1, 5), gossip::status_removed("h", 5),
                                    gossip::status_removing("h"), gossip::status_hibernate()}) {
    CAPTURE(status);
    const std::string endpoint = "dead-" + status;
    auto out = node.receive(gossip::GossipDigestAck2{{{endpoint, with_status(1, status)}}}, "p", milliseconds(0));
    CHECK(out.empty());
    CHECK(node.unreachable_endpoints().contains(endpoint));
  }
}

TEST_CASE("a crashed node is convicted when phi passes 8, not a round before, and is up again when it recovers") {
  test_support::GossipNetwork network(21);
  for (const char* name : {"a", "b", "c"}) network.add(gossip_config(name, {"a"}));
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 20).has_value());
  for (int i = 0; i < 30; ++i) network.run_round();  // let the windows fill

  network.crash(2);
  const auto& detector = network.node(0).failure_detector();
  const double limit = 8.0 * std::numbers::ln10;  // silence / mean interval needed: 18.42
  double silence_over_mean = 0;
  for (int round = 0; round < 60 && network.node(0).is_alive("c"); ++round) {
    // a judges c when it ticks, at the start of the round, with the window as it is now
    // (a newer heartbeat of c may still come from b in the first rounds).
    const double mean = *detector.mean_interval("c");
    const gossip::GossipTime silence = network.now() - *detector.last_arrival("c");
    silence_over_mean = static_cast<double>(silence.count()) / mean;
    network.run_round();
    CAPTURE(mean);
    CAPTURE(silence.count());
    CHECK(network.node(0).is_alive("c") == (silence_over_mean <= limit));
  }
  CHECK_FALSE(network.node(0).is_alive("c"));
  CHECK(network.node(0).unreachable_endpoints().contains("c"));
  CHECK(silence_over_mean > limit);

  network.recover(2);  // same generation: its next heartbeat is news, the echo is answered
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 5).has_value());
  CHECK(network.node(0).is_alive("c"));
}

TEST_CASE("a shutdown is announced and marks the node down at once, until it restarts") {
  test_support::GossipNetwork network(31);
  network.set_drain_events(false);
  for (const char* name : {"a", "b", "c"}) {
    const std::size_t i = network.add(gossip_config(name, {"a"}));
    network.node(i).set_local_state(ApplicationState::kStatus, gossip::status_normal(static_cast<ringcore::Token>(i)));
  }
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 20).has_value());
  for (std::size_t i = 0; i < 3; ++i) network.node(i).take_events();

  auto announcements = network.node(2).shutdown();
  CHECK(announcements.size() == 2);
  network.send(2, std::move(announcements));
  for (std::size_t i : {0u, 1u}) {
    CAPTURE(i);
    CHECK_FALSE(network.node(i).is_alive("c"));
    CHECK(network.node(i).endpoint_state("c")->get(ApplicationState::kStatus)->value == "shutdown,true");
    CHECK(network.node(i).take_events() ==
          std::vector<GossipEvent>{{GossipEvent::Kind::kChange, "c", ApplicationState::kStatus, "shutdown,true"},
                                   {GossipEvent::Kind::kDead, "c", std::nullopt, ""}});
  }
  CHECK_FALSE(network.node(2).running());
  ringcore::SplitMix64 rng(1);
  CHECK(network.node(2).tick(network.now(), rng).empty());
  for (int i = 0; i < 40; ++i) network.run_round();
  CHECK_FALSE(network.node(0).is_alive("c"));  // no flapping: nothing is echoed to a shut-down node

  network.restart(2, 1'700'000'100,
                  [](Gossiper& g) { g.set_local_state(ApplicationState::kStatus, gossip::status_normal(2)); });
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 20).has_value());
  CHECK(network.node(0).endpoint_state("c")->heartbeat().generation == 1'700'000'100);
}

TEST_CASE("a node that never joined the ring stops without an announcement") {
  Gossiper node(gossip_config("n", {}));
  teach(node, "p", {{"b", with_status(1, "NORMAL,1")}}, milliseconds(0));
  node.set_local_state(ApplicationState::kStatus, gossip::status_boot(5));
  CHECK(node.shutdown().empty());
  CHECK_FALSE(node.running());
  CHECK_FALSE(node.is_alive("n"));
  CHECK(node.receive(gossip::EchoRequest{}, "b", milliseconds(0)).empty());
}
