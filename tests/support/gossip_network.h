// A deterministic in-process network of gossipers, for tests and bench/gossip_convergence.
//
// Time advances in gossip rounds of `interval`. In a round every running node ticks at the
// same `now`, in an order shuffled by the network's seeded generator; then every message of
// the round is delivered at that same `now`, first in, first out, the replies they cause
// included, until none is left. So an exchange (Syn, Ack, Ack2, echoes) completes within its
// round, and news can travel more than one hop in a round when an exchange happens to run
// after another that brought it. Messages to a crashed node are dropped; nothing is lost or
// delayed otherwise.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "ringcore/gossip/gossip_status.h"
#include "ringcore/gossip/gossiper.h"
#include "ringcore/random.h"

namespace test_support {

namespace gossip = ringcore::gossip;

class GossipNetwork {
 public:
  using Counts = std::array<std::size_t, std::variant_size_v<gossip::GossipMessage>>;  // by message index

  explicit GossipNetwork(std::uint64_t seed, gossip::GossipTime interval = std::chrono::milliseconds(1000))
      : rng_(seed), interval_(interval) {}

  // Adds a running node; returns its index.
  std::size_t add(gossip::GossiperConfig config) {
    index_[config.self] = nodes_.size();
    nodes_.push_back(Slot{std::make_unique<gossip::Gossiper>(config), false, config});
    return nodes_.size() - 1;
  }

  std::size_t size() const { return nodes_.size(); }
  gossip::Gossiper& node(std::size_t i) { return *nodes_[i].gossiper; }
  const std::string& address(std::size_t i) const { return nodes_[i].gossiper->self(); }
  std::optional<std::size_t> index_of(const std::string& endpoint) const {
    auto it = index_.find(endpoint);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  bool up(std::size_t i) const { return !nodes_[i].crashed && nodes_[i].gossiper->running(); }
  gossip::GossipTime now() const { return now_; }
  int rounds() const { return rounds_; }
  const Counts& last_round_messages() const { return last_counts_; }

  // Ends the round: the clock moves on by one interval.
  void run_round() {
    last_counts_ = {};
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (up(i)) order.push_back(i);
    }
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng_.next_below(i)]);
    for (std::size_t i : order) enqueue(address(i), nodes_[i].gossiper->tick(now_, rng_));
    deliver_all();
    if (drain_events_) {
      for (auto& slot : nodes_) slot.gossiper->take_events();
    }
    now_ += interval_;
    ++rounds_;
  }

  // Runs rounds until `done()` holds after one, at most `max_rounds`; the number of rounds
  // run, or nullopt when `done` never held.
  std::optional<int> run_until(const std::function<bool()>& done, int max_rounds) {
    for (int round = 1; round <= max_rounds; ++round) {
      run_round();
      if (done()) return round;
    }
    return std::nullopt;
  }

  // Delivers messages a node produced outside a tick (e.g. its shutdown announcement).
  void send(std::size_t from, std::vector<gossip::Outgoing> messages) {
    enqueue(address(from), std::move(messages));
    deliver_all();
  }

  // The node stops without a word: it no longer ticks and messages to it are dropped.
  void crash(std::size_t i) { nodes_[i].crashed = true; }

  // A crashed node resumes where it stopped (same gossiper, same generation), as after a
  // network partition heals or a long pause ends.
  void recover(std::size_t i) { nodes_[i].crashed = false; }

  // The node starts again with a new gossiper: same address and seeds, a higher generation,
  // and only the states `publish` sets.
  void restart(std::size_t i, std::int64_t generation, const std::function<void(gossip::Gossiper&)>& publish) {
    gossip::GossiperConfig config = nodes_[i].config_copy;
    config.generation = generation;
    nodes_[i] = Slot{std::make_unique<gossip::Gossiper>(config), false, config};
    publish(*nodes_[i].gossiper);
  }

  // Whether events are thrown away after each round (the default, which keeps a large
  // simulation's memory flat); tests of events turn it off and drain them themselves.
  void set_drain_events(bool drain) { drain_events_ = drain; }

 private:
  struct Slot {
    std::unique_ptr<gossip::Gossiper> gossiper;
    bool crashed = false;
    gossip::GossiperConfig config_copy;
  };
  struct Envelope {
    std::string from;
    gossip::Outgoing outgoing;
  };

  void enqueue(const std::string& from, std::vector<gossip::Outgoing> messages) {
    for (auto& message : messages) queue_.push_back(Envelope{from, std::move(message)});
  }

  void deliver_all() {
    while (!queue_.empty()) {
      Envelope envelope = std::move(queue_.front());
      queue_.pop_front();
      ++last_counts_[envelope.outgoing.message.index()];
      auto it = index_.find(envelope.outgoing.to);
      if (it == index_.end() || nodes_[it->second].crashed) continue;
      const std::string to = envelope.outgoing.to;
      enqueue(to, nodes_[it->second].gossiper->receive(envelope.outgoing.message, envelope.from, now_));
    }
  }

  ringcore::SplitMix64 rng_;
  gossip::GossipTime interval_;
  gossip::GossipTime now_{0};
  int rounds_ = 0;
  bool drain_events_ = true;
  std::vector<Slot> nodes_;
  std::unordered_map<std::string, std::size_t> index_;
  std::deque<Envelope> queue_;
  Counts last_counts_{};
};

// A gossiper configuration of cluster "sim" with the default failure detector.
inline gossip::GossiperConfig gossip_config(std::string self, std::vector<std::string> seeds,
                                            std::int64_t generation = 1'700'000'000) {
  gossip::GossiperConfig config;
  config.self = std::move(self);
  config.seeds = std::move(seeds);
  config.cluster_name = "sim";
  config.generation = generation;
  return config;
}

// Makes `gossiper` learn `states` as from an Ack2 sent by `from`, and answers the echoes it
// sends (when `answer_echoes`), so that the endpoints become live.
inline void teach(gossip::Gossiper& gossiper, const std::string& from, gossip::EndpointStates states,
                  gossip::GossipTime now, bool answer_echoes = true) {
  for (const gossip::Outgoing& out : gossiper.receive(gossip::GossipDigestAck2{std::move(states)}, from, now)) {
    if (answer_echoes && std::holds_alternative<gossip::EchoRequest>(out.message)) {
      gossiper.receive(gossip::EchoResponse{}, out.to, now);
    }
  }
}

// "10.0.<i / 250>.<i % 250 + 1>": short enough for std::string's inline buffer.
inline std::string sim_address(std::size_t i) {
  return "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
}

// n nodes, the first `seed_count` of them seeds, each knowing only the seeds and publishing
// STATUS NORMAL with one token. (Only STATUS: a thousand nodes each holding a thousand
// states is already a million of them.)
inline GossipNetwork make_cluster(std::size_t n, std::size_t seed_count, std::uint64_t seed) {
  GossipNetwork network(seed);
  std::vector<std::string> seeds;
  for (std::size_t i = 0; i < seed_count && i < n; ++i) seeds.push_back(sim_address(i));
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t index = network.add(gossip_config(sim_address(i), seeds));
    network.node(index).set_local_state(gossip::ApplicationState::kStatus,
                                        gossip::status_normal(static_cast<ringcore::Token>(i) * 1'000'003));
  }
  return network;
}

// Every running node sees every other running node live.
inline bool all_live(GossipNetwork& network) {
  std::size_t up = 0;
  for (std::size_t i = 0; i < network.size(); ++i) up += network.up(i) ? 1 : 0;
  for (std::size_t i = 0; i < network.size(); ++i) {
    if (!network.up(i)) continue;
    std::size_t live = 0;
    for (const std::string& endpoint : network.node(i).live_endpoints()) {
      auto other = network.index_of(endpoint);
      live += other && network.up(*other) ? 1 : 0;
    }
    if (live != up - 1) return false;
  }
  return true;
}

// Every running node other than `owner` holds `state` of `owner` at `version` or newer.
inline bool all_know(GossipNetwork& network, std::size_t owner, gossip::ApplicationState state, std::int64_t version) {
  for (std::size_t i = 0; i < network.size(); ++i) {
    if (i == owner || !network.up(i)) continue;
    const gossip::EndpointState* known = network.node(i).endpoint_state(network.address(owner));
    const gossip::VersionedValue* value = known == nullptr ? nullptr : known->get(state);
    if (value == nullptr || value->version < version) return false;
  }
  return true;
}

// Every running node other than `target` sees `target` not alive.
inline bool all_see_down(GossipNetwork& network, std::size_t target) {
  for (std::size_t i = 0; i < network.size(); ++i) {
    if (i != target && network.up(i) && network.node(i).is_alive(network.address(target))) return false;
  }
  return true;
}

}  // namespace test_support
