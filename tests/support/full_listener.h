// FullListener: a listening socket on 127.0.0.1 that never accepts, its accept queue filled: as
// a server whose process is stopped (SIGSTOP) looks, the kernel drops further handshakes
// unanswered, so a client's connect times out instead of being refused.
#pragma once

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

#include "support/loopback_listener.h"

namespace test_support {

class FullListener {
 public:
  FullListener() {
    listener_ = listen_on_loopback(/*backlog=*/0, port_);  // room for one connection not yet accepted
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    const socklen_t length = sizeof address;
    for (int i = 0; i < 2; ++i) {  // the one the queue holds, and one whose handshake is dropped
      const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(filler, reinterpret_cast<sockaddr*>(&address), length);
      fillers_.push_back(filler);
    }
  }
  ~FullListener() {
    for (const int filler : fillers_) ::close(filler);
    ::close(listener_);
  }
  FullListener(const FullListener&) = delete;
  FullListener& operator=(const FullListener&) = delete;
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

}  // namespace test_support
