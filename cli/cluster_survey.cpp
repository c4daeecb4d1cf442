#include "cluster_survey.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "agent_client.h"
#include "ringnet/json_fields.h"

namespace ringctl {
namespace {

using nlohmann::json;

// What one agent said, or why it did not.
struct AgentReport {
  std::string agent;
  bool answered = false;
  std::string error;
  double age_seconds = std::numeric_limits<double>::infinity();
  bool stale = false;  // the agent's own word: its node has not answered for a while
  ringcore::ClusterSnapshot view;
  std::string node_address;  // its node, from /v1/node
  std::optional<ringcore::NodeCapacity> capacity;
  std::optional<std::int64_t> load_bytes;              // its node's own figure, from /v1/node
  std::map<std::string, std::int64_t> keyspace_loads;  // the same by keyspace; empty when not reported
  ringcore::NodeActivity activity;
  std::optional<std::vector<std::string>> seeds;  // its node's seed list, when the agent reports one
};

double age_of(const json& answer) {
  const auto freshness = answer.find("freshness");
  if (freshness == answer.end() || !freshness->is_object()) return std::numeric_limits<double>::infinity();
  const auto age = freshness->find("age_seconds");
  return age != freshness->end() && age->is_number() ? age->get<double>() : std::numeric_limits<double>::infinity();
}

bool stale_of(const json& answer) {
  const auto freshness = answer.find("freshness");
  return freshness != answer.end() && freshness->is_object() && freshness->value("stale", false);
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

// The hints a node holds by the node they are for ({"ADDRESS": N}), when its agent reports
// them; counts that are not whole numbers are left out.
std::optional<std::map<std::string, std::int64_t>> hints_by_peer_of(const json& hints) {
  const auto by_peer = hints.find("pending_by_endpoint");
  if (by_peer == hints.end() || !by_peer->is_object()) return std::nullopt;
  std::map<std::string, std::int64_t> counts;
  for (const auto& [peer, count] : by_peer->items()) {
    if (count.is_number_integer()) counts[peer] = count.get<std::int64_t>();
  }
  return counts;
}

ringcore::NodeActivity activity_of(const json& facts, const json& jobs, const json& streams) {
  ringcore::NodeActivity activity;
  activity.address = ringnet::json_text(facts, "address");
  const json& hints = ringnet::json_object(facts, "hints");
  if (const auto pending = ringnet::json_number(hints, "pending")) {
    activity.hints_pending = static_cast<std::int64_t>(*pending);
  }
  activity.hints_by_peer = hints_by_peer_of(hints);
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

// The node's load by keyspace, when its agent reports it: figures that are not byte counts are
// left out, as an unknown load_bytes is.
std::map<std::string, std::int64_t> keyspace_loads_of(const json& facts) {
  std::map<std::string, std::int64_t> loads;
  for (const auto& [keyspace, bytes] : ringnet::json_object(facts, "keyspace_loads").items()) {
    if (bytes.is_number_integer() && bytes.get<std::int64_t>() >= 0) loads[keyspace] = bytes.get<std::int64_t>();
  }
  return loads;
}

std::optional<std::vector<std::string>> seeds_of(const json& facts) {
  const auto seeds = facts.find("seeds");
  if (seeds == facts.end() || !seeds->is_array()) return std::nullopt;
  std::vector<std::string> addresses;
  for (const json& seed : *seeds) {
    if (seed.is_string()) addresses.push_back(seed.get<std::string>());
  }
  return addresses;
}

// A view as the checks read it from every agent: each node's address, status and state as the
// observer sees them, and the schema version. Only the freshest view is parsed whole (tokens,
// keyspaces, validation; full_snapshot below): every view whole is N views x N nodes x their
// tokens, 5 of health's 7 s of CPU at 500 agents (bench/health_fanout_bench.sh).
ringcore::ClusterSnapshot statuses_of(const json& snapshot) {
  ringcore::ClusterSnapshot view;
  view.schema_version = ringnet::json_text(snapshot, "schema_version");
  const json& nodes = ringnet::json_array(snapshot, "nodes");
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    ringcore::Node node;
    node.address = ringnet::json_text(nodes[i], "address");
    const auto status = ringcore::node_status_from_name(ringnet::json_text(nodes[i], "status"));
    const auto state = ringcore::node_state_from_name(ringnet::json_text(nodes[i], "state"));
    if (node.address.empty() || !status || !state) {
      throw ringcore::Error::failed("/v1/cluster: snapshot.nodes[" + std::to_string(i) +
                                    "]: expected an address, a status (up, down, unknown) and a state (normal, "
                                    "joining, leaving, moving)");
    }
    node.status = *status;
    node.state = *state;
    view.nodes.push_back(std::move(node));
  }
  return view;
}

AgentClient client_for(const AgentOptions& base, const std::string& agent, std::chrono::milliseconds timeout) {
  AgentOptions options = base;
  options.agents = {agent};
  options.timeout = timeout;
  return AgentClient(std::move(options));
}

const json& snapshot_member(const json& cluster) {
  if (!cluster.contains("snapshot")) throw ringcore::Error::failed("/v1/cluster has no \"snapshot\"");
  return cluster["snapshot"];
}

AgentReport ask_agent(const AgentOptions& base, const std::string& agent, std::chrono::milliseconds timeout) {
  AgentReport report;
  report.agent = agent;
  try {
    AgentClient client = client_for(base, agent, timeout);
    // Without tokens: every view is read for statuses and states only, and at 500 nodes of 256
    // vnodes a whole view is megabytes per agent. The freshest is asked again, whole.
    const json cluster = client.get("/v1/cluster?tokens=false");
    report.view = statuses_of(snapshot_member(cluster));
    report.age_seconds = age_of(cluster);
    report.stale = stale_of(cluster);
    const json node = client.get("/v1/node");
    const json& facts = node.contains("node") && node["node"].is_object() ? node["node"] : node;
    report.node_address = facts.value("address", "");
    report.capacity = capacity_of(facts);
    if (const auto load = ringnet::json_number(facts, "load_bytes"))
      report.load_bytes = static_cast<std::int64_t>(*load);
    report.keyspace_loads = keyspace_loads_of(facts);
    report.seeds = seeds_of(facts);
    const json jobs = client.get("/v1/jobs");  // then streams: one order, not the compiler's
    report.activity = activity_of(facts, jobs, client.get("/v1/streams"));
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

// The freshest answering agent's whole snapshot, asked of it again and parsed (validated) in
// full: the agents by age, the first in the list among equals. An agent whose snapshot does not
// parse, or that no longer answers, is recorded as failed and the next is tried. Returns the
// report it came from, or nullptr when none is left.
const AgentReport* full_snapshot(std::vector<AgentReport>& reports, const AgentOptions& options,
                                 const SurveyOptions& survey, ringcore::ClusterSnapshot& snapshot) {
  std::vector<AgentReport*> by_age;
  for (AgentReport& report : reports) {
    if (report.answered) by_age.push_back(&report);
  }
  std::stable_sort(by_age.begin(), by_age.end(),
                   [](const AgentReport* a, const AgentReport* b) { return a->age_seconds < b->age_seconds; });
  for (AgentReport* report : by_age) {
    try {
      const json cluster = client_for(options, report->agent, survey.timeout).get("/v1/cluster");
      auto parsed = ringcore::parse_snapshot(snapshot_member(cluster).dump());
      if (!parsed) throw parsed.error().with_context("/v1/cluster");
      snapshot = std::move(parsed).value();
      return report;
    } catch (const ringcore::Error& e) {
      report->error = e.message();
    } catch (const std::exception& e) {
      report->error = e.what();
    }
    report->answered = false;
  }
  return nullptr;
}

}  // namespace

ClusterSurvey survey_cluster(const SnapshotSource& source, const SurveyOptions& options) {
  ClusterSurvey survey;
  if (!source.ring_file.empty()) {
    survey.snapshot = load_snapshot(source);
    return survey;
  }
  const AgentOptions agents = agent_options(source);
  std::vector<AgentReport> reports = ask_every_agent(agents, options);

  const AgentReport* freshest = full_snapshot(reports, agents, options, survey.snapshot);
  if (freshest == nullptr) {
    std::string failures;
    for (const AgentReport& report : reports) failures += "\n  " + report.agent + ": " + report.error;
    throw ringcore::Error(ringcore::ErrorCode::kUnavailable, "no agent answered:" + failures);
  }
  survey.snapshot_from = freshest->agent;

  std::vector<ringcore::PeerView> views;
  std::vector<ringcore::NodeActivity> activity;
  std::map<std::string, const AgentReport*> own_report;  // by node address: what its own agent said
  std::set<std::string> seeds;                           // every node's list merged: a seed named anywhere counts
  bool seeds_known = false;
  for (const AgentReport& report : reports) {
    ringcore::PeerView view;
    view.observer = report.answered && !report.node_address.empty() ? report.node_address : host_of(report.agent);
    view.answered = report.answered;
    view.stale = report.stale;
    view.error = report.error;
    if (report.answered) {
      view.snapshot = report.view;
      activity.push_back(report.activity);
      own_report[report.node_address] = &report;
      if (report.seeds) {
        seeds_known = true;
        seeds.insert(report.seeds->begin(), report.seeds->end());
      }
    }
    if (report.answered) view.age_seconds = report.age_seconds;
    views.push_back(std::move(view));
  }
  // A node's own figures over the gossiped ones of the freshest view.
  for (ringcore::Node& node : survey.snapshot.nodes) {
    const auto it = own_report.find(node.address);
    if (it == own_report.end()) continue;
    const AgentReport& own = *it->second;
    if (own.capacity) node.capacity = *own.capacity;
    if (own.load_bytes) node.load_bytes = *own.load_bytes;
    node.keyspace_loads = own.keyspace_loads;
  }
  survey.observations.views = std::move(views);
  survey.observations.activity = std::move(activity);
  if (seeds_known) survey.observations.seeds = std::vector<std::string>(seeds.begin(), seeds.end());
  return survey;
}

}  // namespace ringctl
