// The JSON form of gossip messages: round trips, the documented shape, and refusal of
// malformed input (these parsers face the network and are fuzzed).
#include "ringcore/gossip/message_json.h"

#include <doctest/doctest.h>

#include <string>

#include "ringcore/random.h"

namespace gossip = ringcore::gossip;
using gossip::ApplicationState;
using gossip::EndpointState;
using gossip::GossipMessage;

namespace {

EndpointState state_with_values() {
  EndpointState state(gossip::HeartbeatState{1700000000, 40});
  state.put(ApplicationState::kStatus, {"NORMAL,-42", 7});
  state.put(ApplicationState::kTokens, {"-42,17", 6});
  state.put(ApplicationState::kDc, {"dc \"one\" \xc3\xa9", 2});  // quotes and UTF-8 survive
  return state;
}

std::string error_of(const std::string& text) {
  auto parsed = gossip::parse_message(text);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.error().code() == ringcore::ErrorCode::kInvalidInput);
  return parsed.error().message();
}

}  // namespace

TEST_CASE("every message type survives serialize then parse") {
  const GossipMessage messages[] = {
      gossip::GossipDigestSyn{"Lab Cluster", {{"127.0.0.1", 1700000000, 12}, {"127.0.0.2", 5, 0}}},
      gossip::GossipDigestSyn{"", {}},
      gossip::GossipDigestAck{{{"127.0.0.3", 9, 4}}, {{"127.0.0.2", state_with_values()}}},
      gossip::GossipDigestAck2{{{"127.0.0.2", state_with_values()}, {"127.0.0.4", EndpointState({3, 1})}}},
      gossip::GossipShutdown{state_with_values()},
      gossip::EchoRequest{},
      gossip::EchoResponse{},
  };
  for (const GossipMessage& message : messages) {
    CAPTURE(gossip::message_type_name(message));
    const std::string text = gossip::serialize_message(message);
    auto parsed = gossip::parse_message(text);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
    CHECK(*parsed == message);
  }
}

TEST_CASE("the wire shape is the documented one") {
  auto parsed = gossip::parse_message(R"({"type":"ack2","states":[{"endpoint":"127.0.0.2","generation":1700000000,
      "heartbeat":40,"states":{"STATUS":{"value":"NORMAL,-42","version":7},"DC":{"value":"dc1","version":2}}}],
      "added_by_a_newer_node":true})");
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
  const auto& ack2 = std::get<gossip::GossipDigestAck2>(*parsed);
  REQUIRE(ack2.states.size() == 1);
  CHECK(ack2.states[0].first == "127.0.0.2");
  const EndpointState& state = ack2.states[0].second;
  CHECK(state.heartbeat() == gossip::HeartbeatState{1700000000, 40});
  CHECK(*state.get(ApplicationState::kStatus) == gossip::VersionedValue{"NORMAL,-42", 7});
  CHECK(*state.get(ApplicationState::kDc) == gossip::VersionedValue{"dc1", 2});

  const std::string syn = gossip::serialize_message(gossip::GossipDigestSyn{"c", {{"a", 1, 2}}});
  CHECK(syn == R"({"type":"syn","cluster":"c","digests":[{"endpoint":"a","generation":1,"max_version":2}]})");
  CHECK(gossip::serialize_message(gossip::EchoResponse{}) == R"({"type":"echo_reply"})");
}

TEST_CASE("malformed messages are refused, saying where") {
  CHECK(error_of("").find("not valid JSON") != std::string::npos);
  CHECK(error_of("{\"type\":\"syn\"").find("not valid JSON") != std::string::npos);
  // A number beyond a double's range is the parser's other exception (found by labnode_request_fuzz).
  CHECK(error_of(R"({"type":"syn","cluster":1e99999})") ==
        "gossip message: not valid JSON: number overflow parsing '1e99999'");
  CHECK(error_of("[1]").find("must be an object, not array") != std::string::npos);
  CHECK(error_of("{}").find("missing field 'type'") != std::string::npos);
  CHECK(error_of(R"({"type":7})").find("'type' must be a string, not number") != std::string::npos);
  CHECK(error_of(R"({"type":"gossip"})").find("unknown type 'gossip'") != std::string::npos);
  CHECK(error_of(R"({"type":"syn","digests":[]})") == "gossip syn: missing field 'cluster'");
  CHECK(error_of(R"({"type":"syn","cluster":"c","digests":{}})") ==
        "gossip syn: 'digests' must be an array, not object");
  CHECK(error_of(R"({"type":"syn","cluster":"c","digests":[1]})") ==
        "gossip syn: digests[0]: must be an object, not number");
  CHECK(error_of(R"({"type":"syn","cluster":"c","digests":[{"endpoint":"","generation":1,"max_version":1}]})") ==
        "gossip syn: digests[0] (): 'endpoint' is empty");
  CHECK(error_of(R"({"type":"syn","cluster":"c","digests":[{"endpoint":"a","generation":-1,"max_version":1}]})") ==
        "gossip syn: digests[0] (a): 'generation' must be a non-negative integer, not number");
  CHECK(error_of(R"({"type":"syn","cluster":"c","digests":[{"endpoint":"a","generation":1,"max_version":1.5}]})")
            .find("'max_version' must be a non-negative integer") != std::string::npos);
  CHECK(
      error_of(
          R"({"type":"syn","cluster":"c","digests":[{"endpoint":"a","generation":18446744073709551615,"max_version":1}]})")
          .find("'generation' must be a non-negative integer") != std::string::npos);
  CHECK(error_of(R"({"type":"syn","cluster":"c","digests":[{"endpoint":"a","generation":1,"max_version":1},
                                                           {"endpoint":"a","generation":2,"max_version":1}]})") ==
        "gossip syn: digests[1] (a): endpoint is listed twice");
  CHECK(error_of(R"({"type":"ack","requests":[],"states":[{"endpoint":"b","generation":1,"heartbeat":2,
                     "states":{"LOAD":{"value":5,"version":1}}}]})") ==
        "gossip ack: states[0] (b): states.LOAD: 'value' must be a string, not number");
  CHECK(error_of(R"({"type":"ack","requests":[],"states":[{"endpoint":"b","generation":1,"heartbeat":2,
                     "states":{"WEATHER":{"value":"","version":1}}}]})") ==
        "gossip ack: states[0] (b): unknown application state 'WEATHER'");
  CHECK(error_of(R"({"type":"ack","states":[]})") == "gossip ack: missing field 'requests'");
  CHECK(error_of(R"({"type":"ack2","states":[{"endpoint":"b","heartbeat":2,"states":{}}]})") ==
        "gossip ack2: states[0] (b): missing field 'generation'");
  CHECK(error_of(R"({"type":"shutdown","state":{"generation":1,"heartbeat":"2","states":{}}})") ==
        "gossip shutdown: state: 'heartbeat' must be a non-negative integer, not string");
  CHECK(
      error_of(R"({"type":"ack2","states":[{"endpoint":"b","generation":1,"heartbeat":2,"states":{"STATUS":[]}}]})") ==
      "gossip ack2: states[0] (b): states.STATUS: must be an object, not array");
}

TEST_CASE("every prefix of a valid message is handled without crashing") {
  const std::string text =
      gossip::serialize_message(gossip::GossipDigestAck{{{"127.0.0.3", 9, 4}}, {{"127.0.0.2", state_with_values()}}});
  for (std::size_t length = 0; length < text.size(); ++length) {
    auto parsed = gossip::parse_message(text.substr(0, length));
    CHECK_FALSE(parsed.ok());  // no prefix of one JSON object is a complete one
  }
}

TEST_CASE("randomly damaged messages either parse or are refused, never crash or throw") {
  const std::string text =
      gossip::serialize_message(gossip::GossipDigestAck{{{"127.0.0.3", 9, 4}}, {{"127.0.0.2", state_with_values()}}});
  ringcore::SplitMix64 rng(99);
  const std::string alphabet = "{}[]\":,-0123456789.eE truefalsnul\\xSTATUS";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string damaged = text;
    const std::size_t edits = 1 + rng.next_below(3);
    for (std::size_t e = 0; e < edits; ++e)
      damaged[rng.next_below(damaged.size())] = alphabet[rng.next_below(alphabet.size())];
    auto parsed = gossip::parse_message(damaged);
    if (parsed.ok()) CHECK(gossip::parse_message(gossip::serialize_message(*parsed)).ok());
  }
}
