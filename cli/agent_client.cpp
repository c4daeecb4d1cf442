#include "agent_client.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "ringnet/http_client.h"

namespace ringctl {
namespace {

using ringcore::Error;
using ringcore::ErrorCode;

ringcore::Result<int> parse_port(std::string_view text, const std::string& whole) {
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return Error::invalid_input("agent address '" + whole + "': bad port '" + std::string(text) + "'");
  }
  return port;
}

}  // namespace

std::string AgentAddress::to_string() const {
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (https ? "https://" : "") + shown + ":" + std::to_string(port);
}

ringcore::Result<AgentAddress> parse_agent_address(const std::string& text) {
  AgentAddress address;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    address.https = true;
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::optional<std::string_view> port;
  if (rest.starts_with("[")) {  // [v6] or [v6]:port
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return Error::invalid_input("agent address '" + text + "': missing ']'");
    address.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Error::invalid_input("agent address '" + text + "': expected :PORT after ']'");
      port = after.substr(1);
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (rest.find(':') != colon) {
      address.host = std::string(rest);  // a bare IPv6 address: no port
    } else {
      address.host = std::string(rest.substr(0, colon));
      port = rest.substr(colon + 1);
    }
  } else {
    address.host = std::string(rest);
  }
  if (address.host.empty()) return Error::invalid_input("agent address '" + text + "': no host");
  if (port) {
    auto parsed = parse_port(*port, text);
    if (!parsed) return parsed.error();
    address.port = *parsed;
  }
  return address;
}

AgentClient::AgentClient(AgentOptions options) : options_(std::move(options)) {
  if (options_.agents.empty()) throw Error::invalid_input("no agent address given");
  for (const std::string& agent : options_.agents) {
    AgentAddress address = parse_agent_address(agent).value_or_throw();
    if (!options_.cacert.empty()) address.https = true;
    addresses_.push_back(std::move(address));
  }
}

AgentAnswer AgentClient::send(const std::string& method, const std::string& path, const std::string& body) {
  ringnet::HttpRequest request{method, path, body, "application/json", {}};
  if (!options_.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + options_.token);
  std::string attempts;
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    const AgentAddress& address = addresses_[i];
    ringnet::HttpClient client(address.host, address.port, options_.timeout);
    if (address.https) client.use_tls(options_.cacert);
    auto response = client.send(request);
    if (!response && response.error().code() == ErrorCode::kUnavailable) {
      attempts += "\n  " + response.error().message();
      continue;  // not reachable: the next agent may answer
    }
    // This agent answered: it is final, and it is asked first from now on.
    answered_by_ = address.to_string();
    if (i != 0) std::rotate(addresses_.begin(), addresses_.begin() + static_cast<std::ptrdiff_t>(i), addresses_.end());
    const int status = response ? response->status : 0;
    auto text = ringnet::body_or_error("agent " + answered_by_, std::move(response));
    if (!text) {
      const Error& error = text.error();
      if (error.code() == ErrorCode::kUnavailable) throw Error::failed(error.message());
      throw error;
    }
    AgentAnswer answer{status, nlohmann::json::parse(*text, nullptr, false)};
    if (answer.body.is_discarded()) {
      throw Error::failed("agent " + answered_by_ + " answered " + method + " " + path + " with a body that is not JSON");
    }
    return answer;
  }
  throw Error(ErrorCode::kUnavailable, "no agent reachable for " + method + " " + path + ":" + attempts);
}

nlohmann::json AgentClient::get(const std::string& path) { return send("GET", path, "").body; }

AgentAnswer AgentClient::post(const std::string& path, const nlohmann::json& body) {
  return send("POST", path, body.dump());
}

AgentAnswer AgentClient::put(const std::string& path, const nlohmann::json& body) { return send("PUT", path, body.dump()); }

}  // namespace ringctl
