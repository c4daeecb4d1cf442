// The act steps' "never twice" contract (actions.h) against a strict fake agent, which fails on
// any request it did not expect: a resumed run re-attaches to the job its journal recorded and
// starts nothing, and asks again only when the agent no longer knows that job.
#include "playbook/actions.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/strict_fake_agent.h"

using nlohmann::json;
using test_support::StrictFakeAgent;

namespace {

json cleanup_job(const std::string& id, const std::string& state, int done) {
  return {{"job",
           {{"id", id},
            {"operation", "cleanup"},
            {"state", state},
            {"progress", {{"done", done}, {"total", 2}, {"unit", "keyspaces"}}},
            {"error", nullptr}}}};
}

// Runs the cleanup step on `node` with `record` as its journal record; the events it sent.
std::vector<ringctl::Document> run_cleanup(const StrictFakeAgent& agent, const std::string& node,
                                           ringctl::playbook::StepRecord& record,
                                           ringctl::playbook::StepOutcome& outcome) {
  ringctl::SnapshotSource source;
  source.host = agent.address();
  std::vector<ringctl::Document> events;
  ringctl::playbook::StepContext context{
      source,
      {{"node", node}},
      record,
      [] {},
      [&](ringctl::Document event) { events.push_back(std::move(event)); },
      []() -> ringctl::playbook::Launcher& { throw std::logic_error("no launcher"); }};
  outcome = ringctl::playbook::run_action("cleanup", context);
  return events;
}

}  // namespace

TEST_CASE("a resumed cleanup re-attaches to the job its journal recorded and starts none") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_job("c1", "running", 1));  // still known: no POST
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_job("c1", "running", 1));
  agent.expect_always("GET", "/v1/jobs/c1", 200, cleanup_job("c1", "succeeded", 2));

  ringctl::playbook::StepRecord record;
  record.started = {{"job", "c1"}, {"agent", agent.address()}, {"operation", "cleanup"}};
  ringctl::playbook::StepOutcome outcome;
  const auto events = run_cleanup(agent, node, record, outcome);
  CHECK(outcome.result["reattached"] == true);
  CHECK(outcome.result["job"] == "c1");
  REQUIRE(!events.empty());
  CHECK(events.front()["event"] == "job");
  CHECK(events.front()["reattached"] == true);
  test_support::check_strict(agent);
}

TEST_CASE("a resumed step whose job the agent no longer knows asks again, and records the job it gets") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.77";
  StrictFakeAgent agent(node);
  agent.expect("GET", "/v1/jobs/c1", 404, {{"error", {{"code", "not_found"}, {"message", "no job c1"}}}});
  // The one-operation rule: the cleanup already running is the answer (200), not a second one.
  agent.expect("POST", "/v1/operations/cleanup", 200, cleanup_job("c2", "running", 1));
  agent.expect_always("GET", "/v1/jobs/c2", 200, cleanup_job("c2", "succeeded", 2));

  ringctl::playbook::StepRecord record;
  record.started = {{"job", "c1"}, {"agent", agent.address()}, {"operation", "cleanup"}};
  ringctl::playbook::StepOutcome outcome;
  run_cleanup(agent, node, record, outcome);
  CHECK(outcome.result["reattached"] == false);
  CHECK(outcome.result["job"] == "c2");
  CHECK(record.started["job"] == "c2");  // written to the journal before the wait
  test_support::check_strict(agent);
}
