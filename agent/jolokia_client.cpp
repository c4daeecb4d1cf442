#include "jolokia_client.h"

#include <openssl/evp.h>

#include <charconv>

#include "ringnet/http_client.h"

namespace ringd {

using nlohmann::json;
using ringcore::Error;

namespace {

std::string basic_credentials(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                      reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(length));
  return "Basic " + encoded;
}

JolokiaReply reply_of(const json& item) {
  JolokiaReply reply;
  if (!item.is_object()) {
    reply.error = "not a Jolokia reply: " + item.dump();
    return reply;
  }
  reply.status = item.value("status", 0);
  if (reply.ok()) {
    reply.value = item.contains("value") ? item["value"] : json(nullptr);
  } else {
    reply.error = item.contains("error") && item["error"].is_string() ? item["error"].get<std::string>()
                                                                      : "status " + std::to_string(reply.status);
  }
  return reply;
}

std::string what_of(const json& request) {
  std::string what = request.value("mbean", "?") + " ";
  what += request.contains("operation") ? request.value("operation", "?") : request.value("attribute", "?");
  return what;
}

}  // namespace

std::string JolokiaEndpoint::url() const {
  return std::string(https ? "https://" : "http://") + host + ":" + std::to_string(port) + path;
}

ringcore::Result<JolokiaEndpoint> parse_jolokia_url(const std::string& url) {
  JolokiaEndpoint endpoint;
  std::string_view rest = url;
  const auto bad = [&](const std::string& why) {
    return Error::invalid_input("'" + url + "' is not a Jolokia URL: " + why + " (e.g. http://127.0.0.1:8778/jolokia)");
  };
  if (rest.starts_with("https://")) {
    endpoint.https = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return bad("it must start with http:// or https://");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  endpoint.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (endpoint.path.size() > 1 && endpoint.path.back() == '/') endpoint.path.pop_back();
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("missing ']'");
    endpoint.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("expected :PORT after ']'");
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) return bad("no host");
  if (!port_text.empty() || authority.ends_with(":")) {
    int port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return bad("the port must be 1..65535");
    }
    endpoint.port = port;
  }
  return endpoint;
}

json jolokia_read(const std::string& mbean, const std::string& attribute) {
  return {{"type", "read"}, {"mbean", mbean}, {"attribute", attribute}};
}

json jolokia_write(const std::string& mbean, const std::string& attribute, json value) {
  return {{"type", "write"}, {"mbean", mbean}, {"attribute", attribute}, {"value", std::move(value)}};
}

json jolokia_exec(const std::string& mbean, const std::string& operation, json arguments) {
  return {{"type", "exec"}, {"mbean", mbean}, {"operation", operation}, {"arguments", std::move(arguments)}};
}

JolokiaClient::JolokiaClient(JolokiaEndpoint endpoint, std::string user, std::string password,
                             std::chrono::milliseconds timeout)
    : endpoint_(std::move(endpoint)), user_(std::move(user)), password_(std::move(password)), timeout_(timeout) {}

JolokiaClient JolokiaClient::with_timeout(std::chrono::milliseconds timeout) const {
  return JolokiaClient(endpoint_, user_, password_, timeout);
}

ringcore::Result<std::vector<JolokiaReply>> JolokiaClient::bulk(const std::vector<json>& requests) const {
  ringnet::HttpClient client(endpoint_.host, endpoint_.port, timeout_);
  if (endpoint_.https) client.use_tls("");
  ringnet::HttpRequest request{"POST", endpoint_.path, json(requests).dump(), "application/json", {}};
  if (!user_.empty()) request.headers.emplace_back("Authorization", basic_credentials(user_, password_));
  auto response = client.send(request);
  const std::string who = "Jolokia " + endpoint_.url();
  if (!response) return response.error();
  if (response->status == 401 || response->status == 403) {
    return Error(ringcore::ErrorCode::kUnauthorized,
                 who + ": HTTP " + std::to_string(response->status) + ": " +
                     (user_.empty() ? "the agent needs credentials (jolokia_user, jolokia_password_file)"
                                    : "the agent refused user '" + user_ + "'"));
  }
  if (response->status != 200) return Error::failed(who + ": HTTP " + std::to_string(response->status));
  const json answer = json::parse(response->body, nullptr, false);
  if (answer.is_discarded()) return Error::failed(who + ": the answer is not JSON");
  // A batch Jolokia refuses as a whole comes back as one error object.
  if (!answer.is_array()) return Error::failed(who + ": " + reply_of(answer).error);
  if (answer.size() != requests.size()) {
    return Error::failed(who + ": " + std::to_string(answer.size()) + " replies to " + std::to_string(requests.size()) +
                         " requests");
  }
  std::vector<JolokiaReply> replies;
  replies.reserve(answer.size());
  for (const json& item : answer) replies.push_back(reply_of(item));
  return replies;
}

ringcore::Result<json> JolokiaClient::call(const json& request) const {
  auto replies = bulk({request});
  if (!replies) return replies.error();
  JolokiaReply& reply = replies.value().front();
  if (!reply.ok()) return Error::failed(what_of(request) + ": " + reply.error);
  return std::move(reply.value);
}

}  // namespace ringd
