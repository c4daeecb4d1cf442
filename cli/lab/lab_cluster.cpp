#include "lab/lab_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "job_wait.h"
#include "lab/lab_processes.h"
#include "ringnet/http_client.h"
#include "ringruntime/wait.h"
#include "text/progress.h"
#include "views/json_fields.h"

namespace ringctl::lab {
namespace {

// What is missing for the nodes in `expected` to be up and normal in `view`; empty when nothing.
std::string missing_in_snapshot(const ringcore::ClusterSnapshot& view, const std::string& observer,
                                const std::vector<const LabNode*>& expected) {
  std::string missing;
  for (const LabNode* node : expected) {
    const ringcore::Node* seen = nullptr;
    for (const ringcore::Node& n : view.nodes) {
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
  return missing.empty() ? "" : observer + " sees " + missing;
}

// What is missing for `observer` to see all of `expected` up and normal; empty when nothing.
// Records the observer's schema version in `schema_version`.
std::string missing_in_view(const Lab& lab, const LabNode& observer, const std::vector<const LabNode*>& expected,
                            std::string& schema_version) {
  auto view = observe(lab, observer);
  if (!view) return observer.name + ": " + view.error().message();
  schema_version = view->schema_version;
  return missing_in_snapshot(*view, observer.name, expected);
}

// Polls `pending()` (what is not there yet, one line per observer) until it is empty, with
// "k/n <goal>" on stderr when it is a terminal. Throws ringcore::Error (kFailed) at the
// deadline listing what was still pending.
template <class PendingFn>
void wait_for_views(const Lab& lab, std::size_t observers, const std::string& goal, std::chrono::seconds timeout,
                    const ringruntime::WaitClock& clock, PendingFn pending_fn) {
  StatusLine line;
  const auto start = clock.now();
  std::vector<std::string> pending;
  const bool converged = ringruntime::wait_until(
      [&] {
        pending = pending_fn();
        const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(clock.now() - start);
        line.draw(std::to_string(observers - std::min(observers, pending.size())) + "/" + std::to_string(observers) +
                  " " + goal + " (" + std::to_string(elapsed.count()) + "s)");
        return pending.empty();
      },
      timeout, std::chrono::milliseconds(250), clock);  // gossip moves once a second
  line.keep();
  if (converged) return;
  std::string detail;
  for (const std::string& p : pending) detail += "\n  " + p;
  throw ringcore::Error::failed("the lab did not converge within " + std::to_string(timeout.count()) + "s:" + detail +
                                "\n(logs: " + lab.directory + "/node*/ringnode.log, ringd.log)");
}

}  // namespace

ringcore::Result<ringcore::ClusterSnapshot> observe(const Lab& lab, const LabNode& observer,
                                                    std::chrono::milliseconds timeout) {
  ringnet::HttpClient client(observer.address, lab.spec.native_port, timeout);
  auto response = client.get("/v1/cluster");
  if (!response) return response.error();
  if (response->status != 200) {
    return ringcore::Error::failed(observer.name + " answered /v1/cluster with HTTP " +
                                   std::to_string(response->status));
  }
  auto snapshot = ringcore::parse_snapshot(response->body);
  if (!snapshot) return snapshot.error().with_context(observer.name + "'s /v1/cluster");
  return snapshot;
}

void wait_until_converged(const Lab& lab, const std::vector<const LabNode*>& observers,
                          const std::vector<const LabNode*>& expected, std::chrono::seconds timeout,
                          const ringruntime::WaitClock& clock) {
  const std::string goal = "nodes see all " + std::to_string(expected.size()) + " up and normal";
  wait_for_views(lab, observers.size(), goal, timeout, clock, [&] {
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
    return pending;
  });
}

namespace {

// The view `agent`'s ringd serves (GET /v1/cluster), or why there is none: "<who>: <reason>".
ringcore::Result<ringcore::ClusterSnapshot> agent_view(const Lab& lab, const LabNode& agent, const std::string& who) {
  ringnet::HttpClient client(agent.address, lab.spec.agent_port, std::chrono::seconds(2));
  const auto answer = client.get("/v1/cluster");
  if (!answer || answer->status != 200) {
    return ringcore::Error::failed(who + ": " +
                                   (answer ? "HTTP " + std::to_string(answer->status) : answer.error().message()));
  }
  const auto doc = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  auto view = ringcore::parse_snapshot(doc.is_object() && doc.contains("snapshot") ? doc["snapshot"].dump() : "");
  if (!view) return ringcore::Error::failed(who + ": " + view.error().message());
  return view;
}

// What each agent's view still lacks: `missing(view, who)` ("" when nothing), or why the agent
// has no view.
using MissingFn = std::function<std::string(const ringcore::ClusterSnapshot& view, const std::string& who)>;
std::vector<std::string> pending_in_agent_views(const Lab& lab, const std::vector<const LabNode*>& agents,
                                                const MissingFn& missing) {
  std::vector<std::string> pending;
  for (const LabNode* agent : agents) {
    const std::string who = "the agent of " + agent->name;
    const auto view = agent_view(lab, *agent, who);
    std::string lacks = view ? missing(*view, who) : view.error().message();
    if (!lacks.empty()) pending.push_back(std::move(lacks));
  }
  return pending;
}

}  // namespace

void wait_until_agents_see(const Lab& lab, const std::vector<const LabNode*>& agents,
                           const std::vector<const LabNode*>& expected, std::chrono::seconds timeout,
                           const ringruntime::WaitClock& clock) {
  const std::string goal = "agents show all " + std::to_string(expected.size()) + " up and normal";
  wait_for_views(lab, agents.size(), goal, timeout, clock, [&] {
    return pending_in_agent_views(lab, agents, [&](const ringcore::ClusterSnapshot& view, const std::string& who) {
      return missing_in_snapshot(view, who, expected);
    });
  });
}

void wait_until_agents_list(const Lab& lab, const std::vector<const LabNode*>& agents, const std::string& keyspace,
                            std::chrono::seconds timeout, const ringruntime::WaitClock& clock) {
  wait_for_views(lab, agents.size(), "agents list keyspace '" + keyspace + "'", timeout, clock, [&] {
    return pending_in_agent_views(lab, agents, [&](const ringcore::ClusterSnapshot& view, const std::string& who) {
      const bool listed = std::any_of(view.keyspaces.begin(), view.keyspaces.end(),
                                      [&](const ringcore::Keyspace& k) { return k.name == keyspace; });
      return listed ? std::string() : who + " does not list keyspace '" + keyspace + "' yet";
    });
  });
}

std::vector<const LabNode*> running_nodes(const Lab& lab) {
  std::vector<const LabNode*> nodes;
  for (const LabNode& node : lab.nodes) {
    if (running_pid(lab, node)) nodes.push_back(&node);
  }
  return nodes;
}

namespace {

// GET `path` on the node's admin API as JSON; a ringcore::Error when it does not answer 200.
nlohmann::json get_json(const Lab& lab, const LabNode& node, const std::string& path) {
  ringnet::HttpClient client(node.address, lab.spec.native_port, std::chrono::seconds(2));
  const auto answer = client.get(path);
  if (!answer) throw answer.error().with_context(node.name + " " + path);
  auto doc = nlohmann::json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  if (answer->status != 200 || !doc.is_object()) {
    throw ringcore::Error::failed(node.name + " answered " + path + " with HTTP " + std::to_string(answer->status));
  }
  return doc;
}

// The node's bootstrap job, or null when it has none (yet).
nlohmann::json bootstrap_job(const Lab& lab, const LabNode& node) {
  const nlohmann::json jobs = get_json(lab, node, "/v1/jobs");  // kept: json_array refers into it
  for (const nlohmann::json& job : json_array(jobs, "jobs")) {
    if (json_text(job, "operation") == "bootstrap") return job;
  }
  return nullptr;
}

}  // namespace

void follow_bootstrap(const Lab& lab, const LabNode& node, std::chrono::seconds timeout,
                      const ringruntime::WaitClock& clock) {
  const auto deadline = clock.now() + timeout;
  // The node starts its bootstrap once it has learnt the ring and chosen tokens: find the job.
  nlohmann::json job;
  bool joined_with_nothing_to_stream = false;
  const auto started = clock.now();
  const bool found = ringruntime::wait_until(
      [&] {
        // Right after the start the pid may not run ringnode yet (it is still being exec'd).
        if (clock.now() - started > std::chrono::seconds(2) && !running_pid(lab, node)) {
          throw ringcore::Error::failed(node.name + " exited while joining (log: " + lab.log_path(node) + ")");
        }
        try {
          job = bootstrap_job(lab, node);
          if (!job.is_null()) return true;
          joined_with_nothing_to_stream = json_text(get_json(lab, node, "/v1/node"), "mode") == "NORMAL";
          return joined_with_nothing_to_stream;
        } catch (const ringcore::Error&) {
          return false;  // its API is not up yet
        }
      },
      timeout, std::chrono::milliseconds(200), clock);
  if (joined_with_nothing_to_stream) return;
  if (!found) {
    throw ringcore::Error::failed(node.name + " did not start its bootstrap within " + std::to_string(timeout.count()) +
                                  "s (log: " + lab.log_path(node) + ")");
  }
  // The bar --wait draws: "node4 bootstrap [=====>    ] 1.5 MiB / 4 MiB  37%  ETA 12s".
  JobProgressLine bar(isatty(STDERR_FILENO) != 0);
  WaitOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock.now());
  const JobEvent last = wait_for_job(
      job,
      [&](const std::string& id) {
        // A lab knows its processes: a node that is gone will not answer again.
        if (!running_pid(lab, node)) throw ringcore::Error::failed(node.name + " exited while joining");
        return job_of(get_json(lab, node, "/v1/jobs/" + id));
      },
      [&](const JobEvent& event) {
        const nlohmann::json progress = event.job.value("progress", nlohmann::json::object());
        bar.show(node.name + " bootstrap", json_int(progress, "done"), json_int(progress, "total"),
                 json_text(progress, "unit", "bytes"));
      },
      options, clock);
  bar.keep();
  raise_for(last, node.name + "'s ringnode");
}

std::optional<std::vector<ringcore::Token>> owned_tokens(const Lab& lab, const LabNode& node) {
  nlohmann::json facts;  // kept: json_array refers into it
  try {
    facts = get_json(lab, node, "/v1/node");
  } catch (const ringcore::Error&) {
    return std::nullopt;
  }
  if (json_text(facts, "mode") != "NORMAL") return std::nullopt;
  std::vector<ringcore::Token> tokens;
  for (const nlohmann::json& token : json_array(facts, "tokens")) {
    if (token.is_string()) tokens.push_back(ringcore::parse_token(token.get<std::string>()).value_or_throw());
  }
  std::sort(tokens.begin(), tokens.end());
  return tokens;
}

}  // namespace ringctl::lab
