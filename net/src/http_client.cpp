#include "ringnet/http_client.h"

#include <httplib.h>
#include <openssl/x509.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

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
  // The scheme-host-port form picks plain or TLS; cpp-httplib is built with OpenSSL here.
  httplib::Client client(base_url());
  if (tls_) {
    client.enable_server_certificate_verification(true);
    if (!ca_cert_file_.empty()) client.set_ca_cert_path(ca_cert_file_.c_str());
  }
  if (!source_.empty()) client.set_interface(source_);  // an address works as well as a name
  client.set_connection_timeout(timeout_);
  client.set_read_timeout(timeout_);
  client.set_write_timeout(timeout_);
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);

  GiveUpWatch watch(client, give_up_, give_up_poll_);
  auto result = [&]() -> httplib::Result {
    if (request.method == "GET") return client.Get(request.path, headers);
    if (request.method == "POST") return client.Post(request.path, headers, request.body, request.content_type);
    if (request.method == "PUT") return client.Put(request.path, headers, request.body, request.content_type);
    return client.Delete(request.path, headers, request.body, request.content_type);
  }();
  const std::string gave_up = watch.finish();
  if (!result && !gave_up.empty()) {
    return ringcore::Error(ringcore::ErrorCode::kUnavailable,
                           request.method + " " + base_url() + request.path + ": gave up: " + gave_up);
  }
  if (!result) {
    const std::string what = describe(result.error(), tls_ ? client.get_openssl_verify_result() : 0, host_, timeout_);
    // A certificate that cannot be verified is not a server that is away: asking it again, or
    // another agent configured alike, will not help, so it is not kUnavailable.
    const bool refused_by_tls =
        result.error() == httplib::Error::SSLServerVerification || result.error() == httplib::Error::SSLLoadingCerts;
    return ringcore::Error(refused_by_tls ? ringcore::ErrorCode::kFailed : ringcore::ErrorCode::kUnavailable,
                           request.method + " " + base_url() + request.path + ": " + what);
  }
  return HttpResponse{result->status, result->body, result->get_header_value("Content-Type")};
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
