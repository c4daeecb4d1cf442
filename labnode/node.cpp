#include "node.h"

#include <algorithm>
#include <thread>

#include "client_api.h"
#include "internode_api.h"
#include "operations.h"
#include "operations_api.h"
#include "ringcore/gossip/gossip_status.h"
#include "ringcore/token_allocator.h"
#include "ringcore/version.h"
#include "ringnet/listen_address.h"
#include "ringruntime/log.h"
#include "ringruntime/wait.h"
#include "test_hold.h"
#include "topology_steps.h"

namespace ringnode {
namespace {

using ringcore::gossip::ApplicationState;

ringnet::ServerOptions server_options(const NodeConfig& config) {
  ringnet::ServerOptions options;
  options.worker_threads = 16;
  // Room for a value of max_value_bytes and its request around it.
  options.max_body_bytes = 2 * config.max_value_bytes + (1 << 20);
  return options;
}

constexpr std::chrono::milliseconds kInternodeTimeout(2000);
constexpr std::chrono::seconds kSeedWait(30);        // a new node waits this long for a seed
constexpr std::chrono::seconds kSeedWaitForSeed(5);  // a seed may be the first node: it waits less
constexpr int kLoadEveryRounds = 5;
constexpr std::size_t kCoordinatorThreads = 32;

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string join_tokens(const std::vector<ringcore::Token>& tokens) {
  return ringcore::gossip::format_tokens_value(tokens);
}

// Both listening ports (different, as node_config checks) are checked before the node opens its storage or gossips: a
// port taken by another process would otherwise fail the node only after it had announced itself.
ringcore::Status check_ports(const NodeConfig& config) {
  for (auto [key, port] : {std::pair{"storage_port", config.storage_port}, {"native_port", config.native_port}}) {
    auto free = ringnet::check_can_listen(config.listen_address, port);
    if (!free) return free.error().with_context(key);
  }
  return ringcore::Ok{};
}

}  // namespace

std::string release_version() { return std::string("ringnode-") + ringcore::version(); }

const char* node_mode_name(NodeMode mode) {
  switch (mode) {
    case NodeMode::kStarting:
      return "STARTING";
    case NodeMode::kNormal:
      return "NORMAL";
    case NodeMode::kJoining:
      return "JOINING";
    case NodeMode::kLeaving:
      return "LEAVING";
    case NodeMode::kDecommissioned:
      return "DECOMMISSIONED";
    case NodeMode::kJoiningFailed:
      return "JOINING_FAILED";
    case NodeMode::kDecommissionFailed:
      return "DECOMMISSION_FAILED";
  }
  return "STARTING";
}

Node::Node(NodeConfig config) : config_(std::move(config)) {}

Node::~Node() { stop(); }

ringcore::Result<std::unique_ptr<Node>> Node::start(NodeConfig config) {
  if (auto ports = check_ports(config); !ports) return ports.error();
  std::unique_ptr<Node> node(new Node(std::move(config)));
  for (auto step :
       {&Node::open_storage, &Node::start_gossip, &Node::choose_tokens, &Node::serve_clients, &Node::join}) {
    auto done = (node.get()->*step)();
    if (!done) return done.error();
  }
  return node;
}

ringcore::Status Node::open_storage() {
  auto storage = Storage::open(config_.data_directory);
  if (!storage) return storage.error();
  storage_ = std::move(storage).value();
  auto decommissioned = storage_->get_local(kDecommissionedKey);
  if (!decommissioned) return decommissioned.error();
  if (*decommissioned) {
    return ringcore::Error::conflict(
        "this node was decommissioned and will not rejoin the ring; to add it again, "
        "start it with an empty data_directory (" +
        config_.data_directory + ")");
  }
  auto identity = load_identity(*storage_);
  if (!identity) return identity.error();
  if (*identity) {
    identity_ = std::move(**identity);
    ringruntime::log_info("identity: host id " + identity_.host_id + " (restart, " +
                          std::to_string(identity_.tokens.size()) + " tokens kept)");
  } else {
    identity_.host_id = random_uuid(*entropy_random());
    ringruntime::log_info("identity: new host id " + identity_.host_id);
  }
  auto generation = next_generation(*storage_, epoch_seconds());
  if (!generation) return generation.error();
  generation_ = *generation;
  auto schema = SchemaStore::load(*storage_);
  if (!schema) return schema.error();
  schema_ = std::move(schema).value();
  return ringcore::Ok{};
}

ringcore::Status Node::start_gossip() {
  transport_ =
      std::make_unique<ClusterTransport>(config_.listen_address, config_.storage_port, *storage_, kInternodeTimeout);
  ringcore::gossip::GossiperConfig gossip_config;
  gossip_config.self = config_.listen_address;
  gossip_config.seeds = config_.seeds;
  gossip_config.cluster_name = config_.cluster_name;
  gossip_config.generation = generation_;
  gossip_config.failure_detector.phi_convict_threshold = config_.phi_convict_threshold;
  published_load_ = storage_->load_bytes();
  const double initial_load = static_cast<double>(published_load_.load());
  std::vector<std::pair<ApplicationState, std::string>> states = {
      {ApplicationState::kDc, config_.dc},
      {ApplicationState::kRack, config_.rack},
      {ApplicationState::kHostId, identity_.host_id},
      {ApplicationState::kReleaseVersion, release_version()},
      {ApplicationState::kSchema, schema_->version()},
      {ApplicationState::kLoad, ringcore::gossip::format_load_value(initial_load)}};
  // A member restarting gossips its tokens and NORMAL from its first exchange. Its peers replace
  // all they knew of it with what a new life gossips, and a life without a STATUS is in no ring
  // (gossip_view.h): until join() published one, every coordinator would route its ranges' writes
  // to other nodes and drop the hints held for it as for a node that left.
  auto bootstrap = storage_->get_local(kBootstrapKey);
  if (!bootstrap) return bootstrap.error();
  if (*bootstrap && **bootstrap == "completed" && !identity_.tokens.empty()) {
    states.emplace_back(ApplicationState::kTokens, join_tokens(identity_.tokens));
    states.emplace_back(ApplicationState::kStatus, ringcore::gossip::status_normal(identity_.tokens.front()));
  }
  gossip_ = std::make_unique<GossipDriver>(gossip_config, std::move(states), *transport_);
  schema_->on_change(
      [this](const std::string& version) { gossip_->set_local_state(ApplicationState::kSchema, version); });
  transport_->give_up_on_down_peers([this](const std::string& peer) -> std::optional<std::string> {
    const auto view = gossip_->view();
    const auto index = view->find(peer);
    if (!index || view->is_up(*index)) return std::nullopt;
    return peer + " is down (the failure detector convicted it)";
  });
  auto hints = Hints::open(
      *transport_,
      [this](const std::string& endpoint) {
        const auto view = gossip_->view();
        const auto index = view->find(endpoint);
        if (!index) return Hints::Liveness::kGone;
        return view->is_up(*index) ? Hints::Liveness::kUp : Hints::Liveness::kDown;
      },
      storage_.get(),
      HintLimits{std::chrono::seconds(config_.max_hint_window_seconds), config_.max_hints_bytes,
                 config_.hinted_handoff_throttle_kib});
  if (!hints) return hints.error();
  hints_ = std::move(hints).value();
  pool_ = std::make_unique<WorkerPool>(kCoordinatorThreads);
  coordinator_ = std::make_unique<Coordinator>(*transport_, *pool_, kInternodeTimeout, hints_.get());
  streams_ = std::make_unique<StreamManager>(config_.stream_throughput_mib);
  streamer_ = std::make_unique<RangeStreamer>(config_.listen_address, *transport_, *streams_);
  jobs_ = std::make_unique<JobRegistry>();

  internode_server_ = std::make_unique<ringnet::HttpServer>(server_options(config_));
  add_internode_routes(*internode_server_, *this);
  auto listening = internode_server_->start(config_.listen_address, config_.storage_port);
  if (!listening) return listening.error().with_context("storage_port");
  gossip_->start([this] { on_gossip_round(); });
  return ringcore::Ok{};
}

ringcore::Status Node::choose_tokens() {
  const bool restarted = !identity_.tokens.empty();
  if (restarted) {
    if (!config_.initial_tokens.empty() && config_.initial_tokens != identity_.tokens) {
      ringruntime::log_warn(
          "identity: initial_tokens differ from the tokens chosen at first start; keeping the stored ones");
    }
  } else if (!config_.initial_tokens.empty()) {
    identity_.tokens = config_.initial_tokens;
    ringruntime::log_info("tokens: using initial_tokens");
  } else {
    const bool is_seed =
        std::find(config_.seeds.begin(), config_.seeds.end(), config_.listen_address) != config_.seeds.end();
    auto learnt = gossip_->learn_from_seeds(config_.seeds, is_seed ? kSeedWaitForSeed : kSeedWait);
    if (!learnt) {
      if (!is_seed) return learnt.error().with_context("choosing tokens");
      ringruntime::log_info("tokens: no other seed answered; allocating as the first node (" +
                            learnt.error().message() + ")");
    }
    ringcore::ClusterSnapshot view = gossip_->view()->snapshot;
    const std::unique_ptr<ringcore::Random> random = entropy_random();
    ringcore::Result<std::vector<ringcore::Token>> tokens = std::vector<ringcore::Token>{};
    if (config_.token_allocation == TokenAllocation::kBalanced) {
      tokens = ringcore::allocate_balanced_tokens(view, {config_.listen_address, config_.dc, config_.rack},
                                                  config_.num_tokens, config_.allocation_rf, *random);
    } else {
      std::vector<ringcore::Token> taken;
      for (const ringcore::Node& peer : view.nodes) taken.insert(taken.end(), peer.tokens.begin(), peer.tokens.end());
      tokens = ringcore::random_tokens(config_.num_tokens, taken, *random);
    }
    if (!tokens) return tokens.error().with_context("choosing tokens");
    identity_.tokens = std::move(tokens).value();
    ringruntime::log_info(std::string("tokens: allocated ") + std::to_string(identity_.tokens.size()) + " " +
                          (config_.token_allocation == TokenAllocation::kBalanced ? "balanced" : "random") +
                          " tokens over a view of " + std::to_string(view.nodes.size()) + " nodes");
  }
  if (!restarted) {
    auto pending = storage_->put_local(kBootstrapKey, "pending");
    if (!pending) return pending;
  }
  return save_identity(*storage_, identity_);
}

bool Node::must_bootstrap() {
  // A new node records "pending" before it keeps its tokens; no state at all is a data
  // directory from before bootstrap existed, whose node had joined.
  auto state = storage_->get_local(kBootstrapKey);
  if (!state || !*state || **state == "completed") return false;
  const bool is_seed =
      std::find(config_.seeds.begin(), config_.seeds.end(), config_.listen_address) != config_.seeds.end();
  if (!config_.auto_bootstrap || is_seed) return false;
  if (gossip_->view()->snapshot.nodes.empty()) {
    auto learnt = gossip_->learn_from_seeds(config_.seeds, kSeedWait);
    if (!learnt) ringruntime::log_warn("bootstrap: " + learnt.error().message());
  }
  // The view is held for the loop: a range-for over view()->snapshot.nodes would keep only the
  // list, and gossip may publish a new view (freeing the old) while the loop runs.
  const auto view = gossip_->view();
  for (const ringcore::Node& peer : view->snapshot.nodes) {
    if (peer.address != config_.listen_address && peer.state == ringcore::NodeState::kNormal) return true;
  }
  return false;  // the first node of a cluster has nothing to stream
}

ringcore::Status Node::join() {
  hold_for_test(kHoldStartJoining);
  if (must_bootstrap()) {
    mode_ = NodeMode::kJoining;
    auto started = start_bootstrap(*this);
    if (!started) return started.error().with_context("bootstrap");
    ringruntime::log_info("ringnode " + config_.listen_address + " is JOINING: host id " + identity_.host_id + ", " +
                          std::to_string(identity_.tokens.size()) + " tokens; bootstrap job " + started->job.id +
                          "; serving clients on " + config_.listen_address + ":" + std::to_string(config_.native_port));
    return ringcore::Ok{};
  }
  gossip_->set_local_state(ApplicationState::kTokens, join_tokens(identity_.tokens));
  gossip_->set_local_state(ApplicationState::kStatus, ringcore::gossip::status_normal(identity_.tokens.front()));
  auto saved = storage_->put_local(kBootstrapKey, "completed");
  if (!saved) return saved;
  mode_ = NodeMode::kNormal;
  ringruntime::log_info("ringnode " + config_.listen_address + " is NORMAL: host id " + identity_.host_id + ", " +
                        std::to_string(identity_.tokens.size()) + " tokens, generation " + std::to_string(generation_) +
                        "; serving clients on " + config_.listen_address + ":" + std::to_string(config_.native_port));
  return ringcore::Ok{};
}

ringcore::Status Node::serve_clients() {
  client_server_ = std::make_unique<ringnet::HttpServer>(server_options(config_));
  add_client_routes(*client_server_, *this);
  add_operation_routes(*client_server_, *this);
  auto listening = client_server_->start(config_.listen_address, config_.native_port);
  if (!listening) return listening.error().with_context("native_port");
  return ringcore::Ok{};
}

void Node::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (jobs_) jobs_->cancel();
  if (client_server_) client_server_->stop();
  if (hints_ && hints_->pending() > 0)
    ringruntime::log_info("hints: " + std::to_string(hints_->pending()) +
                          " undelivered at stop, kept for the next start");
  if (gossip_) gossip_->stop(/*announce=*/serving_data_.load());
  if (internode_server_) internode_server_->stop();
  pool_.reset();  // finishes queued replica requests (read repairs) first
  if (storage_) ringruntime::log_info("storage: closing " + storage_->directory());
  coordinator_.reset();
  hints_.reset();
  storage_.reset();
}

std::int64_t Node::next_timestamp_us() {
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  std::int64_t last = last_timestamp_us_.load();
  std::int64_t next = 0;
  do {
    next = std::max(now, last + 1);
  } while (!last_timestamp_us_.compare_exchange_weak(last, next));
  return next;
}

ringcore::ClusterSnapshot Node::cluster_snapshot() {
  ringcore::ClusterSnapshot snapshot = gossip_->view()->snapshot;
  snapshot.cluster = config_.cluster_name;
  const Schema schema = schema_->current();
  snapshot.schema_version = schema.version();
  snapshot.keyspaces = schema.snapshot_keyspaces();
  for (ringcore::Node& member : snapshot.nodes) member.storage_port = config_.storage_port;
  return snapshot;
}

ringcore::Status Node::wait_until_peers_see(const std::string& endpoint, const std::string& status_value,
                                            std::chrono::seconds timeout) {
  const auto peers = [&] {
    std::vector<std::string> asked;
    const auto view = gossip_->view();
    for (const ringcore::Node& peer : view->snapshot.nodes) {
      if (peer.address == config_.listen_address || peer.address == endpoint ||
          peer.status != ringcore::NodeStatus::kUp) {
        continue;
      }
      asked.push_back(peer.address);
    }
    return asked;
  };
  const auto sees = [&](const std::string& peer) {
    auto states = transport_->fetch_states(peer);
    if (!states) return false;
    for (const auto& [address, state] : states->states) {
      const ringcore::gossip::VersionedValue* status = state.get(ApplicationState::kStatus);
      if (address == endpoint && status != nullptr && status->value == status_value) return true;
    }
    return false;
  };
  return ringnode::wait_until_peers_see(endpoint, status_value, peers, sees, timeout, ringruntime::real_clock());
}

void Node::stop_serving_data() {
  if (!serving_data_.exchange(false)) return;
  gossip_->stop(/*announce=*/false);
  internode_server_->stop();
}

int Node::push_schema_to_peers() {
  const Schema schema = schema_->current();
  int pushed = 0;
  const auto view = gossip_->view();  // held for the loop (see must_bootstrap)
  for (const ringcore::Node& peer : view->snapshot.nodes) {
    if (peer.address == config_.listen_address || peer.status != ringcore::NodeStatus::kUp) continue;
    auto sent = transport_->push_schema(peer.address, schema);
    if (sent) {
      ++pushed;
    } else {
      ringruntime::log_warn("schema: could not push to " + peer.address + ": " + sent.error().message());
    }
  }
  return pushed;
}

void Node::on_gossip_round() {
  if (auto sample = read_cpu_sample(std::chrono::steady_clock::now())) cpu_.sample(*sample);
  const std::vector<std::string> differing = gossip_->peers_with_other_schema(schema_->version());
  if (!differing.empty()) {
    const std::string& peer = differing[static_cast<std::size_t>(rounds_) % differing.size()];
    auto schema = transport_->fetch_schema(peer);
    if (!schema) {
      ringruntime::log_warn("schema: could not pull from " + peer + ": " + schema.error().message());
    } else if (auto merged = schema_->merge(*schema); !merged) {
      ringruntime::log_error("schema: could not merge " + peer + "'s schema: " + merged.error().message());
    }
  }
  if (++rounds_ % kLoadEveryRounds == 0) publish_load();
}

void Node::publish_load() {
  const std::uint64_t load = storage_->load_bytes();
  if (published_load_.exchange(load) == load) return;
  gossip_->set_local_state(ApplicationState::kLoad, ringcore::gossip::format_load_value(static_cast<double>(load)));
}

}  // namespace ringnode
