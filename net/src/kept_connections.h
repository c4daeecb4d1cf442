// KeptConnections: the process's idle keep-alive connections, per peer, for HttpClient.
//
// A request takes an idle connection to its peer (or opens one), uses it alone and gives it
// back: concurrent requests to a peer use as many connections as there are requests in flight,
// and a sequence of requests reuses one. The most recently used is taken first, so the few that
// are needed stay hot and the rest age out. A connection is reused only while it has been idle
// for under kIdleLifetime (our servers close one idle for 5 s); before each request cpp-httplib
// checks that the peer has not closed it meanwhile (its socket is not readable) and connects
// again if it has. At most kIdlePerPeer idle connections are kept per peer.
//
// Thread-safety: take() and give_back() may be called from any thread at once.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ringnet {

// One keep-alive connection to a peer: a cpp-httplib client, which connects again by itself
// when the peer has closed its socket.
class KeptConnection {
 public:
  // `base_url` is "scheme://host:port"; the TLS settings and source address are the peer's.
  KeptConnection(const std::string& base_url, bool tls, const std::string& ca_cert_file, const std::string& source);
  KeptConnection(const KeptConnection&) = delete;
  KeptConnection& operator=(const KeptConnection&) = delete;

  httplib::Client& client() { return client_; }

 private:
  httplib::Client client_;
};

constexpr std::chrono::milliseconds kIdleLifetime(500);
constexpr std::size_t kIdlePerPeer = 16;

class KeptConnections {
 public:
  // The most recently used idle connection to `peer` within kIdleLifetime, or null. `peer`
  // names everything a connection depends on (scheme, host, port, CA file, source address).
  std::unique_ptr<KeptConnection> take(const std::string& peer);
  // Keeps `connection` for the next request to `peer`, unless it was closed.
  void give_back(const std::string& peer, std::unique_ptr<KeptConnection> connection);

 private:
  struct Idle {
    std::unique_ptr<KeptConnection> connection;
    std::chrono::steady_clock::time_point since;
  };
  using Stack = std::vector<Idle>;  // oldest first
  // Moves the connections of `stack` idle for kIdleLifetime or more into `expired`.
  static void take_expired(Stack& stack, std::chrono::steady_clock::time_point now, Stack& expired);

  std::mutex mutex_;
  std::unordered_map<std::string, Stack> idle_;  // guarded by mutex_
  std::chrono::steady_clock::time_point swept_;  // when every peer's stack was last swept
};

// The process's one set, never destroyed (threads may still send while static objects are
// destroyed at exit; the kernel closes the sockets).
KeptConnections& kept_connections();

}  // namespace ringnet
