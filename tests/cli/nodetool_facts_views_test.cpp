// The views of the node-facts commands (compactionstats, tpstats, describecluster,
// getstreamthroughput, version) render recorded agent documents (tests/data/agent/facts_*.json,
// recorded from a two-node lab by hand with curl) in nodetool's layouts; their JSON documents
// keep what the table prints.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ringcore/snapshot.h"
#include "ringcore/version.h"
#include "support/test_paths.h"
#include "views/compactionstats_view.h"
#include "views/describecluster_view.h"
#include "views/streamthroughput_view.h"
#include "views/tpstats_view.h"
#include "views/version_view.h"

namespace {

using Json = nlohmann::json;

Json recorded(const std::string& name) {
  std::ifstream file(std::string(RINGCTL_TEST_DATA_DIR) + "/agent/" + name);
  REQUIRE_MESSAGE(file, name);
  return Json::parse(file);
}

template <class Print>
std::string printed(Print print) {
  std::ostringstream out;
  print(out);
  return out.str();
}

// The recorded node document with its compaction object replaced.
Json node_with_compaction(const Json& compaction) {
  Json node = recorded("facts_node.json")["node"];
  node["compaction"] = compaction;
  return node;
}

}  // namespace

TEST_CASE("compactionstats: pending tasks per keyspace with some, then an empty line, no table when nothing runs") {
  const Json node = node_with_compaction({{"pending_tasks", 3},
                                          {"pending_bytes", 150994944},
                                          {"keyspaces",
                                           {{{"name", "facts"}, {"pending_tasks", 3}, {"pending_bytes", 150994944}},
                                            {{"name", "idle"}, {"pending_tasks", 0}, {"pending_bytes", 0}}}},
                                          {"active", Json::array()}});
  CHECK(printed([&](std::ostream& out) { ringctl::print_compactionstats(node, false, out); }) ==
        "pending tasks: 3\n"
        "- facts: 3\n"
        "\n");
}

TEST_CASE("compactionstats with running compactions: nodetool's table, progress, n/a remaining time, -H sizes") {
  const Json node = node_with_compaction(
      {{"pending_tasks", 1},
       {"pending_bytes", 10},
       {"keyspaces", {{{"name", "facts"}, {"pending_tasks", 1}, {"pending_bytes", 10}}}},
       {"active",
        {{{"id", 12}, {"keyspace", "facts"}, {"completed_bytes", 1048576}, {"total_bytes", 4194304}},
         {{"id", 7}, {"keyspace", "a"}, {"completed_bytes", 0}, {"total_bytes", 0}}}}});
  CHECK(printed([&](std::ostream& out) { ringctl::print_compactionstats(node, false, out); }) ==
        "pending tasks: 1\n"
        "- facts: 1\n"
        "\n"
        "id compaction type keyspace table completed total   unit  progress\n"
        "12 Compaction      facts          1048576   4194304 bytes 25.00%  \n"
        "7  Compaction      a              0         0       bytes n/a     \n"
        "Active compaction remaining time :        n/a\n");
  const std::string human = printed([&](std::ostream& out) { ringctl::print_compactionstats(node, true, out); });
  CHECK(human.find("12 Compaction      facts          1 MiB     4 MiB   bytes 25.00%  \n") != std::string::npos);

  const auto doc = ringctl::compactionstats_document(node);
  CHECK(doc["pending_tasks"] == 1);
  CHECK(doc["active"][0]["progress_pct"].get<double>() == doctest::Approx(25.0));
  CHECK(doc["active"][1]["progress_pct"].is_null());
  CHECK(doc["active"][0]["compaction_type"] == "Compaction");
}

TEST_CASE("compactionstats of a node that reports no compaction object: zero pending, nothing running") {
  Json node = recorded("facts_node.json")["node"];
  node.erase("compaction");
  CHECK(printed([&](std::ostream& out) { ringctl::print_compactionstats(node, false, out); }) ==
        "pending tasks: 0\n\n");
}

TEST_CASE("tpstats: request stages as pools, then dropped messages with nodetool's padded headers") {
  Json node = recorded("facts_node.json")["node"];
  node["requests"] = {{"read", {{"active", 2}, {"completed", 40}, {"dropped", 0}}},
                      {"write", {{"active", 1}, {"completed", 1065}, {"dropped", 5}}}};
  CHECK(printed([&](std::ostream& out) { ringctl::print_tpstats(node, out); }) ==
        "Pool Name                 Active Pending Completed Blocked All time blocked\n"
        "Native-Transport-Requests 3      0       1105      0       0               \n"
        "ReadStage                 2      0       40        0       0               \n"
        "MutationStage             1      0       1065      0       0               \n"
        "\n"
        "Latencies waiting in queue (micros) per dropped message types\n"
        "Message type Dropped     50%      95%      99%      Max\n"
        "READ_REQ     0           N/A      N/A      N/A      N/A\n"
        "MUTATION_REQ 5           N/A      N/A      N/A      N/A\n");
  const auto doc = ringctl::tpstats_document(node);
  CHECK(doc["pools"][0]["name"] == "Native-Transport-Requests");
  CHECK(doc["pools"][0]["completed"] == 1105);
  CHECK(doc["pools"][2]["active"] == 1);
  CHECK(doc["dropped_messages"][1] == ringctl::Document{{"message_type", "MUTATION_REQ"}, {"dropped", 5}});
}

TEST_CASE("version: nodetool's ReleaseVersion line") {
  const Json node = recorded("facts_node.json")["node"];
  CHECK(printed([&](std::ostream& out) { ringctl::print_version(node, out); }) == "ReleaseVersion: ringnode-0.1.0\n");
  CHECK(ringctl::version_document(node)["release_version"] == "ringnode-0.1.0");
}

TEST_CASE("version -o json names ringctl's own version and the JSON format scripts check") {
  const ringctl::Document doc = ringctl::version_document(recorded("facts_node.json")["node"]);
  CHECK(doc["ringctl_version"] == ringcore::version());
  CHECK(doc["json_format"] == ringctl::kJsonFormat);
}

TEST_CASE("getstreamthroughput: unlimited, whole and fractional megabits, -m in MiB/s") {
  const auto text = [](double mib, bool in_mib) {
    return printed([&](std::ostream& out) {
      ringctl::print_streamthroughput(Json{{"throughput_mib_per_second", mib}}, in_mib, out);
    });
  };
  CHECK(text(0, false) == "Current stream throughput: unlimited\n");
  CHECK(text(0, true) == "Current stream throughput: unlimited\n");
  CHECK(text(24, false) == "Current stream throughput: 201.326592 Mb/s\n");
  CHECK(text(125, false) == "Current stream throughput: 1048.576 Mb/s\n");
  CHECK(text(1000000.0 / 8388608.0 * 8, false) == "Current stream throughput: 8 Mb/s\n");
  CHECK(text(24, true) == "Current stream throughput: 24.0 MiB/s\n");
  CHECK(text(0.5, true) == "Current stream throughput: 0.5 MiB/s\n");
  const auto doc = ringctl::streamthroughput_document(recorded("facts_streams.json")["streams"]);
  CHECK(doc["unlimited"] == true);
  CHECK(doc["mib_per_second"] == 0.0);
}

namespace {

ringcore::ClusterSnapshot recorded_snapshot() {
  return ringcore::parse_snapshot(recorded("facts_cluster.json")["snapshot"].dump()).value_or_throw();
}

const std::string kSchema = "c7a24fbf-06ec-0e25-4a05-f890ca586c2b";

}  // namespace

TEST_CASE("tpstats of the recorded node: its 100 reads and 200 writes") {
  const std::string text =
      printed([](std::ostream& out) { ringctl::print_tpstats(recorded("facts_node.json")["node"], out); });
  CHECK(
      text.starts_with("Pool Name                 Active Pending Completed Blocked All time blocked\n"
                       "Native-Transport-Requests 0      0       300       0       0               \n"
                       "ReadStage                 0      0       100       0       0               \n"
                       "MutationStage             0      0       200       0       0               \n"));
}

TEST_CASE("describecluster of the recorded two-node cluster: one schema version, nodetool's blank lines") {
  const auto report = ringctl::build_describecluster(recorded_snapshot(), recorded("facts_gossip.json")["endpoints"]);
  CHECK(printed([&](std::ostream& out) { ringctl::print_describecluster(report, out); }) ==
        "Cluster Information:\n"
        "\tName: lab\n"
        "\tSnitch: org.apache.cassandra.locator.GossipingPropertyFileSnitch\n"
        "\tDynamicEndPointSnitch: disabled\n"
        "\tPartitioner: org.apache.cassandra.dht.Murmur3Partitioner\n"
        "\tSchema versions:\n"
        "\t\t" +
            kSchema +
            ": [127.0.0.64, 127.0.0.65]\n"
            "\n"
            "Stats for all nodes:\n"
            "\tLive: 2\n"
            "\tJoining: 0\n"
            "\tMoving: 0\n"
            "\tLeaving: 0\n"
            "\tUnreachable: 0\n"
            "\n"
            "Data Centers: \n"
            "\tdc1 #Nodes: 2 #Down: 0\n"
            "\n"
            "Database versions:\n"
            "\tringnode-0.1.0: [127.0.0.64:17800, 127.0.0.65:17800]\n"
            "\n"
            "Keyspaces:\n"
            "\tfacts -> Replication class: SimpleStrategy {replication_factor=2}\n");
  const auto doc = ringctl::describecluster_document(report);
  CHECK(doc["schema_agreement"] == true);
  CHECK(doc["schema_versions"][0]["version"] == kSchema);
  CHECK(doc["stats"]["live"] == 2);
}

TEST_CASE("describecluster: a down node is UNREACHABLE, a differing schema is a second version, no agreement") {
  ringcore::ClusterSnapshot snapshot = recorded_snapshot();
  nlohmann::json endpoints = recorded("facts_gossip.json")["endpoints"];
  ringcore::Node third = snapshot.nodes[1];
  third.address = "127.0.0.66";
  third.status = ringcore::NodeStatus::kDown;
  third.state = ringcore::NodeState::kLeaving;
  snapshot.nodes.push_back(third);
  for (auto& state : endpoints[1]["states"]) {
    if (state["name"] == "SCHEMA") state["value"] = "00000000-0000-0000-0000-000000000001";
  }
  const auto report = ringctl::build_describecluster(snapshot, endpoints);
  const std::string text = printed([&](std::ostream& out) { ringctl::print_describecluster(report, out); });
  CHECK(text.find("\tSchema versions:\n"
                  "\t\t00000000-0000-0000-0000-000000000001: [127.0.0.65]\n\n"
                  "\t\t" +
                  kSchema +
                  ": [127.0.0.64]\n\n"
                  "\t\tUNREACHABLE: [127.0.0.66]\n\n"
                  "Stats for all nodes:\n"
                  "\tLive: 2\n\tJoining: 0\n\tMoving: 0\n\tLeaving: 1\n\tUnreachable: 1\n") != std::string::npos);
  CHECK(text.find("\tdc1 #Nodes: 3 #Down: 1\n") != std::string::npos);
  CHECK_FALSE(report.schema_agreement());

  // An up node that gossips no schema yet is UNKNOWN, which is not agreement either.
  nlohmann::json no_schema = recorded("facts_gossip.json")["endpoints"];
  nlohmann::json& states = no_schema[1]["states"];
  for (std::size_t i = 0; i < states.size(); ++i) {
    if (states[i]["name"] == "SCHEMA") states.erase(i);
  }
  const auto unknown = ringctl::build_describecluster(recorded_snapshot(), no_schema);
  CHECK(unknown.schema_versions.back().first == "UNKNOWN");
  CHECK(unknown.schema_versions.back().second == std::vector<std::string>{"127.0.0.65"});
  CHECK_FALSE(unknown.schema_agreement());
}
