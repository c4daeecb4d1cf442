// DeadlineServer: a cpp-httplib server (plain or TLS) that gives each request a whole-request
// read deadline.
//
// cpp-httplib's read timeout bounds each read of a request, not the whole of it: a client
// sending one byte just within every timeout holds its connection's thread for as long as it
// goes on, and a few hundred such clients hold every thread of the server. Here each request
// must be read whole (its line, headers and body; with TLS, the handshake too for the first)
// within `deadline` of when the server starts reading it: for a connection's first request,
// when a thread takes the connection (its accept, unless every thread was busy: a connection
// waiting in the queue is not read yet), and on a kept-alive connection the first byte of the
// next request (the wait between requests is the keep-alive timeout's). Past it, the reads of
// the request fail at once: a request line not read whole closes the connection without an
// answer, unread headers or body get cpp-httplib's 400 (which HttpServer's error handler
// makes a 408, see request_deadline_passed()), and the connection is then closed, as the rest
// of the request may still come. Handlers are not timed: the deadline ends once the request
// is read.
//
// cpp-httplib serves a connection in Server::process_and_close_socket, which is virtual but
// private: this class serves it instead (a loop over Server::process_request with its own
// socket stream), so it knows the connection's socket and each request's start. The deadline is
// a bound of the waits (poll) in the stream's reads, with no thread or timer of its own.
#pragma once

#include <httplib.h>

#include <chrono>
#include <utility>

namespace ringnet {

// Base: httplib::Server, or httplib::SSLServer for HTTPS.
template <class Base>
class DeadlineServer final : public Base {
 public:
  // `args` are Base's constructor's (an SSLServer's certificate and key files).
  template <class... Args>
  explicit DeadlineServer(std::chrono::milliseconds deadline, Args&&... args)
      : Base(std::forward<Args>(args)...), deadline_(deadline) {}

 private:
  bool process_and_close_socket(socket_t sock) override;

  const std::chrono::milliseconds deadline_;
};

extern template class DeadlineServer<httplib::Server>;
extern template class DeadlineServer<httplib::SSLServer>;

// Whether the request being answered on this thread was cut short by its deadline. For the
// error handler, which cpp-httplib calls on the thread that read the request, without the
// stream that knows why the reading failed.
bool request_deadline_passed();

// Closes the connection serving this thread's request once its answer is sent. For the error
// handler, after a request it could not read whole: whatever follows on the connection would be
// read from the middle of it (a malformed request line's leftover taken for the next request).
void close_after_answer();

}  // namespace ringnet
