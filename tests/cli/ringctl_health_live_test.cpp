// ringctl health live, through a lab's agents: every agent is asked, a fresh lab is fit, and a
// killed node turns the verdict critical (exit 5), naming the node and the views that see it
// down.
#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/run_process.h"

namespace {

using nlohmann::json;
using test_support::ProcessResult;

// Ports of its own, apart from the other lab tests', so that they never collide.
const std::string kStoragePort = "27600";
const std::string kNativePort = "29642";
const std::string kAgentPort = "7670";

class HealthLab {
 public:
  HealthLab() : directory_(std::filesystem::temp_directory_path() / ("ringctl-health-test-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    setenv("RINGCTL_CONFIG", (directory_ / "clusters.yaml").c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }
  ~HealthLab() {
    lab({"down"});
    std::filesystem::remove_all(directory_);
  }
  ProcessResult lab(std::vector<std::string> args) const {
    args.insert(args.begin(), {RINGCTL_BIN, "lab", "--dir", (directory_ / "lab").string()});
    return test_support::run_process(args);
  }

 private:
  std::filesystem::path directory_;
};

ProcessResult health(std::vector<std::string> args = {}) {
  args.insert(args.begin(), {RINGCTL_BIN, "-o", "json", "health"});
  return test_support::run_process(args);
}

const json& check_named(const json& doc, const std::string& name) {
  for (const json& check : doc["checks"]) {
    if (check["name"] == name) return check;
  }
  FAIL("no check named " << name);
  return doc;
}

}  // namespace

TEST_CASE("live health asks every agent: ok on a fresh lab, critical with exit 5 once a node is killed") {
  HealthLab lab;
  const ProcessResult up = lab.lab({"up", "--nodes", "3", "--storage-port", kStoragePort, "--native-port", kNativePort,
                                    "--agent-port", kAgentPort, "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);

  const ProcessResult fresh = health();
  INFO(fresh.out << fresh.err);
  REQUIRE(fresh.exit_code == 0);
  const json doc = json::parse(fresh.out);
  CHECK(doc["status"] == "ok");
  CHECK(check_named(doc, "agents_reachable")["status"] == "ok");
  CHECK(check_named(doc, "agents_reachable")["message"] == "all 3 agents answered");
  CHECK(check_named(doc, "nodes_up_normal")["message"] == "3 nodes up and normal in 3 views");
  CHECK(check_named(doc, "streaming_operations")["status"] == "ok");
  CHECK(check_named(doc, "schema_agreement")["status"] != "warn");

  REQUIRE(lab.lab({"kill", "node3"}).exit_code == 0);
  // The survivors' failure detectors convert it to down within seconds; poll until they do.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  json after;
  ProcessResult r;
  while (std::chrono::steady_clock::now() < deadline) {
    r = health();
    if (r.exit_code == 5) {
      after = json::parse(r.out);
      const json& up_normal = check_named(after, "nodes_up_normal");
      if (up_normal["message"].get<std::string>().find("127.0.0.1, 127.0.0.2") != std::string::npos) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // polling a cluster that converges on its own
  }
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 5);
  CHECK(after["status"] == "critical");
  const json& up_normal = check_named(after, "nodes_up_normal");
  CHECK(up_normal["status"] == "critical");
  CHECK(up_normal["nodes"] == json{"127.0.0.3"});
  CHECK(up_normal["message"].get<std::string>().find("127.0.0.3 is down in the views of 127.0.0.1, 127.0.0.2") !=
        std::string::npos);
}
