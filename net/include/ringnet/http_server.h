// HttpServer: the project's HTTP server side, with cpp-httplib kept inside http_server.cpp.
//
// Handlers are plain functions over ServerRequest/ServerResponse. Routes are patterns such as
// "/v1/keyspaces/{ks}/rows/{key}": a {name} matches one path segment of the raw (still
// percent-encoded) path and is handed to the handler decoded, so a key may contain '/' as %2F.
// A handler reports failure by throwing: a ringcore::Error becomes its status (invalid_input
// and unsupported 400, not_found 404, unavailable 503, others 500) with the body
//   {"error": {"code": "<error_code_name>", "message": "..."}}
// and any other exception a 500 with code "internal". Unknown paths are 404, known paths with
// another method 405, bodies above the size limit 413, all with the same JSON error body. A
// Content-Length above the limit is answered 413 at once, before any of the body is read, and the
// connection then closed.
//
// Thread-safety: handlers run on the server's worker threads, several at once; routes must be
// added before start(). stop() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ringcore/error.h"

namespace ringnet {

struct ServerRequest {
  std::string method;
  std::string path;                                // decoded, without the query
  std::map<std::string, std::string> path_params;  // {name} segments, decoded
  std::multimap<std::string, std::string> query;   // decoded
  std::string body;
  std::string remote_address;
  int remote_port = 0;                         // the client's end of the connection (0 through answer())
  std::map<std::string, std::string> headers;  // names lower-case; the first value of each

  // The first value of query parameter `name`, or `fallback`.
  std::string query_value(const std::string& name, const std::string& fallback = "") const;
  // The value of header `name` (any case), or "".
  std::string header(const std::string& name) const;
  const std::string& param(const std::string& name) const { return path_params.at(name); }
};

struct ServerResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra headers, e.g. WWW-Authenticate
};

using ServerHandler = std::function<ServerResponse(const ServerRequest&)>;

// The JSON error body for `error` and its HTTP status.
ServerResponse error_response(const ringcore::Error& error);
int http_status_for(ringcore::ErrorCode code);

// Decodes %XX escapes; '+' stays '+'. Malformed escapes are an invalid_input error.
ringcore::Result<std::string> percent_decode(std::string_view text);
// Encodes every byte outside [A-Za-z0-9-._~] as %XX, for building paths from raw keys.
std::string percent_encode(std::string_view bytes);

struct ServerOptions {
  // Each connection is served on a thread of its own until it closes (cpp-httplib's model),
  // and a kept-alive connection stays open between requests: `worker_threads` are kept ready,
  // and while all of them serve, each new connection gets one more, up to `max_worker_threads`
  // (connection_threads.h), so idle kept connections never leave a new one waiting.
  std::size_t worker_threads = 16;
  std::size_t max_worker_threads = 256;
  // An idle kept-alive connection is closed after this long (whole seconds: cpp-httplib's
  // unit; stop() ends idle connections at once). A client that sends on a connection just as
  // the server closes it sees the connection end without an answer: with 1 s, a scraper asking
  // each second, or a load generator starved of CPU for a second, met that now and then (wrk
  // counted read errors that a bare cpp-httplib server, at its default 5 s, never had).
  // ringnet::HttpClient reuses a connection only while it has been idle for well under this.
  std::chrono::seconds keep_alive_timeout{5};
  // How long the server waits for each read of a request (its line, headers and body) before it
  // gives up on the connection: a request line that stalls closes it without an answer, stalled
  // headers or body get a 400 request_unread JSON error. It times each read, not the whole
  // request: request_read_deadline bounds that.
  std::chrono::milliseconds read_timeout{5000};
  // A request must be read whole (line, headers, body; with TLS the handshake too, for the
  // first) within this long of when the server starts reading it: a new connection's accept
  // (or, when every thread was busy, when one took it), or a kept-alive connection's first
  // byte of its next request (the wait for that byte is keep_alive_timeout's). Past it, a
  // request line not read whole closes the connection without an answer, and unread headers
  // or body get a 408 request_unread JSON error, the connection then closed. So a client
  // trickling a byte within every read timeout holds a thread for this long at most
  // (deadline_server.h). Handlers are not timed. 30 s: ringd's and ringnode's requests are
  // small, read in milliseconds even on a slow link; nginx gives 60 s to the headers alone
  // (client_header_timeout).
  std::chrono::milliseconds request_read_deadline{30000};
  std::size_t max_body_bytes = 8 << 20;
  // HTTPS when both are set: PEM files of the server's certificate (chain) and private key.
  // start() fails (kInvalidInput, naming the files) when they cannot be loaded. TLS 1.2 is the
  // oldest protocol version accepted.
  std::string tls_cert_file = {};
  std::string tls_key_file = {};
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options = {});
  ~HttpServer();  // stops the server
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // REQUIRES: before start(). `method` is GET, POST, PUT or DELETE.
  void route(const std::string& method, const std::string& pattern, ServerHandler handler);

  // Binds host:port (port 0: any free port) and serves on a background thread. Errors
  // (kUnavailable) name the address when it cannot be bound.
  ringcore::Status start(const std::string& host, int port);
  // The port it listens on, once started.
  int port() const;
  // Stops accepting and waits for the serving thread. Idempotent.
  void stop();

  // Answers one request in this process, as the server answers it off a connection (routing,
  // decoding, handlers and JSON errors alike), without sockets: for fuzz targets and tests of
  // the routes. `target` is the raw request target ("/v1/jobs/a%2Fb?x=1"); `headers` any case.
  // Does not need start(). Thread-safe like the handlers it calls.
  ServerResponse answer(const std::string& method, const std::string& target,
                        const std::multimap<std::string, std::string>& headers, const std::string& body,
                        const std::string& remote_address = "127.0.0.1") const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringnet
