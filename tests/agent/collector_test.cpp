// The collector against a scripted backend: a success replaces every document at once, a
// failure keeps the last documents and records the error, a node without streams or jobs
// endpoints still counts as collected, readers hold their snapshot while it changes, and the
// node's capacity gains its recent request figures.
#include "collector.h"

#include <doctest/doctest.h>

#include <functional>
#include <future>
#include <thread>

namespace {

using nlohmann::json;
using ringcore::Error;

// Answers with `generation` in every document; fails every call while `down` is set.
struct ScriptedBackend : ringd::Backend {
  int generation = 1;
  bool down = false;
  bool has_jobs_endpoint = true;
  json capacity;                        // the node document's, when set
  std::function<void()> during_gossip;  // runs inside the gossip call, when set

  ringcore::Result<json> answer(const std::string& what) {
    if (down) return Error(ringcore::ErrorCode::kUnavailable, "node 127.0.0.1:9042: GET /v1/" + what + ": timed out");
    return json{{"what", what}, {"generation", generation}};
  }
  ringcore::Result<json> node() override {
    if (down || capacity.is_null()) return answer("node");
    json node = answer("node").value();
    node["capacity"] = capacity;
    return node;
  }
  ringcore::Result<json> cluster() override { return answer("cluster"); }
  ringcore::Result<json> gossip() override {
    if (during_gossip) during_gossip();
    return answer("gossip");
  }
  ringcore::Result<json> streams() override { return answer("streams"); }
  ringcore::Result<json> jobs() override {
    if (!has_jobs_endpoint) return Error::not_found("node: no such path: GET /v1/jobs");
    return json::array({json{{"id", "j" + std::to_string(generation)}, {"state", "running"}}});
  }
  ringcore::Result<json> job(const std::string&) override { return Error::not_found("no job"); }
  ringcore::Result<ringd::OperationStarted> start_operation(const std::string&, const json&) override {
    return Error::conflict("busy");
  }
  ringcore::Result<json> set_throughput(const json&) override { return Error::conflict("busy"); }
};

}  // namespace

TEST_CASE("a successful collection fills every document and the time") {
  ScriptedBackend backend;
  ringd::Collector collector(backend, std::chrono::seconds(1));
  CHECK_FALSE(collector.facts()->collected_at.has_value());
  collector.collect_once();
  const auto facts = collector.facts();
  CHECK(facts->collected_at.has_value());
  CHECK(facts->node["what"] == "node");
  CHECK(facts->cluster["what"] == "cluster");
  CHECK(facts->gossip["what"] == "gossip");
  CHECK(facts->streams["what"] == "streams");
  CHECK(facts->jobs[0]["id"] == "j1");
  CHECK(facts->collections_total == 1);
  CHECK(facts->backend_errors_total == 0);
  CHECK(facts->last_error.empty());
}

TEST_CASE("a failed collection keeps the last documents and time, and records the error") {
  ScriptedBackend backend;
  ringd::Collector collector(backend, std::chrono::seconds(1));
  collector.collect_once();
  const auto before = collector.facts();
  backend.down = true;
  backend.generation = 2;
  collector.collect_once();
  const auto after = collector.facts();
  CHECK(after->node["generation"] == 1);
  CHECK(after->collected_at == before->collected_at);
  CHECK(after->last_error == "node 127.0.0.1:9042: GET /v1/node: timed out");
  CHECK(after->backend_errors_total == 1);
  CHECK(after->collections_total == 2);
  backend.down = false;
  collector.collect_once();
  CHECK(collector.facts()->node["generation"] == 2);
  CHECK(collector.facts()->last_error.empty());
  CHECK(before->node["generation"] == 1);  // a reader's snapshot never changes under it
}

TEST_CASE("a node without a jobs endpoint is collected with no jobs") {
  ScriptedBackend backend;
  backend.has_jobs_endpoint = false;
  ringd::Collector collector(backend, std::chrono::seconds(1));
  collector.collect_once();
  CHECK(collector.facts()->collected_at.has_value());
  CHECK(collector.facts()->jobs == json::array());
}

TEST_CASE("a job seen ended by a live read is shown ended in the cached list at once") {
  ScriptedBackend backend;
  ringd::Collector collector(backend, std::chrono::seconds(60));
  collector.collect_once();
  const auto before = collector.facts();

  collector.record_job({{"id", "j1"}, {"state", "running"}});  // as listed: nothing to change
  CHECK(collector.facts() == before);
  collector.record_job({{"id", "j9"}, {"state", "succeeded"}});  // not listed: the next collection
  CHECK(collector.facts() == before);

  collector.record_job({{"id", "j1"}, {"state", "succeeded"}, {"progress", {{"done", 10}}}});
  const auto after = collector.facts();
  CHECK(after->jobs[0]["state"] == "succeeded");
  CHECK(after->jobs[0]["progress"]["done"] == 10);
  CHECK(after->collected_at == before->collected_at);  // the rest as collected
  CHECK(after->node == before->node);
  CHECK(before->jobs[0]["state"] == "running");  // a reader's snapshot never changes under it
}

TEST_CASE("an attempt waiting on the node is seen while it waits, and only then") {
  ScriptedBackend backend;
  std::promise<void> entered;
  std::promise<void> release;
  backend.during_gossip = [&] {
    entered.set_value();
    release.get_future().wait();
  };
  ringd::Collector collector(backend, std::chrono::seconds(1));
  CHECK_FALSE(collector.attempt_running_for().has_value());
  std::thread attempt([&] { collector.collect_once(); });
  entered.get_future().wait();
  const auto waiting = collector.attempt_running_for();
  release.set_value();
  attempt.join();
  REQUIRE(waiting.has_value());
  CHECK(waiting->count() >= 0);
  CHECK_FALSE(collector.attempt_running_for().has_value());
  CHECK(collector.facts()->collected_at.has_value());
}

TEST_CASE("the background thread collects at once and stops promptly") {
  ScriptedBackend backend;
  ringd::Collector collector(backend, std::chrono::seconds(60));
  collector.start();
  for (int i = 0; i < 500 && !collector.facts()->collected_at; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(collector.facts()->collected_at.has_value());
  const auto started = std::chrono::steady_clock::now();
  collector.stop();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
