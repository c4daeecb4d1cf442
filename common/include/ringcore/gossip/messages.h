// The gossip messages, as plain values. A round is a three-way exchange started by the node
// whose timer fired:
//
//   initiator --Syn(digests of all it knows)--> peer
//   peer --Ack(digests it wants newer data for, states the initiator is behind on)--> initiator
//   initiator --Ack2(the states the peer asked for)--> peer
//
// plus the Echo pair, by which a node checks that a peer it has news of really answers
// before marking it alive, and Shutdown, by which a stopping node tells its live peers.
// message_json.h gives their JSON form; the gossiper neither sends nor receives bytes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ringcore/gossip/endpoint_state.h"

namespace ringcore::gossip {

// "For `endpoint` I know generation `generation` up to version `max_version`." In an Ack,
// "send me everything of `endpoint` newer than `max_version`."
struct GossipDigest {
  std::string endpoint;
  std::int64_t generation = 0;
  std::int64_t max_version = 0;

  friend bool operator==(const GossipDigest&, const GossipDigest&) = default;
};

// An endpoint with (part of) its state.
using EndpointStates = std::vector<std::pair<std::string, EndpointState>>;

struct GossipDigestSyn {
  std::string cluster_name;  // a peer of another cluster ignores the message
  std::vector<GossipDigest> digests;

  friend bool operator==(const GossipDigestSyn&, const GossipDigestSyn&) = default;
};

struct GossipDigestAck {
  std::vector<GossipDigest> requests;
  EndpointStates states;

  friend bool operator==(const GossipDigestAck&, const GossipDigestAck&) = default;
};

struct GossipDigestAck2 {
  EndpointStates states;

  friend bool operator==(const GossipDigestAck2&, const GossipDigestAck2&) = default;
};

// Sent by a node that stops, to every peer it thinks live, with its final state (STATUS
// shutdown,true), as Cassandra 5.0 does (CASSANDRA-18913).
struct GossipShutdown {
  EndpointState state;

  friend bool operator==(const GossipShutdown&, const GossipShutdown&) = default;
};

struct EchoRequest {
  friend bool operator==(const EchoRequest&, const EchoRequest&) = default;
};

struct EchoResponse {
  friend bool operator==(const EchoResponse&, const EchoResponse&) = default;
};

using GossipMessage =
    std::variant<GossipDigestSyn, GossipDigestAck, GossipDigestAck2, GossipShutdown, EchoRequest, EchoResponse>;

// A message the node must deliver to `to` (an endpoint address).
struct Outgoing {
  std::string to;
  GossipMessage message;
};

// "syn", "ack", "ack2", "shutdown", "echo", "echo_reply": the "type" in the JSON form.
const char* message_type_name(const GossipMessage& message);

}  // namespace ringcore::gossip
