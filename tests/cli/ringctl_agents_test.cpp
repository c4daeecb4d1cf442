// Live ringctl against a lab with agents, end to end: `lab up` starts a ringd per node and
// registers the cluster; bare `ringctl status` and `ringctl -h <agent> status` agree from every
// agent; a killed node shows down through every other agent; info, gossipinfo and netstats
// parse; `lab down` leaves nothing running; a joined node shows in every agent's view; a
// decommission followed with --wait rides through its agent's restart; a decommissioned node
// leaves the lab, the cluster config and ringd_peer_up; `--purge` unregisters.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "ringnet/http_client.h"
#include "support/background_process.h"
#include "support/run_process.h"
#include "support/scratch_lab.h"
#include "support/test_paths.h"

namespace {

using test_support::ProcessResult;

// Ports of their own, apart from ringctl_lab_test's, so both can run at once.
const std::string kStoragePort = "27300";
const std::string kNativePort = "29342";
const std::string kAgentPort = "7370";
const std::vector<std::string> kAddresses = {"127.0.62.1", "127.0.62.2", "127.0.62.3"};

// The lab of one test case, registered in a cluster config of its own, and ringctl beside it.
struct AgentLab : test_support::ScratchLab {
  AgentLab() : ScratchLab(RINGCTL_BIN, "ringctl-agents-test-", "127.0.62.") {}

  static ProcessResult ringctl(std::vector<std::string> args) {
    args.insert(args.begin(), RINGCTL_BIN);
    return test_support::run_process(args);
  }
  static nlohmann::json ringctl_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"-o", "json"});
    const ProcessResult r = ringctl(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
  }
};

std::string agent(const std::string& address) { return address + ":" + kAgentPort; }

// address -> "UN"-style status/state and ownership, from a status document.
struct NodeView {
  std::string status, state;
  double owns_pct = 0;
};
std::map<std::string, NodeView> nodes_of(const nlohmann::json& status) {
  std::map<std::string, NodeView> nodes;
  for (const auto& dc : status["datacenters"]) {
    for (const auto& node : dc["nodes"]) {
      nodes[node["address"]] = {node["status"], node["state"],
                                node["owns_pct"].is_null() ? -1.0 : node["owns_pct"].get<double>()};
    }
  }
  return nodes;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool process_runs(int pid) {
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return argv0 == "ringnode" || argv0 == "ringd";
}

}  // namespace

TEST_CASE("live ringctl through a lab's agents: every agent sees the same cluster, and a killed node down") {
  AgentLab lab;
  const ProcessResult up = lab.up({"--nodes", "3", "--storage-port", kStoragePort, "--native-port", kNativePort,
                                   "--agent-port", kAgentPort, "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  const auto list = lab.lab_json({"list"});
  std::vector<int> pids;
  for (const auto& node : list["nodes"]) {
    REQUIRE_MESSAGE(node["agent_process"] == "running", node.dump());
    pids.push_back(node["pid"]);
    pids.push_back(node["agent_pid"]);
  }

  // A bare status asks the registered cluster; every node is up and normal.
  const auto everyone = nodes_of(AgentLab::ringctl_json({"status"}));
  REQUIRE(everyone.size() == 3);
  for (const auto& [address, view] : everyone) {
    CHECK_MESSAGE(view.status == "up", address);
    CHECK_MESSAGE(view.state == "normal", address);
    CHECK_MESSAGE(view.owns_pct > 0, address);
  }

  // Every agent tells the same story, as a table and as JSON.
  for (const std::string& address : kAddresses) {
    CAPTURE(address);
    const auto seen = nodes_of(AgentLab::ringctl_json({"-h", agent(address), "status"}));
    for (const auto& [node, view] : everyone) {
      CHECK(seen.at(node).status == "up");
      CHECK(seen.at(node).owns_pct == doctest::Approx(view.owns_pct));
    }
    const ProcessResult table = AgentLab::ringctl({"-h", agent(address), "status"});
    CHECK(table.exit_code == 0);
    for (const std::string& node : kAddresses) CHECK(table.out.find("UN  " + node) != std::string::npos);
  }

  // info, gossipinfo and netstats from an agent parse, in both forms.
  const auto info = AgentLab::ringctl_json({"-h", agent("127.0.62.2"), "info"});
  CHECK(info["address"] == "127.0.62.2");
  CHECK(info["tokens"].size() == 16);
  const ProcessResult info_table = AgentLab::ringctl({"-h", agent("127.0.62.2"), "info"});
  CHECK(info_table.out.find("Token                  : (invoke with -T/--tokens to see all 16 tokens)") !=
        std::string::npos);
  const auto gossip = AgentLab::ringctl_json({"-h", agent("127.0.62.1"), "gossipinfo"});
  REQUIRE(gossip["endpoints"].size() == 3);
  CHECK(gossip["endpoints"][0]["address"] == "127.0.62.1");
  const ProcessResult gossip_table = AgentLab::ringctl({"-h", agent("127.0.62.1"), "gossipinfo"});
  CHECK(gossip_table.out.starts_with("/127.0.62.1\n  generation:"));
  CHECK(gossip_table.out.ends_with("\n\n"));
  const ProcessResult netstats = AgentLab::ringctl({"-h", agent("127.0.62.1"), "netstats"});
  CHECK_MESSAGE(netstats.exit_code == 0, netstats.err);
  CHECK(netstats.out.starts_with("Mode: "));

  // No agent at all: exit 4.
  const ProcessResult nobody = AgentLab::ringctl({"-h", "127.0.62.1:1", "status"});
  CHECK(nobody.exit_code == 4);

  // Kill node3: the other agents report it down (gossip's failure detector, then a collection).
  REQUIRE(lab.lab({"kill", "node3"}).exit_code == 0);
  for (const std::string& address : {std::string("127.0.62.1"), std::string("127.0.62.2")}) {
    CAPTURE(address);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    std::string seen;
    while (std::chrono::steady_clock::now() < deadline) {
      const ProcessResult r = AgentLab::ringctl({"-o", "json", "-h", agent(address), "status"});
      if (r.exit_code == 0) {
        seen = nodes_of(nlohmann::json::parse(r.out))["127.0.62.3"].status;
        if (seen == "down") break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // polling a cluster that converges on its own
    }
    CHECK(seen == "down");
  }

  // node3's agent still answers, from a cache its dead node no longer refreshes: its view is
  // marked stale, and node3's cached opinion of itself is not shown as up.
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(40);
    ProcessResult stale;
    while (std::chrono::steady_clock::now() < deadline) {
      stale = AgentLab::ringctl({"-h", agent("127.0.62.3"), "status"});
      if (stale.out.starts_with("WARNING: stale view")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));  // polling an agent that goes stale on its own
    }
    CHECK_MESSAGE(stale.out.starts_with("WARNING: stale view"), stale.out);
    CHECK(stale.out.find("UN  127.0.62.3") == std::string::npos);
    // The cluster's agents in order: a bare status prefers a current view, where node3 is down.
    const auto everyone_now = nodes_of(AgentLab::ringctl_json({"status"}));
    CHECK(everyone_now.at("127.0.62.3").status == "down");
  }

  // Down stops every agent and node.
  REQUIRE(lab.lab({"down"}).exit_code == 0);
  for (int pid : pids) CHECK_MESSAGE(!process_runs(pid), pid);
}

TEST_CASE("netstats through a joining node's agent shows its bootstrap streaming with growing bytes") {
  AgentLab lab;
  const ProcessResult up = lab.up({"--nodes", "3", "--storage-port", kStoragePort, "--native-port", kNativePort,
                                   "--agent-port", kAgentPort, "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  lab.must({"stress", "--rows", "3000", "--value-size", "1024", "--keyspace", "grow"});

  // About 2.3 MB to receive at 0.5 MiB/s: several seconds of streaming to watch.
  ProcessResult add;
  std::thread adding([&] { add = lab.lab({"add", "--stream-throughput", "0.5", "--timeout", "120"}); });
  std::vector<std::int64_t> done;  // the bootstrap's received bytes, as netstats showed them while joining
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    const ProcessResult r = AgentLab::ringctl({"-o", "json", "-h", agent("127.0.62.4"), "netstats"});
    if (r.exit_code == 0) {
      const auto netstats = nlohmann::json::parse(r.out);
      if (netstats["mode"] == "NORMAL") break;
      for (const auto& plan : netstats["plans"]) {
        if (plan["description"] != "Bootstrap") continue;
        std::int64_t bytes = 0;
        for (const auto& session : plan["sessions"]) bytes += session["done_bytes"].get<std::int64_t>();
        if (bytes > 0 && (done.empty() || bytes != done.back())) done.push_back(bytes);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // sampling a stream in progress
  }
  adding.join();
  REQUIRE_MESSAGE(add.exit_code == 0, add.err);
  REQUIRE_MESSAGE(done.size() >= 2, "netstats showed " << done.size() << " distinct byte counts while joining");
  CHECK(std::is_sorted(done.begin(), done.end()));

  // Once joined, the plan is complete: every session received all it was to receive.
  const auto after = AgentLab::ringctl_json({"-h", agent("127.0.62.4"), "netstats"});
  CHECK(after["mode"] == "NORMAL");
  bool bootstrap_seen = false;
  for (const auto& plan : after["plans"]) {
    if (plan["description"] != "Bootstrap") continue;
    bootstrap_seen = true;
    for (const auto& session : plan["sessions"]) {
      CHECK(session["state"] == "complete");
      CHECK(session["done_bytes"] == session["total_bytes"]);
      CHECK(session["direction"] == "receiving");
    }
  }
  CHECK(bootstrap_seen);

  // `lab add` returned once every agent shows all four up and normal: a bare status agrees now.
  const auto joined = nodes_of(AgentLab::ringctl_json({"status"}));
  CHECK(joined.size() == 4);
  for (const auto& [address, view] : joined) CHECK_MESSAGE(view.status + "/" + view.state == "up/normal", address);
  CHECK(lab.lab_json({"list"})["nodes"][3]["tokens"] == 16);
  REQUIRE(lab.lab({"down", "--purge"}).exit_code == 0);
  CHECK(read_text(lab.config_file()).find("7370") == std::string::npos);  // unregistered
}

TEST_CASE("after a decommission the node leaves the lab, the registered cluster and every agent's peer matrix") {
  AgentLab lab;
  const ProcessResult up = lab.up({"--nodes", "4", "--storage-port", kStoragePort, "--native-port", kNativePort,
                                   "--agent-port", kAgentPort, "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  // 3 MB on node4, streamed at 0.1 MiB/s past the first MiB: a decommission of about 20 s.
  lab.must({"stress", "--rows", "4000", "--value-size", "1000", "--keyspace", "shrink"});
  REQUIRE(AgentLab::ringctl({"-h", agent("127.0.62.4"), "setstreamthroughput", "0.1"}).exit_code == 0);
  const int agent_pid = lab.lab_json({"list"})["nodes"][3]["agent_pid"];

  // Its agent is killed and started again while `--wait` follows the decommission: the job
  // lives on the node, the new agent finds it, and the wait rides through to its end.
  {
    test_support::Background wait(
        {RINGCTL_BIN, "-o", "json", "-h", agent("127.0.62.4"), "decommission", "--wait", "--timeout", "120"});
    nlohmann::json streaming;
    for (std::string line = wait.next_line(); !line.empty() && streaming.is_null(); line = wait.next_line()) {
      const auto event = nlohmann::json::parse(line);
      if (event["event"] == "progress" && event["job"]["progress"]["done"].get<std::int64_t>() > 0) streaming = event;
    }
    REQUIRE_MESSAGE(!streaming.is_null(), "the decommission never streamed");
    lab.restart_agent_killed(agent_pid, "node4");
    std::string last;
    for (std::string line = wait.next_line(); !line.empty(); line = wait.next_line()) last = line;
    CHECK(wait.wait() == 0);
    REQUIRE(!last.empty());
    CHECK(nlohmann::json::parse(last)["event"] == "done");
  }

  // ringd_peer_up on another agent drops 127.0.62.4 once its gossip says LEFT (a collection a second).
  ringnet::HttpClient metrics("127.0.62.1", std::stoi(kAgentPort), std::chrono::seconds(5));
  bool dropped = false;
  for (int i = 0; i < 50 && !dropped; ++i) {
    const auto answer = metrics.get("/metrics");
    dropped = answer.ok() && answer->body.find("ringd_peer_up{") != std::string::npos &&
              answer->body.find("peer=\"127.0.62.4\"") == std::string::npos;
    if (!dropped) std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the agent collects on its own
  }
  CHECK(dropped);

  // The lab takes it out: three members, the cluster config lists three agents, status shows three.
  const auto list = lab.lab_json({"list"});
  CHECK(list["nodes"].size() == 3);
  CHECK(list["departed"][0]["name"] == "node4");
  const std::string config = read_text(lab.config_file());
  CHECK(config.find("127.0.62.3:" + kAgentPort) != std::string::npos);
  CHECK(config.find("127.0.62.4:" + kAgentPort) == std::string::npos);
  CHECK(nodes_of(AgentLab::ringctl_json({"status"})).size() == 3);
  const ProcessResult stress = lab.lab({"stress", "--rows", "300", "--keyspace", "shrink"});
  CHECK_MESSAGE(stress.exit_code == 0, stress.out << stress.err);
  REQUIRE(lab.lab({"down"}).exit_code == 0);
}
