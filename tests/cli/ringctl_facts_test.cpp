// Live node facts and the nodetool commands that show them, on two real ringnode processes
// with a ringd each (127.0.0.61 and 127.0.0.62; node 2 with a configured disk capacity):
// the agents' /v1/node "capacity" and /metrics carry CPU, memory, hardware, disk, latency
// quantiles, requests, dropped requests and pending compactions; ringctl compactionstats,
// tpstats, describecluster, getstreamthroughput, setstreamthroughput and version work through
// the agents; setstreamthroughput needs -h and changes only that node; promtool finds the
// scrape clean. Every process is killed when the test ends; waits poll with deadlines.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ringnet/http_client.h"
#include "support/ringnode_process.h"
#include "support/run_process.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::ProcessResult;
using test_support::RingnodeProcess;
using test_support::wait_until;
using namespace std::chrono_literals;

const std::vector<std::string> kAddresses = {"127.0.0.61", "127.0.0.62"};
constexpr std::uint64_t kDiskCapacity = 64ull << 20;  // node 2 reports a 64 MiB disk
constexpr int kWrites = 60;
constexpr int kReads = 40;

json ask(const std::string& address, int port, const std::string& method, const std::string& path,
         const std::string& body = "", int* status = nullptr) {
  const ringnet::HttpClient client(address, port, 5s);
  auto response = client.send({method, path, body, "application/octet-stream", {}});
  if (!response) return json();
  if (status) *status = response->status;
  return json::parse(response->body, nullptr, false);
}

std::string scrape(const std::string& address, int port) {
  const ringnet::HttpClient client(address, port, 5s);
  auto response = client.send({"GET", "/metrics", "", "", {}});
  return response ? response->body : "";
}

// The value of the first sample of `name` whose labels include each of `labels` ("key=\"value\"").
std::optional<double> sample(const std::string& text, const std::string& name,
                             const std::vector<std::string>& labels = {}) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(name + "{")) continue;
    bool all = true;
    for (const std::string& label : labels) all = all && line.find(label) != std::string::npos;
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

// Two nodes of one cluster and an agent beside each; the cluster config names both agents.
class FactsLab {
 public:
  FactsLab() {
    storage_port_ = test_support::free_port(17600, kAddresses);
    native_port_ = test_support::free_port(19640, kAddresses);
    agent_port_ = test_support::free_port(7670, kAddresses);
    for (std::size_t i = 0; i < kAddresses.size(); ++i) {
      const std::string& address = kAddresses[i];
      const std::string config = dir_.path() + "/node" + std::to_string(i + 1) + ".yaml";
      std::ofstream(config) << "cluster_name: factstest\nlisten_address: " << address
                            << "\nstorage_port: " << storage_port_ << "\nnative_port: " << native_port_ << "\nseeds: ["
                            << kAddresses[0]
                            << "]\nnum_tokens: 4\nauto_bootstrap: false\nphi_convict_threshold: 3\ndata_directory: "
                            << dir_.path() << "/data" << i + 1 << "\n"
                            << (i == 1 ? "disk_capacity_bytes: " + std::to_string(kDiskCapacity) + "\n" : "");
      nodes_.push_back(std::make_unique<RingnodeProcess>(RINGNODE_BIN, config,
                                                         dir_.path() + "/node" + std::to_string(i + 1) + ".log"));
      nodes_.back()->start();
      agents_.push_back(std::make_unique<RingnodeProcess>(
          std::vector<std::string>{RINGD_BIN, "--listen", agent(i), "--node",
                                   address + ":" + std::to_string(native_port_), "--interval", "0.5"},
          dir_.path() + "/ringd" + std::to_string(i + 1) + ".log"));
      agents_.back()->start();
    }
    std::ofstream(dir_.path() + "/clusters.yaml") << "default: factstest\nclusters:\n  factstest:\n    agents: [\""
                                                  << agent(0) << "\", \"" << agent(1) << "\"]\n";
    setenv("RINGCTL_CONFIG", (dir_.path() + "/clusters.yaml").c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }

  std::string agent(std::size_t i) const { return kAddresses[i] + ":" + std::to_string(agent_port_); }
  int native_port() const { return native_port_; }
  int agent_port() const { return agent_port_; }
  RingnodeProcess& node(std::size_t i) { return *nodes_[i]; }

  // The agent's cached node document.
  json node_facts(std::size_t i) const {
    const json answer = ask(kAddresses[i], agent_port_, "GET", "/v1/node");
    return answer.is_object() && answer["node"].is_object() ? answer["node"] : json::object();
  }

  std::string logs() const {
    std::string text;
    for (const auto& process : nodes_) text += process->log() + "\n";
    for (const auto& process : agents_) text += process->log() + "\n";
    return text;
  }

  static ProcessResult ringctl(std::vector<std::string> args) {
    args.insert(args.begin(), RINGCTL_BIN);
    return test_support::run_process(args);
  }
  static json ringctl_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "json"});
    const ProcessResult r = ringctl(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return json::parse(r.out);
  }

 private:
  test_support::TempDir dir_{"ringctl_facts_test_"};
  int storage_port_ = 0;
  int native_port_ = 0;
  int agent_port_ = 0;
  std::vector<std::unique_ptr<RingnodeProcess>> nodes_;
  std::vector<std::unique_ptr<RingnodeProcess>> agents_;
};

}  // namespace

TEST_CASE("node facts, their metrics and the nodetool commands, live through the agents") {
  FactsLab lab;
  // Both agents serve both nodes up and normal.
  const bool converged = wait_until(
      [&] {
        for (std::size_t i = 0; i < kAddresses.size(); ++i) {
          const json cluster = ask(kAddresses[i], lab.agent_port(), "GET", "/v1/cluster");
          if (!cluster.is_object() || !cluster["snapshot"].is_object()) return false;
          int normal = 0;
          for (const json& node : cluster["snapshot"].value("nodes", json::array())) {
            normal += node.value("status", "") == "up" && node.value("state", "") == "normal" ? 1 : 0;
          }
          if (normal != 2) return false;
        }
        return true;
      },
      60s);
  REQUIRE_MESSAGE(converged, lab.logs());

  // Traffic through node 1: a keyspace of rf 2, writes and reads it coordinates.
  const std::string& node1 = kAddresses[0];
  int status = 0;
  ask(node1, lab.native_port(), "POST", "/v1/keyspaces",
      R"({"name": "facts", "replication": {"class": "SimpleStrategy", "replication_factor": "2"}})", &status);
  REQUIRE(status == 201);
  REQUIRE(wait_until(
      [&] { return lab.node_facts(1).value("schema_version", "") == lab.node_facts(0).value("schema_version", "x"); },
      20s));
  for (int i = 0; i < kWrites; ++i) {
    ask(node1, lab.native_port(), "PUT", "/v1/keyspaces/facts/rows/k" + std::to_string(i) + "?cl=ALL",
        std::string(100, 'v'), &status);
    REQUIRE(status == 200);
  }
  for (int i = 0; i < kReads; ++i) {
    ask(node1, lab.native_port(), "GET", "/v1/keyspaces/facts/rows/k" + std::to_string(i), "", &status);
    REQUIRE(status == 200);
  }

  {  // the agents report the capacity figures, and only what the node knows
    json capacity;
    // The CPU figure needs one 5 s interval of the node's gossip round; the counts, one collection.
    REQUIRE_MESSAGE(wait_until(
                        [&] {
                          capacity = lab.node_facts(0).value("capacity", json::object());
                          return capacity.contains("cpu_utilization_ratio") &&
                                 capacity.value("requests_total", 0) == kWrites + kReads;
                        },
                        30s),
                    capacity.dump());
    CHECK(capacity["cpu_utilization_ratio"].get<double>() >= 0);
    CHECK(capacity["cpu_utilization_ratio"].get<double>() <= 1);
    CHECK(capacity["cpus"].get<int>() >= 1);
    CHECK(capacity["memory_used_bytes"].get<std::uint64_t>() > 1 << 20);
    CHECK(capacity["memory_limit_bytes"].get<std::uint64_t>() <= capacity["memory_total_bytes"].get<std::uint64_t>());
    CHECK(capacity["dropped_messages_total"] == 0);
    for (const char* quantile : {"read_latency_p50_seconds", "read_latency_p99_seconds", "write_latency_p50_seconds",
                                 "write_latency_p99_seconds"}) {
      CAPTURE(quantile);
      REQUIRE(capacity.contains(quantile));
      CHECK(capacity[quantile].get<double>() > 0);
      CHECK(capacity[quantile].get<double>() < 5);  // the coordinator gives up after 2 s
    }
    CHECK(capacity["read_latency_p99_seconds"].get<double>() >= capacity["read_latency_p50_seconds"].get<double>());
    CHECK(capacity.contains("pending_compactions"));
    CHECK(capacity.contains("pending_compaction_bytes"));
    CHECK(lab.node_facts(0)["requests"]["write"]["completed"] == kWrites);

    // Node 2 coordinated nothing: no latency, counts of zero; its disk is the configured one.
    json other;
    REQUIRE(wait_until(
        [&] {
          other = lab.node_facts(1).value("capacity", json::object());
          return other.contains("cpus");
        },
        10s));
    CHECK_FALSE(other.contains("read_latency_p50_seconds"));
    CHECK_FALSE(other.contains("write_latency_p99_seconds"));
    CHECK(other["requests_total"] == 0);
    CHECK(other["disk_total_bytes"] == kDiskCapacity);
    CHECK(other["disk_used_bytes"].get<std::uint64_t>() < kDiskCapacity);
    CHECK(lab.node_facts(1)["disk_total_bytes"] == kDiskCapacity);

    const std::string text = scrape(node1, lab.agent_port());
    CHECK(sample(text, "ringd_requests_total", {"operation=\"write\""}) == kWrites);
    CHECK(sample(text, "ringd_requests_total", {"operation=\"read\""}) == kReads);
    CHECK(sample(text, "ringd_dropped_messages_total", {"operation=\"write\""}) == 0);
    CHECK(sample(text, "ringd_request_latency_seconds", {"operation=\"write\"", "quantile=\"0.99\""}).value_or(0) > 0);
    CHECK(sample(text, "ringd_request_latency_seconds_count", {"operation=\"write\""}) == kWrites);
    CHECK(sample(text, "ringd_request_latency_seconds_sum", {"operation=\"write\""}).value_or(0) > 0);
    CHECK(sample(text, "ringd_hardware_cpus").value_or(0) >= 1);
    CHECK(sample(text, "ringd_cpu_utilization_ratio").has_value());
    CHECK(sample(scrape(kAddresses[1], lab.agent_port()), "ringd_disk_total_bytes") ==
          static_cast<double>(kDiskCapacity));

    // promtool on a real scrape.
    const ProcessResult promtool = test_support::run_process({"/usr/bin/promtool", "check", "metrics"}, text);
    CHECK_MESSAGE(promtool.exit_code == 0, promtool.out << promtool.err);
  }

  {  // tpstats, compactionstats and version, as tables and as JSON
    REQUIRE(wait_until([&] { return lab.node_facts(0)["requests"]["read"].value("completed", 0) == kReads; }, 10s));
    const ProcessResult table = FactsLab::ringctl({"-h", lab.agent(0), "tpstats"});
    REQUIRE_MESSAGE(table.exit_code == 0, table.err);
    CHECK(table.out.starts_with("Pool Name"));
    CHECK(table.out.find("MutationStage") != std::string::npos);
    CHECK(table.out.find("Latencies waiting in queue (micros) per dropped message types") != std::string::npos);
    const json tpstats = FactsLab::ringctl_json({"-h", lab.agent(0), "tpstats"});
    for (const json& pool : tpstats["pools"]) {
      if (pool["name"] == "MutationStage") CHECK(pool["completed"] == kWrites);
      if (pool["name"] == "ReadStage") CHECK(pool["completed"] == kReads);
      if (pool["name"] == "Native-Transport-Requests") CHECK(pool["completed"] == kWrites + kReads);
    }

    const ProcessResult compaction = FactsLab::ringctl({"-h", lab.agent(0), "compactionstats"});
    REQUIRE_MESSAGE(compaction.exit_code == 0, compaction.err);
    CHECK(compaction.out.starts_with("pending tasks: "));
    const json compactionstats = FactsLab::ringctl_json({"-h", lab.agent(0), "compactionstats"});
    bool listed = false;
    for (const json& keyspace : compactionstats["keyspaces"]) listed = listed || keyspace["name"] == "facts";
    CHECK(listed);

    const ProcessResult version = FactsLab::ringctl({"version"});  // any agent of the default cluster
    REQUIRE_MESSAGE(version.exit_code == 0, version.err);
    CHECK(version.out == "ReleaseVersion: ringnode-0.1.0\n");
  }

  {  // describecluster: every node's schema version from one agent's gossip
    for (std::size_t i = 0; i < kAddresses.size(); ++i) {
      const json described = FactsLab::ringctl_json({"-h", lab.agent(i), "describecluster"});
      CHECK(described["name"] == "factstest");
      CHECK(described["schema_agreement"] == true);
      REQUIRE(described["schema_versions"].size() == 1);
      CHECK(described["schema_versions"][0]["version"] == lab.node_facts(0)["schema_version"]);
      CHECK(described["schema_versions"][0]["nodes"] == json(kAddresses));
      CHECK(described["stats"]["live"] == 2);
    }
    const ProcessResult table = FactsLab::ringctl({"describecluster"});
    REQUIRE_MESSAGE(table.exit_code == 0, table.err);
    CHECK(table.out.starts_with("Cluster Information:\n\tName: factstest\n"));
    CHECK(table.out.find("\t\t" + lab.node_facts(0)["schema_version"].get<std::string>() +
                         ": [127.0.0.61, 127.0.0.62]\n") != std::string::npos);
  }

  {  // setstreamthroughput needs -h and changes only that node
    const ProcessResult bare = FactsLab::ringctl({"setstreamthroughput", "24"});
    CHECK(bare.exit_code == 1);
    CHECK(bare.err.find("-h") != std::string::npos);
    CHECK(FactsLab::ringctl({"-h", lab.agent(0), "getstreamthroughput"}).out ==
          "Current stream throughput: unlimited\n");

    const ProcessResult set = FactsLab::ringctl({"-h", lab.agent(1), "setstreamthroughput", "24"});
    REQUIRE_MESSAGE(set.exit_code == 0, set.err);
    CHECK(set.out.empty());
    // The agent's cache follows within a collection.
    REQUIRE(wait_until(
        [&] {
          return FactsLab::ringctl({"-h", lab.agent(1), "getstreamthroughput", "-m"}).out ==
                 "Current stream throughput: 24.0 MiB/s\n";
        },
        10s));
    CHECK(FactsLab::ringctl({"-h", lab.agent(1), "getstreamthroughput"}).out ==
          "Current stream throughput: 201.326592 Mb/s\n");
    CHECK(FactsLab::ringctl({"-h", lab.agent(0), "getstreamthroughput"}).out ==
          "Current stream throughput: unlimited\n");
    const json got = FactsLab::ringctl_json({"-h", lab.agent(1), "getstreamthroughput"});
    CHECK(got["mib_per_second"] == 24.0);
    CHECK(got["unlimited"] == false);
  }

  {  // requests a replica cannot serve count as dropped, in tpstats and /metrics
    lab.node(1).kill_hard();
    int failed = 0;
    for (int i = 0; i < 5; ++i) {
      ask(node1, lab.native_port(), "PUT", "/v1/keyspaces/facts/rows/gone" + std::to_string(i) + "?cl=ALL", "v",
          &status);
      failed += status == 503 ? 1 : 0;
    }
    REQUIRE(failed == 5);
    REQUIRE(wait_until([&] { return lab.node_facts(0)["requests"]["write"].value("dropped", 0) == 5; }, 10s));
    const json tpstats = FactsLab::ringctl_json({"-h", lab.agent(0), "tpstats"});
    for (const json& type : tpstats["dropped_messages"]) {
      CHECK(type["dropped"] == (type["message_type"] == "MUTATION_REQ" ? 5 : 0));
    }
    CHECK(lab.node_facts(0)["capacity"]["dropped_messages_total"] == 5);
    CHECK(sample(scrape(node1, lab.agent_port()), "ringd_dropped_messages_total", {"operation=\"write\""}) == 5);
  }
}
