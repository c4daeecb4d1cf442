// Steps the topology operations share (bootstrap, decommission, removenode).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "job_registry.h"

#include "range_streamer.h"
#include "ringcore/error.h"
#include "ringcore/movement.h"

namespace ringnode {

class Node;

// How long peers get to learn a STATUS change before an operation gives up.
inline constexpr std::chrono::seconds kStatusPropagationTimeout(60);

// The fixed waits of a topology operation, each as long as Cassandra's reason for it
// (justified where each is taken), timed so a job's result reports them apart from streaming:
// {"announce_seconds", "schema_seconds", "inflight_writes_seconds", "left_announce_seconds"},
// those the operation took.
class FixedWaits {
 public:
  // Runs `wait` and records how long it took under `name` ("announce" -> "announce_seconds").
  template <class Wait>
  auto timed(const std::string& name, Wait wait) {
    struct Record {
      nlohmann::json& seconds;
      std::string key;
      std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
      ~Record() { seconds[key] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(); }
    } record{seconds_, name + "_seconds"};
    return wait();
  }
  const nlohmann::json& to_json() const { return seconds_; }

 private:
  nlohmann::json seconds_ = nlohmann::json::object();
};

// Once every peer has seen a change, writes they coordinated before may still be in flight to
// the old replicas only; they land or time out within the write timeout. Waiting that long
// before streaming means the streamed ranges include them. Cassandra's bootstrap sleeps
// RING_DELAY (30 s) for the same reason and for gossip to spread; ringnode instead asks every
// peer whether it has seen the status (announce), so only the write timeout remains: 2 s,
// Cassandra's write_request_timeout default and the coordinator's.
inline constexpr std::chrono::seconds kInflightWriteTimeout(2);
void wait_for_inflight_writes();

// Waits until no live peer gossips another schema version than this node's (the node pulls
// a differing peer's schema every gossip round). Errors (kFailed) after `timeout`.
ringcore::Status wait_for_schema_agreement(Node& node, std::chrono::seconds timeout);

// Plans `change` on the cluster as this node sees it now, streams every move that has a source
// as the stream plan `description` ("Bootstrap", "Unbootstrap", ...), and records the job's
// result {"bytes_streamed", "rows_streamed", "ranges_streamed", "files_streamed",
// "planned_bytes", "streaming_seconds", "waits": waits.to_json()}. Errors: the plan's;
// kUnavailable when a source or target is down as gossip shows it; the streaming's.
ringcore::Status stream_change(Node& node, const ringcore::TopologyChange& change, const std::string& description,
                               JobHandle& job, const FixedWaits& waits);

// Epoch milliseconds three days from now: when LEFT and removed entries may be forgotten.
std::int64_t gossip_expiry_ms();

}  // namespace ringnode
