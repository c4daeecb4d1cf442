// Whether this process may listen on an address and port, asked before anything starts.
//
// Every listener of the project (ringd, ringnode's storage and client ports, any HttpServer)
// binds with SO_REUSEADDR only, never SO_REUSEPORT: a port in TIME_WAIT after a restart is
// free, one another process listens on is not, so two processes can never split one port's
// requests between them.
#pragma once

#include <string>

#include "ringcore/error.h"

namespace ringnet {

// Ok when `host`:`port` can be bound now with the options HttpServer uses; else kUnavailable
// naming both and why: "127.0.0.2:7070 is already in use by another process", "... is not an
// address of this machine", or the system's reason. Probes by binding a socket and closing it
// (no listen, no connection); another process may still take the port before the caller
// binds, so the caller's own bind stays the final word. REQUIRES: 1 <= port <= 65535.
ringcore::Status check_can_listen(const std::string& host, int port);

// Sets the options of a listening socket: SO_REUSEADDR, and nothing that shares a live port.
void set_listener_options(int socket_fd);

// Raises the accept queue of a socket already listening to the system's limit (SOMAXCONN,
// capped by net.core.somaxconn). cpp-httplib listens with a queue of 5: under many clients
// connecting at once the kernel drops the rest of their handshakes and each retries after a
// second (ringd's p99 under wrk was about 1 s, with 2 s timeouts). Linux lets listen() be
// called again on a listening socket to change just that.
void widen_accept_queue(int socket_fd);

}  // namespace ringnet
