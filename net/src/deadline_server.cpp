#include "deadline_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "accepted_connections.h"

namespace ringnet {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

thread_local bool deadline_passed = false;

milliseconds from_sec_and_usec(time_t sec, time_t usec) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::seconds(sec) + std::chrono::microseconds(usec));
}

// Waits up to `timeout` for `events` on `fd`; whether they came (an error or hang-up counts, so
// that the read or write after it reports it).
bool wait_for(int fd, short events, milliseconds timeout) {
  const Clock::time_point until = Clock::now() + timeout;
  for (;;) {
    pollfd ready{fd, events, 0};
    const auto left = std::chrono::ceil<milliseconds>(until - Clock::now());
    const int n = ::poll(&ready, 1, static_cast<int>(std::max<milliseconds::rep>(0, left.count())));
    if (n >= 0 || errno != EINTR) return n > 0;
  }
}

// One connection's socket as cpp-httplib's Stream, kept for all its requests (so bytes that
// came with one request for the next are not lost), its reads buffered (cpp-httplib reads
// request lines and headers a byte at a time) and bounded by the request's deadline.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, milliseconds read_timeout, milliseconds write_timeout)
      : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  // Whether a request (or the end of the connection) comes within `timeout`.
  bool wait_for_request(milliseconds timeout) const { return buffered() || wait_for(fd_, POLLIN, timeout); }

  void begin_request(Clock::time_point deadline) {
    deadline_ = deadline;
    deadline_passed = false;
  }

  bool is_readable() const override { return buffered() || wait_for(fd_, POLLIN, read_wait()); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!buffered()) {
      // Past the deadline no more is read, even bytes already there: a client trickling its
      // request may have its next byte sent just in time for each read.
      const milliseconds wait = read_wait();
      if (wait <= milliseconds(0) || !wait_for(fd_, POLLIN, wait)) {
        deadline_passed = wait < read_timeout_;  // the deadline, not the read timeout, ran out
        return -1;
      }
      ssize_t n = 0;
      do {
        n = ::recv(fd_, buffer_, sizeof buffer_, 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n;
      begin_ = 0;
      end_ = static_cast<size_t>(n);
    }
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_ + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n = 0;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(getsockname, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  bool buffered() const { return begin_ < end_; }

  // How long a read may wait for bytes: the read timeout, or what is left before the deadline.
  milliseconds read_wait() const {
    const auto left = std::chrono::ceil<milliseconds>(deadline_ - Clock::now());
    return std::clamp(left, milliseconds(0), read_timeout_);
  }

  void address_of(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (get(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) numeric_address(address, ip, port);
  }

  const int fd_;
  const milliseconds read_timeout_;
  const milliseconds write_timeout_;
  Clock::time_point deadline_{};
  char buffer_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace

bool request_deadline_passed() { return deadline_passed; }

// As cpp-httplib's own (process_server_socket), but with one stream for the connection and a
// deadline for each request.
bool DeadlineServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, from_sec_and_usec(read_timeout_sec_, read_timeout_usec_),
                          from_sec_and_usec(write_timeout_sec_, write_timeout_usec_));
  const Clock::time_point accepted = Clock::now();
  const milliseconds keep_alive = std::chrono::seconds(keep_alive_timeout_sec_);
  bool served = false;
  for (size_t count = 0; count < keep_alive_max_count_ && svr_sock_ != INVALID_SOCKET; ++count) {
    // A new connection's first request is due by the deadline from its accept; a kept-alive
    // connection waits for its next one for the keep-alive timeout, and the deadline starts
    // with its first byte.
    const milliseconds first_wait = std::chrono::ceil<milliseconds>(accepted + deadline_ - Clock::now());
    if (!stream.wait_for_request(count == 0 ? std::min(keep_alive, first_wait) : keep_alive)) break;
    stream.begin_request((count == 0 ? accepted : Clock::now()) + deadline_);
    bool connection_closed = false;
    served = process_request(stream, count + 1 == keep_alive_max_count_, connection_closed, nullptr);
    if (!served || connection_closed || request_deadline_passed()) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace ringnet
