// The lab's client pool: one HTTP client per running member, as a driver's load balancer.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lab/lab_layout.h"
#include "ringnet/http_client.h"

namespace ringctl::lab {

// Requests go round-robin from a hint; a coordinator whose answer ask_another() refuses is
// skipped for the next one. Thread-safe for send().
class Coordinators {
 public:
  // One client per node of `nodes`, members of `lab` (the running ones, as running_nodes()
  // lists them when the caller checked what they know: a member started since is not asked).
  // Throws ringcore::Error (kFailed) when there is none.
  Coordinators(const Lab& lab, const std::vector<const LabNode*>& nodes);

  ringcore::Result<ringnet::HttpResponse> send(const ringnet::HttpRequest& request, std::size_t hint) const;

 private:
  std::vector<ringnet::HttpClient> clients_;
};

// Whether a request's outcome sends it to the next coordinator: this one could not be reached,
// answered 503 (it cannot reach enough replicas: another may, as a driver's retry policy assumes
// for Cassandra's Unavailable), or could not read the request whole (request_unread: a node
// stopping with the request half read; it did nothing with it). The lab's writes are idempotent,
// so asking again is safe.
bool ask_another(const ringcore::Result<ringnet::HttpResponse>& result);

// A failed request as one line: the transport error, or "HTTP 503: <the node's message>".
std::string error_text(const ringcore::Result<ringnet::HttpResponse>& result);

}  // namespace ringctl::lab
