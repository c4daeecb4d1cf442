#include "kept_connections.h"

#include <fcntl.h>

#include <algorithm>
#include <utility>

namespace ringnet {

KeptConnection::KeptConnection(const std::string& base_url, bool tls, const std::string& ca_cert_file,
                               const std::string& source)
    : client_(base_url) {  // the scheme-host-port form picks plain or TLS (built with OpenSSL)
  if (tls) {
    client_.enable_server_certificate_verification(true);
    if (!ca_cert_file.empty()) client_.set_ca_cert_path(ca_cert_file.c_str());
  }
  if (!source.empty()) client_.set_interface(source);  // an address works as well as a name
  client_.set_keep_alive(true);
  // A request's headers and body are separate writes: with Nagle's algorithm the body waits for
  // the peer's delayed ACK (40 ms) on a connection that has sent before.
  client_.set_tcp_nodelay(true);
  // A process we start (ringctl lab up starts ringnode) must not inherit the connection.
  client_.set_socket_options([](socket_t fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); });
}

void KeptConnections::take_expired(Stack& stack, std::chrono::steady_clock::time_point now, Stack& expired) {
  const auto first_fresh =
      std::find_if(stack.begin(), stack.end(), [now](const Idle& idle) { return now - idle.since < kIdleLifetime; });
  std::move(stack.begin(), first_fresh, std::back_inserter(expired));
  stack.erase(stack.begin(), first_fresh);
}

std::unique_ptr<KeptConnection> KeptConnections::take(const std::string& peer) {
  Stack closed;  // closed outside the lock
  std::unique_ptr<KeptConnection> found;
  {
    std::lock_guard lock(mutex_);
    auto it = idle_.find(peer);
    if (it == idle_.end()) return nullptr;
    Stack& stack = it->second;
    take_expired(stack, std::chrono::steady_clock::now(), closed);
    if (!stack.empty()) {
      found = std::move(stack.back().connection);
      stack.pop_back();
    }
  }
  return found;
}

void KeptConnections::give_back(const std::string& peer, std::unique_ptr<KeptConnection> connection) {
  if (!connection->client().is_socket_open()) return;  // the peer said Connection: close
  Stack closed;                                        // closed outside the lock
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    Stack& stack = idle_[peer];
    stack.push_back({std::move(connection), now});
    if (stack.size() > kIdlePerPeer) {
      closed.push_back(std::move(stack.front()));
      stack.erase(stack.begin());
    }
    // Peers asked once and never again (a fan-out's agents, a removed node) would keep their
    // connections open: every peer's expired ones are closed now and then.
    if (now - swept_ >= kIdleLifetime) {
      swept_ = now;
      for (auto each = idle_.begin(); each != idle_.end();) {
        take_expired(each->second, now, closed);
        each = each->second.empty() ? idle_.erase(each) : std::next(each);
      }
    }
  }
}

KeptConnections& kept_connections() {
  static auto* connections = new KeptConnections();
  return *connections;
}

}  // namespace ringnet
