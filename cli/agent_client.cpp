#include "agent_client.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
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

bool is_ipv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// A host name: dot-separated labels of letters, digits, '-' and '_' (found in /etc/hosts), 1
// to 63 characters each, not starting or ending with a hyphen; at most 253 characters.
bool is_host_name(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63 || host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(host[i])) != 0 || host[i] == '-' || host[i] == '_') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

// Why `host` is not an address or name to connect to; "" when it is one.
std::string host_problem(const std::string& host) {
  if (host.find(':') != std::string::npos) return is_ipv6(host) ? "" : "'" + host + "' is not an IPv6 address";
  const bool dotted_digits = host.find_first_not_of("0123456789.") == std::string::npos;
  if (dotted_digits) return is_ipv4(host) ? "" : "'" + host + "' is not an IPv4 address";
  return is_host_name(host) ? "" : "'" + host + "' is not a host name (letters, digits, '-' and '.')";
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
  if (const std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    return Error::invalid_input("agent address '" + text + "': unsupported scheme '" +
                                std::string(rest.substr(0, scheme)) + "' (http:// or https://)");
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
  if (const std::string problem = host_problem(address.host); !problem.empty()) {
    return Error::invalid_input("agent address '" + text + "': " + problem + " (expected HOST[:PORT] or [IPv6]:PORT)");
  }
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

std::optional<AgentAnswer> AgentClient::ask(std::size_t index, const std::string& method, const std::string& path,
                                            const std::string& body, std::string& attempts) {
  const AgentAddress& address = addresses_[index];
  ringnet::HttpRequest request{method, path, body, "application/json", {}};
  if (!options_.token.empty()) request.headers.emplace_back("Authorization", "Bearer " + options_.token);
  ringnet::HttpClient client(address.host, address.port, options_.timeout);
  if (address.https) client.use_tls(options_.cacert);
  auto response = client.send(request);
  if (!response && response.error().code() == ErrorCode::kUnavailable) {
    attempts += "\n  " + response.error().message();
    return std::nullopt;
  }
  answered_by_ = address.to_string();
  const int status = response ? response->status : 0;
  auto text = ringnet::body_or_error("agent " + answered_by_, std::move(response));
  if (!text) {
    const Error& error = text.error();
    // kUnavailable from an agent that answered means its node did not: a code of its own, so
    // that kUnavailable always means "no agent reachable".
    if (error.code() == ErrorCode::kUnavailable) throw Error(ErrorCode::kNodeUnavailable, error.message());
    throw error;
  }
  AgentAnswer answer{status, nlohmann::json::parse(*text, nullptr, false)};
  if (answer.body.is_discarded()) {
    throw Error::failed("agent " + answered_by_ + " answered " + method + " " + path + " with a body that is not JSON");
  }
  return answer;
}

void AgentClient::throw_unreachable(const std::string& method, const std::string& path,
                                    const std::string& attempts) const {
  throw Error(ErrorCode::kUnavailable, "no agent reachable for " + method + " " + path + ":" + attempts);
}

void AgentClient::ask_first_from_now_on(std::size_t index) {
  if (index != 0)
    std::rotate(addresses_.begin(), addresses_.begin() + static_cast<std::ptrdiff_t>(index), addresses_.end());
}

nlohmann::json AgentClient::get(const std::string& path) {
  std::string attempts;
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    auto answer = ask(i, "GET", path, "", attempts);
    if (!answer) continue;  // not reachable: the next agent may answer
    ask_first_from_now_on(i);
    return std::move(answer->body);
  }
  throw_unreachable("GET", path, attempts);
}

FreshestAnswer AgentClient::get_freshest(const std::string& path) {
  std::string attempts;
  std::optional<FreshestAnswer> first_stale;
  std::size_t first_stale_index = 0;
  int answered = 0;
  for (std::size_t i = 0; i < addresses_.size(); ++i) {
    auto answer = ask(i, "GET", path, "", attempts);
    if (!answer) continue;
    ++answered;
    const nlohmann::json freshness = answer->body.value("freshness", nlohmann::json::object());
    // Current: collected recently, and the last attempt succeeded (an error means the node did
    // not answer its agent a moment ago: its view is on the way to stale).
    const bool stale = freshness.is_object() && (freshness.value("stale", false) ||
                                                 (freshness.contains("error") && !freshness["error"].is_null()));
    if (!stale) {
      ask_first_from_now_on(i);
      return {std::move(answer->body), answered_by_, false, answered};
    }
    if (!first_stale) {
      first_stale = FreshestAnswer{std::move(answer->body), answered_by_, true, 0};
      first_stale_index = i;
    }
  }
  if (!first_stale) throw_unreachable("GET", path, attempts);
  first_stale->agents_asked = answered;
  answered_by_ = first_stale->agent;
  ask_first_from_now_on(first_stale_index);
  return std::move(*first_stale);
}

AgentAnswer AgentClient::post(const std::string& what, const std::string& path, const nlohmann::json& body) {
  return change("POST", what, path, body);
}

AgentAnswer AgentClient::put(const std::string& what, const std::string& path, const nlohmann::json& body) {
  return change("PUT", what, path, body);
}

AgentAnswer AgentClient::change(const std::string& method, const std::string& what, const std::string& path,
                                const nlohmann::json& body) {
  if (!options_.named_target || addresses_.size() != 1) {
    throw Error::invalid_input(what +
                               " changes a node: name that node's agent with -h HOST[:PORT] "
                               "(ringctl never picks the node for you, nor falls over to another agent)");
  }
  std::string attempts;
  auto answer = ask(0, method, path, body.dump(), attempts);
  if (!answer) {
    throw Error(ErrorCode::kUnavailable, "the agent of the node to " + what +
                                             " cannot be reached (no other agent is "
                                             "tried for a change):" +
                                             attempts);
  }
  return std::move(*answer);
}

}  // namespace ringctl
