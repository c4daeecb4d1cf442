// The gossip state machine of one node: Cassandra's Gossiper without threads, clocks, sockets
// or global randomness. The node calls tick() once per gossip interval (1 s) and receive()
// for every message that arrives, and delivers the Outgoing messages these return; the
// gossiper never blocks and never sends anything itself. Time and randomness are arguments,
// so a thousand gossipers can be simulated in one process.
//
// Rules, as in Cassandra 4.1/5.0:
// - A round (tick) bumps this node's heartbeat version and sends a Syn with digests of every
//   known endpoint to: a random live endpoint; an unreachable one with probability
//   unreachable / (live + 1); and a random seed when the live target was not a seed or fewer
//   endpoints are live than there are seeds, with probability seeds / (live + unreachable)
//   (always when nothing is live). Then the failure detector judges every endpoint.
// - Syn -> Ack -> Ack2 as in messages.h. A state of a higher generation replaces the old one
//   whole (a restart); within a generation each value with a higher version wins and older
//   or equal ones are ignored. The failure detector hears of an endpoint when a newer
//   heartbeat of it arrives.
// - An endpoint becomes live only after it answers an echo, sent when there is news of an
//   endpoint that is not live (unless its STATUS is a dead state or shutdown). It becomes
//   unreachable when the failure detector convicts it, when it announces its shutdown (or
//   its STATUS says shutdown), or when its STATUS is a dead state (LEFT, removed, ...).
// - Messages of another cluster are ignored, as are generations more than a year ahead of
//   this node's own (a peer with corrupt memory; Cassandra compares with its clock, we with
//   our start time, which is the same thing for nodes that run less than a year).
// Differences from Cassandra: a digest list is sent in address order, not shuffled; a
// shutdown message carries the final state (as in 5.0), and the receiver does not force
// the heartbeat version to the maximum, so the STATUS shutdown,true spreads like any news.
// Not modelled: the shadow round at startup, quarantine and eviction of LEFT/removed
// endpoints after their expiry, fat clients, message size limits.
//
// Not thread-safe: one gossiper belongs to one thread (or one lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ringcore/gossip/endpoint_map.h"
#include "ringcore/gossip/endpoint_state.h"
#include "ringcore/gossip/failure_detector.h"
#include "ringcore/gossip/gossip_event.h"
#include "ringcore/gossip/gossip_status.h"
#include "ringcore/gossip/messages.h"
#include "ringcore/random.h"

namespace ringcore::gossip {

inline constexpr std::int64_t kMaxGenerationDrift = 86400 * 365;  // Cassandra's MAX_GENERATION_DIFFERENCE

struct GossiperConfig {
  std::string self;                // this node's endpoint address. REQUIRES: not empty
  std::vector<std::string> seeds;  // may list this node, which is then ignored as a target
  std::string cluster_name;
  std::int64_t generation = 0;  // epoch seconds at start: higher than any earlier run's
  FailureDetectorConfig failure_detector;
  GossipTime echo_timeout{10000};  // an unanswered echo may be sent again after this
};

class Gossiper {
 public:
  explicit Gossiper(GossiperConfig config);

  // One gossip round at `now` (see the rules above). Nothing after shutdown().
  std::vector<Outgoing> tick(GossipTime now, Random& rng);

  // Handles a message that came from `from` (the sender's endpoint address, as the transport
  // knows it: replies go there, and an echo reply or a shutdown is taken to be about it) and
  // returns the replies. Nothing after shutdown().
  std::vector<Outgoing> receive(const GossipMessage& message, const std::string& from, GossipTime now);

  // Publishes a new value of one of this node's states, with the next version.
  void set_local_state(ApplicationState state, std::string value);
  // Publishes `state` for another endpoint on its behalf, as Cassandra's removenode coordinator
  // advertises "removing" and "removed" for a dead node: the endpoint's generation is bumped so
  // that every peer takes the new state over the dead node's own. Errors (kNotFound) for an
  // unknown endpoint, (kInvalidInput) for this node itself.
  Status advertise_for(const std::string& endpoint, ApplicationState state, std::string value);

  // Stops gossiping. A node whose STATUS is not a silent-shutdown state (BOOT, LEFT, ...)
  // first sets STATUS to shutdown,true and tells every live endpoint (the returned messages).
  std::vector<Outgoing> shutdown();

  // The events since the last call, oldest first.
  std::vector<GossipEvent> take_events();

  const std::string& self() const { return config_.self; }
  bool running() const { return running_; }
  // Every known endpoint, this node included.
  const EndpointMap<EndpointState>& endpoint_states() const { return states_; }
  // nullptr for an unknown endpoint.
  const EndpointState* endpoint_state(const std::string& endpoint) const;
  // Endpoints that answered an echo and were not convicted since; never this node.
  const EndpointSet& live_endpoints() const { return live_; }
  // Endpoints marked down, with the time they were.
  const EndpointMap<GossipTime>& unreachable_endpoints() const { return unreachable_; }
  // Whether `endpoint` is live; this node is alive while running. Known endpoints in neither
  // set (learnt of, echo not yet answered) are not alive.
  bool is_alive(const std::string& endpoint) const;
  const FailureDetector& failure_detector() const { return detector_; }

 private:
  std::int64_t next_version() { return ++version_counter_; }
  std::vector<GossipDigest> digests() const;
  void send_to_seed_maybe(const GossipDigestSyn& syn, Random& rng, std::vector<Outgoing>& out) const;
  void check_status(GossipTime now);
  void expire_echoes(GossipTime now);

  // Where the last lookups in states_ and live_ ended: messages list endpoints in order.
  struct Cursors {
    std::size_t states = 0;
    std::size_t live = 0;
  };

  std::vector<Outgoing> handle_syn(const GossipDigestSyn& syn, const std::string& from);
  std::vector<Outgoing> handle_ack(const GossipDigestAck& ack, const std::string& from, GossipTime now);
  std::vector<Outgoing> handle_shutdown(const GossipShutdown& message, const std::string& from, GossipTime now);
  void handle_echo_response(const std::string& from);
  void examine(const GossipDigest& digest, GossipDigestAck& ack, std::size_t& cursor) const;

  void apply_states(const EndpointStates& states, GossipTime now, std::vector<Outgoing>& out);
  void apply_state(const std::string& endpoint, const EndpointState& remote, GossipTime now, Cursors& cursors,
                   std::vector<Outgoing>& out);
  void notify_failure_detector(const std::string& endpoint, const EndpointState& local, const EndpointState& remote,
                               GossipTime now);
  void major_state_change(const std::string& endpoint, const EndpointState& remote, GossipTime now,
                          std::vector<Outgoing>& out);
  void update_liveness(const std::string& endpoint, GossipTime now, std::vector<Outgoing>& out);

  void mark_alive(const std::string& endpoint, GossipTime now, std::vector<Outgoing>& out);
  void real_mark_alive(const std::string& endpoint);
  void mark_dead(const std::string& endpoint, GossipTime now);

  GossiperConfig config_;
  std::vector<std::string> seeds_;  // sorted, without this node
  std::int64_t version_counter_ = 0;
  bool running_ = true;
  EndpointMap<EndpointState> states_;
  EndpointSet live_;
  EndpointMap<GossipTime> unreachable_;
  EndpointMap<GossipTime> echoes_in_flight_;  // endpoint -> when the echo was sent
  FailureDetector detector_;
  std::vector<GossipEvent> events_;
};

// The parsed STATUS of a state; nullopt when it has none or it does not parse.
std::optional<StatusKind> status_kind_of(const EndpointState& state);

}  // namespace ringcore::gossip
