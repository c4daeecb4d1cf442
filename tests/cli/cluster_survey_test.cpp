// survey_cluster against strict fake agents: every agent is asked, each view keeps what the
// checks read (statuses, states, the schema version), and the cluster's snapshot is the freshest
// view, asked again and parsed whole; a freshest view that does not parse gives way to the next.
#include "cluster_survey.h"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cluster_config.h"
#include "support/strict_fake_agent.h"
#include "support/temp_dir.h"
#include "support/test_files.h"
#include "support/test_paths.h"

using nlohmann::json;
using test_support::StrictFakeAgent;

namespace {

// The example cluster (10.0.0.1 and .2 up, .3 down, one keyspace) as an agent serves it.
json cluster_answer(double age_seconds) {
  const json snapshot =
      json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"));
  return {{"freshness", {{"age_seconds", age_seconds}, {"stale", false}, {"error", nullptr}}}, {"snapshot", snapshot}};
}

// What one agent answers besides its view: its node (with `facts` added), no job, no stream.
void expect_node_jobs_streams(StrictFakeAgent& agent, const std::string& node, json facts = json::object()) {
  facts["address"] = node;
  agent.expect("GET", "/v1/node", 200, {{"node", facts}});
  agent.expect("GET", "/v1/jobs", 200, {{"jobs", json::array()}});
  agent.expect("GET", "/v1/streams", 200, {{"streams", {{"plans", json::array()}}}});
}

// A cluster config listing `agents` as the default cluster, for the survey to read.
class AgentsConfig {
 public:
  explicit AgentsConfig(const std::vector<std::string>& agents) : directory_("ringctl-survey-test-") {
    ringctl::ClusterConfig config;
    config.default_cluster = "c";
    config.clusters["c"].agents = agents;
    const std::string path = directory_.path() + "/clusters.yaml";
    ringctl::save_cluster_config(config, path);
    setenv("RINGCTL_CONFIG", path.c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }

 private:
  test_support::TempDir directory_;
};

const ringcore::Node& node_in(const ringcore::ClusterSnapshot& snapshot, const std::string& address) {
  for (const ringcore::Node& node : snapshot.nodes) {
    if (node.address == address) return node;
  }
  FAIL("no node " << address);
  return snapshot.nodes.front();
}

}  // namespace

TEST_CASE("every view keeps its statuses, and the snapshot is the freshest view asked again and parsed whole") {
  StrictFakeAgent older("127.0.0.71"), freshest("127.0.0.71"), sees_down("127.0.0.71");
  const AgentsConfig config({older.address(), freshest.address(), sees_down.address()});
  older.expect("GET", "/v1/cluster", 200, cluster_answer(5.0));
  expect_node_jobs_streams(older, "10.0.0.1");
  freshest.expect("GET", "/v1/cluster", 200, cluster_answer(1.0));
  expect_node_jobs_streams(freshest, "10.0.0.2");
  freshest.expect("GET", "/v1/cluster", 200, cluster_answer(1.5));  // asked again, for the whole snapshot
  json down = cluster_answer(3.0);
  down["snapshot"]["nodes"][1]["status"] = "down";  // 10.0.0.2, as 10.0.0.3 sees it
  down["snapshot"]["nodes"][1]["state"] = "leaving";
  sees_down.expect("GET", "/v1/cluster", 200, down);
  expect_node_jobs_streams(sees_down, "10.0.0.3");

  const ringctl::ClusterSurvey survey = ringctl::survey_cluster(ringctl::SnapshotSource{});

  CHECK(survey.snapshot_from == freshest.address());
  REQUIRE(survey.snapshot.nodes.size() == 3);
  CHECK(node_in(survey.snapshot, "10.0.0.1").tokens.size() == 16);
  CHECK(node_in(survey.snapshot, "10.0.0.2").status == ringcore::NodeStatus::kUp);
  CHECK(survey.snapshot.keyspaces.size() == cluster_answer(0)["snapshot"]["keyspaces"].size());
  REQUIRE(survey.observations.views);
  const std::vector<ringcore::PeerView>& views = *survey.observations.views;
  REQUIRE(views.size() == 3);
  CHECK(views[0].observer == "10.0.0.1");
  CHECK(views[2].observer == "10.0.0.3");
  // Each agent's first answer:
  CHECK(views[0].age_seconds == 5.0);
  CHECK(views[1].age_seconds == 1.0);
  CHECK(views[2].age_seconds == 3.0);
  for (const ringcore::PeerView& view : views) {
    CHECK(view.answered);
    CHECK(view.snapshot.schema_version == "59adb24e-f3cd-3e02-97f0-5b395827453f");
    CHECK(node_in(view.snapshot, "10.0.0.3").status == ringcore::NodeStatus::kDown);
  }
  CHECK(node_in(views[0].snapshot, "10.0.0.2").status == ringcore::NodeStatus::kUp);
  CHECK(node_in(views[2].snapshot, "10.0.0.2").status == ringcore::NodeStatus::kDown);
  CHECK(node_in(views[2].snapshot, "10.0.0.2").state == ringcore::NodeState::kLeaving);
  for (const StrictFakeAgent* agent : {&older, &freshest, &sees_down}) check_strict(*agent);
  // Every view is asked for without tokens; only the freshest agent, asked again, for them.
  for (const StrictFakeAgent* agent : {&older, &freshest, &sees_down}) {
    CHECK(agent->received().front().query_value("tokens") == "false");
  }
  const auto asked = freshest.received();
  CHECK(asked.back().path == "/v1/cluster");
  CHECK(asked.back().query.empty());
}

TEST_CASE("each node's load, whole and by keyspace, is the one its own agent reports, not the gossiped one") {
  // The gossiped loads in the example are 1,268,777 (10.0.0.1) and 1,022,464 (10.0.0.2); a
  // cleanup that just ended on 10.0.0.1 left it 400,000, which gossip has not carried yet.
  StrictFakeAgent cleaned("127.0.0.71"), other("127.0.0.71");
  const AgentsConfig config({cleaned.address(), other.address()});
  cleaned.expect("GET", "/v1/cluster", 200, cluster_answer(1.0));
  // Its load by keyspace too; a figure that is not a byte count is left out.
  expect_node_jobs_streams(
      cleaned, "10.0.0.1",
      {{"load_bytes", 400000}, {"keyspace_loads", {{"orders", 399000}, {"audit", 1000}, {"odd", -5}, {"bad", "x"}}}});
  cleaned.expect("GET", "/v1/cluster", 200, cluster_answer(1.0));
  other.expect("GET", "/v1/cluster", 200, cluster_answer(2.0));
  expect_node_jobs_streams(other, "10.0.0.2");  // reports no load: the gossiped one stays

  const ringctl::ClusterSurvey survey = ringctl::survey_cluster(ringctl::SnapshotSource{});

  CHECK(node_in(survey.snapshot, "10.0.0.1").load_bytes == 400000);
  CHECK(node_in(survey.snapshot, "10.0.0.2").load_bytes == 1022464);
  CHECK(node_in(survey.snapshot, "10.0.0.3").load_bytes == 1258291);  // no agent: gossiped
  CHECK(node_in(survey.snapshot, "10.0.0.1").keyspace_loads ==
        std::map<std::string, std::int64_t>{{"audit", 1000}, {"orders", 399000}});
  CHECK(node_in(survey.snapshot, "10.0.0.2").keyspace_loads.empty());  // not reported: unknown
  for (const StrictFakeAgent* agent : {&cleaned, &other}) check_strict(*agent);
}

TEST_CASE("a freshest view that does not parse whole counts as not answering, and the next freshest is taken") {
  StrictFakeAgent broken("127.0.0.71"), next("127.0.0.71");
  const AgentsConfig config({broken.address(), next.address()});
  json twice = cluster_answer(0.5);
  twice["snapshot"]["nodes"][1]["tokens"][0] = twice["snapshot"]["nodes"][0]["tokens"][0];  // a token owned twice
  broken.expect("GET", "/v1/cluster", 200, twice);
  expect_node_jobs_streams(broken, "10.0.0.1");
  broken.expect("GET", "/v1/cluster", 200, twice);
  next.expect("GET", "/v1/cluster", 200, cluster_answer(2.0));
  expect_node_jobs_streams(next, "10.0.0.2");
  next.expect("GET", "/v1/cluster", 200, cluster_answer(2.0));

  const ringctl::ClusterSurvey survey = ringctl::survey_cluster(ringctl::SnapshotSource{});

  CHECK(survey.snapshot_from == next.address());
  REQUIRE(survey.observations.views);
  const ringcore::PeerView& failed = survey.observations.views->at(0);
  CHECK_FALSE(failed.answered);
  CHECK(failed.error.find("/v1/cluster") != std::string::npos);
  CHECK(failed.error.find("is owned by both") != std::string::npos);
  CHECK(failed.age_seconds == std::numeric_limits<double>::infinity());  // never fresh, though it said 0.5 s
  CHECK(survey.observations.views->at(1).answered);
  for (const StrictFakeAgent* agent : {&broken, &next}) check_strict(*agent);
}

TEST_CASE("a view with a status that is not up, down or unknown is an agent that failed, named with the node") {
  StrictFakeAgent odd("127.0.0.71"), fine("127.0.0.71");
  const AgentsConfig config({odd.address(), fine.address()});
  json answer = cluster_answer(1.0);
  answer["snapshot"]["nodes"][2]["status"] = "sideways";
  odd.expect("GET", "/v1/cluster", 200, answer);
  fine.expect("GET", "/v1/cluster", 200, cluster_answer(1.0));
  expect_node_jobs_streams(fine, "10.0.0.2");
  fine.expect("GET", "/v1/cluster", 200, cluster_answer(1.0));

  const ringctl::ClusterSurvey survey = ringctl::survey_cluster(ringctl::SnapshotSource{});

  REQUIRE(survey.observations.views);
  const ringcore::PeerView& failed = survey.observations.views->at(0);
  CHECK_FALSE(failed.answered);
  CHECK(failed.observer == "127.0.0.71");
  CHECK(failed.error.find("snapshot.nodes[2]") != std::string::npos);
  CHECK(survey.snapshot_from == fine.address());
  for (const StrictFakeAgent* agent : {&odd, &fine}) check_strict(*agent);
}
