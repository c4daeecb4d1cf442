// The snapshot's JSON form: what parses, what is refused and how the refusal reads.
#include "ringcore/snapshot.h"

#include <doctest/doctest.h>

#include "support/test_files.h"

using nlohmann::json;

namespace {

json valid_snapshot() {
  return json::parse(R"({
    "cluster": "c1",
    "partitioner": "org.apache.cassandra.dht.Murmur3Partitioner",
    "nodes": [
      {"address": "10.0.0.1", "host_id": "00000000-0000-4000-8000-000000000001", "dc": "dc1", "rack": "r1", "status": "up", "state": "normal",
       "load_bytes": 1000, "tokens": ["-5", "100"]},
      {"address": "10.0.0.2", "host_id": "00000000-0000-4000-8000-000000000002", "dc": "dc1", "rack": "r1", "status": "down", "state": "leaving",
       "load_bytes": 2000, "tokens": ["50"]}
    ],
    "keyspaces": [
      {"name": "ks", "replication": {"class": "SimpleStrategy", "replication_factor": 2}},
      {"name": "nts", "replication": {"class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "dc1": "3/1"}}
    ]
  })");
}

// Parses `doc` and returns the error message, failing the test if it parsed.
std::string error_of(const json& doc) {
  auto snapshot = ringcore::parse_snapshot(doc.dump());
  REQUIRE_FALSE(snapshot.ok());
  return snapshot.error().message();
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a valid snapshot parses into nodes and keyspaces") {
  auto snapshot = ringcore::parse_snapshot(valid_snapshot().dump());
  REQUIRE(snapshot.ok());
  REQUIRE(snapshot->nodes.size() == 2);
  CHECK(snapshot->nodes[1].status == ringcore::NodeStatus::kDown);
  CHECK(snapshot->nodes[1].state == ringcore::NodeState::kLeaving);
  CHECK(snapshot->nodes[0].tokens == std::vector<ringcore::Token>{-5, 100});
  CHECK(*snapshot->nodes[0].load_bytes == 1000);
  const ringcore::Keyspace* nts = snapshot->find_keyspace("nts");
  REQUIRE(nts != nullptr);
  CHECK(nts->replication.kind == ringcore::StrategyKind::kNetworkTopology);
  CHECK(nts->replication.replicas_in("dc1") == 3);  // transient replicas count towards placement
}

TEST_CASE("every golden ring parses, and survives a serialise/parse round trip") {
  for (int i = 0; i < 12; ++i) {
    const std::string name = std::string("rings/ring") + (i < 10 ? "0" : "") + std::to_string(i) + ".json";
    CAPTURE(name);
    auto snapshot = ringcore::parse_snapshot(test_support::read_file(test_support::vectors_path(name)));
    REQUIRE(snapshot.ok());
    auto again = ringcore::parse_snapshot(ringcore::serialize_snapshot(*snapshot));
    REQUIRE(again.ok());
    REQUIRE(again->nodes.size() == snapshot->nodes.size());
    for (std::size_t n = 0; n < snapshot->nodes.size(); ++n) {
      CHECK(again->nodes[n].address == snapshot->nodes[n].address);
      CHECK(again->nodes[n].tokens == snapshot->nodes[n].tokens);
      CHECK(again->nodes[n].load_bytes == snapshot->nodes[n].load_bytes);
    }
    REQUIRE(again->keyspaces.size() == snapshot->keyspaces.size());
    for (std::size_t k = 0; k < snapshot->keyspaces.size(); ++k) {
      CHECK(again->keyspaces[k].replication.same_settings_as(snapshot->keyspaces[k].replication));
    }
  }
}

TEST_CASE("a node's keyspace_loads are optional, read as bytes per keyspace, and written back only when known") {
  json doc = valid_snapshot();
  doc["nodes"][0]["keyspace_loads"] = {{"ks", 600}, {"nts", 400}};
  auto snapshot = ringcore::parse_snapshot(doc.dump());
  REQUIRE(snapshot.ok());
  CHECK(snapshot->nodes[0].keyspace_loads == std::map<std::string, std::int64_t>{{"ks", 600}, {"nts", 400}});
  CHECK(snapshot->nodes[1].keyspace_loads.empty());
  const json written = json::parse(ringcore::serialize_snapshot(*snapshot));
  CHECK(written["nodes"][0]["keyspace_loads"] == doc["nodes"][0]["keyspace_loads"]);
  CHECK_FALSE(written["nodes"][1].contains("keyspace_loads"));

  SUBCASE("a figure that is not a byte count is refused, naming the node and the keyspace") {
    doc["nodes"][0]["keyspace_loads"]["nts"] = -1;
    CHECK(contains(error_of(doc), "nodes[0] (10.0.0.1): keyspace_loads: 'nts' is negative"));
    doc["nodes"][0]["keyspace_loads"]["nts"] = "big";
    CHECK(contains(error_of(doc), "nodes[0] (10.0.0.1): keyspace_loads: 'nts' must be an integer, not string"));
    doc["nodes"][0]["keyspace_loads"] = json::array();
    CHECK(contains(error_of(doc), "nodes[0] (10.0.0.1): 'keyspace_loads' must be an object"));
  }
}

TEST_CASE("malformed snapshots are refused with the field and node named") {
  SUBCASE("not JSON") {
    auto snapshot = ringcore::parse_snapshot("{\"nodes\": [");
    REQUIRE_FALSE(snapshot.ok());
    CHECK(snapshot.error().code() == ringcore::ErrorCode::kInvalidInput);
    CHECK(contains(snapshot.error().message(), "not valid JSON"));
  }
  SUBCASE("not an object") { CHECK(contains(error_of(json::array()), "must be a JSON object")); }
  SUBCASE("missing nodes") {
    json doc = valid_snapshot();
    doc.erase("nodes");
    CHECK(contains(error_of(doc), "missing field 'nodes'"));
  }
  SUBCASE("missing field in a node") {
    json doc = valid_snapshot();
    doc["nodes"][1].erase("rack");
    const std::string message = error_of(doc);
    CHECK(contains(message, "nodes[1] (10.0.0.2)"));
    CHECK(contains(message, "missing field 'rack'"));
  }
  SUBCASE("wrong type") {
    json doc = valid_snapshot();
    doc["nodes"][0]["load_bytes"] = "lots";
    CHECK(contains(error_of(doc), "'load_bytes' must be an integer, not string"));
  }
  SUBCASE("token out of range") {
    json doc = valid_snapshot();
    doc["nodes"][0]["tokens"][1] = "9223372036854775808";
    const std::string message = error_of(doc);
    CHECK(contains(message, "nodes[0] (10.0.0.1): tokens[1]"));
    CHECK(contains(message, "out of range"));
  }
  SUBCASE("token that is not a number") {
    json doc = valid_snapshot();
    doc["nodes"][0]["tokens"][0] = "12abc";
    CHECK(contains(error_of(doc), "'12abc' is not a token"));
  }
  SUBCASE("a token owned by two nodes") {
    json doc = valid_snapshot();
    doc["nodes"][1]["tokens"][0] = "100";
    CHECK(contains(error_of(doc), "token 100 is owned by both 10.0.0.1 and 10.0.0.2"));
  }
  SUBCASE("of several tokens owned twice, the first node in order to repeat one is named, with its smallest") {
    json doc = valid_snapshot();
    json third = doc["nodes"][1];
    third["address"] = "10.0.0.3";
    third["host_id"] = "00000000-0000-4000-8000-000000000003";
    third["tokens"] = {"-5"};  // the smallest token repeated, but by the last node
    doc["nodes"].push_back(third);
    doc["nodes"][1]["tokens"] = {"100", "50"};  // node 2 repeats node 1's 100
    doc["nodes"][0]["tokens"] = {"-5", "50", "100"};
    CHECK(contains(error_of(doc), "token 50 is owned by both 10.0.0.1 and 10.0.0.2"));
  }
  SUBCASE("a nodes or tokens key given twice: the last value counts, as for any JSON field") {
    std::string text = valid_snapshot().dump();
    text.replace(text.find("\"tokens\":[\"-5\",\"100\"]"), 21, "\"tokens\":[\"1\",\"2\"],\"tokens\":[\"-5\",\"100\"]");
    auto snapshot = ringcore::parse_snapshot(text);
    REQUIRE(snapshot.ok());
    CHECK(snapshot->nodes[0].tokens == std::vector<ringcore::Token>{-5, 100});
  }
  SUBCASE("a token listed twice by one node") {
    json doc = valid_snapshot();
    doc["nodes"][0]["tokens"][1] = "-5";
    CHECK(contains(error_of(doc), "token -5 is listed twice"));
  }
  SUBCASE("a normal node without tokens") {
    json doc = valid_snapshot();
    doc["nodes"][0]["tokens"] = json::array();
    CHECK(contains(error_of(doc), "has no tokens but is normal"));
  }
  SUBCASE("unknown status and state") {
    json doc = valid_snapshot();
    doc["nodes"][0]["status"] = "sideways";
    CHECK(contains(error_of(doc), "status 'sideways'"));
    doc = valid_snapshot();
    doc["nodes"][0]["state"] = "LEFT";
    CHECK(contains(error_of(doc), "state 'LEFT'"));
  }
  SUBCASE("unknown replication class") {
    json doc = valid_snapshot();
    doc["keyspaces"][0]["replication"]["class"] = "EverywhereStrategy";
    auto snapshot = ringcore::parse_snapshot(doc.dump());
    REQUIRE_FALSE(snapshot.ok());
    CHECK(snapshot.error().code() == ringcore::ErrorCode::kUnsupported);
    CHECK(contains(snapshot.error().message(), "keyspaces[0] (ks)"));
    CHECK(contains(snapshot.error().message(), "unknown replication class 'EverywhereStrategy'"));
  }
  SUBCASE("bad replication factors") {
    json doc = valid_snapshot();
    doc["keyspaces"][1]["replication"]["dc1"] = "three";
    CHECK(contains(error_of(doc), "replication factor 'dc1': 'three'"));
    doc["keyspaces"][1]["replication"]["dc1"] = "2/2";
    CHECK(contains(error_of(doc), "TRANSIENT < ALL"));
    doc = valid_snapshot();
    doc["keyspaces"][0]["replication"].erase("replication_factor");
    CHECK(contains(error_of(doc), "no 'replication_factor'"));
  }
  SUBCASE("a keyspace listed twice") {
    json doc = valid_snapshot();
    doc["keyspaces"][1]["name"] = "ks";
    CHECK(contains(error_of(doc), "keyspace 'ks' is listed twice"));
  }
  SUBCASE("another partitioner or format version") {
    json doc = valid_snapshot();
    doc["partitioner"] = "org.apache.cassandra.dht.RandomPartitioner";
    CHECK(contains(error_of(doc), "only Murmur3Partitioner"));
    doc = valid_snapshot();
    doc["format_version"] = 3;
    CHECK(contains(error_of(doc), "format_version 3 is not supported (this ringctl reads versions 1 to 2)"));
  }
}

TEST_CASE("JSON that does not parse is reported with its line and column, in our words") {
  auto snapshot = ringcore::parse_snapshot("{\n  \"nodes\": [\n    {\"address\": }\n  ]\n}");
  REQUIRE_FALSE(snapshot.ok());
  const std::string message = snapshot.error().message();
  CHECK(contains(message, "not valid JSON at line 3, column 17"));
  CHECK_FALSE(contains(message, "json.exception"));
  auto truncated = ringcore::parse_snapshot("{\"nodes\": [");
  REQUIRE_FALSE(truncated.ok());
  CHECK(contains(truncated.error().message(), "not valid JSON at the end of the input (line 1)"));
}

TEST_CASE("a snapshot whose nodes cannot all be real is refused, naming both nodes") {
  SUBCASE("two nodes with one address") {
    json doc = valid_snapshot();
    doc["nodes"][1]["address"] = "10.0.0.1";
    CHECK(contains(error_of(doc), "nodes[1] (10.0.0.1): address 10.0.0.1 is also nodes[0]'s"));
  }
  SUBCASE("two nodes with one host ID, in any case") {
    json doc = valid_snapshot();
    doc["nodes"][0]["host_id"] = "3f1c2e8a-5d1b-4c39-9a3e-2b7e0c1d9f01";
    doc["nodes"][1]["host_id"] = "3F1C2E8A-5D1B-4C39-9A3E-2B7E0C1D9F01";
    CHECK(contains(error_of(doc),
                   "nodes[1] (10.0.0.2): host_id 3F1C2E8A-5D1B-4C39-9A3E-2B7E0C1D9F01 is also nodes[0] (10.0.0.1)'s"));
  }
  SUBCASE("a host ID that is not a UUID") {
    for (const char* bad : {"h1", "3f1c2e8a5d1b4c399a3e2b7e0c1d9f01", "3f1c2e8a-5d1b-4c39-9a3e-2b7e0c1d9f0g"}) {
      CAPTURE(bad);
      json doc = valid_snapshot();
      doc["nodes"][0]["host_id"] = bad;
      CHECK(contains(error_of(doc), std::string("nodes[0] (10.0.0.1): host_id '") + bad + "' is not a UUID"));
    }
  }
  SUBCASE("an address that is neither an IP address nor a host name") {
    for (const char* bad : {"256.1.1.1", "10.0.0", "::::", "bad host name", "-x.example", "ftp://x", "10.0.0.1:7000"}) {
      CAPTURE(bad);
      json doc = valid_snapshot();
      doc["nodes"][0]["address"] = bad;
      CHECK(
          contains(error_of(doc), std::string("address '") + bad + "' is not an IPv4 or IPv6 address or a host name"));
    }
  }
  SUBCASE("IPv6 addresses and host names are addresses") {
    json doc = valid_snapshot();
    doc["nodes"][0]["address"] = "fd00::1";
    doc["nodes"][1]["address"] = "cass-2.eu-west.example";
    CHECK(ringcore::parse_snapshot(doc.dump()).ok());
  }
  SUBCASE("a NetworkTopologyStrategy datacenter without nodes, as after its last node left") {
    // Cassandra keeps such a keyspace and serves it from the other DCs; health reports the gap.
    json doc = valid_snapshot();
    doc["keyspaces"][1]["replication"]["dc2"] = "3";
    const auto snapshot = ringcore::parse_snapshot(doc.dump());
    REQUIRE(snapshot.ok());
    CHECK(snapshot->require_keyspace("nts").value_or_throw()->replication.replicas_in("dc2") == 3);
  }
}

TEST_CASE("load may be absent, and tokens may be JSON integers") {
  json doc = valid_snapshot();
  doc["nodes"][0].erase("load_bytes");
  doc["nodes"][1]["tokens"] = json::array({50});
  auto snapshot = ringcore::parse_snapshot(doc.dump());
  REQUIRE(snapshot.ok());
  CHECK_FALSE(snapshot->nodes[0].load_bytes.has_value());
  CHECK(snapshot->nodes[1].tokens == std::vector<ringcore::Token>{50});
}

TEST_CASE("version 1 files still read, and version 2 adds optional per-node capacity figures") {
  json doc = valid_snapshot();
  doc["format_version"] = 1;
  auto old = ringcore::parse_snapshot(doc.dump());
  REQUIRE(old.ok());
  CHECK(old->nodes[0].capacity == ringcore::NodeCapacity{});

  doc["format_version"] = 2;
  doc["nodes"][0]["disk_total_bytes"] = 1000000;
  doc["nodes"][0]["disk_used_bytes"] = 250000;
  doc["nodes"][0]["cpu_utilization_ratio"] = 0.42;
  doc["nodes"][0]["read_latency_p99_seconds"] = 0.012;
  doc["nodes"][0]["pending_compactions"] = 7;
  doc["nodes"][0]["requests_recent"] = 500;
  doc["nodes"][0]["dropped_messages_recent"] = 2;
  doc["nodes"][0]["recent_window_seconds"] = 300.5;
  doc["nodes"][1]["cpus"] = nullptr;  // null is "not known", as absent
  auto snapshot = ringcore::parse_snapshot(doc.dump());
  REQUIRE(snapshot.ok());
  const ringcore::NodeCapacity& capacity = snapshot->nodes[0].capacity;
  CHECK(capacity.disk_total_bytes == 1000000);
  CHECK(capacity.disk_used_bytes == 250000);
  CHECK(capacity.cpu_utilization_ratio == doctest::Approx(0.42));
  CHECK(capacity.read_latency_p99_seconds == doctest::Approx(0.012));
  CHECK(capacity.pending_compactions == 7);
  CHECK(capacity.requests_recent == 500);
  CHECK(capacity.dropped_messages_recent == 2);
  CHECK(capacity.recent_window_seconds == doctest::Approx(300.5));
  CHECK_FALSE(capacity.memory_used_bytes.has_value());
  CHECK_FALSE(snapshot->nodes[1].capacity.cpus.has_value());

  SUBCASE("the figures survive a round trip, and unknown ones stay absent") {
    const std::string text = ringcore::serialize_snapshot(*snapshot);
    CHECK(json::parse(text)["format_version"] == 2);
    CHECK_FALSE(json::parse(text)["nodes"][0].contains("memory_used_bytes"));
    auto again = ringcore::parse_snapshot(text);
    REQUIRE(again.ok());
    CHECK(again->nodes[0].capacity == capacity);
    CHECK(again->nodes[1].capacity == ringcore::NodeCapacity{});
  }
  SUBCASE("a wrong type or a negative figure is refused, naming the node and field") {
    doc["nodes"][0]["disk_used_bytes"] = "lots";
    CHECK(contains(error_of(doc), "nodes[0] (10.0.0.1): 'disk_used_bytes' must be an integer"));
    doc["nodes"][0]["disk_used_bytes"] = -1;
    CHECK(contains(error_of(doc), "nodes[0] (10.0.0.1): 'disk_used_bytes' is negative"));
    doc["nodes"][0]["disk_used_bytes"] = 1;
    doc["nodes"][0]["cpu_utilization_ratio"] = "high";
    CHECK(contains(error_of(doc), "'cpu_utilization_ratio' must be a number"));
  }
}

TEST_CASE("a capacity object as the agents report it parses on its own") {
  auto capacity =
      ringcore::parse_node_capacity(R"({"cpus": 8, "disk_total_bytes": 100, "write_latency_p99_seconds": 0.5})");
  REQUIRE(capacity.ok());
  CHECK(capacity->cpus == 8);
  CHECK(capacity->disk_total_bytes == 100);
  CHECK(capacity->write_latency_p99_seconds == doctest::Approx(0.5));
  CHECK(contains(ringcore::parse_node_capacity("[1]").error().message(), "capacity: must be an object"));
  CHECK(contains(ringcore::parse_node_capacity(R"({"cpus": 1e400})").error().message(),
                 "capacity: not valid JSON: number overflow"));
  CHECK(contains(ringcore::parse_node_capacity(R"({"cpus": -2})").error().message(), "capacity: 'cpus' is negative"));
}

TEST_CASE("a capacity object is written with the known figures only") {
  ringcore::NodeCapacity capacity;
  CHECK(ringcore::serialize_node_capacity(capacity) == "{}");
  capacity.cpus = 4;
  capacity.read_latency_p99_seconds = 0.25;
  CHECK(json::parse(ringcore::serialize_node_capacity(capacity)) ==
        json{{"cpus", 4}, {"read_latency_p99_seconds", 0.25}});
}
