// The Cassandra backend's translation of MBeans into ringd's documents, from Jolokia answers
// recorded from a real Cassandra 5.0.9 node (fixtures/cassandra/, made by record.py). The
// recording is replayed strictly: a request the backend makes that the recording lacks fails.
#include "cassandra_mbeans.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "ringcore/snapshot.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using ringd::MBeanValues;

json fixture(const std::string& name) {
  std::ifstream in(std::string(CASSANDRA_FIXTURES) + "/" + name);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The replies a node would have given to `reads`, from `recorded` (Jolokia echoes each request).
std::vector<ringd::JolokiaReply> replay(const std::vector<ringd::MBeanRead>& reads, const json& recorded) {
  std::vector<ringd::JolokiaReply> replies;
  for (const ringd::MBeanRead& read : reads) {
    const auto found =
        std::find_if(recorded.begin(), recorded.end(), [&](const json& r) { return r["sent"] == read.request; });
    REQUIRE_MESSAGE(found != recorded.end(), "the recording has no answer to " << read.request.dump());
    ringd::JolokiaReply reply;
    reply.status = (*found)["reply"]["status"].get<int>();
    if (reply.ok()) reply.value = (*found)["reply"]["value"];
    replies.push_back(reply);
  }
  return replies;
}

struct Recorded {
  MBeanValues collection;
  MBeanValues replication;
};

Recorded recorded(const std::string& name) {
  const json file = fixture(name);
  Recorded result;
  result.collection =
      ringd::values_of(ringd::collection_reads(), replay(ringd::collection_reads(), file["collection"]));
  const auto replication_reads = ringd::replication_reads(result.collection);
  result.replication = ringd::values_of(replication_reads, replay(replication_reads, file["replication"]));
  return result;
}

}  // namespace

TEST_CASE("endpoint names lose their host name part and port, as nodetool prints addresses") {
  CHECK(ringd::parse_endpoint_name("/127.0.0.1:7000").address == "127.0.0.1");
  CHECK(ringd::parse_endpoint_name("/127.0.0.1:7000").port == 7000);
  CHECK(ringd::parse_endpoint_name("db-1.example/10.0.0.1:7001").address == "10.0.0.1");
  CHECK(ringd::parse_endpoint_name("127.0.0.2:7000").address == "127.0.0.2");
  CHECK(ringd::parse_endpoint_name("10.0.0.3").address == "10.0.0.3");
  CHECK_FALSE(ringd::parse_endpoint_name("10.0.0.3").port);
  CHECK(ringd::parse_endpoint_name("[::1]:7000").address == "::1");
  CHECK(ringd::parse_endpoint_name("[::1]:7000").port == 7000);
  CHECK(ringd::parse_endpoint_name("::1").address == "::1");
}

TEST_CASE("replication info becomes the snapshot's replication map") {
  CHECK(ringd::parse_replication_info("SimpleStrategy {replication_factor=3}") ==
        json({{"class", "SimpleStrategy"}, {"replication_factor", "3"}}));
  CHECK(ringd::parse_replication_info("org.apache.cassandra.locator.NetworkTopologyStrategy {dc1=3, dc2=1}") ==
        json({{"class", "NetworkTopologyStrategy"}, {"dc1", "3"}, {"dc2", "1"}}));
  CHECK(ringd::parse_replication_info("LocalStrategy {}") == json({{"class", "LocalStrategy"}}));
  CHECK_FALSE(ringd::parse_replication_info("no braces here"));
  CHECK_FALSE(ringd::parse_replication_info("SimpleStrategy {replication_factor}"));
}

TEST_CASE("gossipinfo text becomes endpoints with their states, TOKENS hidden as nodetool shows it") {
  const json endpoints = ringd::parse_endpoint_states(
      "/127.0.0.2:7000\n  generation:1764857000\n  heartbeat:42\n  STATUS:15:NORMAL,-1\n  LOAD:20:12345.0\n"
      "  RPC_ADDRESS:4:127.0.0.2\n  TOKENS:14:<hidden>\nlocalhost/127.0.0.3:7000\n  generation:7\n  heartbeat:1\n"
      "  TOKENS: not present\n");
  REQUIRE(endpoints.size() == 2);
  CHECK(endpoints[0]["address"] == "127.0.0.2");
  CHECK(endpoints[0]["generation"] == 1764857000);
  CHECK(endpoints[0]["heartbeat"] == 42);
  CHECK(endpoints[0]["states"][0] == json({{"name", "STATUS"}, {"version", 15}, {"value", "NORMAL,-1"}}));
  CHECK(endpoints[0]["states"][2] == json({{"name", "RPC_ADDRESS"}, {"version", 4}, {"value", "127.0.0.2"}}));
  CHECK(endpoints[0]["states"][3] == json({{"name", "TOKENS"}, {"version", 14}, {"value", "<hidden>"}}));
  CHECK(endpoints[1]["address"] == "127.0.0.3");
  CHECK(endpoints[1]["states"].empty());
}

// One Cassandra 5.0.9 node, 127.0.112.1 in dc1/rack1 with 4 tokens, cluster ringctl-dev-cassandra,
// keyspaces fixture_simple (SimpleStrategy rf 2) and fixture_nts (NetworkTopologyStrategy dc1:1).
TEST_CASE("a single node's recorded MBeans make a snapshot ringcore accepts, with keyspaces and their replication") {
  const Recorded node = recorded("one_node.json");
  auto snapshot = ringd::cluster_document(node.collection, node.replication);
  REQUIRE_MESSAGE(snapshot.ok(), snapshot.error().message());
  auto parsed = ringcore::parse_snapshot(snapshot->dump());
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
  CHECK((*snapshot)["cluster"] == "ringctl-dev-cassandra");
  REQUIRE((*snapshot)["nodes"].size() == 1);
  const json& only = (*snapshot)["nodes"][0];
  CHECK(only["address"] == "127.0.112.1");
  CHECK(only["dc"] == "dc1");
  CHECK(only["rack"] == "rack1");
  CHECK(only["status"] == "up");
  CHECK(only["state"] == "normal");
  CHECK(only["tokens"].size() == 4);
  CHECK(only["storage_port"] == 7000);
  CHECK(only["load_bytes"].is_number_integer());
  std::map<std::string, json> replication;
  for (const json& keyspace : (*snapshot)["keyspaces"]) replication[keyspace["name"]] = keyspace["replication"];
  CHECK(replication["fixture_simple"] == json({{"class", "SimpleStrategy"}, {"replication_factor", "2"}}));
  CHECK(replication["fixture_nts"] == json({{"class", "NetworkTopologyStrategy"}, {"dc1", "1"}}));
  CHECK(replication["system"]["class"] == "LocalStrategy");
}

TEST_CASE("a single node's recorded MBeans make its node document: identity, mode, tokens and capacity") {
  const Recorded node = recorded("one_node.json");
  auto document = ringd::node_document(node.collection, ringd::DiskFigures{1000, 250});
  REQUIRE_MESSAGE(document.ok(), document.error().message());
  const json& facts = *document;
  CHECK(facts["address"] == "127.0.112.1");
  CHECK(facts["host_id"].get<std::string>().size() == 36);
  CHECK(facts["mode"] == "NORMAL");
  CHECK(facts["state"] == "normal");
  CHECK(facts["tokens"].size() == 4);
  CHECK(facts["release_version"].get<std::string>().starts_with("5.0"));
  CHECK(facts["generation"].get<std::int64_t>() > 1700000000);
  CHECK(facts["uptime_seconds"].get<std::int64_t>() >= 0);
  CHECK(facts["joined"] == true);
  CHECK(facts["gossip_active"] == true);
  CHECK(facts["disk_used_bytes"] == 750);
  // The load by keyspace: every keyspace the node lists, system ones included, in bytes.
  const json& keyspace_loads = facts["keyspace_loads"];
  for (const json& keyspace : node.collection.at("Keyspaces")) {
    CAPTURE(keyspace);
    REQUIRE(keyspace_loads.contains(keyspace.get<std::string>()));
    CHECK(keyspace_loads[keyspace.get<std::string>()].get<std::int64_t>() >= 0);
  }
  CHECK(keyspace_loads.size() == node.collection.at("Keyspaces").size());
  CHECK(facts["seeds"] == json::array());  // its own seed: Cassandra leaves it out of the list
  MBeanValues with_seed = node.collection;
  with_seed["Gossiper/Seeds"] = json::array({"/127.0.112.9:7000"});  // as node 2 of the tier answers
  CHECK(ringd::node_document(with_seed, ringd::DiskFigures{1000, 250})->at("seeds") == json::array({"127.0.112.9"}));
  const json& capacity = facts["capacity"];
  CHECK(capacity["cpus"].get<int>() >= 1);
  CHECK(capacity["memory_limit_bytes"].get<std::int64_t>() > 0);
  CHECK(capacity["memory_total_bytes"].get<std::int64_t>() > 0);
  CHECK(capacity.contains("pending_compactions"));
  CHECK(capacity.contains("dropped_messages_total"));
}

TEST_CASE("a single node's recorded gossip names its states and marks it up") {
  const Recorded node = recorded("one_node.json");
  auto gossip = ringd::gossip_document(node.collection);
  REQUIRE_MESSAGE(gossip.ok(), gossip.error().message());
  REQUIRE((*gossip)["endpoints"].size() == 1);
  const json& endpoint = (*gossip)["endpoints"][0];
  CHECK(endpoint["address"] == "127.0.112.1");
  CHECK(endpoint["status"] == "up");
  std::set<std::string> names;
  for (const json& state : endpoint["states"]) names.insert(state["name"]);
  for (const char* name : {"STATUS_WITH_PORT", "LOAD", "SCHEMA", "DC", "RACK", "HOST_ID", "TOKENS"}) {
    CHECK_MESSAGE(names.contains(name), name);
  }
}

TEST_CASE("a single node's recorded streams: netstats' mode, the throughput in MiB/s and read repair counters") {
  const Recorded node = recorded("one_node.json");
  auto streams = ringd::streams_document(node.collection);
  REQUIRE_MESSAGE(streams.ok(), streams.error().message());
  CHECK((*streams)["mode"] == "NORMAL");
  CHECK((*streams)["plans"].empty());
  CHECK((*streams)["read_repair"]["attempted"].is_number());
  CHECK((*streams)["throughput_mib_per_second"].is_number());
}

TEST_CASE("a node missing a required MBean is an error naming it, not a document with holes") {
  Recorded node = recorded("one_node.json");
  node.collection.erase("TokenToEndpointWithPortMap");
  auto snapshot = ringd::cluster_document(node.collection, node.replication);
  REQUIRE_FALSE(snapshot.ok());
  CHECK(snapshot.error().message() == "Cassandra did not answer TokenToEndpointWithPortMap (JMX through Jolokia)");
}

// Constructed, not recorded (no stream ran while recording): the shape of StreamManager's
// CurrentStreams composite data (StreamStateCompositeData, SessionInfoCompositeData).
TEST_CASE("a stream in progress becomes netstats' plan with one session per direction") {
  MBeanValues values = recorded("one_node.json").collection;
  values["StreamManager/CurrentStreams"] = json::parse(R"([{
    "planId": "0f6a8a20-d17d-11ef-9c1e-9d4b4b0f0b01", "description": "Bootstrap",
    "currentRxBytes": 3000, "totalRxBytes": 10000, "rxPercentage": 30.0,
    "sessions": [{"peer": "/127.0.0.2:7000", "sessionIndex": 0, "state": "STREAMING",
                  "receivingSummaries": [{"tableId": "t1", "files": 3, "totalSize": 8000},
                                         {"tableId": "t2", "files": 1, "totalSize": 2000}],
                  "sendingSummaries": [],
                  "receivingFiles": [{"fileName": "a", "currentBytes": 2000, "totalBytes": 2000},
                                     {"fileName": "b", "currentBytes": 1000, "totalBytes": 6000}],
                  "sendingFiles": []}]}])");
  auto streams = ringd::streams_document(values);
  REQUIRE(streams.ok());
  REQUIRE((*streams)["plans"].size() == 1);
  const json& plan = (*streams)["plans"][0];
  CHECK(plan["id"] == "0f6a8a20-d17d-11ef-9c1e-9d4b4b0f0b01");
  CHECK(plan["description"] == "Bootstrap");
  REQUIRE(plan["sessions"].size() == 1);
  CHECK(plan["sessions"][0] == json({{"peer", "127.0.0.2"},
                                     {"direction", "receiving"},
                                     {"state", "streaming"},
                                     {"total_bytes", 10000},
                                     {"done_bytes", 3000},
                                     {"total_ranges", 4},
                                     {"done_ranges", 1},
                                     {"rows", 0},
                                     {"bytes_per_second", 0}}));
}

TEST_CASE("5.0's failed bootstrap and decommission modes keep the node joining and leaving") {
  Recorded node = recorded("one_node.json");
  const std::pair<const char*, const char*> modes[] = {
      {"JOINING_FAILED", "joining"}, {"DECOMMISSION_FAILED", "leaving"}, {"DECOMMISSIONED", "left"}};
  for (const auto& [mode, state] : modes) {
    node.collection["OperationMode"] = mode;
    auto document = ringd::node_document(node.collection, ringd::DiskFigures{1000, 250});
    REQUIRE_MESSAGE(document.ok(), document.error().message());
    CHECK_MESSAGE((*document)["state"] == state, mode);
    CHECK((*document)["mode"] == mode);
  }
}

TEST_CASE("a joining node, which cannot answer Tokens, has the bootstrap tokens the ring map gives its address") {
  Recorded node = recorded("one_node.json");
  const json tokens = node.collection["Tokens"];
  REQUIRE(tokens.size() == 4);
  node.collection.erase("Tokens");  // what StorageService answers while the node bootstraps
  node.collection["OperationMode"] = "JOINING";
  auto joining = ringd::node_document(node.collection, ringd::DiskFigures{1000, 250});
  REQUIRE_MESSAGE(joining.ok(), joining.error().message());
  CHECK((*joining)["state"] == "joining");
  std::set<std::string> got, want;
  for (const json& token : (*joining)["tokens"]) got.insert(token.get<std::string>());
  for (const json& token : tokens) want.insert(token.get<std::string>());
  CHECK(got == want);

  node.collection["OperationMode"] = "NORMAL";  // a member that does not answer: an error, not a guess
  auto normal = ringd::node_document(node.collection, ringd::DiskFigures{1000, 250});
  REQUIRE_FALSE(normal.ok());
  CHECK(normal.error().message() == "Cassandra did not answer Tokens (JMX through Jolokia)");
}
