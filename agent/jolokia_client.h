// JolokiaClient: JMX over HTTP through the Jolokia JVM agent (protocol: jolokia.org, "bulk
// requests"), on the project's one HTTP client. A batch of MBean reads and operations goes to
// the agent as one POST of a JSON array, so a collection costs a few HTTP calls however many
// attributes it reads.
//
// Errors: the agent unreachable or silent within the timeout is kUnavailable (the HTTP
// client's message, naming the URL); 401/403 is kUnauthorized naming the user; an answer that
// is not Jolokia's JSON is kFailed. A single request of a batch that fails (an MBean or
// attribute this Cassandra version lacks, an operation that threw) is not an error of the
// batch: its reply carries the status and Jolokia's message.
// Thread-safe: every call opens its own connection.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringcore/error.h"

namespace ringd {

// Where the agent listens: http[s]://HOST[:PORT][/PATH], as in `jolokia_url`; a URL without a
// port means Jolokia's default 8778, one without a path "/".
struct JolokiaEndpoint {
  bool https = false;
  std::string host;
  int port = 8778;
  std::string path = "/jolokia";
  std::string url() const;
};

// Parses `url`; kInvalidInput naming what is wrong (scheme, host, port).
ringcore::Result<JolokiaEndpoint> parse_jolokia_url(const std::string& url);

// One reply of a batch: status 200 and the value, or Jolokia's status and error text.
struct JolokiaReply {
  int status = 0;
  nlohmann::json value;
  std::string error;
  bool ok() const { return status == 200; }
};

// A read of one attribute: {"type": "read", "mbean", "attribute"}.
nlohmann::json jolokia_read(const std::string& mbean, const std::string& attribute);
// A write of one attribute: {"type": "write", "mbean", "attribute", "value"}.
nlohmann::json jolokia_write(const std::string& mbean, const std::string& attribute, nlohmann::json value);
// An operation: {"type": "exec", "mbean", "operation", "arguments"}; `operation` may carry its
// signature ("decommission(boolean)") where the MBean overloads it.
nlohmann::json jolokia_exec(const std::string& mbean, const std::string& operation,
                            nlohmann::json arguments = nlohmann::json::array());

class JolokiaClient {
 public:
  // `user` empty: no credentials; otherwise HTTP basic authentication with `password`.
  JolokiaClient(JolokiaEndpoint endpoint, std::string user, std::string password, std::chrono::milliseconds timeout);

  // Sends `requests` (each from jolokia_read / jolokia_exec) as one bulk request; the replies
  // in the same order.
  ringcore::Result<std::vector<JolokiaReply>> bulk(const std::vector<nlohmann::json>& requests) const;

  // One request; a failed reply becomes kFailed "<mbean> <operation or attribute>: <error>".
  ringcore::Result<nlohmann::json> call(const nlohmann::json& request) const;

  // The same agent, with another timeout (long operations block the agent's answer).
  JolokiaClient with_timeout(std::chrono::milliseconds timeout) const;

  const JolokiaEndpoint& endpoint() const { return endpoint_; }

 private:
  JolokiaEndpoint endpoint_;
  std::string user_;
  std::string password_;
  std::chrono::milliseconds timeout_;
};

}  // namespace ringd
