// The act steps (actions.h) against a strict fake agent, which fails on any request it did not
// expect. "Never twice": a resumed run re-attaches to the job its journal recorded and starts
// nothing, and asks again only when the agent no longer knows that job. A step ends once the
// node's agent has collected after the job ended, so that the checks after it see the node as
// the job left it.
#include "playbook/actions.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fake_clock.h"
#include "support/strict_fake_agent.h"
#include "support/test_files.h"
#include "support/test_paths.h"
#include "support/thrown_error.h"

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

// The cleanup job `id`, succeeded at `ended_at`.
json cleanup_ended(const std::string& id, const std::string& ended_at) {
  json answer = cleanup_job(id, "succeeded", 2);
  answer["job"]["ended_at"] = ended_at;
  return answer;
}

// The agent's /v1/node answer for facts collected at `collected_at`.
json node_collected(const std::string& node, const std::string& collected_at) {
  return {{"freshness", {{"collected_at", collected_at}, {"stale", false}}}, {"node", {{"address", node}}}};
}

// Runs the act step `action` with `params` against `agent`, with `record` as its journal record;
// the events it sent.
std::vector<ringctl::Document> run_act(const StrictFakeAgent& agent, const std::string& action,
                                       ringctl::playbook::Values params, ringctl::playbook::StepRecord& record,
                                       ringctl::playbook::StepOutcome& outcome,
                                       const ringruntime::WaitClock& clock = ringruntime::real_clock()) {
  ringctl::SnapshotSource source;
  source.host = agent.address();
  std::vector<ringctl::Document> events;
  ringctl::playbook::StepContext context{
      source,
      std::move(params),
      record,
      [] {},
      [&](ringctl::Document event) { events.push_back(std::move(event)); },
      []() -> ringctl::playbook::Launcher& { throw std::logic_error("no launcher"); }};
  outcome = ringctl::playbook::run_action(action, context, clock);
  return events;
}

// Runs the cleanup step on `node` with `record` as its journal record; the events it sent.
std::vector<ringctl::Document> run_cleanup(const StrictFakeAgent& agent, const std::string& node,
                                           ringctl::playbook::StepRecord& record,
                                           ringctl::playbook::StepOutcome& outcome,
                                           const ringruntime::WaitClock& clock = ringruntime::real_clock()) {
  return run_act(agent, "cleanup", {{"node", node}}, record, outcome, clock);
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

namespace {

// A resumed cleanup step whose recorded job c1 the agent answers with `status` and `answer`: it
// asks again (the agent answering `post_status` with job c2), follows c2, and records it.
void check_asks_again(int status, const json& answer, int post_status) {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.77";
  StrictFakeAgent agent(node);
  agent.expect("GET", "/v1/jobs/c1", status, answer);
  agent.expect("POST", "/v1/operations/cleanup", post_status, cleanup_job("c2", "running", 1));
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

}  // namespace

TEST_CASE("a resumed step whose job the agent no longer knows asks again, and records the job it gets") {
  // The one-operation rule: the cleanup already running is the answer (200), not a second one.
  check_asks_again(404, {{"error", {{"code", "not_found"}, {"message", "no job c1"}}}}, 200);
}

TEST_CASE("a resumed step whose recorded job failed starts the operation again, and records the new job") {
  json failed = cleanup_job("c1", "failed", 1);
  failed["job"]["error"] = "the node ran out of disk";
  check_asks_again(200, failed, 202);  // what stopped the run: not followed again
}

TEST_CASE("a resumed step whose agent does not answer yet follows the recorded job through the gap, starting none") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  // Its node restarting: the agent answers that it does not, then the job as it runs on.
  agent.expect("GET", "/v1/jobs/c1", 503,
               {{"error", {{"code", "unavailable"}, {"message", "node " + node + ":29160: cannot connect"}}}});
  agent.expect("GET", "/v1/jobs/c1", 503,
               {{"error", {{"code", "unavailable"}, {"message", "node " + node + ":29160: cannot connect"}}}});
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_job("c1", "running", 1));
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_ended("c1", "2026-12-05T10:00:05.000Z"));
  agent.expect("GET", "/v1/node", 200, node_collected(node, "2026-12-05T10:00:05.020Z"));

  test_support::FakeClock fake;
  ringctl::playbook::StepRecord record;
  record.started = {{"job", "c1"}, {"agent", agent.address()}, {"operation", "cleanup"}};
  ringctl::playbook::StepOutcome outcome;
  const auto events = run_cleanup(agent, node, record, outcome, fake.clock());
  CHECK(outcome.result["reattached"] == true);
  CHECK(outcome.result["job"] == "c1");
  std::vector<std::string> names;
  for (const auto& event : events) names.push_back(event["event"]);
  // No progress before the agent answers: there is none to show.
  CHECK(names == std::vector<std::string>{"job", "unanswered", "progress"});
  test_support::check_strict(agent);
}

TEST_CASE("a resumed decommission whose agent went with its node, in no other node's view, has ended: none started") {
  unsetenv("RINGCTL_TOKEN");
  // The survey's agent, beside another node; the leaving node's address has nothing listening
  // on the agent port (a lab stops a node that left the ring, and its agent with it).
  StrictFakeAgent survey_agent("127.0.0.76");
  const std::string leaving = "127.0.0.77";
  const json cluster = {
      {"freshness", {{"age_seconds", 1.0}, {"stale", false}, {"error", nullptr}}},
      {"snapshot", json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"))}};
  survey_agent.expect("GET", "/v1/cluster", 200, cluster);
  survey_agent.expect("GET", "/v1/node", 200, {{"node", {{"address", "10.0.0.1"}}}});
  survey_agent.expect("GET", "/v1/jobs", 200, {{"jobs", json::array()}});
  survey_agent.expect("GET", "/v1/streams", 200, {{"streams", {{"plans", json::array()}}}});
  survey_agent.expect("GET", "/v1/cluster", 200, cluster);

  test_support::FakeClock fake;
  const auto started = fake.now;
  ringctl::playbook::StepRecord record;
  record.started = {
      {"job", "d1"}, {"agent", leaving + ":" + std::to_string(survey_agent.port())}, {"operation", "decommission"}};
  ringctl::playbook::StepOutcome outcome;
  const auto events = run_act(survey_agent, "decommission", {{"node", leaving}}, record, outcome, fake.clock());
  CHECK(outcome.message == "decommission on " + leaving + " succeeded");
  CHECK(outcome.result["reattached"] == true);
  CHECK(fake.now == started);  // at once: not after the wait's grace for an agent restarting
  REQUIRE(events.size() == 2);
  CHECK(events[0]["event"] == "job");
  CHECK(events[1]["event"] == "job_ended_unseen");
  CHECK_MESSAGE(events[1]["reason"].get<std::string>().find("cannot connect") != std::string::npos, events[1]);
  test_support::check_strict(survey_agent);
}

TEST_CASE("a cleanup step ends at the first look where the node's agent has collected after the job ended") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("POST", "/v1/operations/cleanup", 202, cleanup_job("c1", "running", 1));
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_ended("c1", "2026-12-05T10:00:05.000Z"));
  // The collection cached when the job ended, then one from after it.
  agent.expect("GET", "/v1/node", 200, node_collected(node, "2026-12-05T10:00:04.700Z"));
  agent.expect("GET", "/v1/node", 200, node_collected(node, "2026-12-05T10:00:05.020Z"));

  test_support::FakeClock fake;
  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  const auto events = run_cleanup(agent, node, record, outcome, fake.clock());
  CHECK(outcome.result["job"] == "c1");
  for (const auto& event : events) CHECK(event["event"] != "facts_not_refreshed");
  const auto asked = agent.received();
  CHECK(asked.back().path == "/v1/node");  // nothing after the collection that held
  test_support::check_strict(agent);       // asked twice, no more
}

TEST_CASE("an agent that never collects after the job's end holds the step 10 s at most, and the step says so") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("POST", "/v1/operations/cleanup", 202, cleanup_job("c1", "running", 1));
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_ended("c1", "2026-12-05T10:00:05.000Z"));
  agent.expect_always("GET", "/v1/node", 200, node_collected(node, "2026-12-05T10:00:03.000Z"));  // a clock behind

  test_support::FakeClock fake;
  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  const auto events = run_cleanup(agent, node, record, outcome, fake.clock());
  CHECK(outcome.result["job"] == "c1");  // the cleanup itself succeeded
  REQUIRE(!events.empty());
  CHECK(events.back()["event"] == "facts_not_refreshed");
  CHECK(events.back()["ended_at"] == "2026-12-05T10:00:05.000Z");
  CHECK(events.back()["collected_at"] == "2026-12-05T10:00:03.000Z");
  std::size_t node_polls = 0;
  for (const auto& request : agent.received()) node_polls += request.path == "/v1/node";
  CHECK(node_polls == 101);  // every 100 ms, and once more at the deadline
  // One pause before the job's first poll (which says it ended); the rest are the collection's.
  REQUIRE(fake.pauses.size() == 101);
  std::chrono::milliseconds waited{0};
  for (std::size_t i = 1; i < fake.pauses.size(); ++i) waited += fake.pauses[i];
  CHECK(waited == std::chrono::seconds(10));
  test_support::check_strict(agent);
}

TEST_CASE("a step whose job fails ends failed, naming the cause and saying to resume once it is fixed") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("POST", "/v1/operations/cleanup", 202, cleanup_job("c1", "running", 1));
  json failed = cleanup_job("c1", "failed", 1);
  failed["job"]["error"] = "reading ks from 127.0.0.78: connection refused";
  agent.expect_always("GET", "/v1/jobs/c1", 200, failed);

  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  const ringcore::Error error = test_support::thrown_error([&] { run_cleanup(agent, node, record, outcome); });
  CHECK(error.code() == ringcore::ErrorCode::kFailed);  // exit 2
  const std::string message = error.message();
  CHECK_MESSAGE(message.find("cleanup job c1 on " + node + " failed: reading ks from 127.0.0.78: connection refused") !=
                    std::string::npos,
                message);
  CHECK_MESSAGE(
      message.find("resume this run (ringctl playbook resume): the step runs the cleanup again") != std::string::npos,
      message);
  test_support::check_strict(agent);
}

TEST_CASE("a node silent past the wait's grace ends its step outcome unknown, saying to start it and resume") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("POST", "/v1/operations/cleanup", 202, cleanup_job("c1", "running", 1));
  // As a lab's agent answers while its node is dead (SIGKILLed mid-job): it cannot reach it.
  agent.expect_always(
      "GET", "/v1/jobs/c1", 503,
      {{"error",
        {{"code", "unavailable"},
         {"message", "node " + node + ":29160: GET /v1/jobs/c1: cannot connect: connection refused"}}}});

  test_support::FakeClock fake;
  const auto started = fake.now;
  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  const ringcore::Error error =
      test_support::thrown_error([&] { run_cleanup(agent, node, record, outcome, fake.clock()); });
  CHECK(error.code() == ringcore::ErrorCode::kOutcomeUnknown);  // exit 7
  // Not at the first such answer: a node paused a few seconds (a JVM's collector) answers so too.
  CHECK(fake.now - started >= std::chrono::seconds(30));
  const std::string message = error.message();
  CHECK_MESSAGE(message.find("lost sight of cleanup job c1 on " + node) != std::string::npos, message);
  CHECK_MESSAGE(
      message.find("if " + node + " is down, start it again, then resume this run (ringctl playbook resume)") !=
          std::string::npos,
      message);
  CHECK(record.started["job"] == "c1");  // recorded: the resumed step asks for it first
  test_support::check_strict(agent);
}

TEST_CASE("a step whose node pauses behind its agent follows the job through the pause, saying so once") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("POST", "/v1/operations/cleanup", 202, cleanup_job("c1", "running", 1));
  // A node stopped a few seconds (a JVM's collector) past the agent's wait for it, twice.
  const json paused = {{"error",
                        {{"code", "unavailable"},
                         {"message", "node " + node + ":29160: GET /v1/jobs/c1: no answer: timed out after 2 s"}}}};
  agent.expect("GET", "/v1/jobs/c1", 503, paused);
  agent.expect("GET", "/v1/jobs/c1", 503, paused);
  agent.expect("GET", "/v1/jobs/c1", 200, cleanup_ended("c1", "2026-12-05T10:00:05.000Z"));
  agent.expect("GET", "/v1/node", 200, node_collected(node, "2026-12-05T10:00:05.020Z"));

  test_support::FakeClock fake;
  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  const auto events = run_cleanup(agent, node, record, outcome, fake.clock());
  CHECK(outcome.result["job"] == "c1");  // the cleanup succeeded
  int unanswered = 0;
  for (const auto& event : events) {
    if (event["event"] != "unanswered") continue;
    ++unanswered;
    CHECK(event["node"] == node);
    CHECK(event["job"] == "c1");
    CHECK_MESSAGE(event["error"].get<std::string>().find("timed out after 2 s") != std::string::npos, event);
  }
  CHECK(unanswered == 1);
  test_support::check_strict(agent);
}

TEST_CASE("a removenode step posts the dead node's host id to the node's own agent and follows the job") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  const std::string dead = "6b2f1c1e-0d4c-4a3e-9d65-2f0f3c1d9a10";
  StrictFakeAgent agent(node);
  json running = cleanup_job("r1", "running", 1);
  running["job"]["operation"] = "removenode";
  json ended = cleanup_ended("r1", "2026-12-05T10:00:05.000Z");
  ended["job"]["operation"] = "removenode";
  agent.expect("POST", "/v1/operations/removenode", 202, running);
  agent.expect("GET", "/v1/jobs/r1", 200, ended);
  agent.expect("GET", "/v1/node", 200, node_collected(node, "2026-12-05T10:00:05.020Z"));

  test_support::FakeClock fake;
  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  run_act(agent, "removenode", {{"node", node}, {"with.host_id", dead}}, record, outcome, fake.clock());
  const auto asked = agent.received();
  REQUIRE(!asked.empty());
  CHECK(json::parse(asked.front().body) == json{{"host_id", dead}});  // exactly what ringctl removenode sends
  CHECK(record.started["job"] == "r1");
  CHECK(record.started["operation"] == "removenode");
  CHECK(outcome.result["operation"] == "removenode");
  CHECK(outcome.message == "removenode on " + node + " succeeded");
  test_support::check_strict(agent);
}

TEST_CASE("a removenode step whose host id came out empty asks nothing") {
  unsetenv("RINGCTL_TOKEN");
  StrictFakeAgent agent("127.0.0.76");  // expects nothing: any request is a failure
  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  const ringcore::Error error = test_support::thrown_error([&] {
    run_act(agent, "removenode", {{"node", "127.0.0.76"}, {"with.host_id", ""}}, record, outcome);
  });
  CHECK(error.code() == ringcore::ErrorCode::kInvalidInput);
  CHECK(error.message() == "with.host_id: is empty; the step needs it");
  test_support::check_strict(agent);
}

TEST_CASE("a setstreamthroughput step puts the cap on the node's own agent, once, and reports what is in force") {
  unsetenv("RINGCTL_TOKEN");
  const std::string node = "127.0.0.76";
  StrictFakeAgent agent(node);
  agent.expect("PUT", "/v1/streams/throughput", 200, {{"mib_per_second", 2.5}});

  ringctl::playbook::StepRecord record;
  ringctl::playbook::StepOutcome outcome;
  run_act(agent, "setstreamthroughput", {{"node", node}, {"with.mib_per_second", "2.5"}}, record, outcome);
  const auto asked = agent.received();
  REQUIRE(asked.size() == 1);
  CHECK(json::parse(asked.front().body) == json{{"mib_per_second", 2.5}});
  CHECK(outcome.result == json{{"node", node}, {"mib_per_second", 2.5}});
  CHECK(outcome.message == "stream throughput of " + node + " set to 2.5 MiB/s");
  test_support::check_strict(agent);
}

TEST_CASE("a setstreamthroughput step whose cap is no number of at least 0 asks nothing") {
  unsetenv("RINGCTL_TOKEN");
  StrictFakeAgent agent("127.0.0.76");  // expects nothing
  for (const std::string bad : {"fast", "-1", ""}) {
    ringctl::playbook::StepRecord record;
    ringctl::playbook::StepOutcome outcome;
    const ringcore::Error error = test_support::thrown_error([&] {
      run_act(agent, "setstreamthroughput", {{"node", "127.0.0.76"}, {"with.mib_per_second", bad}}, record, outcome);
    });
    CHECK(error.code() == ringcore::ErrorCode::kInvalidInput);
    CHECK_MESSAGE(error.message().find("with.mib_per_second") == 0, error.message());
  }
  test_support::check_strict(agent);
}
