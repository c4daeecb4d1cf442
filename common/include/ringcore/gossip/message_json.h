// The JSON form of gossip messages, which ringnode sends over HTTP.
//
//   {"type":"syn", "cluster":"Lab", "digests":[{"endpoint":"127.0.0.1","generation":1700000000,"max_version":12}]}
//   {"type":"ack", "requests":[<digest>...], "states":[<endpoint state>...]}
//   {"type":"ack2", "states":[<endpoint state>...]}
//   {"type":"shutdown", "state":{"generation":..,"heartbeat":..,"states":{..}}}
//   {"type":"echo"}   {"type":"echo_reply"}
//
// where an endpoint state is
//   {"endpoint":"127.0.0.2","generation":1700000000,"heartbeat":40,
//    "states":{"STATUS":{"value":"NORMAL,-42","version":7},"DC":{"value":"dc1","version":2}}}
//
// Application states go by their Cassandra names (application_state.h). Fields that are not
// listed here are ignored, so that newer nodes may add some.
#pragma once

#include <string>
#include <string_view>

#include "ringcore/error.h"
#include "ringcore/gossip/messages.h"

namespace ringcore::gossip {

std::string serialize_message(const GossipMessage& message);

// Parses a message from untrusted bytes. Errors (kInvalidInput) say where the problem is,
// e.g. "gossip ack: states[1] (127.0.0.3): states.LOAD: 'version' must be a non-negative
// integer, not string". Rejected: text that is not one JSON object, an unknown "type", a
// missing or mistyped field, an empty endpoint, negative or non-integer generations and
// versions, unknown application state names, and an endpoint listed twice in one list.
// parse_message(serialize_message(m)) == m.
Result<GossipMessage> parse_message(std::string_view json_text);

}  // namespace ringcore::gossip
