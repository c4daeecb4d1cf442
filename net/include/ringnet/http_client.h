// HttpClient: the project's one HTTP client (ringctl to agents and lab nodes, node to node).
//
// cpp-httplib stays inside http_client.cpp; callers see only these types. A request that
// cannot reach the server, or times out, is an ErrorCode::kUnavailable error whose message
// names the method and URL and says what happened in plain words ("cannot connect: connection
// refused or host unreachable", "no answer: timed out after 2 s ..."); a server certificate
// that does not verify is kTlsVerify ("TLS: certificate verify failed (hostname mismatch ...)");
// an unreadable CA file kInvalidInput ("cannot read CA file 'X': ..."). Any HTTP status is a
// response, not an error.
//
// Connections are kept alive and reused, per peer (scheme, host, port, CA file and source
// address), by every HttpClient of the process (kept_connections.h), so an HttpClient is cheap
// to make for one call. A request uses a connection alone: concurrent requests to a peer each
// have one, and only as many stay open as were in flight; one idle for 0.5 s is not reused. A
// request whose kept connection breaks at once (the peer closed it as it went out) is sent
// again on a new one, unless it is a POST, which the peer may have acted on, not marked
// idempotent.
//
// Thread-safety: send(), get() and post() may be called from any number of threads at once,
// on one HttpClient or several; the setters must come before the first request.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ringcore/error.h"

namespace ringnet {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
};

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE
  std::string path;            // with query string, e.g. "/v1/cluster?x=1"
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  // A POST the server may receive twice without harm (a last-write-wins row write, a read in a
  // POST body): sent again, as a GET is, when its kept connection broke under it.
  bool idempotent = false;
};

// The body of a 2xx response; otherwise the Error the server sent (its {"error": {"code",
// "message"}} body, code mapped back with error_code_from_name), prefixed with `who` (e.g. a
// peer's address); a body that is not such JSON gives kFailed "HTTP <status>". Connection
// failures pass through unchanged.
ringcore::Result<std::string> body_or_error(const std::string& who, ringcore::Result<HttpResponse> response);

class HttpClient {
 public:
  // `host` is an address or name; `port` its TCP port.
  HttpClient(std::string host, int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Speaks HTTPS from now on, verifying the server's certificate against the CA certificates
  // in `ca_cert_file` (PEM), or the system's CAs when it is empty.
  void use_tls(std::string ca_cert_file);

  // Connects from `address` (an address of this host) rather than the one the kernel picks: a
  // node's internode connections come from its listen address, as Cassandra's do, so that peers
  // and packet filters see which node speaks (on loopback the kernel would pick 127.0.0.1).
  void bind_source(std::string address);

  // Abandons a request in flight once `give_up` returns a reason, asked every `poll`: for long
  // calls to a peer that may hang rather than fail (a stopped process answers nothing until the
  // timeout), so the caller can stop as soon as it knows the peer is gone, as Cassandra's
  // streaming and repair sessions fail when the failure detector convicts their peer. The
  // request then fails (kPeerDown: down, not merely slow) with "gave up: <reason>". `give_up` is called from
  // another thread, and never after send() returns.
  void give_up_when(std::function<std::optional<std::string>()> give_up,
                    std::chrono::milliseconds poll = std::chrono::milliseconds(250));

  ringcore::Result<HttpResponse> send(const HttpRequest& request) const;
  ringcore::Result<HttpResponse> get(const std::string& path) const;
  ringcore::Result<HttpResponse> post(const std::string& path, std::string body) const;

  // "http://host:port" (or https), for messages.
  std::string base_url() const;

 private:
  std::string host_;
  int port_;
  std::chrono::milliseconds timeout_;
  bool tls_ = false;
  std::string ca_cert_file_;
  std::string source_;  // "" = the kernel's choice
  std::function<std::optional<std::string>()> give_up_;
  std::chrono::milliseconds give_up_poll_{250};
};

}  // namespace ringnet
