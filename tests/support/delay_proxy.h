// DelayProxy: a delay on one lab node's storage-port traffic, both ways, for a machine without
// sch_netem (tc: "Specified qdisc kind is unknown"). An nftables nat rule in the output hook
// (loopback traffic is locally made) redirects every connection to the node's storage port, and
// every one it opens to another node's, to a TCP proxy in the test process. The proxy finds the
// original destination (SO_ORIGINAL_DST), connects there from the original source address (so
// the node sees its real peer) with a socket mark the rule excludes, and forwards each chunk
// `delay` after it arrived, in both directions: a request and its answer each wait `delay`.
// Needs root, nft (nft_usable), ss (iproute2) on a kernel that lets it destroy sockets
// (CONFIG_INET_DIAG_DESTROY), and conntrack. Stops, deleting its rule, when the handle goes away.
#pragma once

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "ringruntime/wait.h"
#include "support/nft_table.h"
#include "support/run_process.h"

namespace test_support {

inline const char* const kSs = "/usr/bin/ss";
inline const char* const kConntrack = "/usr/sbin/conntrack";

// Whether ss (iproute2) and conntrack are installed (scripts/install-deps.sh test): nft_usable
// says the rest.
inline bool delay_tools_usable() { return access(kSs, X_OK) == 0 && access(kConntrack, X_OK) == 0; }

class DelayProxy {
 public:
  DelayProxy(const std::string& node, const std::string& storage_port, std::chrono::milliseconds delay)
      : state_(std::make_shared<State>()), delay_(delay), node_(node), storage_port_(storage_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    const int on = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // where `redirect` sends locally made packets
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
    REQUIRE(listen(listener_, 128) == 0);
    socklen_t length = sizeof local;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&local), &length) == 0);
    const std::string port = std::to_string(ntohs(local.sin_port));
    const std::string unmarked = std::to_string(kMark);
    for (const char* direction : {"daddr", "saddr"}) {
      table_->add_rule({"ip", direction, node, "tcp", "dport", storage_port, "meta", "mark", "!=", unmarked, "redirect",
                        "to", ":" + port});
    }
    // The rule redirects new connections only: the node's kept-alive ones are broken, so that
    // their next request (ringnet's clients send again on a kept connection that broke) is
    // delayed too; those being set up as well, and again until none is left (a handshake begun
    // before the rule is not redirected). A direct connection shows by its server side, on a
    // storage port; a redirected one's is on the proxy's port (no proxied connection exists
    // yet: the acceptor starts after).
    const std::string ends = "( src " + node + " or dst " + node + " )";
    const auto connections = [&](const std::string& ports) {
      return std::vector<std::string>{kSs,     "-H",       "-t",    "state",    "established",
                                      "state", "syn-sent", "state", "syn-recv", ports + " and " + ends};
    };
    std::vector<std::string> kill = connections("( sport = :" + storage_port + " or dport = :" + storage_port + " )");
    kill.insert(kill.begin() + 1, "-K");
    const bool none_left = ringruntime::wait_until(
        [&] {
          const ProcessResult killed = run_process(kill);
          REQUIRE_MESSAGE(killed.exit_code == 0, "ss -K failed: " << killed.err);
          forget_flows();  // the broken connections' entries too, before anything reuses them
          return run_process(connections("sport = :" + storage_port)).out.empty();
        },
        std::chrono::seconds(10), std::chrono::milliseconds(5));
    REQUIRE_MESSAGE(none_left, "direct connections to or from " << node << " still open after ss -K for 10 s");
    acceptor_ = std::thread([this] { accept_loop(); });  // what connected meanwhile waits in the backlog
  }
  // Like a delay that ends on a real network: no new connection is delayed, and what is on its
  // way through the proxy still arrives, late; the connections proxied run on until their ends
  // close them (a node's server closes one idle for 5 s), or kLastConnectionsEnd has passed.
  // So the rules are flushed first and the tables deleted last: the redirected connections'
  // packets are translated only while a nat chain and connection tracking are there; without
  // them an answer from the proxy reaches no socket, and its request waits out its timeout.
  ~DelayProxy() {
    table_->flush_rules();
    state_->accepting = false;  // the acceptor takes what was redirected before, then ends
    acceptor_.join();
    close(listener_);
    {
      std::unique_lock lock(state_->mutex);
      if (!state_->idle.wait_for(lock, kLastConnectionsEnd, [this] { return state_->pumps == 0; })) {
        state_->stopping = true;
        state_->idle.wait(lock, [this] { return state_->pumps == 0; });
      }
    }
    table_.reset();
    tracking_.reset();
    forget_flows();  // none of the redirections outlives the proxy
  }
  DelayProxy(const DelayProxy&) = delete;
  DelayProxy& operator=(const DelayProxy&) = delete;

  // Connections proxied so far: more than 0 proves the rule redirected the node's traffic.
  int connections() const { return state_->connections; }

 private:
  static constexpr int kMark = 0x52;
  static constexpr std::chrono::seconds kLastConnectionsEnd{
      15};  // the proxy's own connections, which the rule lets through
  using Clock = std::chrono::steady_clock;

  struct State {
    std::atomic<bool> accepting{true};
    std::atomic<bool> stopping{false};  // the pumps end now, dropping what they hold
    std::atomic<int> connections{0};
    std::mutex mutex;  // guards pumps
    std::condition_variable idle;
    int pumps = 0;
  };
  // Both sockets of one proxied connection, closed once both directions have ended.
  struct Pair {
    int client = -1, server = -1;
    ~Pair() {
      if (client >= 0) close(client);
      if (server >= 0) close(server);
    }
  };

  // Proxies each connection redirected to the listener; once no longer accepting, those already
  // waiting to be accepted (redirected before the rules went), then ends.
  void accept_loop() {
    while (true) {
      const bool last = !state_->accepting;  // read before polling, so nothing queued is left behind
      pollfd waiting{listener_, POLLIN, 0};
      if (poll(&waiting, 1, last ? 0 : 100) <= 0) {
        if (last) return;
        continue;
      }
      const int client = accept(listener_, nullptr, nullptr);
      if (client < 0) continue;  // interrupted
      auto pair = std::make_shared<Pair>();
      pair->client = client;
      pair->server = connect_onwards(client);
      if (pair->server < 0) continue;  // the node refused: so does the proxy, by closing
      // Each chunk goes on when due, not after the ACK of the one before (Nagle's algorithm
      // against the peer's delayed ACK would add up to 40 ms of its own).
      const int on = 1;
      setsockopt(pair->client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      setsockopt(pair->server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
      ++state_->connections;
      start_pump(pair, pair->client, pair->server);
      start_pump(pair, pair->server, pair->client);
    }
  }

  // A connection to where `client` was going, from where it came, marked; -1 when refused.
  static int connect_onwards(int client) {
    sockaddr_in destination{}, source{};
    socklen_t length = sizeof destination;
    if (getsockopt(client, SOL_IP, SO_ORIGINAL_DST, &destination, &length) != 0) return -1;
    length = sizeof source;
    if (getpeername(client, reinterpret_cast<sockaddr*>(&source), &length) != 0) return -1;
    source.sin_port = 0;
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    const int mark = kMark;
    if (server < 0 || setsockopt(server, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0 ||
        bind(server, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
        connect(server, reinterpret_cast<sockaddr*>(&destination), sizeof destination) != 0) {
      if (server >= 0) close(server);
      return -1;
    }
    return server;
  }

  void start_pump(std::shared_ptr<Pair> pair, int from, int to) {
    {
      std::lock_guard lock(state_->mutex);
      ++state_->pumps;
    }
    std::thread([state = state_, pair = std::move(pair), from, to, delay = delay_] {
      pump(*state, from, to, delay);
      std::lock_guard lock(state->mutex);
      if (--state->pumps == 0) state->idle.notify_all();
    }).detach();
  }

  // Forwards what arrives on `from` to `to`, each chunk `delay` after it arrived; at the end
  // of `from` (or an error, or the proxy stopping) ends `to`'s sending side.
  static void pump(const State& state, int from, int to, std::chrono::milliseconds delay) {
    std::deque<std::pair<Clock::time_point, std::string>> queued;
    bool ended = false;
    while (!state.stopping && !(ended && queued.empty())) {
      int wait_ms = 100;  // how often a quiet pump looks at `stopping`
      if (!queued.empty()) {
        const auto due = std::chrono::duration_cast<std::chrono::milliseconds>(queued.front().first - Clock::now());
        wait_ms = std::max(0, std::min(wait_ms, static_cast<int>(due.count())));
      }
      pollfd readable{from, POLLIN, 0};
      if (!ended && poll(&readable, 1, wait_ms) > 0) {
        char buffer[65536];
        const ssize_t n = read(from, buffer, sizeof buffer);
        if (n <= 0) {
          ended = true;
        } else {
          queued.emplace_back(Clock::now() + delay, std::string(buffer, static_cast<std::size_t>(n)));
        }
      } else if (ended) {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      }
      while (!queued.empty() && queued.front().first <= Clock::now()) {
        if (!send_all(to, queued.front().second)) {  // the other end went away: so does this one
          shutdown(from, SHUT_RDWR);
          shutdown(to, SHUT_RDWR);
          return;
        }
        queued.pop_front();
      }
    }
    shutdown(to, SHUT_WR);
  }

  static bool send_all(int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  static std::unique_ptr<NftTable> tracking_table() {
    auto table = std::make_unique<NftTable>("ringctl_delay_ct_", "output",
                                            "{ type filter hook output priority 0; policy accept; }");
    table->add_rule({"ct", "state", "established", "accept"});
    return table;
  }

  // Drops conntrack's entries for the node's storage-port flows, both ways. NAT decides once per
  // entry, and entries outlive their sockets (tracking stops with the last rule that needs it,
  // and the entries of connections still open then stay ESTABLISHED, for days): a new
  // connection that reuses an old one's addresses and ports would follow that entry, going round
  // the redirect, or after the proxy is gone to a proxy's port. Dropped with the connections
  // broken at the start (every connection after is new to conntrack, so redirected) and once
  // the proxy has ended.
  void forget_flows() const {
    for (const char* end : {"--orig-dst", "--orig-src"}) {
      const ProcessResult forgot = run_process({kConntrack, "-D", "-p", "tcp", end, node_, "--dport", storage_port_});
      // Exit 1 with "0 flow entries have been deleted" when there were none.
      CHECK_MESSAGE((forgot.exit_code == 0 || forgot.exit_code == 1), "conntrack -D failed: " << forgot.err);
    }
  }

  std::shared_ptr<State> state_;
  std::chrono::milliseconds delay_;
  std::string node_, storage_port_;
  int listener_ = -1;
  std::thread acceptor_;
  // Connection tracking runs only while a rule needs it: the redirect rules alone would take it
  // away when flushed, and with it the translation of the connections they redirected. This
  // table's one rule (ct state) keeps it on from before the redirections until after them.
  std::unique_ptr<NftTable> tracking_ = tracking_table();
  std::unique_ptr<NftTable> table_ =
      std::make_unique<NftTable>("ringctl_delay_", "output", "{ type nat hook output priority -100; policy accept; }");
};

}  // namespace test_support
