// Steps the topology operations share (bootstrap, decommission, removenode).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "job_registry.h"

#include "range_streamer.h"
#include "ringcore/error.h"
#include "ringcore/movement.h"

namespace ringnode {

class Node;

// How long peers get to learn a STATUS change before an operation gives up.
inline constexpr std::chrono::seconds kStatusPropagationTimeout(60);

// Once every peer has seen a change, writes they coordinated before may still be in flight to
// the old replicas only; they land or time out within the write timeout. Waiting that long
// before streaming means the streamed ranges include them (Cassandra waits RING_DELAY).
void wait_for_inflight_writes();

// Waits until no live peer gossips another schema version than this node's (the node pulls
// a differing peer's schema every gossip round). Errors (kFailed) after `timeout`.
ringcore::Status wait_for_schema_agreement(Node& node, std::chrono::seconds timeout);

// Plans `change` on the cluster as this node sees it now, streams every move that has a source
// as the stream plan `description` ("Bootstrap", "Unbootstrap", ...), and records the job's
// result {"bytes_streamed", "rows_streamed", "ranges_streamed", "planned_bytes"}. Errors: the
// plan's; kUnavailable when a source or target is down as gossip shows it; the streaming's.
ringcore::Status stream_change(Node& node, const ringcore::TopologyChange& change, const std::string& description,
                               JobHandle& job);

// Epoch milliseconds three days from now: when LEFT and removed entries may be forgotten.
std::int64_t gossip_expiry_ms();

}  // namespace ringnode
