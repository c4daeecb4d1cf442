// AgentClient: ringctl's side of the agent (ringd) API, over ringnet::HttpClient.
//
// It holds the agents of one cluster in order and asks them in that order: an agent that
// cannot be reached (connection refused, timed out) moves on to the next one, as a driver
// picks a coordinator; an HTTP answer, error or not, is final. The agent that answered is
// remembered and asked first next time. Not thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"

namespace ringctl {

inline constexpr int kDefaultAgentPort = 7070;

// One agent address: "HOST", "HOST:PORT", "https://HOST[:PORT]" (also "http://..."),
// "[v6]:PORT".
struct AgentAddress {
  std::string host;
  int port = kDefaultAgentPort;
  bool https = false;

  std::string to_string() const;
};

// Parses an agent address. Errors (kInvalidInput) name the text.
ringcore::Result<AgentAddress> parse_agent_address(const std::string& text);

struct AgentOptions {
  std::vector<std::string> agents;  // addresses, asked in order
  std::string token;                // bearer token; "" = none
  std::string cacert;               // CA file: every agent is spoken to over HTTPS
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
};

// An agent's answer to a request that succeeded (2xx).
struct AgentAnswer {
  int status = 0;
  nlohmann::json body;
};

class AgentClient {
 public:
  // Throws ringcore::Error (kInvalidInput) for a bad address or an empty list.
  explicit AgentClient(AgentOptions options);

  // GET `path`: the parsed JSON body of a 2xx answer. Errors (thrown ringcore::Error):
  // kUnavailable when no agent could be reached (the message lists each attempt); the agent's
  // own error (body_or_error: its code and message, prefixed with the agent) when it answered
  // with one, except that an agent's "unavailable" becomes kFailed, so that kUnavailable
  // always means "no agent reachable"; kFailed for a body that is not JSON.
  nlohmann::json get(const std::string& path);

  // POST `path` with a JSON body; errors as get().
  AgentAnswer post(const std::string& path, const nlohmann::json& body);

  // PUT `path` with a JSON body; errors as get().
  AgentAnswer put(const std::string& path, const nlohmann::json& body);

  // The agent that answered last ("" before any answer).
  const std::string& answered_by() const { return answered_by_; }

 private:
  AgentAnswer send(const std::string& method, const std::string& path, const std::string& body);

  AgentOptions options_;
  std::vector<AgentAddress> addresses_;
  std::string answered_by_;
};

}  // namespace ringctl
