#include "gossip_driver.h"

#include <future>
#include <sstream>

#include "node_identity.h"
#include "ringcore/gossip/gossip_view.h"
#include "ringruntime/log.h"
#include "ringruntime/wait.h"

namespace ringnode {
namespace {

constexpr std::chrono::milliseconds kRoundInterval(1000);
constexpr int kMaxExchangeDepth = 4;  // Syn -> Ack -> Ack2, plus room for echoes
constexpr std::size_t kSenderThreads = 4;

std::string describe(const gossip::GossipEvent& event) {
  switch (event.kind) {
    case gossip::GossipEvent::Kind::kJoin:
      return "gossip: learnt of " + event.endpoint;
    case gossip::GossipEvent::Kind::kRestart:
      return "gossip: " + event.endpoint + " restarted (new generation)";
    case gossip::GossipEvent::Kind::kAlive:
      return "gossip: " + event.endpoint + " is up";
    case gossip::GossipEvent::Kind::kDead:
      return "gossip: " + event.endpoint + " is down";
    case gossip::GossipEvent::Kind::kChange:
      if (event.state == gossip::ApplicationState::kStatus)
        return "gossip: " + event.endpoint + " STATUS " + event.value;
      return "";
  }
  return "";
}

// A second random source for the gossiper: only the round thread draws from it, under the lock.
ringcore::Random& gossip_random() {
  static std::unique_ptr<ringcore::Random> random = entropy_random();
  return *random;
}

}  // namespace

GossipDriver::GossipDriver(gossip::GossiperConfig config,
                           std::vector<std::pair<gossip::ApplicationState, std::string>> local_states,
                           GossipTransport& transport, std::optional<ringruntime::WaitClock> clock)
    : transport_(transport),
      clock_(std::move(clock)),
      gossiper_(std::move(config)),
      senders_(std::make_unique<WorkerPool>(kSenderThreads)) {
  for (auto& [state, value] : local_states) gossiper_.set_local_state(state, std::move(value));
  gossiper_.take_events();
}

GossipDriver::~GossipDriver() { stop(false); }

gossip::GossipTime GossipDriver::now() {
  return std::chrono::duration_cast<gossip::GossipTime>(std::chrono::steady_clock::now().time_since_epoch());
}

void GossipDriver::start(std::function<void()> on_round) {
  on_round_ = std::move(on_round);
  round_thread_ = std::thread([this] { round_loop(); });
}

void GossipDriver::stop(bool announce) {
  {
    std::lock_guard lock(stop_mutex_);
    if (stopping_ && !round_thread_.joinable() && !senders_) return;
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (round_thread_.joinable()) round_thread_.join();
  std::vector<gossip::Outgoing> farewells;
  {
    std::lock_guard lock(mutex_);
    if (announce) farewells = gossiper_.shutdown();
    absorb_events_locked();
  }
  // Tell the live peers in parallel; each attempt is bounded by the transport's timeout.
  std::vector<std::future<void>> pending;
  for (const gossip::Outgoing& message : farewells) {
    pending.push_back(
        std::async(std::launch::async, [this, message] { (void)transport_.exchange(message.to, message.message); }));
  }
  for (auto& future : pending) future.wait();
  if (!farewells.empty())
    ringruntime::log_info("gossip: announced shutdown to " + std::to_string(farewells.size()) + " live peers");
  senders_.reset();
}

void GossipDriver::round_loop() {
  for (;;) {
    {
      std::unique_lock lock(stop_mutex_);
      if (stop_signal_.wait_for(lock, kRoundInterval, [this] { return stopping_; })) return;
    }
    send(apply([](gossip::Gossiper& g) { return g.tick(now(), gossip_random()); }));
    if (on_round_) on_round_();
  }
}

std::vector<gossip::Outgoing> GossipDriver::apply(
    const std::function<std::vector<gossip::Outgoing>(gossip::Gossiper&)>& step) {
  std::lock_guard lock(mutex_);
  std::vector<gossip::Outgoing> out = step(gossiper_);
  absorb_events_locked();
  return out;
}

void GossipDriver::absorb_events_locked() {
  for (const gossip::GossipEvent& event : gossiper_.take_events()) {
    view_stale_ = true;
    if (event.endpoint == gossiper_.self() && event.kind == gossip::GossipEvent::Kind::kChange &&
        event.state != gossip::ApplicationState::kStatus) {
      continue;
    }
    if (std::string line = describe(event); !line.empty()) ringruntime::log_info(line);
  }
}

void GossipDriver::send(std::vector<gossip::Outgoing> messages) {
  if (!senders_) return;
  for (gossip::Outgoing& message : messages) {
    senders_->submit([this, message = std::move(message)] { deliver(message, 0); });
  }
}

void GossipDriver::deliver(const gossip::Outgoing& message, int depth) {
  auto replies = transport_.exchange(message.to, message.message);
  if (!replies) return;  // the failure detector notices peers that stay silent
  for (const gossip::GossipMessage& reply : *replies) {
    std::vector<gossip::Outgoing> out = apply([&](gossip::Gossiper& g) { return g.receive(reply, message.to, now()); });
    std::vector<gossip::Outgoing> others;
    for (gossip::Outgoing& next : out) {
      if (next.to == message.to && depth < kMaxExchangeDepth) {
        deliver(next, depth + 1);
      } else {
        others.push_back(std::move(next));
      }
    }
    send(std::move(others));
  }
}

std::vector<gossip::GossipMessage> GossipDriver::receive(const std::string& from,
                                                         const gossip::GossipMessage& message) {
  std::vector<gossip::Outgoing> out = apply([&](gossip::Gossiper& g) { return g.receive(message, from, now()); });
  std::vector<gossip::GossipMessage> replies;
  std::vector<gossip::Outgoing> others;
  for (gossip::Outgoing& next : out) {
    if (next.to == from) {
      replies.push_back(std::move(next.message));
    } else {
      others.push_back(std::move(next));
    }
  }
  send(std::move(others));
  return replies;
}

gossip::GossipDigestAck2 GossipDriver::all_states() const {
  std::lock_guard lock(mutex_);
  gossip::GossipDigestAck2 ack2;
  for (const auto& [endpoint, state] : gossiper_.endpoint_states()) ack2.states.emplace_back(endpoint, state);
  return ack2;
}

ringruntime::WaitClock GossipDriver::stoppable_clock() {
  return {[] { return std::chrono::steady_clock::now(); },
          [this](std::chrono::milliseconds pause) {
            std::unique_lock lock(stop_mutex_);
            stop_signal_.wait_for(lock, pause, [this] { return stopping_; });
          }};
}

ringcore::Status GossipDriver::learn_from_seeds(const std::vector<std::string>& seeds,
                                                std::chrono::milliseconds timeout) {
  std::vector<std::string> failures;
  bool learnt = false;
  bool stopped = false;
  // After each pause: whether the driver stopped meanwhile (then the wait ends).
  const ringruntime::WaitClock base = clock_ ? *clock_ : stoppable_clock();
  const ringruntime::WaitClock clock{base.now, [&](std::chrono::milliseconds pause) {
                                       base.sleep(pause);
                                       std::lock_guard lock(stop_mutex_);
                                       stopped = stopping_;
                                     }};
  ringruntime::wait_until(
      [&] {
        if (stopped) return true;
        failures.clear();
        for (const std::string& seed : seeds) {
          if (seed == gossiper_.self()) continue;
          auto states = transport_.fetch_states(seed);
          if (!states) {
            failures.push_back(states.error().message());
            continue;
          }
          send(apply([&](gossip::Gossiper& g) { return g.receive(*states, seed, now()); }));
          ringruntime::log_info("gossip: learnt the cluster from seed " + seed + " (" +
                                std::to_string(states->states.size()) + " endpoints)");
          learnt = true;
          return true;
        }
        learnt = failures.empty();  // this node is the only seed
        return learnt;
      },
      timeout, std::chrono::seconds(1), clock);
  if (learnt) return ringcore::Ok{};
  std::ostringstream message;
  message << "could not learn the cluster from the seeds within "
          << std::chrono::duration_cast<std::chrono::seconds>(timeout).count() << " s:";
  for (const std::string& failure : failures) message << " [" << failure << "]";
  return ringcore::Error(ringcore::ErrorCode::kUnavailable, message.str());
}

void GossipDriver::set_local_state(gossip::ApplicationState state, std::string value) {
  apply([&](gossip::Gossiper& g) {
    g.set_local_state(state, std::move(value));
    return std::vector<gossip::Outgoing>{};
  });
}

ringcore::Status GossipDriver::advertise_for(const std::string& endpoint, gossip::ApplicationState state,
                                             std::string value) {
  ringcore::Status status = ringcore::Ok{};
  apply([&](gossip::Gossiper& g) {
    status = g.advertise_for(endpoint, state, std::move(value));
    return std::vector<gossip::Outgoing>{};
  });
  return status;
}

std::shared_ptr<const ClusterView> GossipDriver::view() {
  std::lock_guard lock(mutex_);
  if (view_stale_ || !view_) {
    view_ = std::make_shared<const ClusterView>(gossip::snapshot_nodes(gossiper_));
    view_stale_ = false;
  }
  return view_;
}

void GossipDriver::inspect(const std::function<void(const gossip::Gossiper&, gossip::GossipTime)>& read) const {
  std::lock_guard lock(mutex_);
  read(gossiper_, now());
}

std::vector<std::string> GossipDriver::peers_with_other_schema(const std::string& version) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> peers;
  for (const std::string& endpoint : gossiper_.live_endpoints()) {
    const gossip::EndpointState* state = gossiper_.endpoint_state(endpoint);
    const gossip::VersionedValue* schema = state ? state->get(gossip::ApplicationState::kSchema) : nullptr;
    if (schema != nullptr && schema->value != version) peers.push_back(endpoint);
  }
  return peers;
}

}  // namespace ringnode
