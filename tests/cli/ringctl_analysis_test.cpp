// ringctl health, plan add|remove|capacity and rebalance, offline on snapshot files, run as a
// process: documents, verdicts, exit codes (5 = not fit) and bad input. The plans' transfers are
// checked against an independent computation on the golden rings.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"
#include "support/health_checks.h"
#include "support/run_process.h"
#include "support/temp_dir.h"
#include "support/test_files.h"
#include "support/test_paths.h"

using nlohmann::json;
using test_support::check_named;
using test_support::ProcessResult;

namespace {

const std::string kSixNodes = std::string(RINGCTL_TEST_DATA_DIR) + "/analysis_six_nodes.json";
const std::string kNoDisk = std::string(RINGCTL_TEST_DATA_DIR) + "/two_dcs_single_token.json";
constexpr std::int64_t kGiB = 1024LL * 1024 * 1024;

ProcessResult ringctl(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), RINGCTL_BIN);
  return test_support::run_process(args, input);
}

json six_nodes() { return json::parse(test_support::read_file(kSixNodes)); }

// Runs ringctl on `snapshot` given on stdin (--ring -) and parses its JSON output.
json run_json(std::vector<std::string> args, const json& snapshot, int expected_exit) {
  args.insert(args.end(), {"--ring", "-", "-o", "json"});
  const ProcessResult r = ringctl(args, snapshot.dump());
  INFO(r.err);
  CHECK(r.exit_code == expected_exit);
  return json::parse(r.out);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("health on a healthy cluster: ok, exit 0, one document with every check") {
  const json doc = run_json({"health"}, six_nodes(), 0);
  CHECK(doc["status"] == "ok");
  CHECK(doc["fail_on"] == "critical");
  REQUIRE(doc["checks"].size() == 14);
  for (const json& check : doc["checks"]) {
    CAPTURE(check.dump());
    for (const char* field : {"name", "status", "value", "threshold", "message", "nodes"}) CHECK(check.contains(field));
  }
  CHECK(check_named(doc["checks"], "disk_usage")["status"] == "ok");
  CHECK(check_named(doc["checks"], "disk_usage")["value"].get<double>() == doctest::Approx(0.12));
  CHECK(check_named(doc["checks"], "cpu_utilization")["status"] == "ok");
  CHECK(check_named(doc["checks"], "write_latency_p99")["status"] == "ok");
  CHECK(check_named(doc["checks"], "streaming_operations")["status"] == "unknown");

  const ProcessResult table = ringctl({"health", "--ring", kSixNodes});
  CHECK(table.exit_code == 0);
  CHECK(contains(table.out, "Check "));
  CHECK(contains(table.out, "disk_usage "));
  CHECK(contains(table.out, "Overall: ok (fails at critical)"));
}

TEST_CASE("health: a node down is critical and exits 5, naming the node") {
  json snapshot = six_nodes();
  snapshot["nodes"][2]["status"] = "down";
  const json doc = run_json({"health"}, snapshot, 5);
  CHECK(doc["status"] == "critical");
  const json& up = check_named(doc["checks"], "nodes_up_normal");
  CHECK(up["status"] == "critical");
  CHECK(up["nodes"] == json{"10.1.0.3"});
  CHECK(up["message"] == "10.1.0.3 is down in the view of the snapshot");
}

TEST_CASE("health --fail-on warn turns a warning into exit 5, and the default gate is critical") {
  json snapshot = six_nodes();
  snapshot["nodes"][1]["disk_used_bytes"] = 750 * kGiB;
  json doc = run_json({"health"}, snapshot, 0);
  CHECK(doc["status"] == "warn");
  CHECK(check_named(doc["checks"], "disk_usage")["nodes"] == json{"10.1.0.2"});
  doc = run_json({"health", "--fail-on", "warn"}, snapshot, 5);
  CHECK(doc["fail_on"] == "warn");
  doc = run_json({"health", "--fail-on", "warn", "--threshold", "disk_warn=0.8", "--threshold", "disk_critical=0.9"},
                 snapshot, 0);
  CHECK(doc["status"] == "ok");
}

TEST_CASE("health without disk totals says unknown and never guesses") {
  const ProcessResult r = ringctl({"health", "--ring", kNoDisk, "-o", "json"});
  const json doc = json::parse(r.out);
  const json& disk = check_named(doc["checks"], "disk_usage");
  CHECK(disk["status"] == "unknown");
  CHECK(disk["value"].is_null());
  CHECK(disk["message"] == "disk use is not known for any node");
}

TEST_CASE("health refuses a bad threshold, an unknown keyspace and a bad --fail-on, with exit 1") {
  ProcessResult r = ringctl({"health", "--ring", kSixNodes, "--threshold", "disk_wran=0.5"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "--threshold: unknown threshold 'disk_wran'"));
  r = ringctl({"health", "--ring", kSixNodes, "--threshold", "disk_warn=high"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "expected NAME=NUMBER"));
  r = ringctl({"health", "--ring", kSixNodes, "--keyspace", "nope"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "keyspace 'nope' does not exist"));
  r = ringctl({"health", "--ring", kSixNodes, "--fail-on", "ok"});
  CHECK(r.exit_code == 1);
}

namespace {

// ringctl with RINGCTL_CONFIG naming `config`, run through env(1) so that no other case sees it.
ProcessResult ringctl_with_config(const std::string& config, std::vector<std::string> args, const std::string& input) {
  args.insert(args.begin(), {"/usr/bin/env", "RINGCTL_CONFIG=" + config, RINGCTL_BIN});
  return test_support::run_process(args, input);
}

}  // namespace

TEST_CASE("health thresholds from the cluster config: the top level's, a named cluster's over them, flags over both") {
  test_support::TempDir directory("ringctl-thresholds-test-");
  const std::string config = directory.path() + "/clusters.yaml";
  {
    std::ofstream out(config);
    out << "default: lab\n"
           "thresholds:\n"
           "  disk_warn: 0.8\n"
           "  disk_critical: 0.9\n"
           "clusters:\n"
           "  lab:\n"
           "    agents: [\"127.0.0.1:7070\"]\n"
           "    thresholds:\n"
           "      disk_critical: 0.74\n";
  }
  json snapshot = six_nodes();
  snapshot["nodes"][1]["disk_used_bytes"] = 750 * kGiB;  // 75%: warn at the seeds' thresholds
  auto disk_check = [&](std::vector<std::string> args, int expected_exit) {
    args.insert(args.begin(), "health");
    args.insert(args.end(), {"--ring", "-", "-o", "json"});
    const ProcessResult r = ringctl_with_config(config, args, snapshot.dump());
    INFO(r.err);
    CHECK(r.exit_code == expected_exit);
    return check_named(json::parse(r.out)["checks"], "disk_usage");
  };

  // The file's top level holds for a snapshot: 75% is under its warn level of 80%.
  json disk = disk_check({}, 0);
  CHECK(disk["status"] == "ok");
  CHECK(disk["threshold"] == 0.8);
  CHECK(contains(disk["message"], "(warn from 80.0%, critical from 90.0%)"));
  // A flag overrides the file.
  disk = disk_check({"--threshold", "disk_warn=0.7"}, 0);
  CHECK(disk["status"] == "warn");
  CHECK(disk["threshold"] == 0.7);
  CHECK(disk["nodes"] == json{"10.1.0.2"});
  // --cluster names whose thresholds hold (the cluster's over the top level's), snapshot or not.
  disk = disk_check({"--cluster", "lab"}, 5);
  CHECK(disk["status"] == "critical");
  CHECK(disk["threshold"] == 0.74);
  disk = disk_check({"--cluster", "lab", "--threshold", "disk_critical=0.95"}, 0);
  CHECK(disk["status"] == "ok");
}

TEST_CASE("rebalance shares health's density margin and ownership spread from the cluster config") {
  test_support::TempDir directory("ringctl-thresholds-test-");
  const std::string config = directory.path() + "/clusters.yaml";
  json snapshot = six_nodes();
  for (int i = 0; i < 5; ++i) snapshot["nodes"][i]["load_bytes"] = 120 * kGiB;  // 20% above the fresh node's density
  auto rebalance = [&](const std::string& thresholds, int expected_exit) {
    std::ofstream(config) << "thresholds:\n" << thresholds;
    const ProcessResult r = ringctl_with_config(config, {"rebalance", "--ring", "-", "-o", "json"}, snapshot.dump());
    INFO(r.err);
    CHECK(r.exit_code == expected_exit);
    return json::parse(r.out);
  };
  json doc = rebalance("  density_margin: 0.15\n", 5);
  REQUIRE(doc["findings"].size() == 1);
  CHECK(doc["findings"][0]["kind"] == "cleanup_debt");
  CHECK(doc["findings"][0]["threshold"].get<double>() == doctest::Approx(1.15));
  doc = rebalance("  density_margin: 0.25\n", 0);  // 20% is within a margin of 25%
  CHECK(doc["findings"].empty());
  // This ring's spread is 1.0 (perfectly even): only a limit under it finds a token distribution.
  json balanced = rebalance("  ownership_balance_warn: 0.9\n  density_margin: 0.25\n", 5);
  REQUIRE_FALSE(balanced["findings"].empty());
  CHECK(balanced["findings"][0]["kind"] == "token_distribution");
}

TEST_CASE("a bad threshold in the cluster config is a usage error naming the file, the key and its line") {
  test_support::TempDir directory("ringctl-thresholds-test-");
  const std::string config = directory.path() + "/clusters.yaml";
  {
    std::ofstream out(config);
    out << "thresholds:\n  disk_warn: 0.8\n  disk_wran: 0.5\n";
  }
  ProcessResult r = ringctl_with_config(config, {"health", "--ring", kSixNodes}, "");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, config + ": thresholds.disk_wran (line 3): unknown threshold (known: disk_warn,"));
  {
    std::ofstream out(config);
    out << "thresholds:\n  disk_warn: most\n";
  }
  r = ringctl_with_config(config, {"health", "--ring", kSixNodes}, "");
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, config + ": thresholds.disk_warn (line 2): must be a number in 0..1e+12, not 'most'"));
}

TEST_CASE("plan add: the document's shape, totals that add up, and the seeds' formula") {
  const json doc = run_json({"plan", "add", "--count", "3"}, six_nodes(), 0);
  CHECK(doc["operation"] == "add");
  REQUIRE(doc["added"].size() == 3);
  std::set<std::string> racks;
  for (const json& added : doc["added"]) {
    CHECK(added["dc"] == "dc1");
    CHECK(added["tokens"].size() == 4);
    CHECK(added["tokens"][0].is_string());
    racks.insert(added["rack"].get<std::string>());
  }
  CHECK(racks == std::set<std::string>{"rack1", "rack2", "rack3"});
  CHECK(doc["added"][0]["address"] == "new-node-1");
  REQUIRE(doc["nodes"].size() == 9);
  for (const json& node : doc["nodes"]) {
    for (const char* field : {"address", "dc", "load_before_bytes", "receive_bytes", "send_bytes", "cleanup_bytes",
                              "load_after_bytes", "disk_used_after_ratio"}) {
      CHECK(node.contains(field));
    }
  }
  CHECK(doc["nodes"][0]["disk_used_after_ratio"].is_number());
  CHECK(doc["nodes"][8]["disk_used_after_ratio"].is_null());  // an added node: no disk known
  std::uint64_t sum = 0;
  for (const json& transfer : doc["transfers"]) {
    for (const char* field : {"keyspace", "start_token", "end_token", "source", "target", "bytes"})
      CHECK(transfer.contains(field));
    CHECK(transfer["keyspace"] == "orders");  // LocalStrategy keyspaces never move
    sum += transfer["bytes"].get<std::uint64_t>();
  }
  CHECK(doc["total_stream_bytes"].get<std::uint64_t>() == sum);
  // 600 GiB in dc1 (data x RF), k = 3, N = 6: 200 GiB to stream, 100 -> 66.7 GiB per node.
  CHECK(doc["formula"]["stream_bytes"].get<std::uint64_t>() == 200 * kGiB);
  CHECK(doc["formula"]["load_per_node_after_bytes"].get<std::uint64_t>() ==
        static_cast<std::uint64_t>(std::llround(200.0 * kGiB / 3)));
  CHECK(doc["doubling"]["nodes_added"] == 6);
  CHECK(doc["verdict"]["status"] == "go");
  CHECK(check_named(doc["verdict"]["checks"], "rack_balance")["status"] == "ok");
}

TEST_CASE("plan add is deterministic for a given snapshot") {
  const std::string first = ringctl({"plan", "add", "--ring", kSixNodes, "-o", "json"}).out;
  const std::string again = ringctl({"plan", "add", "--ring", kSixNodes, "-o", "json"}).out;
  CHECK_FALSE(first.empty());
  CHECK(first == again);
}

TEST_CASE("plan add allocates the tokens the allocator chose before it kept each range's changes") {
  // Recorded from the allocator that computed every range's changes anew for each token; the
  // one that keeps them between tokens must choose exactly the same (256 tokens, two nodes, a
  // DC of three racks among three DCs).
  const json recorded =
      json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/allocator_ring00_dc1_add2.json"));
  const ProcessResult r = ringctl({"plan", "add", "--ring", test_support::vectors_path("rings/ring00.json"), "--dc",
                                   "dc1", "--count", "2", "--num-tokens", "256", "-o", "json"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json added = json::parse(r.out)["added"];
  REQUIRE(added.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) CHECK(added[i]["tokens"] == recorded["added"][i]["tokens"]);
}

TEST_CASE("plan add --tokens takes negative tokens, and bad requests exit 1 naming what is wrong") {
  json doc = run_json({"plan", "add", "--tokens=-5,7", "--address", "10.1.0.9", "--rack", "rack1"}, six_nodes(), 0);
  CHECK(doc["added"][0]["tokens"] == json{"-5", "7"});
  CHECK(doc["added"][0]["address"] == "10.1.0.9");
  CHECK(doc["verdict"]["status"] == "warn");  // rack1 now has 3 nodes, the others 2
  CHECK(contains(check_named(doc["verdict"]["checks"], "rack_balance")["message"], "rack1: 3, rack2: 2, rack3: 2"));

  const std::string owned = six_nodes()["nodes"][1]["tokens"][0];
  ProcessResult r = ringctl({"plan", "add", "--ring", kSixNodes, "--tokens=" + owned});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "token " + owned + " is already owned by 10.1.0.2"));
  r = ringctl({"plan", "add", "--ring", kSixNodes, "--tokens=5", "--count", "2"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "excludes"));
  r = ringctl({"plan", "add", "--ring", kSixNodes, "--count=-2"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "the count of nodes to add must be at least 1, not -2"));
  r = ringctl({"plan", "add", "--ring", kSixNodes, "--tokens=5,x"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "--tokens"));
  r = ringctl({"plan", "add", "--ring", kSixNodes, "--dc", "dc9"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "datacenter 'dc9' does not exist (datacenters: dc1)"));
}

TEST_CASE("plan remove: go on a cluster that can spare the node, with its host id") {
  const json doc = run_json({"plan", "remove", "6a1c0000-0000-4000-8000-000000000004"}, six_nodes(), 0);
  CHECK(doc["operation"] == "remove");
  CHECK(doc["removed"][0]["address"] == "10.1.0.4");
  CHECK(doc["verdict"]["status"] == "go");
  const json& checks = doc["verdict"]["checks"];
  CHECK(check_named(checks, "replication_factor")["status"] == "ok");
  CHECK(check_named(checks, "disk_headroom")["status"] == "ok");
  CHECK(contains(check_named(checks, "host_id")["message"], "host id 6a1c0000-0000-4000-8000-000000000004"));
  CHECK(check_named(checks, "seed")["status"] == "unknown");
}

TEST_CASE("plan remove is blocked (exit 5) when a DC would fall below rf, in Cassandra's words") {
  json snapshot = six_nodes();
  snapshot["nodes"].erase(snapshot["nodes"].begin() + 3, snapshot["nodes"].end());
  const json doc = run_json({"plan", "remove", "10.1.0.1"}, snapshot, 5);
  CHECK(doc["verdict"]["status"] == "blocked");
  CHECK(check_named(doc["verdict"]["checks"], "replication_factor")["message"] ==
        "Not enough live nodes to maintain replication factor in keyspace orders (RF = 3, N = 3). Perform a forceful "
        "decommission to ignore.");
}

TEST_CASE("plan remove of an unknown node exits 1") {
  const ProcessResult r = ringctl({"plan", "remove", "--ring", kSixNodes, "10.9.9.9"});
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "no node has the address or host id '10.9.9.9'"));
}

TEST_CASE("plan capacity: nodes to add per DC for a disk target") {
  // The fullest node uses 12%: for 10%, 6 x 12 / 10 = 7.2, so 8 nodes: add 2, 3 to keep racks even.
  const json doc = run_json({"plan", "capacity", "--target-disk", "10"}, six_nodes(), 0);
  REQUIRE(doc["datacenters"].size() == 1);
  const json& dc = doc["datacenters"][0];
  CHECK(dc["nodes_to_add"] == 2);
  CHECK(dc["nodes_to_add_rack_balanced"] == 3);
  CHECK(dc["max_disk_used_ratio"].get<double>() == doctest::Approx(0.12));
  CHECK(run_json({"plan", "capacity"}, six_nodes(), 0)["datacenters"][0]["nodes_to_add"] == 0);
  const json unknown = json::parse(ringctl({"plan", "capacity", "--ring", kNoDisk, "-o", "json"}).out);
  CHECK(unknown["datacenters"][0]["nodes_to_add"].is_null());
  CHECK(ringctl({"plan", "capacity", "--ring", kSixNodes, "--target-disk", "0"}).exit_code == 1);
}

TEST_CASE("rebalance: no finding on a balanced cluster (exit 0), cleanup debt after a scale-up (exit 5)") {
  json doc = run_json({"rebalance"}, six_nodes(), 0);
  CHECK(doc["findings"].empty());
  CHECK(doc["datacenters"][0]["ownership_max_over_mean"].get<double>() == doctest::Approx(1.0).epsilon(0.001));

  json snapshot = six_nodes();
  for (int i = 0; i < 5; ++i) snapshot["nodes"][i]["load_bytes"] = 120 * kGiB;  // still hold what they gave away
  doc = run_json({"rebalance"}, snapshot, 5);
  REQUIRE(doc["findings"].size() == 1);
  const json& finding = doc["findings"][0];
  CHECK(finding["kind"] == "cleanup_debt");
  CHECK(finding["dc"] == "dc1");
  CHECK(finding["nodes"].size() == 5);
  for (const char* field : {"kind", "dc", "nodes", "value", "threshold", "message", "fix"})
    CHECK(finding.contains(field));
  CHECK(contains(finding["fix"].get<std::string>(), "run cleanup on 10.1.0.1"));
  CHECK(finding["cleanup"][0]["bytes"].get<double>() == doctest::Approx(20.0 * kGiB).epsilon(0.001));
}

namespace {

using Gain = std::tuple<std::string, ringcore::Token, ringcore::Token, std::string>;  // keyspace, left, right, target

// Every (keyspace, piece, target) where target replicates the piece after but not before, over
// the pieces cut at the tokens of both rings, by asking each ring's placement at the piece's end.
std::set<Gain> gained_pieces(const ringcore::ClusterSnapshot& before, const ringcore::ClusterSnapshot& after) {
  const ringcore::TokenRing ring_before(before), ring_after(after);
  std::set<ringcore::Token> cuts(ring_before.tokens().begin(), ring_before.tokens().end());
  cuts.insert(ring_after.tokens().begin(), ring_after.tokens().end());
  const std::vector<ringcore::Token> points(cuts.begin(), cuts.end());
  std::set<Gain> gains;
  for (const ringcore::Keyspace& keyspace : before.keyspaces) {
    if (keyspace.replication.kind == ringcore::StrategyKind::kLocal) continue;
    auto placement_before = ringcore::ReplicaPlacement::create(ring_before, keyspace.replication);
    auto placement_after = ringcore::ReplicaPlacement::create(ring_after, keyspace.replication);
    REQUIRE(placement_before.ok());
    REQUIRE(placement_after.ok());
    for (std::size_t i = 0; i < points.size(); ++i) {
      const ringcore::Token left = points[(i + points.size() - 1) % points.size()], right = points[i];
      std::set<std::string> had;
      for (auto node : placement_before->replicas_for_token(right)) had.insert(before.nodes[node].address);
      for (auto node : placement_after->replicas_for_token(right)) {
        if (!had.contains(after.nodes[node].address))
          gains.insert({keyspace.name, left, right, after.nodes[node].address});
      }
    }
  }
  return gains;
}

// The transfers of a plan document, cut into the same pieces.
std::set<Gain> transferred_pieces(const json& doc, const std::set<ringcore::Token>& cuts) {
  std::set<Gain> pieces;
  for (const json& transfer : doc["transfers"]) {
    const ringcore::Token start = ringcore::parse_token(transfer["start_token"].get<std::string>()).value();
    const ringcore::Token end = ringcore::parse_token(transfer["end_token"].get<std::string>()).value();
    ringcore::Token right = end;
    do {  // walk back from the end, piece by piece, to the start
      auto it = cuts.find(right);
      REQUIRE(it != cuts.end());
      const ringcore::Token left = it == cuts.begin() ? *cuts.rbegin() : *std::prev(it);
      CHECK(pieces.insert({transfer["keyspace"], left, right, transfer["target"]}).second);
      right = left;
    } while (right != start);
  }
  return pieces;
}

std::set<ringcore::Token> all_tokens(const ringcore::ClusterSnapshot& a, const ringcore::ClusterSnapshot& b) {
  std::set<ringcore::Token> tokens;
  for (const auto* snapshot : {&a, &b}) {
    for (const ringcore::Node& node : snapshot->nodes) {
      if (node.state != ringcore::NodeState::kJoining) tokens.insert(node.tokens.begin(), node.tokens.end());
    }
  }
  return tokens;
}

}  // namespace

TEST_CASE("plan add and plan remove transfer exactly the pieces each node gains, on every golden ring") {
  for (int file = 0; file < 12; ++file) {
    const std::string path =
        test_support::vectors_path("rings/ring" + std::string(file < 10 ? "0" : "") + std::to_string(file) + ".json");
    CAPTURE(path);
    const ringcore::ClusterSnapshot before = ringcore::parse_snapshot(test_support::read_file(path)).value();
    const std::string dc = before.nodes.back().dc;

    const ProcessResult added = ringctl({"plan", "add", "--ring", path, "--dc", dc, "-o", "json"});
    REQUIRE_MESSAGE(added.exit_code == 0, added.err);
    const json add_doc = json::parse(added.out);
    ringcore::ClusterSnapshot grown = before;
    ringcore::Node node;
    node.address = add_doc["added"][0]["address"];
    node.host_id = "new";
    node.dc = add_doc["added"][0]["dc"];
    node.rack = add_doc["added"][0]["rack"];
    for (const json& t : add_doc["added"][0]["tokens"])
      node.tokens.push_back(ringcore::parse_token(t.get<std::string>()).value());
    grown.nodes.push_back(node);
    CHECK(transferred_pieces(add_doc, all_tokens(before, grown)) == gained_pieces(before, grown));

    const std::string leaving = before.nodes[file % before.nodes.size()].address;
    const ProcessResult removed = ringctl({"plan", "remove", "--ring", path, leaving, "-o", "json"});
    REQUIRE_MESSAGE((removed.exit_code == 0 || removed.exit_code == 5), removed.err);
    const json remove_doc = json::parse(removed.out);
    ringcore::ClusterSnapshot shrunk = before;
    std::erase_if(shrunk.nodes, [&](const ringcore::Node& n) { return n.address == leaving; });
    CHECK(transferred_pieces(remove_doc, all_tokens(before, shrunk)) == gained_pieces(before, shrunk));
  }
}

TEST_CASE("status -o json carries a node's capacity figures when the snapshot has them") {
  const json doc = json::parse(ringctl({"status", "--ring", kSixNodes, "-o", "json"}).out);
  const json& node = doc["datacenters"][0]["nodes"][0];
  CHECK(node["disk_total_bytes"] == 1000 * kGiB);
  CHECK(node["cpus"] == 8);
  CHECK(node["read_latency_p99_seconds"].get<double>() == doctest::Approx(0.01));
  const json bare = json::parse(ringctl({"status", "--ring", kNoDisk, "-o", "json"}).out);
  CHECK_FALSE(bare["datacenters"][0]["nodes"][0].contains("disk_total_bytes"));
}
