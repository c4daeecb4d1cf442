#include "ringcore/gossip/gossiper.h"

#include <algorithm>
#include <utility>

namespace ringcore::gossip {
namespace {

const std::string& key_of(const std::string& endpoint) { return endpoint; }
template <class V>
const std::string& key_of(const std::pair<std::string, V>& entry) {
  return entry.first;
}

// A uniformly chosen endpoint of an EndpointSet, EndpointMap or vector. REQUIRES: !items.empty().
template <class Container>
const std::string& pick(const Container& items, Random& rng) {
  return key_of(items.at(rng.next_below(items.size())));
}

// Endpoints in these states are not echoed: they are gone, or stopped and will come back
// with a new generation.
bool keeps_down(std::optional<StatusKind> kind) {
  return kind && (is_dead_state(*kind) || *kind == StatusKind::kShutdown);
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;  // C++20 deduces this; clang 14 still needs it said

}  // namespace

std::optional<StatusKind> status_kind_of(const EndpointState& state) {
  const VersionedValue* status = state.get(ApplicationState::kStatus);
  if (status == nullptr) return std::nullopt;
  auto parsed = parse_status_value(status->value);
  if (!parsed) return std::nullopt;
  return parsed->kind;
}

Gossiper::Gossiper(GossiperConfig config) : config_(std::move(config)), detector_(config_.failure_detector) {
  for (const std::string& seed : config_.seeds) {
    if (seed != config_.self) seeds_.push_back(seed);
  }
  std::sort(seeds_.begin(), seeds_.end());
  seeds_.erase(std::unique(seeds_.begin(), seeds_.end()), seeds_.end());
  states_.try_emplace(config_.self, EndpointState(HeartbeatState{config_.generation, 0}));
}

// ---- the round ----

std::vector<Outgoing> Gossiper::tick(GossipTime now, Random& rng) {
  if (!running_) return {};
  expire_echoes(now);
  EndpointState& local = *states_.find(config_.self);
  local.set_heartbeat(HeartbeatState{local.heartbeat().generation, next_version()});

  const GossipDigestSyn syn{config_.cluster_name, digests()};
  std::vector<Outgoing> out;
  bool gossiped_to_seed = false;
  if (!live_.empty()) {
    const std::string& target = pick(live_, rng);
    out.push_back({target, syn});
    gossiped_to_seed = std::binary_search(seeds_.begin(), seeds_.end(), target);
  }
  // Probe the unreachable now and then, so that a node that is back is noticed.
  if (!unreachable_.empty()) {
    const double probability = static_cast<double>(unreachable_.size()) / static_cast<double>(live_.size() + 1);
    if (rng.next_double() < probability) out.push_back({pick(unreachable_, rng), syn});
  }
  // Seeds keep the cluster from splitting into islands that never gossip with each other.
  if (!gossiped_to_seed || live_.size() < seeds_.size()) send_to_seed_maybe(syn, rng, out);
  check_status(now);
  return out;
}

std::vector<GossipDigest> Gossiper::digests() const {
  std::vector<GossipDigest> digests;
  digests.reserve(states_.size());
  for (const auto& [endpoint, state] : states_) {
    digests.push_back(GossipDigest{endpoint, state.heartbeat().generation, state.max_version()});
  }
  return digests;
}

void Gossiper::send_to_seed_maybe(const GossipDigestSyn& syn, Random& rng, std::vector<Outgoing>& out) const {
  if (seeds_.empty()) return;
  if (live_.empty()) {
    out.push_back({pick(seeds_, rng), syn});
    return;
  }
  const double probability =
      static_cast<double>(seeds_.size()) / static_cast<double>(live_.size() + unreachable_.size());
  if (rng.next_double() <= probability) out.push_back({pick(seeds_, rng), syn});
}

void Gossiper::check_status(GossipTime now) {
  for (const auto& [endpoint, state] : states_) {
    if (endpoint == config_.self) continue;
    if (detector_.interpret(endpoint, now) && live_.contains(endpoint)) mark_dead(endpoint, now);
  }
}

void Gossiper::expire_echoes(GossipTime now) {
  echoes_in_flight_.erase_if([&](const auto& entry) { return now - entry.second >= config_.echo_timeout; });
}

// ---- messages ----

std::vector<Outgoing> Gossiper::receive(const GossipMessage& message, const std::string& from, GossipTime now) {
  if (!running_) return {};
  return std::visit(Overloaded{
                        [&](const GossipDigestSyn& syn) { return handle_syn(syn, from); },
                        [&](const GossipDigestAck& ack) { return handle_ack(ack, from, now); },
                        [&](const GossipDigestAck2& ack2) {
                          std::vector<Outgoing> out;
                          apply_states(ack2.states, now, out);
                          return out;
                        },
                        [&](const GossipShutdown& shutdown) { return handle_shutdown(shutdown, from, now); },
                        [&](const EchoRequest&) {
                          return std::vector<Outgoing>{{from, EchoResponse{}}};
                        },
                        [&](const EchoResponse&) {
                          handle_echo_response(from);
                          return std::vector<Outgoing>{};
                        },
                    },
                    message);
}

std::vector<Outgoing> Gossiper::handle_syn(const GossipDigestSyn& syn, const std::string& from) {
  if (syn.cluster_name != config_.cluster_name) return {};
  GossipDigestAck ack;
  std::size_t cursor = 0;
  for (const GossipDigest& digest : syn.digests) examine(digest, ack, cursor);
  return {{from, std::move(ack)}};
}

// Compares a peer's digest with what we know: ask for what it has newer, send what we have
// newer. Endpoints the peer does not list are not offered; the peer learns of them when it
// answers one of our Syns.
void Gossiper::examine(const GossipDigest& digest, GossipDigestAck& ack, std::size_t& cursor) const {
  const EndpointState* known = states_.find(digest.endpoint, cursor);
  if (known == nullptr || digest.generation > known->heartbeat().generation) {
    ack.requests.push_back(GossipDigest{digest.endpoint, digest.generation, 0});  // everything
    return;
  }
  const EndpointState& local = *known;
  const std::int64_t local_max = local.max_version();
  std::int64_t peer_has = digest.max_version;
  if (digest.generation < local.heartbeat().generation) {
    peer_has = -1;  // the peer holds an older life of this endpoint: send all of this one
  } else if (digest.max_version > local_max) {
    ack.requests.push_back(GossipDigest{digest.endpoint, digest.generation, local_max});
    return;
  }
  if (auto delta = local.newer_than(peer_has)) ack.states.emplace_back(digest.endpoint, std::move(*delta));
}

std::vector<Outgoing> Gossiper::handle_ack(const GossipDigestAck& ack, const std::string& from, GossipTime now) {
  std::vector<Outgoing> out;
  apply_states(ack.states, now, out);
  GossipDigestAck2 ack2;
  std::size_t cursor = 0;
  for (const GossipDigest& request : ack.requests) {
    const EndpointState* state = states_.find(request.endpoint, cursor);
    if (state == nullptr) continue;
    if (auto delta = state->newer_than(request.max_version))
      ack2.states.emplace_back(request.endpoint, std::move(*delta));
  }
  out.push_back({from, std::move(ack2)});
  return out;
}

std::vector<Outgoing> Gossiper::handle_shutdown(const GossipShutdown& message, const std::string& from,
                                                GossipTime now) {
  if (!states_.contains(from)) return {};
  std::vector<Outgoing> out;
  Cursors cursors;
  apply_state(from, message.state, now, cursors, out);  // its STATUS shutdown,true marks it down
  return out;
}

void Gossiper::handle_echo_response(const std::string& from) {
  if (!echoes_in_flight_.erase(from)) return;  // not asked, or asked too long ago
  const EndpointState* state = states_.find(from);
  if (state == nullptr || keeps_down(status_kind_of(*state))) return;
  real_mark_alive(from);
}

// ---- applying states ----

void Gossiper::apply_states(const EndpointStates& states, GossipTime now, std::vector<Outgoing>& out) {
  Cursors cursors;
  for (const auto& [endpoint, state] : states) apply_state(endpoint, state, now, cursors, out);
}

void Gossiper::apply_state(const std::string& endpoint, const EndpointState& remote, GossipTime now, Cursors& cursors,
                           std::vector<Outgoing>& out) {
  if (endpoint == config_.self) return;  // nobody knows this node better than itself
  if (remote.heartbeat().generation > config_.generation + kMaxGenerationDrift) return;
  EndpointState* known = states_.find(endpoint, cursors.states);
  if (known == nullptr) {
    detector_.report(endpoint, now);
    major_state_change(endpoint, remote, now, out);
    return;
  }
  EndpointState& local = *known;  // stays valid: major_state_change replaces it in place
  notify_failure_detector(endpoint, local, remote, now);
  if (remote.heartbeat().generation > local.heartbeat().generation) {
    major_state_change(endpoint, remote, now, out);
    return;
  }
  if (remote.heartbeat().generation < local.heartbeat().generation) return;  // an older life
  bool status_changed = false;
  for (ApplicationState changed : local.merge_newer(remote)) {
    events_.push_back({GossipEvent::Kind::kChange, endpoint, changed, local.get(changed)->value});
    status_changed |= changed == ApplicationState::kStatus;
  }
  // A live endpoint was checked when it became live; only a new STATUS can take it down.
  // (Skipping the check keeps the STATUS parse out of the hot path of a large cluster.)
  if (status_changed || !live_.contains(endpoint, cursors.live)) update_liveness(endpoint, now, out);
}

void Gossiper::notify_failure_detector(const std::string& endpoint, const EndpointState& local,
                                       const EndpointState& remote, GossipTime now) {
  if (remote.heartbeat().generation > local.heartbeat().generation) {
    // A restart: intervals measured before it say nothing about the new process.
    if (!live_.contains(endpoint)) detector_.remove(endpoint);
    detector_.report(endpoint, now);
  } else if (remote.heartbeat().generation == local.heartbeat().generation &&
             remote.heartbeat().version > local.max_version()) {
    detector_.report(endpoint, now);
  }
}

void Gossiper::major_state_change(const std::string& endpoint, const EndpointState& remote, GossipTime now,
                                  std::vector<Outgoing>& out) {
  const bool known = states_.contains(endpoint);
  states_.insert_or_assign(endpoint, remote);
  events_.push_back({known ? GossipEvent::Kind::kRestart : GossipEvent::Kind::kJoin, endpoint, std::nullopt, {}});
  echoes_in_flight_.erase(endpoint);  // an echo sent to the previous life will not be answered
  update_liveness(endpoint, now, out);
}

void Gossiper::update_liveness(const std::string& endpoint, GossipTime now, std::vector<Outgoing>& out) {
  if (keeps_down(status_kind_of(*states_.find(endpoint)))) {
    mark_dead(endpoint, now);
  } else if (!live_.contains(endpoint)) {
    mark_alive(endpoint, now, out);
  }
}

// ---- liveness ----

void Gossiper::mark_alive(const std::string& endpoint, GossipTime now, std::vector<Outgoing>& out) {
  if (!echoes_in_flight_.try_emplace(endpoint, now).second) return;  // already asked
  out.push_back({endpoint, EchoRequest{}});
}

void Gossiper::real_mark_alive(const std::string& endpoint) {
  unreachable_.erase(endpoint);
  if (live_.insert(endpoint)) events_.push_back({GossipEvent::Kind::kAlive, endpoint, std::nullopt, {}});
}

void Gossiper::mark_dead(const std::string& endpoint, GossipTime now) {
  live_.erase(endpoint);
  if (unreachable_.try_emplace(endpoint, now).second) {
    events_.push_back({GossipEvent::Kind::kDead, endpoint, std::nullopt, {}});
  }
}

// ---- local state and queries ----

void Gossiper::set_local_state(ApplicationState state, std::string value) {
  states_.find(config_.self)->put(state, VersionedValue{value, next_version()});
  events_.push_back({GossipEvent::Kind::kChange, config_.self, state, std::move(value)});
}

Status Gossiper::advertise_for(const std::string& endpoint, ApplicationState state, std::string value) {
  if (endpoint == config_.self) return Error::invalid_input("advertise_for: use set_local_state for this node");
  EndpointState* known = states_.find(endpoint);
  if (known == nullptr) return Error::not_found("advertise_for: unknown endpoint " + endpoint);
  known->set_heartbeat(HeartbeatState{known->heartbeat().generation + 1, next_version()});
  known->put(state, VersionedValue{value, next_version()});
  events_.push_back({GossipEvent::Kind::kChange, endpoint, state, std::move(value)});
  return Ok{};
}

std::vector<Outgoing> Gossiper::shutdown() {
  if (!running_) return {};
  std::vector<Outgoing> out;
  const EndpointState& local = *states_.find(config_.self);
  const std::optional<StatusKind> kind = status_kind_of(local);
  if (kind && !is_silent_shutdown_state(*kind)) {
    set_local_state(ApplicationState::kStatus, status_shutdown());
    for (const std::string& endpoint : live_) out.push_back({endpoint, GossipShutdown{local}});
  }
  running_ = false;
  return out;
}

std::vector<GossipEvent> Gossiper::take_events() { return std::exchange(events_, {}); }

const EndpointState* Gossiper::endpoint_state(const std::string& endpoint) const { return states_.find(endpoint); }

bool Gossiper::is_alive(const std::string& endpoint) const {
  return endpoint == config_.self ? running_ : live_.contains(endpoint);
}

}  // namespace ringcore::gossip
