// The node running an operation hung (SIGSTOP) past its conviction by the failure detector, then
// resumed (SIGCONT): what the tests that do so (job_node_stopped_test mid-stream,
// job_node_stopped_holds_test in the phases the test hook holds) start, see and expect of the
// job's end: a clear state, succeeded, or failed with a reason and then run again to success.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "support/cluster_checks.h"
#include "support/node_agents.h"

namespace test_support {

// Node `hung` hung, once every node of `observers` has convicted it: they show it down, in
// `state`, and its agent answers that it is not ready. How long that took.
inline double hung_and_convicted(TestCluster& cluster, Agents& agents, int hung, const std::vector<int>& observers,
                                 const std::string& state) {
  const auto hung_at = std::chrono::steady_clock::now();
  cluster.process(hung).send_signal(SIGSTOP);
  for (const int observer : observers) {
    REQUIRE_MESSAGE(wait_until([&] { return seen_down(cluster, observer, hung); }, 60s),
                    member_seen_by(cluster, observer, cluster.address(hung)).dump());
    CHECK(member_seen_by(cluster, observer, cluster.address(hung))["state"] == state);
  }
  const double convicted_after = seconds_since(hung_at);
  ApiReply ready;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        ready = agents.get(hung, "/v1/health/ready");
                        return ready.status == 503;
                      },
                      30s),
                  ready.status << " " << ready.body.dump());
  CHECK_MESSAGE(ready.body["error"]["message"].get<std::string>().find("no collection succeeded") != std::string::npos,
                ready.body.dump());
  MESSAGE("node " << cluster.address(hung) << " hung: down in every other view after " << convicted_after
                  << " s; its agent: " << ready.body["error"]["message"].get<std::string>());
  return convicted_after;
}

inline void agent_ready_again(const Agents& agents, int i) {
  CHECK(wait_until([&] { return agents.get(i, "/v1/health/ready").status == 200; }, 30s));
}

// Node i's jobs, as it lists them (a restarted node lists none: jobs live in the process).
inline Json jobs_of(const TestCluster& cluster, int i) {
  const auto reply = cluster.api(i, "GET", "/v1/jobs");
  REQUIRE_MESSAGE(reply.status == 200, reply.error);
  return reply.body["jobs"];
}

// Starts `operation` on node i; the job's id.
inline std::string start_job(TestCluster& cluster, int i, const std::string& operation, const Json& body) {
  const auto started = cluster.api(i, "POST", "/v1/operations/" + operation, body.dump());
  REQUIRE_MESSAGE(started.status == 202, operation << ": " << started.body.dump());
  return started.body["id"].get<std::string>();
}

// The end of node i's job `first`, which ran through a hang: succeeded, or failed with a reason
// (node i then in `failed_mode`, when one is given) and then run again by `retry`, which returns
// the retry's end, to success. The outcome, for the report.
inline std::string succeeded_or_retried(const TestCluster& cluster, int i, const Json& first,
                                        const std::function<Json()>& retry, const std::string& failed_mode = "") {
  std::string outcome = first["state"].get<std::string>();
  if (first["state"] != "failed") {
    CHECK_MESSAGE(first["state"] == "succeeded", first.dump());
    return outcome;
  }
  CHECK_MESSAGE(!first.value("error", "").empty(), first.dump());
  if (!failed_mode.empty()) CHECK(node_info(cluster, i)["mode"] == failed_mode);
  outcome += " (\"" + first["error"].get<std::string>() + "\")";
  const Json retried = retry();
  CHECK_MESSAGE(retried["state"] == "succeeded", retried.dump());
  return outcome + ", run again: " + retried["state"].get<std::string>();
}

// The end of job `id` of node i, resumed after a hang (succeeded_or_retried): the retry runs
// `operation` with `body` again once `settled` holds. The outcome, for the report.
inline std::string ended_or_retried(TestCluster& cluster, int i, const std::string& id, const std::string& operation,
                                    const Json& body, const std::function<void()>& settled,
                                    const std::string& failed_mode = "") {
  return succeeded_or_retried(
      cluster, i, cluster.wait_for_job(i, id, 180s),
      [&] {
        settled();
        return cluster.run_operation(i, operation, body, 180s);
      },
      failed_mode);
}

// The end of node i's join, resumed after a hang (succeeded_or_retried, JOINING_FAILED when it
// failed): the retry restarts the node, as a join runs again from the start at a node's start.
// The node ends NORMAL. The outcome, for the report.
inline std::string join_ended_or_retried(TestCluster& cluster, int i) {
  const std::string outcome = succeeded_or_retried(
      cluster, i, cluster.bootstrap_job(i),
      [&] {
        REQUIRE(cluster.process(i).terminate(30s) == 0);
        cluster.start(i, true);
        return cluster.bootstrap_job(i);
      },
      "JOINING_FAILED");
  CHECK(node_info(cluster, i)["mode"] == "NORMAL");
  return outcome;
}

}  // namespace test_support
