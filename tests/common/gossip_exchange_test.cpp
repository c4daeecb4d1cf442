// The Syn/Ack/Ack2 exchange of the gossiper: what is asked and sent, which versions win, and
// how two, three or a newcomer's worth of gossipers converge.
#include "ringcore/gossip/gossiper.h"

#include <doctest/doctest.h>

#include "support/gossip_network.h"

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;
using gossip::EndpointState;
using gossip::GossipDigest;
using gossip::Gossiper;
using gossip::GossipEvent;
using std::chrono::milliseconds;
using test_support::gossip_config;
using test_support::teach;

namespace {

constexpr std::int64_t kGeneration = 1'700'000'000;

EndpointState state_of(std::int64_t generation, std::int64_t heartbeat,
                       std::initializer_list<std::pair<ApplicationState, gossip::VersionedValue>> values) {
  EndpointState state(gossip::HeartbeatState{generation, heartbeat});
  for (const auto& [key, value] : values) state.put(key, value);
  return state;
}

std::string value_at(const Gossiper& gossiper, const std::string& endpoint, ApplicationState key) {
  const EndpointState* state = gossiper.endpoint_state(endpoint);
  if (state == nullptr || state->get(key) == nullptr) return "<none>";
  return state->get(key)->value;
}

}  // namespace

TEST_CASE("a Syn is answered with requests for what the peer has newer and the states it lacks") {
  Gossiper x(gossip_config("x", {}, 100));
  x.set_local_state(ApplicationState::kDc, "dc1");  // x: heartbeat 0, DC at version 1
  const auto now = milliseconds(0);
  teach(x, "p",
        {{"b", state_of(5, 10, {})}, {"c", state_of(7, 20, {})}, {"d", state_of(9, 4, {})}, {"e", state_of(3, 2, {})}},
        now);

  const gossip::GossipDigestSyn syn{"sim",
                                    {{"new", 3, 9},  // unknown to x: everything, please
                                     {"x", 100, 0},  // the peer is behind on x itself
                                     {"b", 5, 15},   // the peer is ahead on b
                                     {"c", 7, 20},   // both agree on c
                                     {"d", 8, 50},   // the peer holds an older life of d
                                     {"e", 4, 1}}};  // the peer holds a newer life of e
  auto replies = x.receive(syn, "p", now);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].to == "p");
  const auto& ack = std::get<gossip::GossipDigestAck>(replies[0].message);
  CHECK(ack.requests == std::vector<GossipDigest>{{"new", 3, 0}, {"b", 5, 10}, {"e", 4, 0}});
  REQUIRE(ack.states.size() == 2);
  CHECK(ack.states[0].first == "x");
  CHECK(ack.states[0].second.get(ApplicationState::kDc)->value == "dc1");
  CHECK(ack.states[1].first == "d");
  CHECK(ack.states[1].second == *x.endpoint_state("d"));
}

TEST_CASE("an Ack is answered with an Ack2 holding what was asked for") {
  Gossiper x(gossip_config("x", {}, 100));
  x.set_local_state(ApplicationState::kStatus, "NORMAL,1");  // version 1
  x.set_local_state(ApplicationState::kLoad, "5.0");         // version 2
  auto replies = x.receive(gossip::GossipDigestAck{{{"x", 100, 1}, {"unknown", 1, 0}}, {}}, "p", milliseconds(0));
  REQUIRE(replies.size() == 1);
  const auto& ack2 = std::get<gossip::GossipDigestAck2>(replies[0].message);
  REQUIRE(ack2.states.size() == 1);
  CHECK(ack2.states[0].first == "x");
  CHECK(ack2.states[0].second.states().size() == 1);  // LOAD only: the peer has version 1
  CHECK(ack2.states[0].second.get(ApplicationState::kLoad)->value == "5.0");
}

TEST_CASE("newer versions win and older ones are ignored") {
  Gossiper x(gossip_config("x", {}));
  const auto now = milliseconds(0);
  teach(x, "p",
        {{"b", state_of(5, 10, {{ApplicationState::kStatus, {"NORMAL,1", 3}}, {ApplicationState::kLoad, {"1.0", 8}}})}},
        now);
  x.take_events();

  teach(
      x, "p",
      {{"b", state_of(5, 12, {{ApplicationState::kStatus, {"LEAVING,1", 11}}, {ApplicationState::kLoad, {"0.5", 7}}})}},
      now);
  CHECK(value_at(x, "b", ApplicationState::kStatus) == "LEAVING,1");
  CHECK(value_at(x, "b", ApplicationState::kLoad) == "1.0");
  CHECK(x.endpoint_state("b")->heartbeat().version == 12);
  CHECK(x.take_events() ==
        std::vector<GossipEvent>{{GossipEvent::Kind::kChange, "b", ApplicationState::kStatus, "LEAVING,1"}});

  teach(x, "p", {{"b", state_of(5, 9, {{ApplicationState::kStatus, {"NORMAL,1", 3}}})}}, now);
  CHECK(value_at(x, "b", ApplicationState::kStatus) == "LEAVING,1");
  CHECK(x.endpoint_state("b")->heartbeat().version == 12);
  CHECK(x.take_events().empty());
}

TEST_CASE("a restart (higher generation) replaces the old state whole, and the old life is then ignored") {
  Gossiper x(gossip_config("x", {}));
  const auto now = milliseconds(0);
  teach(x, "p",
        {{"b", state_of(5, 10, {{ApplicationState::kStatus, {"NORMAL,1", 3}}, {ApplicationState::kLoad, {"1.0", 8}}})}},
        now);
  x.take_events();

  teach(x, "p", {{"b", state_of(6, 1, {{ApplicationState::kStatus, {"NORMAL,2", 1}}})}}, now);
  CHECK(x.endpoint_state("b")->heartbeat() == gossip::HeartbeatState{6, 1});
  CHECK(value_at(x, "b", ApplicationState::kStatus) == "NORMAL,2");
  CHECK(value_at(x, "b", ApplicationState::kLoad) == "<none>");
  CHECK(x.take_events().front() == GossipEvent{GossipEvent::Kind::kRestart, "b", std::nullopt, ""});

  teach(x, "p", {{"b", state_of(5, 99, {{ApplicationState::kStatus, {"LEAVING,1", 98}}})}}, now);
  CHECK(value_at(x, "b", ApplicationState::kStatus) == "NORMAL,2");
}

TEST_CASE("learning an endpoint is a join, and a generation more than a year ahead is not believed") {
  Gossiper x(gossip_config("x", {}, kGeneration));
  const auto now = milliseconds(0);
  teach(x, "p", {{"far", state_of(kGeneration + gossip::kMaxGenerationDrift + 1, 1, {})}}, now);
  CHECK(x.endpoint_state("far") == nullptr);
  teach(x, "p", {{"near", state_of(kGeneration + gossip::kMaxGenerationDrift, 1, {})}}, now);
  REQUIRE(x.endpoint_state("near") != nullptr);
  auto events = x.take_events();
  REQUIRE(events.size() == 2);
  CHECK(events[0] == GossipEvent{GossipEvent::Kind::kJoin, "near", std::nullopt, ""});
  CHECK(events[1] == GossipEvent{GossipEvent::Kind::kAlive, "near", std::nullopt, ""});
}

TEST_CASE("nobody overwrites a node's own state, and another cluster's Syn gets no answer") {
  Gossiper x(gossip_config("x", {}, 100));
  x.set_local_state(ApplicationState::kDc, "dc1");
  teach(x, "p", {{"x", state_of(100, 50, {{ApplicationState::kDc, {"forged", 49}}})}}, milliseconds(0));
  CHECK(value_at(x, "x", ApplicationState::kDc) == "dc1");
  CHECK(x.receive(gossip::GossipDigestSyn{"other cluster", {{"x", 1, 1}}}, "p", milliseconds(0)).empty());
}

TEST_CASE("two gossipers exchange their states") {
  test_support::GossipNetwork network(11);
  const std::size_t a = network.add(gossip_config("a", {"a"}));
  const std::size_t b = network.add(gossip_config("b", {"a"}));
  network.node(a).set_local_state(ApplicationState::kDc, "dc-a");
  network.node(b).set_local_state(ApplicationState::kDc, "dc-b");
  network.node(b).set_local_state(ApplicationState::kRack, "rack-b");

  auto rounds = network.run_until(
      [&] {
        return value_at(network.node(a), "b", ApplicationState::kRack) == "rack-b" &&
               value_at(network.node(b), "a", ApplicationState::kDc) == "dc-a";
      },
      5);
  REQUIRE(rounds.has_value());
  CHECK(*rounds <= 2);  // b's Syn teaches a in round 1; a, now seeing b live, answers in kind
  CHECK(network.node(a).is_alive("b"));
  CHECK(network.node(b).is_alive("a"));
  CHECK(*network.node(a).endpoint_state("b") == *network.node(b).endpoint_state("b"));
}

TEST_CASE("three gossipers converge, and a later change reaches the others") {
  test_support::GossipNetwork network(12);
  for (const char* name : {"a", "b", "c"}) network.add(gossip_config(name, {"a"}));
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 20).has_value());

  network.node(2).set_local_state(ApplicationState::kSchema, "v2");
  const std::int64_t version = network.node(2).endpoint_state("c")->get(ApplicationState::kSchema)->version;
  REQUIRE(
      network.run_until([&] { return test_support::all_know(network, 2, ApplicationState::kSchema, version); }, 20));
  CHECK(value_at(network.node(0), "c", ApplicationState::kSchema) == "v2");
  CHECK(value_at(network.node(1), "c", ApplicationState::kSchema) == "v2");
}

TEST_CASE("a new node that knows only a seed learns every node, and every node learns it") {
  auto network = test_support::make_cluster(20, 2, 13);
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 60).has_value());

  const std::size_t newcomer = network.add(gossip_config("10.9.9.9", {test_support::sim_address(0)}));
  network.node(newcomer).set_local_state(ApplicationState::kStatus, gossip::status_boot(77));
  REQUIRE(network.run_until([&] { return test_support::all_live(network); }, 60).has_value());
  CHECK(network.node(newcomer).endpoint_states().size() == 21);
  CHECK(network.node(newcomer).live_endpoints().size() == 20);
  for (std::size_t i = 0; i < 20; ++i)
    CHECK(value_at(network.node(i), "10.9.9.9", ApplicationState::kStatus) == "BOOT,77");
}
