// A playbook's ssh step, run by ringctl as a process against a real sshd
// (tests/cli/ssh/sshd_fixture.h): the command runs on the host with the run's ssh variables, its
// output reaches the journal, and a command that fails fails the run (its output kept too).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/ssh/sshd_fixture.h"
#include "support/run_process.h"
#include "support/test_paths.h"

namespace {

// A user playbook with one ssh step, in its own XDG_CONFIG_HOME beside the sshd's files.
void write_playbook(const test_support::SshdFixture& sshd) {
  const std::filesystem::path dir = sshd.path("config/ringctl/playbooks");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "touch-host.yaml") << R"(name: touch-host
description: one command on one host
variables:
  host: {type: string}
  what: {type: string}
  ssh_user: {type: string, default: ""}
  ssh_port: {type: int, default: 22}
  ssh_identity_file: {type: string, default: ""}
  ssh_known_hosts: {type: string, default: ""}
steps:
  - ssh: "{{what}}"
    name: run it
    host: "{{host}}"
    timeout: 60
)";
}

test_support::ProcessResult run_playbook(const test_support::SshdFixture& sshd, const std::string& what) {
  setenv("XDG_CONFIG_HOME", sshd.path("config").c_str(), 1);
  setenv("RINGCTL_RUNS_DIR", sshd.path("runs").c_str(), 1);
  const auto target = sshd.target();
  return test_support::run_process(
      {RINGCTL_BIN, "-o", "json", "playbook", "run", "touch-host", "--yes", "--var", "host=" + target.host, "--var",
       "what=" + what, "--var", "ssh_user=" + target.user, "--var", "ssh_port=" + std::to_string(target.port), "--var",
       "ssh_identity_file=" + target.identity_file, "--var", "ssh_known_hosts=" + target.known_hosts});
}

nlohmann::json last_event(const std::string& out) {
  const std::size_t end = out.find_last_not_of('\n');
  const std::size_t start = out.rfind('\n', end);
  return nlohmann::json::parse(out.substr(start == std::string::npos ? 0 : start + 1, end + 1));
}

}  // namespace

TEST_CASE("a playbook's ssh step runs its command on the host with the run's ssh variables") {
  test_support::SshdFixture sshd;
  write_playbook(sshd);
  const auto run = run_playbook(sshd, "touch " + sshd.path("touched"));
  CHECK_MESSAGE(run.exit_code == 0, run.out, run.err, sshd.log());
  CHECK(std::filesystem::exists(sshd.path("touched")));
  CHECK(last_event(run.out)["status"] == "succeeded");
}

TEST_CASE("an ssh step whose command exits non-zero fails the run with exit 2, its output in the journal") {
  test_support::SshdFixture sshd;
  write_playbook(sshd);
  const auto run = run_playbook(sshd, "echo to-out; echo to-err >&2; exit 3");
  CHECK(run.exit_code == 2);
  const nlohmann::json finished = last_event(run.out);
  CHECK(finished["status"] == "failed");
  CHECK(run.out.find("exited 3") != std::string::npos);
  // The failed step's record keeps what the command said and how it ended.
  std::ifstream in(finished["journal"].get<std::string>());
  const nlohmann::json journal = nlohmann::json::parse(in);
  REQUIRE(journal["steps"].size() == 1);
  const nlohmann::json& step = journal["steps"][0];
  CHECK(step["state"] == "failed");
  const nlohmann::json& result = step["result"];
  INFO(step.dump());
  CHECK(result["exit_status"] == 3);
  CHECK(result["out"] == "to-out\n");
  CHECK(result["err"] == "to-err\n");
  CHECK(result["host"] == sshd.target().host);
}
