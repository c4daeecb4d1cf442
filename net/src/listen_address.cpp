#include "ringnet/listen_address.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ringnet {

void set_listener_options(int socket_fd) {
  const int yes = 1;
  setsockopt(socket_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

void widen_accept_queue(int socket_fd) { listen(socket_fd, SOMAXCONN); }

ringcore::Status check_can_listen(const std::string& host, int port) {
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int failed = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      failed != 0) {
    return ringcore::Error(ringcore::ErrorCode::kUnavailable,
                           "cannot listen on " + where + ": cannot resolve '" + host + "': " + gai_strerror(failed));
  }
  int error = 0;
  const int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0) {
    error = errno;
  } else {
    set_listener_options(fd);
    if (bind(fd, found->ai_addr, found->ai_addrlen) != 0) error = errno;
    close(fd);
  }
  freeaddrinfo(found);
  if (error == 0) return ringcore::Ok{};
  std::string why;
  if (error == EADDRINUSE) {
    why = where + " is already in use by another process";
  } else if (error == EADDRNOTAVAIL) {
    why = where + " is not an address of this machine";
  } else if (error == EACCES) {
    why = "cannot listen on " + where + ": permission denied (ports below 1024 need privileges)";
  } else {
    why = "cannot listen on " + where + ": " + std::strerror(error);
  }
  return ringcore::Error(ringcore::ErrorCode::kUnavailable, why);
}

}  // namespace ringnet
