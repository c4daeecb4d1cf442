// ScratchLab: a `ringctl lab` of a test's own, in a temporary directory that also holds the
// cluster config the lab registers in ($RINGCTL_CONFIG), the playbook runs ($RINGCTL_RUNS_DIR)
// and the user's playbook folder ($XDG_CONFIG_HOME), so that nothing of an operator's is read
// or touched; brought down when the handle goes away. For tests that drive real labs through
// the ringctl binary. Its nodes are on a loopback block of the test's own (`lab up
// --ip-prefix`, given by up()), and its ports the test's to choose (`--storage-port ...`), so
// that lab tests run in parallel and never meet a lab a person runs on 127.0.0.x.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ringruntime/wait.h"
#include "support/ringnode_process.h"  // hints_pending, for the tests of a lab's nodes
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace test_support {

class ScratchLab {
 public:
  // `ringctl` is the binary to run; `prefix` names the temporary directory; node N of the lab
  // listens on `ip_prefix` + N (e.g. "127.0.62.": see tests/support/README.md for the blocks).
  ScratchLab(std::string ringctl, const std::string& prefix, std::string ip_prefix)
      : ringctl_(std::move(ringctl)), ip_prefix_(std::move(ip_prefix)), scratch_(prefix) {
    setenv("RINGCTL_CONFIG", config_file().c_str(), 1);
    setenv("RINGCTL_RUNS_DIR", runs_directory().c_str(), 1);
    setenv("XDG_CONFIG_HOME", (scratch_.path() + "/config").c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }
  ~ScratchLab() { lab({"down"}); }
  ScratchLab(const ScratchLab&) = delete;
  ScratchLab& operator=(const ScratchLab&) = delete;

  std::string directory() const { return scratch_.path() + "/lab"; }
  const std::string& ip_prefix() const { return ip_prefix_; }
  // Node `n`'s address, e.g. "127.0.62.3".
  std::string address(int n) const { return ip_prefix_ + std::to_string(n); }
  std::string config_file() const { return scratch_.path() + "/clusters.yaml"; }
  std::string runs_directory() const { return scratch_.path() + "/runs"; }
  // `ringctl lab --dir DIR ARGS...` as a command line, for a process run beside the test.
  std::vector<std::string> command(std::vector<std::string> args) const {
    args.insert(args.begin(), {ringctl_, "lab", "--dir", directory()});
    return args;
  }
  ProcessResult lab(const std::vector<std::string>& args) const { return run_process(command(args)); }
  // `lab ARGS...`, which must succeed; when it does not, what it printed says why (a stress's
  // failed writes and their errors).
  ProcessResult must(const std::vector<std::string>& args) const {
    ProcessResult result = lab(args);
    REQUIRE_MESSAGE(result.exit_code == 0, "ringctl lab " << args.front() << " exited " << result.exit_code << ":\n"
                                                          << result.out << result.err);
    return result;
  }
  // `lab up ARGS... --ip-prefix <the test's block>`.
  ProcessResult up(std::vector<std::string> args) const {
    args.insert(args.begin(), "up");
    args.insert(args.end(), {"--ip-prefix", ip_prefix_});
    return lab(args);
  }
  // SIGKILLs member `name`'s agent (`agent_pid`, as `lab list` shows it) and starts it again:
  // `lab start` of a member whose node runs starts only its agent. It waits for the agent to
  // have exited first: kill() returns before it has, and until then `lab start` finds it running.
  void restart_agent_killed(pid_t agent_pid, const std::string& name) const {
    REQUIRE(::kill(agent_pid, SIGKILL) == 0);
    const auto exited = [agent_pid] {  // gone, or a zombie (whose cmdline is empty)
      std::ifstream cmdline("/proc/" + std::to_string(agent_pid) + "/cmdline");
      return cmdline.peek() == std::ifstream::traits_type::eof();
    };
    REQUIRE_MESSAGE(ringruntime::wait_until(exited, std::chrono::seconds(10), std::chrono::milliseconds(5)),
                    "the agent of " << name << " (pid " << agent_pid << ") still runs 10 s after SIGKILL");
    const ProcessResult restarted = lab({"start", name});
    REQUIRE_MESSAGE(restarted.exit_code == 0, restarted.err);
  }
  // `lab ARGS... -o json`, which must succeed, parsed.
  nlohmann::json lab_json(std::vector<std::string> args) const {
    args.insert(args.end(), {"-o", "json"});
    const ProcessResult r = lab(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
  }
  // `lab verify` at ONE (no read repair makes a replica whole), each row's replicas compared:
  // checked that it exits 0 and finds every acknowledged row, current, on every replica.
  // Returns its report.
  nlohmann::json verify_at_one(const std::string& keyspace) const {
    const ProcessResult r = lab({"verify", "-o", "json", "--keyspace", keyspace, "--cl", "ONE"});
    const nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_MESSAGE(report.is_object(), r.out << r.err);
    INFO(report.dump());
    CHECK(r.exit_code == 0);
    CHECK(report["missing"] == 0);
    CHECK(report["stale"] == 0);
    CHECK(report["unreadable"] == 0);
    CHECK(report["under_replicated"] == 0);
    return report;
  }

 private:
  std::string ringctl_;
  std::string ip_prefix_;
  TempDir scratch_;
};

}  // namespace test_support
