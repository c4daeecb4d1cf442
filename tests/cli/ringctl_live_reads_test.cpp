// Which agent a live read believes (docs/live-reads.md), with ringctl run as a process against
// strict fake agents: a current view is preferred over a stale one, and a stale view is marked
// and never shows its agent's own node as up; the other live reads (info, netstats, gossipinfo,
// jobs) mark a stale answer the same way.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "support/run_process.h"
#include "support/strict_fake_agent.h"
#include "support/temp_dir.h"
#include "support/test_files.h"
#include "support/test_paths.h"

using nlohmann::json;
using test_support::ProcessResult;
using test_support::StrictFakeAgent;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The example cluster (10.0.0.1 and .2 up, .3 down) as an agent serves it, stale or current.
json cluster_answer(bool stale, const json& error) {
  const json snapshot =
      json::parse(test_support::read_file(std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"));
  return {{"freshness",
           {{"collected_at", "2026-11-22T10:00:00.000Z"},
            {"age_seconds", stale ? 25.0 : 1.0},
            {"stale", stale},
            {"error", error}}},
          {"snapshot", snapshot}};
}

struct ScratchConfig {
  const test_support::TempDir temp{"ringctl-live-reads-"};
  const std::filesystem::path file = std::filesystem::path(temp.path()) / "clusters.yaml";
  explicit ScratchConfig(const std::vector<std::string>& agents) {
    std::ofstream out(file);
    out << "default: c\nclusters:\n  c:\n    agents:\n";
    for (const std::string& agent : agents) out << "      - \"" << agent << "\"\n";
    setenv("RINGCTL_CONFIG", file.c_str(), 1);
    unsetenv("RINGCTL_TOKEN");
  }
};

ProcessResult ringctl(std::vector<std::string> args) {
  args.insert(args.begin(), RINGCTL_BIN);
  return test_support::run_process(args);
}

}  // namespace

TEST_CASE("status passes over a stale agent and an agent whose node just failed for a current one") {
  StrictFakeAgent stale("127.0.0.62"), failing("127.0.0.62"), current("127.0.0.62");
  const ScratchConfig config({stale.address(), failing.address(), current.address()});
  stale.expect("GET", "/v1/cluster", 200, cluster_answer(true, "connection refused"));
  failing.expect("GET", "/v1/cluster", 200, cluster_answer(false, "connection refused"));
  json answer = cluster_answer(false, nullptr);
  answer["snapshot"]["nodes"][0]["status"] = "down";  // the current view: 10.0.0.1 is down
  current.expect("GET", "/v1/cluster", 200, answer);
  const ProcessResult r = ringctl({"-o", "json", "status"});
  CHECK(r.exit_code == 0);
  const json document = json::parse(r.out);
  CHECK(document["datacenters"][0]["nodes"][0]["status"] == "down");
  CHECK(document["freshness"]["agent"] == current.address());
  CHECK(document["freshness"]["stale"] == false);
  CHECK(document["freshness"]["agents_asked"] == 3);
  for (const StrictFakeAgent* agent : {&stale, &failing, &current}) check_strict(*agent);
}

TEST_CASE("when only a stale view is to be had it is marked, and its agent's own node is not shown up") {
  StrictFakeAgent stale("127.0.0.62");
  const ScratchConfig config({stale.address()});
  stale.expect("GET", "/v1/cluster", 200, cluster_answer(true, "node 10.0.0.1:9042: connection refused"));
  stale.expect("GET", "/v1/node", 200, {{"freshness", {{"stale", true}}}, {"node", {{"address", "10.0.0.1"}}}});
  stale.expect("GET", "/v1/cluster", 200, cluster_answer(true, "node 10.0.0.1:9042: connection refused"));
  stale.expect("GET", "/v1/node", 200, {{"freshness", {{"stale", true}}}, {"node", {{"address", "10.0.0.1"}}}});
  ProcessResult r = ringctl({"status"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.starts_with("WARNING: stale view: no agent has a current view (1 answered); this is agent " +
                          stale.address() + "'s, 25 s old (its node: node 10.0.0.1:9042: connection refused)."));
  CHECK(contains(r.out, "\n?N  10.0.0.1 "));
  CHECK(contains(r.out, "\nUN  10.0.0.2 "));
  r = ringctl({"-o", "json", "status"});
  const json document = json::parse(r.out);
  CHECK(document["datacenters"][0]["nodes"][0]["status"] == "unknown");
  CHECK(document["freshness"]["stale"] == true);
  CHECK(document["freshness"]["distrusted_nodes"] == json::array({"10.0.0.1"}));
  check_strict(stale);
}

TEST_CASE("a status read from a file has null freshness") {
  const ProcessResult r =
      ringctl({"-o", "json", "status", "--ring", std::string(RINGCTL_TEST_DATA_DIR) + "/status_example.json"});
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["freshness"].is_null());
}

namespace {

// An agent's cached answer of `path`: {"freshness", member: document}.
json cached_answer(bool stale, const json& error, const char* member, const json& document) {
  return {{"freshness",
           {{"collected_at", "2026-11-22T10:00:00.000Z"},
            {"age_seconds", stale ? 25.0 : 1.0},
            {"stale", stale},
            {"error", error}}},
          {member, document}};
}

const json kNodeFacts = {{"address", "10.0.0.1"}, {"host_id", "6d2f1c3a-0000-4000-8000-000000000001"},
                         {"dc", "dc1"},           {"rack", "rack1"},
                         {"state", "normal"},     {"mode", "NORMAL"},
                         {"tokens", {"-9", "3"}}};
const json kStreams = {{"mode", "NORMAL"}, {"throughput_mib_per_second", 0}, {"plans", json::array()}};
const json kEndpoints = json::array(
    {{{"address", "10.0.0.1"}, {"generation", 1}, {"heartbeat", 9}, {"status", "up"}, {"states", json::array()}}});

}  // namespace

TEST_CASE(
    "info, netstats and gossipinfo mark a stale answer as status does: a line above the table, freshness in JSON") {
  // The agent's own node does not answer it: what it serves is that node's last opinion of itself.
  const json error = "node 10.0.0.1:9042: connection refused";
  const std::vector<std::tuple<std::string, std::string, const char*, json>> reads = {
      {"info", "/v1/node", "node", kNodeFacts},
      {"netstats", "/v1/streams", "streams", kStreams},
      {"gossipinfo", "/v1/gossip", "endpoints", kEndpoints}};
  for (const auto& [command, path, member, document] : reads) {
    CAPTURE(command);
    StrictFakeAgent stale("127.0.0.62");
    const ScratchConfig config({stale.address()});
    stale.expect("GET", path, 200, cached_answer(true, error, member, document));
    stale.expect("GET", path, 200, cached_answer(true, error, member, document));
    ProcessResult r = ringctl({command});
    CHECK(r.exit_code == 0);
    CHECK(r.out.starts_with("WARNING: stale view: no agent has a current view (1 answered); this is agent " +
                            stale.address() + "'s, 25 s old (its node: node 10.0.0.1:9042: connection refused)."));
    r = ringctl({"-o", "json", command});
    CHECK(r.exit_code == 0);
    const json freshness = json::parse(r.out)["freshness"];
    CHECK(freshness["stale"] == true);
    CHECK(freshness["agent"] == stale.address());
    CHECK(freshness["error"] == error);
    CHECK(freshness["age_seconds"] == 25.0);
    check_strict(stale);
  }
}

TEST_CASE("info prefers a current agent over a stale one, and says which answered") {
  StrictFakeAgent stale("127.0.0.62"), current("127.0.0.62");
  const ScratchConfig config({stale.address(), current.address()});
  stale.expect("GET", "/v1/node", 200, cached_answer(true, "connection refused", "node", kNodeFacts));
  json facts = kNodeFacts;
  facts["address"] = "10.0.0.2";
  current.expect("GET", "/v1/node", 200, cached_answer(false, nullptr, "node", facts));
  const ProcessResult r = ringctl({"-o", "json", "info"});
  CHECK(r.exit_code == 0);
  const json document = json::parse(r.out);
  CHECK(document["address"] == "10.0.0.2");
  CHECK(document["freshness"]["stale"] == false);
  CHECK(document["freshness"]["agent"] == current.address());
  CHECK(document["freshness"]["agents_asked"] == 2);
  for (const StrictFakeAgent* agent : {&stale, &current}) check_strict(*agent);
}

TEST_CASE("a current answer of a single agent prints no warning and says it is current") {
  StrictFakeAgent agent("127.0.0.62");
  const ScratchConfig config({agent.address()});
  agent.expect("GET", "/v1/jobs", 200, cached_answer(false, nullptr, "jobs", json::array()));
  agent.expect("GET", "/v1/jobs", 200, cached_answer(false, nullptr, "jobs", json::array()));
  ProcessResult r = ringctl({"jobs"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "No jobs on the node of agent " + agent.address() + ".\n");
  CHECK(r.err.empty());
  r = ringctl({"-o", "json", "jobs"});
  const json document = json::parse(r.out);
  CHECK(document["jobs"] == json::array());
  CHECK(document["freshness"]["stale"] == false);
  check_strict(agent);
}
