#include "lab_backend.h"

#include "ringnet/http_client.h"
#include "ringnet/http_server.h"

namespace ringd {

using nlohmann::json;
using ringcore::Error;

LabBackend::LabBackend(std::string host, int port, std::chrono::milliseconds read_timeout,
                       std::chrono::milliseconds operation_timeout)
    : host_(std::move(host)), port_(port), read_timeout_(read_timeout), operation_timeout_(operation_timeout) {}

ringcore::Result<json> LabBackend::call(const std::string& method, const std::string& path, const std::string& body,
                                        std::chrono::milliseconds timeout, int* status) const {
  const ringnet::HttpClient client(host_, port_, timeout);
  const std::string who = "node " + host_ + ":" + std::to_string(port_);
  auto response = client.send({method, path, body, "application/json", {}});
  if (response && status) *status = response->status;
  auto text = ringnet::body_or_error(who, std::move(response));
  if (!text) return text.error();
  json document = json::parse(*text, nullptr, false);
  if (document.is_discarded())
    return Error::failed(who + ": " + method + " " + path + " answered with a body that is not JSON");
  return document;
}

ringcore::Result<json> LabBackend::node() { return call("GET", "/v1/node", "", read_timeout_); }
ringcore::Result<json> LabBackend::cluster() { return call("GET", "/v1/cluster", "", read_timeout_); }
ringcore::Result<json> LabBackend::gossip() { return call("GET", "/v1/gossip", "", read_timeout_); }
ringcore::Result<json> LabBackend::streams() { return call("GET", "/v1/streams", "", read_timeout_); }

ringcore::Result<json> LabBackend::jobs() {
  auto answer = call("GET", "/v1/jobs", "", read_timeout_);
  if (!answer) return answer;
  if (!answer->contains("jobs") || !(*answer)["jobs"].is_array())
    return Error::failed("node: GET /v1/jobs has no \"jobs\" list");
  return (*answer)["jobs"];
}

ringcore::Result<json> LabBackend::job(const std::string& id) {
  return call("GET", "/v1/jobs/" + ringnet::percent_encode(id), "", read_timeout_);
}

ringcore::Result<OperationStarted> LabBackend::start_operation(const std::string& operation, const json& body) {
  int status = 0;
  auto answer =
      call("POST", "/v1/operations/" + ringnet::percent_encode(operation), body.dump(), operation_timeout_, &status);
  if (!answer) return answer.error();
  // The node answers with the job, or with {"job": job}; both reach the caller as the job.
  json job = answer->is_object() && answer->contains("job") ? (*answer)["job"] : *answer;
  return OperationStarted{status, std::move(job)};
}

ringcore::Result<json> LabBackend::set_throughput(const json& body) {
  return call("PUT", "/v1/streams/throughput", body.dump(), operation_timeout_);
}

}  // namespace ringd
