// ScratchLab: a `ringctl lab` of a test's own, in a temporary directory that also holds the
// cluster config the lab registers in ($RINGCTL_CONFIG), the playbook runs ($RINGCTL_RUNS_DIR)
// and the user's playbook folder ($XDG_CONFIG_HOME), so that nothing of an operator's is read
// or touched; brought down when the handle goes away. For tests that drive real labs through
// the ringctl binary; ports are the test's to choose (`lab up --storage-port ...`).
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ringnet/http_client.h"
#include "support/run_process.h"
#include "support/temp_dir.h"

namespace test_support {

class ScratchLab {
 public:
  // `ringctl` is the binary to run; `prefix` names the temporary directory.
  ScratchLab(std::string ringctl, const std::string& prefix) : ringctl_(std::move(ringctl)), scratch_(prefix) {
    setenv("RINGCTL_CONFIG", config_file().c_str(), 1);
    setenv("RINGCTL_RUNS_DIR", runs_directory().c_str(), 1);
    setenv("XDG_CONFIG_HOME", (scratch_.path() + "/config").c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }
  ~ScratchLab() { lab({"down"}); }
  ScratchLab(const ScratchLab&) = delete;
  ScratchLab& operator=(const ScratchLab&) = delete;

  std::string directory() const { return scratch_.path() + "/lab"; }
  std::string config_file() const { return scratch_.path() + "/clusters.yaml"; }
  std::string runs_directory() const { return scratch_.path() + "/runs"; }
  // `ringctl lab --dir DIR ARGS...` as a command line, for a process run beside the test.
  std::vector<std::string> command(std::vector<std::string> args) const {
    args.insert(args.begin(), {ringctl_, "lab", "--dir", directory()});
    return args;
  }
  ProcessResult lab(const std::vector<std::string>& args) const { return run_process(command(args)); }
  // `lab ARGS... -o json`, which must succeed, parsed.
  nlohmann::json lab_json(std::vector<std::string> args) const {
    args.insert(args.end(), {"-o", "json"});
    const ProcessResult r = lab(args);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
  }

 private:
  std::string ringctl_;
  TempDir scratch_;
};

// The hints `node` holds, as its API (`native_port`) reports them in /v1/node; -1 when it does
// not answer or does not say.
inline std::int64_t hints_pending(const std::string& node, int native_port) {
  const auto answer = ringnet::HttpClient(node, native_port, std::chrono::seconds(5)).get("/v1/node");
  if (!answer || answer->status != 200) return -1;
  const nlohmann::json facts = nlohmann::json::parse(answer->body, nullptr, false);
  return facts.is_object() && facts.contains("hints") ? facts["hints"].value("pending", std::int64_t{-1}) : -1;
}

}  // namespace test_support
