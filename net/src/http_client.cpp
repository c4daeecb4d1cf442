#include "ringnet/http_client.h"

#include <httplib.h>
#include <openssl/x509.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace ringnet {
namespace {

std::string seconds_text(std::chrono::milliseconds timeout) {
  std::ostringstream text;
  text << static_cast<double>(timeout.count()) / 1000.0 << " s";
  return text.str();
}

// What went wrong, in an operator's words rather than cpp-httplib's error names.
std::string describe(httplib::Error error, long verify_result, const std::string& host,
                     std::chrono::milliseconds timeout) {
  switch (error) {
    case httplib::Error::Connection:
      return "cannot connect: connection refused or host unreachable";
    case httplib::Error::ConnectionTimeout:
      return "cannot connect: timed out after " + seconds_text(timeout);
    case httplib::Error::Read:
      return "no answer: timed out after " + seconds_text(timeout) + " or the connection was closed";
    case httplib::Error::Write:
      return "the connection broke while sending the request";
    case httplib::Error::SSLConnection:
      return "TLS: the handshake failed (does it speak HTTPS?)";
    case httplib::Error::SSLLoadingCerts:
      return "TLS: cannot load the CA certificates";
    case httplib::Error::SSLServerVerification:
      if (verify_result != X509_V_OK) {
        return std::string("TLS: certificate verify failed (") + X509_verify_cert_error_string(verify_result) + ")";
      }
      return "TLS: certificate verify failed (hostname mismatch: the certificate does not name " + host + ")";
    default:
      return "the request failed (" + httplib::to_string(error) + ")";
  }
}

// How long an idle connection is reused: well under our servers' keep-alive timeout (1 s, in
// http_server.cpp), so the client does not send on a connection the server is closing.
constexpr std::chrono::milliseconds kIdleLifetime(500);
// Idle connections kept per peer. Each one holds a worker thread of the server (cpp-httplib
// serves a connection on one thread until it closes), so few: enough for a burst to find
// connections, few enough that idle ones never take most of a server's workers.
constexpr std::size_t kIdlePerPeer = 4;

// The process's idle keep-alive connections, per peer ("scheme://host:port CA-file"). A
// connection is used by one request at a time: taken out, used, and given back.
class IdleConnections {
 public:
  // The most recently used idle connection to `peer` still within kIdleLifetime, or null.
  std::unique_ptr<httplib::Client> take(const std::string& peer) {
    std::vector<std::unique_ptr<httplib::Client>> expired;  // closed outside the lock
    std::unique_ptr<httplib::Client> found;
    {
      std::lock_guard lock(mutex_);
      auto it = idle_.find(peer);
      if (it == idle_.end()) return nullptr;
      const auto now = std::chrono::steady_clock::now();
      const auto fresh = [now](const Idle& idle) { return now - idle.since < kIdleLifetime; };
      auto& stack = it->second;  // oldest first
      if (!stack.empty() && fresh(stack.back())) {
        found = std::move(stack.back().client);
        stack.pop_back();
      }
      const auto first_fresh = std::find_if(stack.begin(), stack.end(), fresh);
      for (auto old = stack.begin(); old != first_fresh; ++old) expired.push_back(std::move(old->client));
      stack.erase(stack.begin(), first_fresh);
    }
    return found;
  }

  // Keeps `client` for the next request to `peer` if its connection is still open.
  void give_back(const std::string& peer, std::unique_ptr<httplib::Client> client) {
    if (!client->is_socket_open()) return;     // the server said Connection: close
    std::unique_ptr<httplib::Client> surplus;  // the oldest beyond kIdlePerPeer, closed outside the lock
    {
      std::lock_guard lock(mutex_);
      auto& stack = idle_[peer];
      stack.push_back({std::move(client), std::chrono::steady_clock::now()});
      if (stack.size() > kIdlePerPeer) {
        surplus = std::move(stack.front().client);
        stack.erase(stack.begin());
      }
    }
  }

 private:
  struct Idle {
    std::unique_ptr<httplib::Client> client;
    std::chrono::steady_clock::time_point since;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Idle>> idle_;  // oldest first
};

// One per process, never destroyed: threads may still send while static objects are destroyed
// at exit, and the kernel closes the sockets anyway.
IdleConnections& idle_connections() {
  static auto* connections = new IdleConnections();
  return *connections;
}

// A keep-alive connection to `base_url`: TCP_NODELAY (a request's header and body are separate
// writes, and Nagle would hold the second for the peer's delayed ACK on a reused connection),
// close-on-exec (a process ringctl starts must not inherit its connections).
std::unique_ptr<httplib::Client> open_connection(const std::string& base_url, bool tls,
                                                 const std::string& ca_cert_file) {
  // The scheme-host-port form picks plain or TLS; cpp-httplib is built with OpenSSL here.
  auto client = std::make_unique<httplib::Client>(base_url);
  if (tls) {
    client->enable_server_certificate_verification(true);
    if (!ca_cert_file.empty()) client->set_ca_cert_path(ca_cert_file.c_str());
  }
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_socket_options([](socket_t fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); });
  return client;
}

// Sends `request` on `client`, whose connection it uses alone.
httplib::Result perform(httplib::Client& client, const HttpRequest& request, std::chrono::milliseconds timeout) {
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);
  if (request.method == "GET") return client.Get(request.path, headers);
  if (request.method == "POST") return client.Post(request.path, headers, request.body, request.content_type);
  if (request.method == "PUT") return client.Put(request.path, headers, request.body, request.content_type);
  return client.Delete(request.path, headers, request.body, request.content_type);
}

// Whether a request that failed so on a kept connection may be sent again: when it could not be
// written, or when no answer came and the method is idempotent (a POST may have been acted on).
bool may_send_again(const std::string& method, httplib::Error error) {
  return error == httplib::Error::Write || (error == httplib::Error::Read && method != "POST");
}

}  // namespace

HttpClient::HttpClient(std::string host, int port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

std::string HttpClient::base_url() const {
  const std::string host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;  // IPv6
  return (tls_ ? "https://" : "http://") + host + ":" + std::to_string(port_);
}

void HttpClient::use_tls(std::string ca_cert_file) {
  tls_ = true;
  ca_cert_file_ = std::move(ca_cert_file);
}

ringcore::Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "POST" && request.method != "PUT" && request.method != "DELETE") {
    return ringcore::Error::invalid_input("unsupported HTTP method '" + request.method + "'");
  }
  if (tls_ && !ca_cert_file_.empty() && !std::ifstream(ca_cert_file_)) {
    return ringcore::Error::invalid_input("cannot read CA file '" + ca_cert_file_ + "': " + std::strerror(errno));
  }
  const std::string peer = base_url() + " " + ca_cert_file_;
  std::unique_ptr<httplib::Client> client = idle_connections().take(peer);
  const bool reused = client != nullptr;
  if (!client) client = open_connection(base_url(), tls_, ca_cert_file_);
  const auto started = std::chrono::steady_clock::now();
  httplib::Result result = perform(*client, request, timeout_);
  if (!result && reused && may_send_again(request.method, result.error()) &&
      std::chrono::steady_clock::now() - started < timeout_) {
    // A kept connection that broke at once: the server closed it as the request went out (its
    // keep-alive timeout, or it restarted). Sent again once, on a new connection.
    client = open_connection(base_url(), tls_, ca_cert_file_);
    result = perform(*client, request, timeout_);
  }
  if (!result) {
    // The connection is dropped with the client: after a failure its state is unknown.
    const std::string what = describe(result.error(), tls_ ? client->get_openssl_verify_result() : 0, host_, timeout_);
    // A certificate that cannot be verified is not a server that is away: asking it again, or
    // another agent configured alike, will not help, so it is not kUnavailable.
    const bool refused_by_tls =
        result.error() == httplib::Error::SSLServerVerification || result.error() == httplib::Error::SSLLoadingCerts;
    return ringcore::Error(refused_by_tls ? ringcore::ErrorCode::kFailed : ringcore::ErrorCode::kUnavailable,
                           request.method + " " + base_url() + request.path + ": " + what);
  }
  HttpResponse response{result->status, std::move(result->body), result->get_header_value("Content-Type")};
  idle_connections().give_back(peer, std::move(client));
  return response;
}

ringcore::Result<std::string> body_or_error(const std::string& who, ringcore::Result<HttpResponse> response) {
  if (!response) return response.error();
  if (response->status / 100 == 2) return std::move(response).value().body;
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const nlohmann::json& error = body["error"];
    const std::string code = error.value("code", "");
    const std::string message = error.value("message", "HTTP " + std::to_string(response->status));
    return ringcore::Error(ringcore::error_code_from_name(code), who + ": " + message);
  }
  return ringcore::Error::failed(who + ": HTTP " + std::to_string(response->status));
}

ringcore::Result<HttpResponse> HttpClient::get(const std::string& path) const {
  return send({"GET", path, "", "", {}});
}

ringcore::Result<HttpResponse> HttpClient::post(const std::string& path, std::string body) const {
  return send({"POST", path, std::move(body), "application/json", {}});
}

}  // namespace ringnet
