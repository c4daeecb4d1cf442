#include "ringcore/gossip/endpoint_state.h"

#include <algorithm>

namespace ringcore::gossip {
namespace {

// A sorted vector rather than a map: a thousand-node simulation holds a million of these, and
// a node publishes fewer than ten states.
auto find_slot(std::vector<EndpointState::Entry>& states, ApplicationState state) {
  return std::lower_bound(states.begin(), states.end(), state,
                          [](const EndpointState::Entry& entry, ApplicationState s) { return entry.first < s; });
}

}  // namespace

const VersionedValue* EndpointState::get(ApplicationState state) const {
  for (const Entry& entry : states_) {
    if (entry.first == state) return &entry.second;
  }
  return nullptr;
}

void EndpointState::put(ApplicationState state, VersionedValue value) {
  auto slot = find_slot(states_, state);
  if (slot != states_.end() && slot->first == state) {
    slot->second = std::move(value);
  } else {
    states_.insert(slot, Entry{state, std::move(value)});
  }
  update_max_state_version();
}

void EndpointState::update_max_state_version() {
  max_state_version_ = 0;
  for (const Entry& entry : states_) max_state_version_ = std::max(max_state_version_, entry.second.version);
}

std::optional<EndpointState> EndpointState::newer_than(std::int64_t version) const {
  EndpointState delta(heartbeat_);
  if (max_state_version_ > version) {  // most often only the heartbeat is news
    for (const Entry& entry : states_) {
      if (entry.second.version > version) delta.states_.push_back(entry);
    }
    delta.update_max_state_version();
  }
  if (heartbeat_.version <= version && delta.states_.empty()) return std::nullopt;
  return delta;
}

std::vector<ApplicationState> EndpointState::merge_newer(const EndpointState& remote) {
  heartbeat_.version = std::max(heartbeat_.version, remote.heartbeat_.version);
  std::vector<ApplicationState> changed;
  for (const Entry& entry : remote.states_) {
    const VersionedValue* local = get(entry.first);
    if (local != nullptr && local->version >= entry.second.version) continue;
    put(entry.first, entry.second);
    changed.push_back(entry.first);
  }
  return changed;
}

}  // namespace ringcore::gossip
