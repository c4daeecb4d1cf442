#include "ringnet/http_client.h"

#include <httplib.h>
#include <openssl/x509.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "kept_connections.h"

namespace ringnet {
namespace {

std::string seconds_text(std::chrono::milliseconds timeout) {
  std::ostringstream text;
  text << static_cast<double>(timeout.count()) / 1000.0 << " s";
  return text.str();
}

// What went wrong, in an operator's words rather than cpp-httplib's error names.
// While a request runs, asks `give_up` every `poll` and, once it names a reason, shuts the
// client's socket (cpp-httplib's stop(), made for another thread) until the request returns.
// Without a `give_up` it does nothing.
class GiveUpWatch {
 public:
  GiveUpWatch(httplib::Client& client, const std::function<std::optional<std::string>()>& give_up,
              std::chrono::milliseconds poll) {
    if (!give_up) return;
    thread_ = std::thread([this, &client, &give_up, poll] {
      std::unique_lock lock(mutex_);
      while (!wake_.wait_for(lock, poll, [this] { return done_; })) {
        if (reason_.empty()) {
          lock.unlock();
          std::optional<std::string> reason = give_up();
          lock.lock();
          if (!reason) continue;
          reason_ = std::move(*reason);
        }
        client.stop();  // again each poll: a request still connecting has no socket to shut yet
      }
    });
  }
  GiveUpWatch(const GiveUpWatch&) = delete;
  GiveUpWatch& operator=(const GiveUpWatch&) = delete;
  ~GiveUpWatch() { finish(); }

  // Stops watching; the reason it gave up, or "" when it did not.
  std::string finish() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    return reason_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::string reason_;
  std::thread thread_;
};

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

// Sends `request` on `connection`, which it uses alone, watched by `give_up` (GiveUpWatch);
// `gave_up` is set to the reason when it gave up.
httplib::Result perform(KeptConnection& connection, const HttpRequest& request, std::chrono::milliseconds timeout,
                        const std::function<std::optional<std::string>()>& give_up, std::chrono::milliseconds poll,
                        std::string& gave_up) {
  httplib::Client& client = connection.client();
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);
  GiveUpWatch watch(client, give_up, poll);
  httplib::Result result = [&]() -> httplib::Result {
    if (request.method == "GET") return client.Get(request.path, headers);
    if (request.method == "POST") return client.Post(request.path, headers, request.body, request.content_type);
    if (request.method == "PUT") return client.Put(request.path, headers, request.body, request.content_type);
    return client.Delete(request.path, headers, request.body, request.content_type);
  }();
  gave_up = watch.finish();
  return result;
}

// Whether a request that failed so on a kept connection may be sent again: when it could not be
// written, or when no answer came and the server cannot have acted on it twice (GET, PUT and
// DELETE are idempotent here; a POST may start a job unless marked idempotent).
bool may_send_again(const HttpRequest& request, httplib::Error error) {
  return error == httplib::Error::Write ||
         (error == httplib::Error::Read && (request.method != "POST" || request.idempotent));
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

void HttpClient::bind_source(std::string address) { source_ = std::move(address); }

void HttpClient::give_up_when(std::function<std::optional<std::string>()> give_up, std::chrono::milliseconds poll) {
  give_up_ = std::move(give_up);
  give_up_poll_ = poll;
}

ringcore::Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "POST" && request.method != "PUT" && request.method != "DELETE") {
    return ringcore::Error::invalid_input("unsupported HTTP method '" + request.method + "'");
  }
  if (tls_ && !ca_cert_file_.empty() && !std::ifstream(ca_cert_file_)) {
    return ringcore::Error::invalid_input("cannot read CA file '" + ca_cert_file_ + "': " + std::strerror(errno));
  }
  const std::string peer = base_url() + " " + ca_cert_file_ + " " + source_;
  std::unique_ptr<KeptConnection> connection = kept_connections().take(peer);
  const bool reused = connection != nullptr;
  if (!connection) connection = std::make_unique<KeptConnection>(base_url(), tls_, ca_cert_file_, source_);
  const auto started = std::chrono::steady_clock::now();
  std::string gave_up;
  httplib::Result result = perform(*connection, request, timeout_, give_up_, give_up_poll_, gave_up);
  if (!result && gave_up.empty() && reused && may_send_again(request, result.error()) &&
      std::chrono::steady_clock::now() - started < timeout_ / 2) {
    // A kept connection that broke at once: the peer closed it as the request went out (its
    // keep-alive timeout, or it restarted). Sent again once, on a new connection.
    connection = std::make_unique<KeptConnection>(base_url(), tls_, ca_cert_file_, source_);
    result = perform(*connection, request, timeout_, give_up_, give_up_poll_, gave_up);
  }
  // After a failure the connection's state is unknown: it is closed with `connection`.
  if (!result && !gave_up.empty()) {
    return ringcore::Error(ringcore::ErrorCode::kPeerDown,
                           request.method + " " + base_url() + request.path + ": gave up: " + gave_up);
  }
  if (!result) {
    httplib::Client& client = connection->client();
    const std::string what = describe(result.error(), tls_ ? client.get_openssl_verify_result() : 0, host_, timeout_);
    // A certificate that cannot be verified is not a server that is away: asking it again, or
    // another agent configured alike, will not help, so it is not kUnavailable. One that does
    // not verify is a code of its own, as an SSH host key refused is: the operator's trust needs
    // fixing (the CA given, or the certificate's names).
    ringcore::ErrorCode code = ringcore::ErrorCode::kUnavailable;
    if (result.error() == httplib::Error::SSLServerVerification) code = ringcore::ErrorCode::kTlsVerify;
    if (result.error() == httplib::Error::SSLLoadingCerts) code = ringcore::ErrorCode::kFailed;
    return ringcore::Error(code, request.method + " " + base_url() + request.path + ": " + what);
  }
  HttpResponse response{result->status, std::move(result->body), result->get_header_value("Content-Type")};
  kept_connections().give_back(peer, std::move(connection));
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
