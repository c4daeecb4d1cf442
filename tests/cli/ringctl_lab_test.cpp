// `ringctl lab`, end to end with real ringnode processes on 127.0.0.1..3: up, list, stress,
// verify (and that it catches a loss), kill, start, down, and its errors.
#include <doctest/doctest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_process.h"

namespace {

using test_support::ProcessResult;

// Ports of their own, so this test can run beside others that start nodes.
const std::string kStoragePort = "27100";
const std::string kNativePort = "29142";

// A lab in a fresh directory, always taken down (and deleted) at the end, even on failure.
class LabFixture {
 public:
  LabFixture() : directory_(std::filesystem::temp_directory_path() / ("ringctl-lab-test-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(directory_);
  }
  ~LabFixture() { run({"lab", "down", "--purge"}); }

  ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), RINGCTL_BIN);
    args.insert(args.begin() + 2, {"--dir", directory_.string()});  // after "lab"
    return test_support::run_process(args);
  }
  nlohmann::json run_json(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-o", "json"});
    const ProcessResult r = run_with_global(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
  }
  ProcessResult run_with_global(std::vector<std::string> args) const {
    // args = [-o json, lab, sub, ...]: --dir goes after "lab".
    args.insert(args.begin(), RINGCTL_BIN);
    args.insert(args.begin() + 4, {"--dir", directory_.string()});
    return test_support::run_process(args);
  }
  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<int> running_pids(const nlohmann::json& list) {
  std::vector<int> pids;
  for (const auto& node : list["nodes"]) {
    if (!node["pid"].is_null()) pids.push_back(node["pid"].get<int>());
  }
  return pids;
}

// A pid that is gone or a zombie (the sandbox's init may not reap) no longer runs ringnode.
bool runs_ringnode(int pid) {
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return argv0.find("ringnode") != std::string::npos;
}

}  // namespace

TEST_CASE("a lab cluster comes up, takes writes, survives a killed node and comes down clean") {
  LabFixture lab;
  // Without agents: ringctl_agents_test covers them (and this test leaves the cluster config alone).
  const ProcessResult up = lab.run({"lab", "up", "--nodes", "3", "--storage-port", kStoragePort, "--native-port",
                                    kNativePort, "--no-agents", "--timeout", "90"});
  REQUIRE_MESSAGE(up.exit_code == 0, up.err);
  CHECK(contains(up.out, "node3  127.0.0.3"));

  const auto list = lab.run_json({"lab", "list"});
  REQUIRE(list["nodes"].size() == 3);
  for (const auto& node : list["nodes"]) CHECK(node["process"] == "running");
  std::vector<int> pids = running_pids(list);

  SUBCASE("a second up while it runs is refused") {
    const ProcessResult again = lab.run({"lab", "up"});
    CHECK(again.exit_code == 1);
    CHECK(contains(again.err, "already running"));
  }

  SUBCASE("stress writes rows that verify reads back; verify catches a row that is not there") {
    const auto stress = lab.run_json({"lab", "stress", "--rows", "2000", "--threads", "4"});
    CHECK(stress["acknowledged"] == 2000);
    CHECK(stress["failed"] == 0);
    CHECK(stress["latency_ms"]["p50"].get<double>() > 0);
    // A second run into the same (now existing) keyspace adds to the record.
    CHECK(lab.run_json({"lab", "stress", "--rows", "500"})["acknowledged"] == 500);
    const auto verify = lab.run_json({"lab", "verify"});
    CHECK(verify["checked"] == 2500);
    CHECK(verify["lost"] == false);

    // A recorded acknowledgement whose row no node holds: verify must call it lost.
    std::ofstream(lab.directory() / "workload" / "stress.tsv", std::ios::app) << "never-written\t0123\n";
    const ProcessResult lost = lab.run({"lab", "verify"});
    CHECK(lost.exit_code == 2);
    CHECK(contains(lost.out, "1 missing"));
    CHECK(contains(lost.out, "never-written: missing"));
  }

  SUBCASE("with a node killed, QUORUM goes on, ALL cannot read, and a restart brings it back") {
    REQUIRE(lab.run({"lab", "kill", "node3"}).exit_code == 0);
    CHECK(lab.run_json({"lab", "list"})["nodes"][2]["process"] == "stopped");
    const auto stress = lab.run_json({"lab", "stress", "--rows", "500", "--keyspace", "degraded"});
    CHECK(stress["acknowledged"] == 500);
    const ProcessResult all = lab.run({"lab", "verify", "--keyspace", "degraded", "--cl", "ALL"});
    CHECK(all.exit_code == 2);
    CHECK(contains(all.out, "ALL needs 3 of 3 replicas, 2 answered"));

    const ProcessResult start = lab.run({"lab", "start", "node3", "--timeout", "90"});
    REQUIRE_MESSAGE(start.exit_code == 0, start.err);
    const ProcessResult after = lab.run({"lab", "verify", "--keyspace", "degraded", "--cl", "ALL"});
    CHECK_MESSAGE(after.exit_code == 0, after.out);
  }

  SUBCASE("an added node bootstraps the rows it will replicate and joins normal") {
    REQUIRE(lab.run_json({"lab", "stress", "--rows", "1000", "--keyspace", "before_add"})["acknowledged"] == 1000);
    const ProcessResult add = lab.run({"lab", "add", "--timeout", "120"});
    REQUIRE_MESSAGE(add.exit_code == 0, add.err);
    const auto list = lab.run_json({"lab", "list"});
    REQUIRE(list["nodes"].size() == 4);
    CHECK(list["nodes"][3]["address"] == "127.0.0.4");
    CHECK(list["nodes"][3]["process"] == "running");
    pids.push_back(list["nodes"][3]["pid"].get<int>());
    // ALL reads every replica, node4 included for its ranges: only its bootstrap gave it rows
    // written before it existed.
    const ProcessResult all = lab.run({"lab", "verify", "--keyspace", "before_add", "--cl", "ALL"});
    CHECK_MESSAGE(all.exit_code == 0, all.out);
  }

  SUBCASE("bad input is refused with a message") {
    const ProcessResult unknown = lab.run({"lab", "kill", "node9"});
    CHECK(unknown.exit_code == 1);
    CHECK(contains(unknown.err, "no node 'node9'"));
    const ProcessResult level = lab.run({"lab", "stress", "--cl", "TWO"});
    CHECK(level.exit_code == 1);
    CHECK(contains(level.err, "--cl"));
  }

  const ProcessResult down = lab.run({"lab", "down"});
  CHECK(down.exit_code == 0);
  for (int pid : pids) CHECK_FALSE(runs_ringnode(pid));
}

TEST_CASE("lab commands without a lab, or with a bad spec, fail clearly") {
  LabFixture lab;
  const ProcessResult list = lab.run({"lab", "list"});
  CHECK(list.exit_code == 1);
  CHECK(contains(list.err, "no lab at"));
  const ProcessResult dcs = lab.run({"lab", "up", "--dcs", "dc1"});
  CHECK(dcs.exit_code == 1);
  CHECK(contains(dcs.err, "'dc1' is not NAME:NODES"));
}
