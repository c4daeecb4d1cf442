#include "lab/coordinators.h"

#include <nlohmann/json.hpp>

#include "lab/lab_cluster.h"

namespace ringctl::lab {

Coordinators::Coordinators(const Lab& lab, const std::vector<const LabNode*>& nodes) {
  for (const LabNode* node : nodes) {
    clients_.emplace_back(node->address, lab.spec.native_port, std::chrono::seconds(5));
  }
  if (clients_.empty()) throw ringcore::Error::failed("no lab node is running (ringctl lab up)");
}

ringcore::Result<ringnet::HttpResponse> Coordinators::send(const ringnet::HttpRequest& request,
                                                           std::size_t hint) const {
  ringcore::Result<ringnet::HttpResponse> result = ringcore::Error::failed("no coordinator");
  for (std::size_t attempt = 0; attempt < clients_.size(); ++attempt) {
    result = clients_[(hint + attempt) % clients_.size()].send(request);
    if (!ask_another(result)) return result;
  }
  return result;
}

bool ask_another(const ringcore::Result<ringnet::HttpResponse>& result) {
  if (!result || result->status == 503) return true;
  if (result->status / 100 == 2) return false;
  const auto body = ringnet::body_or_error("coordinator", *result);
  return !body && body.error().code() == ringcore::ErrorCode::kRequestUnread;
}

std::string error_text(const ringcore::Result<ringnet::HttpResponse>& result) {
  if (!result) return result.error().message();
  const auto body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() && body["error"].contains("message") &&
      body["error"]["message"].is_string()) {
    return "HTTP " + std::to_string(result->status) + ": " + body["error"]["message"].get<std::string>();
  }
  return "HTTP " + std::to_string(result->status) + ": " + result->body.substr(0, 200);
}

}  // namespace ringctl::lab
