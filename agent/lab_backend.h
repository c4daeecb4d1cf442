// LabBackend: the Backend of a ringnode, through its admin API (docs/ringnode-api.md) with
// ringnet::HttpClient. Answers pass through unchanged; an error answer becomes the Error the
// node sent (ringnet::body_or_error), prefixed with the node's address.
#pragma once

#include <chrono>
#include <string>

#include "backend.h"

namespace ringd {

class LabBackend : public Backend {
 public:
  // `read_timeout` bounds each read (connect and answer); operations get `operation_timeout`.
  LabBackend(std::string host, int port, std::chrono::milliseconds read_timeout = std::chrono::seconds(2),
             std::chrono::milliseconds operation_timeout = std::chrono::seconds(10));

  ringcore::Result<nlohmann::json> node() override;
  ringcore::Result<nlohmann::json> cluster() override;
  ringcore::Result<nlohmann::json> gossip() override;
  ringcore::Result<nlohmann::json> streams() override;
  ringcore::Result<nlohmann::json> jobs() override;
  ringcore::Result<nlohmann::json> job(const std::string& id) override;
  ringcore::Result<OperationStarted> start_operation(const std::string& operation, const nlohmann::json& body) override;
  ringcore::Result<nlohmann::json> set_throughput(const nlohmann::json& body) override;

 private:
  // Sends a request and parses the 2xx body as JSON; `status` receives the HTTP status.
  ringcore::Result<nlohmann::json> call(const std::string& method, const std::string& path, const std::string& body,
                                        std::chrono::milliseconds timeout, int* status = nullptr) const;

  std::string host_;
  int port_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds operation_timeout_;
};

}  // namespace ringd
