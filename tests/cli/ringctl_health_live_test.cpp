// The analysis commands live, through a lab's agents: health asks every agent, a fresh lab is
// fit, and a killed node turns the verdict critical (exit 5), naming the node and the views that
// see it down; plan remove is blocked where rf could not be kept; plan add predicts what lab add
// then streams; rebalance finds the cleanup debt a join leaves, and none after the rebalance
// playbook ran cleanup on exactly the nodes it named; with a token distribution judged uneven,
// the rebalance playbook adds a node and cleans up after it; the disk check follows a lab whose nodes
// have a small configured disk through its thresholds.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "ringnet/http_client.h"
#include "ringruntime/wait.h"
#include "support/health_checks.h"
#include "support/json_lines.h"
#include "support/run_process.h"
#include "support/scratch_lab.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::check_named;
using test_support::ProcessResult;

// Ports of its own, apart from the other lab tests', so that they never collide.
const std::string kStoragePort = "27600";
const std::string kNativePort = "29642";
const std::string kAgentPort = "7670";

// The lab of one test case, registered in a cluster config of its own.
struct HealthLab : test_support::ScratchLab {
  HealthLab() : ScratchLab(RINGCTL_BIN, "ringctl-health-test-", "127.0.63.") {}
};

ProcessResult ringctl(std::vector<std::string> args) {
  args.insert(args.begin(), RINGCTL_BIN);
  return test_support::run_process(args);
}

ProcessResult health(std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"-o", "json", "health"});
  return ringctl(args);
}

}  // namespace

TEST_CASE("live health asks every agent: ok on a fresh lab, critical with exit 5 once a node is killed") {
  HealthLab lab;
  const ProcessResult up = lab.up({"--nodes", "3", "--storage-port", kStoragePort, "--native-port", kNativePort,
                                   "--agent-port", kAgentPort, "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);

  const ProcessResult fresh = health();
  INFO(fresh.out << fresh.err);
  REQUIRE(fresh.exit_code == 0);
  const json doc = json::parse(fresh.out);
  CHECK(doc["status"] == "ok");
  CHECK(check_named(doc["checks"], "agents_reachable")["status"] == "ok");
  CHECK(check_named(doc["checks"], "agents_reachable")["message"] == "all 3 agents answered");
  CHECK(check_named(doc["checks"], "nodes_up_normal")["message"] == "3 nodes up and normal in 3 views");
  CHECK(check_named(doc["checks"], "partitions")["message"] == "the 3 nodes that answer see each other up");
  CHECK(check_named(doc["checks"], "streaming_operations")["status"] == "ok");
  CHECK(check_named(doc["checks"], "schema_agreement")["status"] != "warn");

  // plan remove, live: with a keyspace at rf 3 on three nodes, no node can leave.
  const ProcessResult stress = lab.lab({"stress", "--rows", "200", "--keyspace", "planned"});
  REQUIRE_MESSAGE(stress.exit_code == 0, stress.err);
  // The agents learn of the new keyspace at their next collection: ask until the plan sees it.
  ProcessResult plan;
  CHECK(ringruntime::wait_until(
      [&] {
        plan = ringctl({"-o", "json", "plan", "remove", "127.0.63.1"});
        return plan.exit_code == 5;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(500)));
  INFO(plan.out << plan.err);
  const json planned = json::parse(plan.out);
  CHECK(planned["verdict"]["status"] == "blocked");
  CHECK(check_named(planned["verdict"]["checks"], "replication_factor")["message"] ==
        "Not enough live nodes to maintain replication factor in keyspace planned (RF = 3, N = 3). Perform a forceful "
        "decommission to ignore.");

  REQUIRE(lab.lab({"kill", "node3"}).exit_code == 0);
  // The survivors' failure detectors convert it to down within seconds; poll until they do.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  json after;
  ProcessResult r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = health();
    if (r.exit_code == 5) {
      after = json::parse(r.out);
      const json& up_normal = check_named(after["checks"], "nodes_up_normal");
      if (up_normal["message"].get<std::string>().find("127.0.63.1, 127.0.63.2") != std::string::npos) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // polling a cluster that converges on its own
  }
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 5);
  CHECK(after["status"] == "critical");
  const json& up_normal = check_named(after["checks"], "nodes_up_normal");
  CHECK(up_normal["status"] == "critical");
  CHECK(up_normal["nodes"] == json{"127.0.63.3"});
  CHECK(up_normal["message"].get<std::string>().find("127.0.63.3 is down in the views of 127.0.63.1, 127.0.63.2") !=
        std::string::npos);
}

namespace {

// GET `path` on a lab node's own API (its native port), as JSON.
json node_api(const std::string& address, const std::string& port, const std::string& path) {
  ringnet::HttpClient client(address, std::stoi(port), std::chrono::seconds(10));
  const auto answer = client.get(path);
  REQUIRE_MESSAGE(answer.ok(), address << " " << path);
  return json::parse(answer->body);
}

// The findings of `ringctl rebalance` of the given kind.
std::vector<json> findings_of_kind(const json& rebalance, const std::string& kind) {
  std::vector<json> found;
  for (const json& finding : rebalance["findings"]) {
    if (finding["kind"] == kind) found.push_back(finding);
  }
  return found;
}

}  // namespace

TEST_CASE("live plan add predicts what lab add streams, and rebalance finds cleanup debt until cleanup runs") {
  // Ports of its own, apart from the case above.
  const std::string storage_port = "27650", native_port = "29690", agent_port = "7690";
  HealthLab lab;
  const ProcessResult up = lab.up({"--nodes", "3", "--storage-port", storage_port, "--native-port", native_port,
                                   "--agent-port", agent_port, "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  const ProcessResult stress = lab.lab({"stress", "--rows", "3000", "--value-size", "1000", "--keyspace", "grown"});
  REQUIRE_MESSAGE(stress.exit_code == 0, stress.err);

  // The prediction works from the loads the nodes publish through gossip, which lag their
  // stores: the last replica's writes land after QUORUM answered, and a node publishes its load
  // on its next round. Wait until the plan's load of every node is that node's own load.
  json predicted;
  const bool loads_known = ringruntime::wait_until(
      [&] {
        const ProcessResult plan =
            ringctl({"-o", "json", "plan", "add", "--dc", "dc1", "--rack", "rack1", "--address", "127.0.63.4"});
        if (plan.exit_code != 0) return false;
        predicted = json::parse(plan.out);
        for (const json& node : predicted["nodes"]) {
          const std::string address = node["address"];
          if (address == "127.0.63.4") continue;
          const json facts = node_api(address, native_port, "/v1/node");
          if (node["load_before_bytes"].get<double>() != facts["load_bytes"].get<double>()) return false;
        }
        return true;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  REQUIRE_MESSAGE(loads_known, predicted.dump());
  const double predicted_bytes = predicted["total_stream_bytes"].get<double>();

  const ProcessResult add = lab.lab({"add", "--rack", "rack1", "--timeout", "120"});
  REQUIRE_MESSAGE(add.exit_code == 0, add.err);
  const json jobs = node_api("127.0.63.4", native_port, "/v1/jobs");
  REQUIRE(jobs["jobs"].size() >= 1);
  const json bootstrap = jobs["jobs"].back();
  REQUIRE(bootstrap["operation"] == "bootstrap");
  const double streamed = bootstrap["result"]["bytes_streamed"].get<double>();
  MESSAGE("plan add predicted " << predicted_bytes << " bytes; lab add streamed " << streamed);
  // Both count the rows' bytes (a node's load is the sum of its rows' sizes): the 5%.
  CHECK(streamed == doctest::Approx(predicted_bytes).epsilon(0.05));

  // After the join the old nodes hold ranges they no longer own: cleanup debt, named.
  json rebalance;
  const bool debt_seen = ringruntime::wait_until(
      [&] {
        const ProcessResult r = ringctl({"-o", "json", "rebalance"});
        if (r.exit_code != 5) return false;
        rebalance = json::parse(r.out);
        return !findings_of_kind(rebalance, "cleanup_debt").empty();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  REQUIRE_MESSAGE(debt_seen, rebalance.dump());
  const json debt = findings_of_kind(rebalance, "cleanup_debt").front();
  CHECK_FALSE(debt["nodes"].empty());
  for (const json& node : debt["nodes"]) CHECK(node != "127.0.63.4");  // the new node owes nothing

  // The rebalance playbook pays it: cleanup on exactly the nodes the finding names, one at a time.
  const ProcessResult paid = ringctl({"-o", "json", "playbook", "run", "rebalance", "--yes"});
  INFO(paid.out << paid.err);
  REQUIRE(paid.exit_code == 0);
  std::vector<std::string> cleaned;
  for (const json& event : test_support::json_lines(paid.out)) {
    if (event["event"] == "job" && event["operation"] == "cleanup") cleaned.push_back(event["node"]);
  }
  std::vector<std::string> indebted = debt["nodes"].get<std::vector<std::string>>();
  std::sort(cleaned.begin(), cleaned.end());
  std::sort(indebted.begin(), indebted.end());
  CHECK(cleaned == indebted);
  const bool debt_paid = ringruntime::wait_until(
      [&] {
        const ProcessResult r = ringctl({"-o", "json", "rebalance"});
        rebalance = json::parse(r.out);
        return findings_of_kind(rebalance, "cleanup_debt").empty();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  CHECK_MESSAGE(debt_paid, rebalance.dump());

  // A token distribution rebalance judges uneven (a limit under this ring's even 1.0, from the
  // cluster config as an operator sets it): the playbook adds a node to dc1 through the lab
  // launcher, then cleans the nodes that lost ranges to it.
  std::ofstream(lab.config_file(), std::ios::app) << "thresholds:\n  ownership_balance_warn: 0.9\n";
  const ProcessResult grown = ringctl({"-o", "json", "playbook", "run", "rebalance", "--var",
                                       "lab_dir=" + lab.directory(), "--var", "join_timeout=120", "--yes"});
  INFO(grown.out << grown.err);
  REQUIRE(grown.exit_code == 0);
  std::vector<std::string> started;
  cleaned.clear();
  for (const json& event : test_support::json_lines(grown.out)) {
    if (event["event"] == "node_starting") started.push_back(event["node"]);
    if (event["event"] == "job" && event["operation"] == "cleanup") cleaned.push_back(event["node"]);
  }
  CHECK(started == std::vector<std::string>{"127.0.63.5"});
  CHECK_FALSE(cleaned.empty());  // the nodes plan add said would lose ranges to it
  CHECK(lab.lab_json({"list"})["nodes"].size() == 5);
  const bool no_debt = ringruntime::wait_until(
      [&] {
        rebalance = json::parse(ringctl({"-o", "json", "rebalance"}).out);
        return findings_of_kind(rebalance, "cleanup_debt").empty();
      },
      std::chrono::seconds(60), std::chrono::milliseconds(500));
  CHECK_MESSAGE(no_debt, rebalance.dump());
}

namespace {

// What every agent reports of its node's disk (GET /v1/node, the figures health judges).
struct DiskFigures {
  std::map<std::string, double> used, total;  // by node address
  bool complete() const { return used.size() == 3 && total.size() == 3; }
  double ratio(const std::string& node) const { return used.at(node) / total.at(node); }
  double highest() const {
    double worst = 0;
    for (const auto& [node, bytes] : used) worst = std::max(worst, ratio(node));
    return worst;
  }
  // The nodes at or above `limit`, in address order (health lists them so).
  json nodes_from(double limit) const {
    json nodes = json::array();
    for (const auto& [node, bytes] : used) {
      if (ratio(node) >= limit) nodes.push_back(node);
    }
    return nodes;
  }
};

// The disk figures served on `port` of every node's address: its ringnode's (the native port),
// which it computes when asked, or its agent's, which it collected (GET /v1/node: {"node": ...}).
DiskFigures disk_figures(const std::vector<std::string>& nodes, const std::string& port) {
  DiskFigures figures;
  for (const std::string& node : nodes) {
    ringnet::HttpClient client(node, std::stoi(port), std::chrono::seconds(10));
    const auto answer = client.get("/v1/node");
    if (!answer.ok() || answer->status != 200) continue;
    const json doc = json::parse(answer->body);
    const json facts = doc.contains("node") ? doc["node"] : doc;
    if (facts.contains("disk_used_bytes") && facts.contains("disk_total_bytes")) {
      figures.used[node] = facts["disk_used_bytes"].get<double>();
      figures.total[node] = facts["disk_total_bytes"].get<double>();
    }
  }
  return figures;
}

// Health's disk_usage check and the nodes' figures it judged.
struct DiskVerdict {
  DiskFigures figures;
  ProcessResult run;
  json check;
};

}  // namespace

TEST_CASE("live health judges a small configured disk: ok, a note past 50%, warn from 70%, critical from 80%") {
  // Ports of its own, apart from the cases above and every other lab test.
  const std::string storage_port = "27700", native_port = "29740", agent_port = "7740";
  const std::vector<std::string> nodes = {"127.0.63.1", "127.0.63.2", "127.0.63.3"};
  // 4 MiB, half the nodes' RocksDB memtable (8 MiB): every threshold is crossed before the first
  // flush, so that a node's disk use (its write-ahead log while nothing is flushed) grows with
  // the rows it replicates, steadily, and never drops or jumps in between.
  const double capacity = 4 * 1024 * 1024;
  HealthLab lab;
  const ProcessResult up = lab.up({"--nodes", "3", "--storage-port", storage_port, "--native-port", native_port,
                                   "--agent-port", agent_port, "--disk-capacity", "4MiB", "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  const json listed = json::parse(lab.lab({"-o", "json", "list"}).out);
  for (const json& node : listed["nodes"]) CHECK(node["disk_capacity_bytes"] == 4194304);

  // Every node reports the configured disk.
  const DiskFigures first = disk_figures(nodes, native_port);
  REQUIRE(first.complete());
  for (const auto& [node, total] : first.total) CHECK_MESSAGE(total == capacity, node);

  // Health once every agent serves what its node reports now: agents learn the figures at their
  // next collection.
  auto disk_verdict = [&] {
    DiskVerdict verdict;
    const bool caught_up = ringruntime::wait_until(
        [&] {
          verdict.figures = disk_figures(nodes, native_port);
          return verdict.figures.complete() && disk_figures(nodes, agent_port).used == verdict.figures.used;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(200));
    REQUIRE_MESSAGE(caught_up, "the agents never served their nodes' disk figures");
    verdict.run = health();
    INFO(verdict.run.out << verdict.run.err);
    verdict.check = check_named(json::parse(verdict.run.out)["checks"], "disk_usage");
    CHECK(verdict.check["value"].get<double>() == doctest::Approx(verdict.figures.highest()));
    return verdict;
  };
  // Writes `rows` rows at ALL (1000-byte values, rf 3): when it returns, every node holds them.
  auto write_rows = [&](long rows) {
    const ProcessResult stress = lab.lab({"stress", "--rows", std::to_string(rows), "--value-size", "1000", "--cl",
                                          "ALL", "--keyspace", "filling", "--threads", "8"});
    REQUIRE_MESSAGE(stress.exit_code == 0, stress.err);
    return disk_figures(nodes, native_port);
  };

  DiskVerdict fresh = disk_verdict();
  CHECK(fresh.check["status"] == "ok");
  CHECK(fresh.run.exit_code == 0);
  CHECK(fresh.figures.highest() < 0.5);

  // Calibrate: what a row costs each node, from a first batch of a quarter of the disk or so.
  const long calibration_rows = 800;
  const DiskFigures calibrated = write_rows(calibration_rows);
  double row_bytes = 0;
  for (const auto& [node, used] : calibrated.used) {
    row_bytes = std::max(row_bytes, (used - fresh.figures.used.at(node)) / calibration_rows);
  }
  MESSAGE("each row costs a node about " << row_bytes << " bytes of disk");
  REQUIRE(row_bytes > 1000);

  // Write until the fullest node's use lies in [low, high): aim at the middle, then top up in
  // steps of a twentieth of the band, so that nothing overshoots on an estimate. Returns the
  // verdict there.
  auto fill_to = [&](double low, double high) {
    DiskVerdict verdict = disk_verdict();
    for (int batch = 0; verdict.figures.highest() < low && batch < 20; ++batch) {
      const double aim = batch == 0 ? (low + high) / 2 : low + (high - low) / 20;
      const double missing = aim * capacity - verdict.figures.highest() * capacity;
      write_rows(std::max(10L, static_cast<long>(missing / row_bytes)));
      verdict = disk_verdict();
    }
    INFO(verdict.run.out);
    REQUIRE(verdict.figures.highest() >= low);
    REQUIRE(verdict.figures.highest() < high);
    return verdict;
  };

  // 50-70%: still ok, with the seeds' note: target under 50%, add nodes before 60%.
  const DiskVerdict note = fill_to(0.55, 0.65);
  CHECK(note.run.exit_code == 0);
  CHECK(note.check["status"] == "ok");
  CHECK(note.check["nodes"].empty());
  CHECK(note.check["message"].get<std::string>().find("above the 50.0% target: add nodes before 60.0%") !=
        std::string::npos);

  // 70-80%: warn, naming exactly the nodes at or above 70%; exit 0 at the default --fail-on.
  const DiskVerdict warn = fill_to(0.72, 0.78);
  CHECK(warn.run.exit_code == 0);
  CHECK(warn.check["status"] == "warn");
  CHECK(warn.check["threshold"] == 0.7);
  CHECK(warn.check["nodes"] == warn.figures.nodes_from(0.7));
  CHECK(json::parse(warn.run.out)["status"] == "warn");
  CHECK(health({"--fail-on", "warn"}).exit_code == 5);

  // From 80%: critical, exit 5, naming every node at or above 70% and the figure.
  const DiskVerdict critical = fill_to(0.82, 0.9);
  CHECK(critical.run.exit_code == 5);
  CHECK(critical.check["status"] == "critical");
  CHECK(critical.check["threshold"] == 0.8);
  CHECK(critical.check["nodes"] == critical.figures.nodes_from(0.7));
  std::string worst;
  for (const auto& [node, used] : critical.figures.used) {
    if (critical.figures.ratio(node) == critical.figures.highest()) worst = node;
  }
  CHECK(critical.check["message"].get<std::string>().find(" on " + worst + " (warn from 70.0%, critical from 80.0%)") !=
        std::string::npos);
  CHECK(json::parse(critical.run.out)["status"] == "critical");

  // The capacity is the lab's, kept in lab.json: a restart keeps it (and the data), another
  // capacity is refused as any other option the lab was not made with.
  REQUIRE(lab.lab({"down"}).exit_code == 0);
  const ProcessResult other = lab.lab({"up", "--disk-capacity", "8MiB"});
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("--disk-capacity 8388608 (this lab: 4194304)") != std::string::npos);
  const ProcessResult again = lab.lab({"up", "--timeout", "90"});
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  const DiskFigures restarted = disk_figures(nodes, native_port);
  REQUIRE(restarted.complete());
  for (const auto& [node, total] : restarted.total) CHECK_MESSAGE(total == capacity, node);
}
