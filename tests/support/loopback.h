// Loopback addresses and ports of a test's own, so that integration tests run in parallel
// (ctest -j) without colliding. Each test takes addresses from its own block of 127.0.0.0/8
// (see `grep -rn '127\.0\.' tests/` for what is taken, and tests/support/README.md), and ports that
// are free on every one of its addresses now.
//
// A port counts as free when ringnet::check_can_listen says so: the very test the servers
// make before they bind (SO_REUSEADDR, so a port in TIME_WAIT after an earlier test is free,
// one another process listens on is not).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "ringnet/listen_address.h"

namespace test_support {

// `count` addresses "<prefix>.<first>", "<prefix>.<first + 1>", ...; e.g.
// loopback_addresses("127.0.100", 1, 3) is 127.0.100.1..3.
inline std::vector<std::string> loopback_addresses(const std::string& prefix, int first, int count) {
  std::vector<std::string> addresses;
  for (int i = 0; i < count; ++i) addresses.push_back(prefix + "." + std::to_string(first + i));
  return addresses;
}

// Whether `port` can be listened on at every address.
inline bool port_free(int port, const std::vector<std::string>& addresses) {
  for (const std::string& address : addresses) {
    if (!ringnet::check_can_listen(address, port).ok()) return false;
  }
  return true;
}

// The first port from `start` that is free on every address. Throws std::runtime_error when
// none of the 1,000 ports from `start` is.
inline int free_port(int start, const std::vector<std::string>& addresses) {
  for (int port = start; port < start + 1000 && port <= 65535; ++port) {
    if (port_free(port, addresses)) return port;
  }
  throw std::runtime_error("no free port from " + std::to_string(start));
}

// `count` distinct ports from `start`, each free on every address (a node's storage, client
// and agent ports, which must differ).
inline std::vector<int> free_ports(int count, int start, const std::vector<std::string>& addresses) {
  std::vector<int> ports;
  for (int port = start; static_cast<int>(ports.size()) < count; ++port) {
    port = free_port(port, addresses);
    ports.push_back(port);
  }
  return ports;
}

}  // namespace test_support
