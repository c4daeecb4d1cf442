#include "deadline_server.h"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>

#include "accepted_connections.h"

namespace ringnet {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Whether the request last read on this thread was cut by its deadline: request_deadline_passed().
thread_local bool deadline_passed = false;
// Whether the connection is to close after the answer being sent: close_after_answer().
thread_local bool close_requested = false;

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

// One connection's socket (and its TLS session, if any) as cpp-httplib's Stream, kept for all
// its requests (so bytes that came with one request for the next are not lost), its reads
// buffered (cpp-httplib reads request lines and headers a byte at a time) and bounded by the
// request's deadline. The socket is non-blocking, so that no read waits but in poll (an
// SSL_read on a blocking socket would wait for a whole TLS record, however slowly it comes).
class ConnectionStream final : public httplib::Stream {
 public:
  // `ssl`: the connection's TLS session, set on `fd`; null for plain HTTP.
  ConnectionStream(int fd, SSL* ssl, milliseconds read_timeout, milliseconds write_timeout)
      : fd_(fd), ssl_(ssl), read_timeout_(read_timeout), write_timeout_(write_timeout) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }

  void begin_request(Clock::time_point deadline) {
    deadline_ = deadline;
    deadline_passed = false;
    close_requested = false;
  }

  // The TLS handshake, within the first request's deadline.
  bool accept_tls() {
    return transfer(true, [this](short& want) { return tls_step(::SSL_accept(ssl_), want); }) > 0;
  }

  // Whether a request (or the end of the connection) comes within `timeout`.
  bool wait_for_request(milliseconds timeout) const { return buffered() || wait_for(fd_, POLLIN, timeout); }

  bool is_readable() const override { return buffered() || wait_for(fd_, POLLIN, read_wait()); }
  bool is_writable() const override { return wait_for(fd_, POLLOUT, write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      // Past the deadline no more is read, even bytes already there: a client trickling its
      // request may have its next byte sent just in time for each read.
      if (read_wait() <= milliseconds(0)) {
        deadline_passed = true;
        return -1;
      }
      const ssize_t n = transfer(true, [this](short& want) {
        if (ssl_ != nullptr) return tls_step(::SSL_read(ssl_, buffer_, sizeof buffer_), want);
        return socket_step(::recv(fd_, buffer_, sizeof buffer_, 0), POLLIN, want);
      });
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
    return transfer(false, [this, ptr, size](short& want) {
      if (ssl_ != nullptr) return tls_step(::SSL_write(ssl_, ptr, static_cast<int>(size)), want);
      return socket_step(::send(fd_, ptr, size, MSG_NOSIGNAL), POLLOUT, want);
    });
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(getpeername, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(getsockname, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  bool buffered() const { return begin_ < end_ || (ssl_ != nullptr && ::SSL_pending(ssl_) > 0); }

  // How long a read may wait for bytes: the read timeout, or what is left before the deadline.
  milliseconds read_wait() const {
    const auto left = std::chrono::ceil<milliseconds>(deadline_ - Clock::now());
    return std::clamp(left, milliseconds(0), read_timeout_);
  }

  // Runs `step` (a recv, send or TLS call) until it moves bytes, ends or fails, waiting in
  // between for what it wants (POLLIN or POLLOUT): a read for the read timeout or until the
  // deadline, a write for the write timeout. Returns what the step last returned, -1 on a
  // timeout.
  template <typename Step>
  ssize_t transfer(bool reading, const Step& step) {
    for (;;) {
      short want = 0;
      const ssize_t n = step(want);
      if (want == 0) return n;
      const milliseconds wait = reading ? read_wait() : write_timeout_;
      if (!wait_for(fd_, want, wait)) {
        if (reading) deadline_passed = wait < read_timeout_;  // the deadline, not the read timeout, ran out
        return -1;
      }
    }
  }

  // A recv's or send's result `n`; sets `want` to `waiting` when it would have blocked.
  static ssize_t socket_step(ssize_t n, short waiting, short& want) {
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) want = waiting;
    return n;
  }

  // An SSL call's result `n`: bytes moved (or 1 for a handshake done), 0 at the end of the
  // connection, -1 on failure, or -1 with `want` set to what it waits for.
  ssize_t tls_step(int n, short& want) const {
    if (n > 0) return n;
    switch (::SSL_get_error(ssl_, n)) {
      case SSL_ERROR_WANT_READ:
        want = POLLIN;
        return -1;
      case SSL_ERROR_WANT_WRITE:
        want = POLLOUT;
        return -1;
      case SSL_ERROR_ZERO_RETURN:
        return 0;
      default:
        return -1;
    }
  }

  void address_of(int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) const {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (get(fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0) numeric_address(address, ip, port);
  }

  const int fd_;
  SSL* const ssl_;
  const milliseconds read_timeout_;
  const milliseconds write_timeout_;
  Clock::time_point deadline_{};
  char buffer_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace

bool request_deadline_passed() { return deadline_passed; }

void close_after_answer() { close_requested = true; }

// As cpp-httplib's own (process_server_socket, and ssl_new and process_server_socket_ssl for
// TLS), but with one stream for the connection and a deadline for each request.
template <class Base>
bool DeadlineServer<Base>::process_and_close_socket(socket_t sock) {
  constexpr bool tls = std::is_same_v<Base, httplib::SSLServer>;
  const Clock::time_point accepted = Clock::now();
  SSL* ssl = nullptr;
  if constexpr (tls) {
    ssl = ::SSL_new(this->ssl_context());
    if (ssl == nullptr || ::SSL_set_fd(ssl, sock) != 1) {
      ::SSL_free(ssl);
      ::close(sock);
      return false;
    }
  }
  ConnectionStream stream(sock, ssl, from_sec_and_usec(this->read_timeout_sec_, this->read_timeout_usec_),
                          from_sec_and_usec(this->write_timeout_sec_, this->write_timeout_usec_));
  stream.begin_request(accepted + deadline_);
  const milliseconds keep_alive = std::chrono::seconds(this->keep_alive_timeout_sec_);
  bool served = false;
  const bool connected = !tls || stream.accept_tls();
  for (size_t count = 0; connected && count < this->keep_alive_max_count_ && this->svr_sock_ != INVALID_SOCKET;
       ++count) {
    // A new connection's first request is due by the deadline from its accept; a kept-alive
    // connection waits for its next one for the keep-alive timeout, and the deadline starts
    // with its first byte.
    const milliseconds first_wait = std::chrono::ceil<milliseconds>(accepted + deadline_ - Clock::now());
    if (!stream.wait_for_request(count == 0 ? std::min(keep_alive, first_wait) : keep_alive)) break;
    if (count > 0) stream.begin_request(Clock::now() + deadline_);
    bool connection_closed = false;
    served = this->process_request(stream, count + 1 == this->keep_alive_max_count_, connection_closed,
                                   [ssl](httplib::Request& request) { request.ssl = ssl; });
    if (!served || connection_closed || request_deadline_passed() || close_requested) break;
  }
  if (ssl != nullptr) {
    if (served) ::SSL_shutdown(ssl);  // a close_notify, not waited for
    ::SSL_free(ssl);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

template class DeadlineServer<httplib::Server>;
template class DeadlineServer<httplib::SSLServer>;

}  // namespace ringnet
