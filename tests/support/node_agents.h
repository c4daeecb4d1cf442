// Agents: one ringd beside each node of a TestCluster, for the tests that kill, hang or ask a
// node's agent while the node works (operation_killed_test, job_node_stopped_test,
// job_node_stopped_holds_test).
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "support/loopback.h"
#include "support/ringnode_cluster.h"
#include "support/temp_dir.h"
#include "support/test_paths.h"
#include "support/throttled_rows.h"

namespace test_support {

// One ringd per node (the first `nodes` of the cluster), on a port free on all their addresses;
// killed at the end.
class Agents {
 public:
  explicit Agents(const TestCluster& cluster, int nodes = kThrottledNodes) : cluster_(cluster), dir_("node_agents_") {
    std::vector<std::string> addresses;
    for (int i = 0; i < nodes; ++i) addresses.push_back(cluster.address(i));
    port_ = free_port(7170, addresses);
    for (int i = 0; i < nodes; ++i) {
      agents_.push_back(std::make_unique<RingnodeProcess>(
          std::vector<std::string>{RINGD_BIN, "--listen", agent(i), "--node",
                                   cluster.address(i) + ":" + std::to_string(cluster.native_port()), "--interval",
                                   "0.5"},
          dir_.path() + "/ringd" + std::to_string(i + 1) + ".log"));
    }
    // ringctl reads no operator's cluster config: every command names its agent with -h.
    std::ofstream(dir_.path() + "/clusters.yaml") << "clusters: {}\n";
    setenv("RINGCTL_CONFIG", (dir_.path() + "/clusters.yaml").c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }

  std::string agent(int i) const { return cluster_.address(i) + ":" + std::to_string(port_); }

  // Starts node i's agent and waits until it answers.
  void start(int i) {
    agents_[static_cast<std::size_t>(i)]->start();
    if (!wait_until([&] { return call(cluster_.address(i), port_, "GET", "/v1/health/live").status == 200; }, 30s)) {
      FAIL("the agent of " << cluster_.address(i) << " did not start; log:\n"
                           << agents_[static_cast<std::size_t>(i)]->log());
    }
  }
  // Node i's agent's answer to GET `path`.
  ApiReply get(int i, const std::string& path) const { return call(cluster_.address(i), port_, "GET", path); }
  void kill(int i) { agents_[static_cast<std::size_t>(i)]->kill_hard(); }
  void signal(int i, int signal) { agents_[static_cast<std::size_t>(i)]->send_signal(signal); }

 private:
  const TestCluster& cluster_;
  TempDir dir_;
  int port_ = 0;
  std::vector<std::unique_ptr<RingnodeProcess>> agents_;
};

}  // namespace test_support
