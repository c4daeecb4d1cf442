#include "cluster_survey.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "agent_client.h"

namespace ringctl {
namespace {

using nlohmann::json;

// What one agent said, or why it did not.
struct AgentReport {
  std::string agent;
  bool answered = false;
  std::string error;
  double age_seconds = std::numeric_limits<double>::infinity();
  ringcore::ClusterSnapshot view;
  std::string node_address;  // its node, from /v1/node
  std::optional<ringcore::NodeCapacity> capacity;
  ringcore::NodeActivity activity;
};

double age_of(const json& answer) {
  const auto freshness = answer.find("freshness");
  if (freshness == answer.end() || !freshness->is_object()) return std::numeric_limits<double>::infinity();
  const auto age = freshness->find("age_seconds");
  return age != freshness->end() && age->is_number() ? age->get<double>() : std::numeric_limits<double>::infinity();
}

// The node's capacity object; without one, the disk figures ringnode's /v1/node always had.
std::optional<ringcore::NodeCapacity> capacity_of(const json& node) {
  json capacity = node.contains("capacity") && node["capacity"].is_object() ? node["capacity"] : json::object();
  for (const char* disk : {"disk_total_bytes", "disk_used_bytes"}) {
    if (!capacity.contains(disk) && node.contains(disk)) capacity[disk] = node[disk];
  }
  auto parsed = ringcore::parse_node_capacity(capacity.dump());
  if (!parsed) return std::nullopt;
  return *parsed;
}

ringcore::NodeActivity activity_of(const json& facts, const json& jobs, const json& streams) {
  ringcore::NodeActivity activity;
  activity.address = facts.value("address", "");
  if (facts.contains("hints") && facts["hints"].is_object() && facts["hints"].contains("pending") &&
      facts["hints"]["pending"].is_number_integer()) {
    activity.hints_pending = facts["hints"]["pending"].get<std::int64_t>();
  }
  if (jobs.contains("jobs") && jobs["jobs"].is_array()) {
    for (const json& job : jobs["jobs"]) {
      if (job.value("state", "") == "running") activity.operations.push_back(job.value("operation", "operation"));
    }
  }
  const json* plans = nullptr;
  if (streams.contains("streams") && streams["streams"].is_object() && streams["streams"].contains("plans")) {
    plans = &streams["streams"]["plans"];
  }
  if (plans != nullptr && plans->is_array()) {
    for (const json& plan : *plans) {
      if (!plan.contains("sessions") || !plan["sessions"].is_array()) continue;
      for (const json& session : plan["sessions"]) {
        if (session.value("state", "") == "streaming") ++activity.active_streams;
      }
    }
  }
  return activity;
}

AgentReport ask_agent(const AgentOptions& base, const std::string& agent, std::chrono::milliseconds timeout) {
  AgentReport report;
  report.agent = agent;
  try {
    AgentOptions options = base;
    options.agents = {agent};
    options.timeout = timeout;
    AgentClient client(std::move(options));
    const json cluster = client.get("/v1/cluster");
    if (!cluster.contains("snapshot")) throw ringcore::Error::failed("/v1/cluster has no \"snapshot\"");
    report.view = ringcore::parse_snapshot(cluster["snapshot"].dump()).value_or_throw();
    report.age_seconds = age_of(cluster);
    const json node = client.get("/v1/node");
    const json& facts = node.contains("node") && node["node"].is_object() ? node["node"] : node;
    report.node_address = facts.value("address", "");
    report.capacity = capacity_of(facts);
    report.activity = activity_of(facts, client.get("/v1/jobs"), client.get("/v1/streams"));
    report.answered = true;
  } catch (const ringcore::Error& e) {
    report.error = e.message();
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

// The agents' host part, for naming a node whose agent did not answer.
std::string host_of(const std::string& agent) {
  auto address = parse_agent_address(agent);
  return address ? address->host : agent;
}

std::vector<AgentReport> ask_every_agent(const AgentOptions& options, const SurveyOptions& survey) {
  std::vector<AgentReport> reports(options.agents.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < reports.size(); i = next++) {
      reports[i] = ask_agent(options, options.agents[i], survey.timeout);
    }
  };
  const std::size_t threads = std::clamp<std::size_t>(survey.parallelism, 1, std::max<std::size_t>(reports.size(), 1));
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& thread : pool) thread.join();
  return reports;
}

}  // namespace

ClusterSurvey survey_cluster(const SnapshotSource& source, const SurveyOptions& options) {
  ClusterSurvey survey;
  if (!source.ring_file.empty()) {
    survey.snapshot = load_snapshot(source);
    return survey;
  }
  const AgentOptions agents = agent_options(source);
  const std::vector<AgentReport> reports = ask_every_agent(agents, options);

  const AgentReport* freshest = nullptr;
  std::string failures;
  for (const AgentReport& report : reports) {
    if (!report.answered) {
      failures += "\n  " + report.agent + ": " + report.error;
    } else if (freshest == nullptr || report.age_seconds < freshest->age_seconds) {
      freshest = &report;
    }
  }
  if (freshest == nullptr) throw ringcore::Error(ringcore::ErrorCode::kUnavailable, "no agent answered:" + failures);
  survey.snapshot = freshest->view;
  survey.snapshot_from = freshest->agent;

  std::vector<ringcore::PeerView> views;
  std::vector<ringcore::NodeActivity> activity;
  std::map<std::string, ringcore::NodeCapacity> capacity;
  for (const AgentReport& report : reports) {
    ringcore::PeerView view;
    view.observer = report.answered && !report.node_address.empty() ? report.node_address : host_of(report.agent);
    view.answered = report.answered;
    view.error = report.error;
    if (report.answered) {
      view.snapshot = report.view;
      activity.push_back(report.activity);
      if (report.capacity) capacity[report.node_address] = *report.capacity;
    }
    views.push_back(std::move(view));
  }
  for (ringcore::Node& node : survey.snapshot.nodes) {
    if (auto it = capacity.find(node.address); it != capacity.end()) node.capacity = it->second;
  }
  survey.observations.views = std::move(views);
  survey.observations.activity = std::move(activity);
  return survey;
}

}  // namespace ringctl
