// The lab's client pool: one HTTP client per running member, as a driver's load balancer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lab/lab_layout.h"
#include "ringnet/http_client.h"

namespace ringctl::lab {

// Requests go round-robin from a hint; a coordinator that cannot be reached, or answers 503 (it
// cannot reach enough replicas), is skipped for the next one. Thread-safe for send().
class Coordinators {
 public:
  // One client per running member. Throws ringcore::Error (kFailed) when none runs.
  explicit Coordinators(const Lab& lab);

  ringcore::Result<ringnet::HttpResponse> send(const ringnet::HttpRequest& request, std::size_t hint) const;

 private:
  std::vector<ringnet::HttpClient> clients_;
};

// A failed request as one line: the transport error, or "HTTP 503: <the node's message>".
std::string error_text(const ringcore::Result<ringnet::HttpResponse>& result);

}  // namespace ringctl::lab
