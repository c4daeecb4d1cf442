// AgentClient: ringctl's side of the agent (ringd) API, over ringnet::HttpClient.
//
// Reads (GET) may ask any agent of the cluster: it holds them in order and asks them in that
// order; an agent that cannot be reached (connection refused, timed out) moves on to the next
// one, as a driver picks a coordinator; an HTTP answer, error or not, is final. The agent that
// answered is remembered and asked first next time.
//
// Writes (POST, and any later mutating request) change one node, so they go only to an agent
// the operator named (-h, AgentOptions::named_target) and never fail over: an unreachable
// agent is an error, not a reason to change another node. Not thread-safe.
#pragma once

#include <chrono>
#include <optional>
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
  // The one agent was named by the operator (-h): only then may a request change its node.
  bool named_target = false;
};

// An agent's answer to a request that succeeded (2xx).
struct AgentAnswer {
  int status = 0;
  nlohmann::json body;
};

// A read answered from an agent's cache, with how fresh it is.
struct FreshestAnswer {
  nlohmann::json body;
  std::string agent;     // who answered
  bool stale = false;    // the answer's "freshness" says stale: no agent asked had a fresh one
  int agents_asked = 0;  // how many answered (the stale ones included)
};

class AgentClient {
 public:
  // Throws ringcore::Error (kInvalidInput) for a bad address or an empty list.
  explicit AgentClient(AgentOptions options);

  // GET `path`: the parsed JSON body of a 2xx answer. Errors (thrown ringcore::Error):
  // kUnavailable when no agent could be reached (the message lists each attempt); the agent's
  // own error (body_or_error: its code and message, prefixed with the agent) when it answered
  // with one, except that an agent's "unavailable" (its node did not answer) becomes
  // kNodeUnavailable, so that kUnavailable always means "no agent reachable"; kFailed for a body
  // that is not JSON.
  nlohmann::json get(const std::string& path);

  // GET `path` of a cached answer (one with a "freshness" member), preferring a current one: an
  // agent whose answer is stale, or whose last attempt to reach its node failed ("error" not
  // null), is passed over for the next agent; only when none is current is the first such
  // answer returned, marked stale.
  // Errors as get().
  FreshestAnswer get_freshest(const std::string& path);

  // POST or PUT `path` with a JSON body to the named agent; never to another: a change. Errors
  // as get(), and kInvalidInput (naming `what`, e.g. "decommission") when no agent was named
  // with -h.
  AgentAnswer post(const std::string& what, const std::string& path, const nlohmann::json& body);
  AgentAnswer put(const std::string& what, const std::string& path, const nlohmann::json& body);

  // The agent that answered last ("" before any answer).
  const std::string& answered_by() const { return answered_by_; }

 private:
  AgentAnswer change(const std::string& method, const std::string& what, const std::string& path,
                     const nlohmann::json& body);
  std::optional<AgentAnswer> ask(std::size_t index, const std::string& method, const std::string& path,
                                 const std::string& body, std::string& attempts);
  void ask_first_from_now_on(std::size_t index);
  [[noreturn]] void throw_unreachable(const std::string& method, const std::string& path,
                                      const std::string& attempts) const;

  AgentOptions options_;
  std::vector<AgentAddress> addresses_;
  std::string answered_by_;
};

}  // namespace ringctl
