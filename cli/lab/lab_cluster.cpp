#include "lab/lab_cluster.h"

#include <unistd.h>

#include <iostream>
#include <map>
#include <thread>

#include "lab/lab_processes.h"
#include "text/progress.h"
#include "ringnet/http_client.h"

namespace ringctl::lab {
namespace {

// What is missing for `observer` to see all of `expected` up and normal; empty when nothing.
// Records the observer's schema version in `schema_version`.
std::string missing_in_view(const Lab& lab, const LabNode& observer, const std::vector<const LabNode*>& expected,
                            std::string& schema_version) {
  auto view = observe(lab, observer);
  if (!view) return observer.name + ": " + view.error().message();
  schema_version = view->schema_version;
  std::string missing;
  for (const LabNode* node : expected) {
    const ringcore::Node* seen = nullptr;
    for (const ringcore::Node& n : view->nodes) {
      if (n.address == node->address) seen = &n;
    }
    std::string problem;
    if (seen == nullptr) {
      problem = "not known";
    } else if (seen->status != ringcore::NodeStatus::kUp || seen->state != ringcore::NodeState::kNormal) {
      problem = std::string(ringcore::node_status_name(seen->status)) + "/" + ringcore::node_state_name(seen->state);
    }
    if (!problem.empty()) missing += (missing.empty() ? "" : ", ") + node->name + " " + problem;
  }
  return missing.empty() ? "" : observer.name + " sees " + missing;
}

}  // namespace

ringcore::Result<ringcore::ClusterSnapshot> observe(const Lab& lab, const LabNode& observer,
                                                    std::chrono::milliseconds timeout) {
  ringnet::HttpClient client(observer.address, lab.spec.native_port, timeout);
  auto response = client.get("/v1/cluster");
  if (!response) return response.error();
  if (response->status != 200) {
    return ringcore::Error::failed(observer.name + " answered /v1/cluster with HTTP " + std::to_string(response->status));
  }
  auto snapshot = ringcore::parse_snapshot(response->body);
  if (!snapshot) return snapshot.error().with_context(observer.name + "'s /v1/cluster");
  return snapshot;
}

void wait_until_converged(const Lab& lab, const std::vector<const LabNode*>& observers,
                          const std::vector<const LabNode*>& expected, std::chrono::seconds timeout) {
  StatusLine line;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  for (;;) {
    std::vector<std::string> pending;
    std::map<std::string, std::vector<std::string>> schema_versions;  // version -> nodes
    for (const LabNode* observer : observers) {
      std::string version;
      std::string missing = missing_in_view(lab, *observer, expected, version);
      if (!missing.empty()) pending.push_back(std::move(missing));
      schema_versions[version].push_back(observer->name);
    }
    if (pending.empty() && schema_versions.size() > 1) {
      std::string versions;
      for (const auto& [version, nodes] : schema_versions) {
        versions += (versions.empty() ? "" : "; ") + version + " on";
        for (const std::string& node : nodes) versions += " " + node;
      }
      pending.push_back("no schema agreement: " + versions);
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    line.draw(std::to_string(observers.size() - pending.size()) + "/" + std::to_string(observers.size()) +
              " nodes see all " + std::to_string(expected.size()) + " up and normal" +
              (schema_versions.size() > 1 ? ", schema not agreed" : "") + " (" + std::to_string(elapsed.count()) + "s)");
    if (pending.empty()) {
      line.keep();
      return;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      line.keep();
      std::string detail;
      for (const std::string& p : pending) detail += "\n  " + p;
      throw ringcore::Error::failed("the lab did not converge within " + std::to_string(timeout.count()) + "s:" +
                                    detail + "\n(node logs: " + lab.directory + "/node*/ringnode.log)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));  // gossip moves once a second
  }
}

std::vector<const LabNode*> running_nodes(const Lab& lab) {
  std::vector<const LabNode*> nodes;
  for (const LabNode& node : lab.nodes) {
    if (running_pid(lab, node)) nodes.push_back(&node);
  }
  return nodes;
}

}  // namespace ringctl::lab
