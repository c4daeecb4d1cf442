#include "ringnet/http_client.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace ringnet {

HttpClient::HttpClient(std::string host, int port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

std::string HttpClient::base_url() const {
  return (tls_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_);
}

void HttpClient::use_tls(std::string ca_cert_file) {
  tls_ = true;
  ca_cert_file_ = std::move(ca_cert_file);
}

ringcore::Result<HttpResponse> HttpClient::send(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "POST" && request.method != "PUT" && request.method != "DELETE") {
    return ringcore::Error::invalid_input("unsupported HTTP method '" + request.method + "'");
  }
  // The scheme-host-port form picks plain or TLS; cpp-httplib is built with OpenSSL here.
  httplib::Client client(base_url());
  if (tls_) {
    client.enable_server_certificate_verification(true);
    if (!ca_cert_file_.empty()) client.set_ca_cert_path(ca_cert_file_.c_str());
  }
  client.set_connection_timeout(timeout_);
  client.set_read_timeout(timeout_);
  client.set_write_timeout(timeout_);
  httplib::Headers headers;
  for (const auto& [name, value] : request.headers) headers.emplace(name, value);

  auto result = [&]() -> httplib::Result {
    if (request.method == "GET") return client.Get(request.path, headers);
    if (request.method == "POST") return client.Post(request.path, headers, request.body, request.content_type);
    if (request.method == "PUT") return client.Put(request.path, headers, request.body, request.content_type);
    return client.Delete(request.path, headers, request.body, request.content_type);
  }();
  if (!result) {
    return ringcore::Error(ringcore::ErrorCode::kUnavailable, request.method + " " + base_url() + request.path +
                                                                  ": " + httplib::to_string(result.error()));
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
