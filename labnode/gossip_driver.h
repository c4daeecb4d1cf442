// GossipDriver: runs the ringcore gossiper (common/include/ringcore/gossip/gossiper.h) for a
// live node. The gossiper decides; the driver only keeps time, holds the lock, and moves
// messages:
// - a round thread ticks the gossiper once a second and hands the resulting messages to
//   sender threads;
// - a sender delivers a message to its peer through the GossipTransport and feeds the peer's
//   replies back into the gossiper at once (Syn -> Ack -> Ack2 completes in one go); replies
//   addressed to anyone else are queued;
// - receive() is how the internode API hands over a message that arrived: the replies to the
//   sender go back in the HTTP response, anything else is queued.
// After every step it drains the gossiper's events: it logs membership and liveness changes
// and marks the ClusterView stale, so that view() rebuilds it on next use.
//
// Thread-safety: all public members may be called from any thread. mutex_ guards the
// gossiper, the cached view and its staleness flag; no I/O but a log line happens under it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cluster_view.h"
#include "ringcore/error.h"
#include "ringcore/gossip/gossiper.h"
#include "ringcore/gossip/messages.h"
#include "ringruntime/wait.h"
#include "worker_pool.h"

namespace ringnode {

namespace gossip = ringcore::gossip;

// Carries gossip messages to peers. Implemented over HTTP by InternodeClient.
class GossipTransport {
 public:
  virtual ~GossipTransport() = default;
  // Delivers `message` to `peer` and returns the messages it answers with (to us).
  virtual ringcore::Result<std::vector<gossip::GossipMessage>> exchange(const std::string& peer,
                                                                        const gossip::GossipMessage& message) = 0;
  // Every endpoint state `peer` knows, as an Ack2 (the shadow round of a starting node).
  virtual ringcore::Result<gossip::GossipDigestAck2> fetch_states(const std::string& peer) = 0;
};

class GossipDriver {
 public:
  // `local_states`: this node's application states to publish at once (DC, RACK, HOST_ID...).
  // `clock`: time for learn_from_seeds' retries; none: the steady clock, whose pauses end early
  // when the driver stops (tests pass a fake one).
  GossipDriver(gossip::GossiperConfig config,
               std::vector<std::pair<gossip::ApplicationState, std::string>> local_states, GossipTransport& transport,
               std::optional<ringruntime::WaitClock> clock = std::nullopt);
  ~GossipDriver();  // stop(false)

  // Starts the round thread. `on_round` runs on it after each round (outside the lock).
  void start(std::function<void()> on_round);
  // Stops the threads. With `announce`, first publishes STATUS shutdown,true and tells every
  // live peer (waiting at most ~2 s), as a node that stops gracefully does.
  void stop(bool announce);

  // A message from `from` arrived; returns the replies addressed to `from`.
  std::vector<gossip::GossipMessage> receive(const std::string& from, const gossip::GossipMessage& message);
  // Every known endpoint state, for a starting peer's shadow round.
  gossip::GossipDigestAck2 all_states() const;

  // The shadow round: asks the seeds (other than this node), in turn, for their states until
  // one answers, retrying every second until `timeout`. Errors (kUnavailable) list the seeds
  // and the last failure of each.
  ringcore::Status learn_from_seeds(const std::vector<std::string>& seeds, std::chrono::milliseconds timeout);

  void set_local_state(gossip::ApplicationState state, std::string value);
  // See Gossiper::advertise_for (removenode publishes a dead node's new STATUS).
  ringcore::Status advertise_for(const std::string& endpoint, gossip::ApplicationState state, std::string value);

  // The current view; rebuilt when gossip changed membership, tokens or liveness.
  std::shared_ptr<const ClusterView> view();

  // Runs `read` with the gossiper under the lock (for the admin API). `now` is gossip time.
  void inspect(const std::function<void(const gossip::Gossiper&, gossip::GossipTime now)>& read) const;

  // Live peers whose SCHEMA differs from `version`.
  std::vector<std::string> peers_with_other_schema(const std::string& version) const;

  static gossip::GossipTime now();

 private:
  void round_loop();
  void send(std::vector<gossip::Outgoing> messages);
  void deliver(const gossip::Outgoing& message, int depth);
  std::vector<gossip::Outgoing> apply(const std::function<std::vector<gossip::Outgoing>(gossip::Gossiper&)>& step);
  void absorb_events_locked();
  // The steady clock, a pause ending early when the driver stops.
  ringruntime::WaitClock stoppable_clock();

  GossipTransport& transport_;
  std::optional<ringruntime::WaitClock> clock_;
  mutable std::mutex mutex_;
  gossip::Gossiper gossiper_;                // guarded by mutex_
  std::shared_ptr<const ClusterView> view_;  // guarded by mutex_
  bool view_stale_ = true;                   // guarded by mutex_
  std::function<void()> on_round_;
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;  // guarded by stop_mutex_
  std::thread round_thread_;
  std::unique_ptr<WorkerPool> senders_;
};

}  // namespace ringnode
