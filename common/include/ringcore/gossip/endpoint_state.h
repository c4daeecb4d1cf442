// What gossip knows about one endpoint: its heartbeat and its versioned application states.
//
// Versions come from one counter per node, shared by the heartbeat and every application
// state (Cassandra's VersionGenerator), so "the newest thing I know about X" is one number:
// max_version(). The generation is the node's start time in epoch seconds; a restarted node
// has a higher generation, and any state of a higher generation replaces the old one whole.
// Within a generation, each value is replaced only by one with a higher version.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ringcore/gossip/application_state.h"

namespace ringcore::gossip {

struct HeartbeatState {
  std::int64_t generation = 0;
  std::int64_t version = 0;

  friend bool operator==(const HeartbeatState&, const HeartbeatState&) = default;
};

struct VersionedValue {
  std::string value;
  std::int64_t version = 0;

  friend bool operator==(const VersionedValue&, const VersionedValue&) = default;
};

class EndpointState {
 public:
  using Entry = std::pair<ApplicationState, VersionedValue>;

  EndpointState() = default;
  explicit EndpointState(HeartbeatState heartbeat) : heartbeat_(heartbeat) {}

  const HeartbeatState& heartbeat() const { return heartbeat_; }
  void set_heartbeat(HeartbeatState heartbeat) { heartbeat_ = heartbeat; }

  // The state's value and version, or nullptr when the endpoint has not published it.
  const VersionedValue* get(ApplicationState state) const;
  // Sets a state, replacing any value it had, whatever the versions.
  void put(ApplicationState state, VersionedValue value);
  // All published states, in enum order.
  const std::vector<Entry>& states() const { return states_; }

  // The highest version among the heartbeat and all states.
  std::int64_t max_version() const { return std::max(heartbeat_.version, max_state_version_); }

  // The part of this state that is newer than `version`: the states with a higher version,
  // and the heartbeat (always included, as the receiver needs the generation; Cassandra does
  // the same and the receiver ignores a heartbeat that is not newer). nullopt when nothing,
  // not even the heartbeat, is newer. Cassandra's getStateForVersionBiggerThan.
  std::optional<EndpointState> newer_than(std::int64_t version) const;

  // Folds in a state of the SAME generation: each application state is taken when its
  // version is higher than ours (or we lack it), the heartbeat when its version is higher.
  // Returns the application states that changed, in enum order.
  // REQUIRES: remote.heartbeat().generation == heartbeat().generation.
  std::vector<ApplicationState> merge_newer(const EndpointState& remote);

  friend bool operator==(const EndpointState&, const EndpointState&) = default;

 private:
  void update_max_state_version();

  HeartbeatState heartbeat_;
  std::vector<Entry> states_;  // sorted by state, at most one entry per state
  // The highest version among states_ (0 without any), kept because gossip asks for it for
  // every endpoint every round, and reading states_ would cost a cache miss each time.
  std::int64_t max_state_version_ = 0;
};

}  // namespace ringcore::gossip
