// How old the cached facts are (freshness envelope) and the local health checks, at injected
// times: stale exactly after 3 intervals without a successful collection.
#include "freshness.h"

#include <doctest/doctest.h>

#include "checks.h"

namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ringd::CollectedFacts;

const auto kCollected =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1795000000123));  // 2026-11-18T11:06:40.123Z

CollectedFacts collected_at(std::chrono::system_clock::time_point when) {
  CollectedFacts facts;
  facts.collected_at = when;
  return facts;
}

std::string status_of(const std::vector<ringd::Check>& checks, const std::string& name) {
  for (const auto& check : checks) {
    if (check.name == name) return check.status + ": " + check.message;
  }
  return "missing";
}

CollectedFacts healthy() {
  CollectedFacts facts = collected_at(kCollected);
  facts.node = {{"mode", "NORMAL"}, {"state", "normal"}, {"disk_free_bytes", 500}, {"disk_total_bytes", 1000}};
  auto endpoint = [](const std::string& address, const std::string& status, const std::string& schema,
                     const std::string& gossip_status) {
    return json{{"address", address},
                {"status", status},
                {"states", {{{"name", "STATUS"}, {"value", gossip_status}}, {{"name", "SCHEMA"}, {"value", schema}}}}};
  };
  facts.gossip = {{"endpoints",
                   {endpoint("127.0.0.1", "up", "v1", "NORMAL,1"), endpoint("127.0.0.2", "up", "v1", "NORMAL,2"),
                    endpoint("127.0.0.9", "down", "v0", "LEFT,3,99")}}};
  return facts;
}

}  // namespace

TEST_CASE("before any collection the facts are stale with no time and no age") {
  CollectedFacts facts;
  facts.last_error = "node 127.0.0.1:9042: connection refused";
  const auto freshness = ringd::freshness_of(facts, kCollected, 2s);
  CHECK(freshness.stale);
  const json out = ringd::freshness_json(freshness);
  CHECK(out["collected_at"].is_null());
  CHECK(out["age_seconds"].is_null());
  CHECK(out["stale"] == true);
  CHECK(out["error"] == "node 127.0.0.1:9042: connection refused");
}

TEST_CASE("age is now minus the collection time, stale only beyond 3 intervals") {
  const CollectedFacts facts = collected_at(kCollected);
  const auto fresh = ringd::freshness_of(facts, kCollected + 1200ms, 2s);
  CHECK(*fresh.age_seconds == doctest::Approx(1.2));
  CHECK_FALSE(fresh.stale);
  CHECK_FALSE(ringd::freshness_of(facts, kCollected + 6s, 2s).stale);  // exactly 3 intervals
  CHECK(ringd::freshness_of(facts, kCollected + 6001ms, 2s).stale);
  CHECK(ringd::freshness_of(facts, kCollected + 1600ms, 500ms).stale);
  const json out = ringd::freshness_json(fresh);
  CHECK(out["collected_at"] == "2026-11-18T11:06:40.123Z");
  CHECK(out["age_seconds"] == doctest::Approx(1.2));
  CHECK(out["error"].is_null());
}

TEST_CASE("a clock stepping back gives age 0, not a negative age") {
  const auto freshness = ringd::freshness_of(collected_at(kCollected), kCollected - 5s, 2s);
  CHECK(*freshness.age_seconds == 0.0);
  CHECK_FALSE(freshness.stale);
}

TEST_CASE("stale facts with an attempt hanging for over an interval name the hung node before the attempt times out") {
  CollectedFacts facts = collected_at(kCollected);
  facts.last_error = "an older failure";
  CHECK(ringd::freshness_of(facts, kCollected + 7s, 2s, 1900ms).error == "an older failure");  // a fresh attempt
  CHECK(ringd::freshness_of(facts, kCollected + 5s, 2s, 4s).error == "an older failure");      // not stale yet
  const auto hung = ringd::freshness_of(facts, kCollected + 9s, 2s, 8400ms);
  CHECK(hung.stale);
  CHECK(hung.error == "the node has not answered for 8 s");
  CHECK(ringd::freshness_json(hung)["error"] == "the node has not answered for 8 s");
  CHECK(status_of(ringd::run_checks(healthy(), hung), "backend_reachable") ==
        "fail: the node has not answered for 8 s");
}

TEST_CASE("checks of a healthy node pass, a node that left gossip is not a down peer") {
  const CollectedFacts facts = healthy();
  const auto checks = ringd::run_checks(facts, ringd::freshness_of(facts, kCollected + 1s, 2s));
  CHECK(status_of(checks, "backend_reachable") == "ok: the node answered");
  CHECK(status_of(checks, "node_state") == "ok: NORMAL");
  CHECK(status_of(checks, "peers_up") == "ok: 2 endpoints up");
  CHECK(status_of(checks, "schema_agreement") == "ok: one schema version: v1");
  CHECK(status_of(checks, "disk_space").starts_with("ok: 50.0% free"));
}

TEST_CASE("checks fail on a down peer, a schema disagreement, a stale cache, disk warns below 10%, fails below 5%") {
  CollectedFacts facts = healthy();
  facts.gossip["endpoints"][1]["status"] = "down";
  facts.gossip["endpoints"][0]["states"][1]["value"] = "v2";
  facts.gossip["endpoints"].push_back(
      {{"address", "127.0.0.3"}, {"status", "up"}, {"states", {{{"name", "SCHEMA"}, {"value", "v1"}}}}});
  facts.node["disk_free_bytes"] = 99;
  facts.last_error = "node: timed out";
  auto checks = ringd::run_checks(facts, ringd::freshness_of(facts, kCollected + 7s, 2s));
  CHECK(status_of(checks, "backend_reachable") == "fail: node: timed out");
  CHECK(status_of(checks, "peers_up") == "fail: not up in this node's gossip: 127.0.0.2 (down)");
  CHECK(status_of(checks, "schema_agreement") ==
        "fail: live endpoints disagree on the schema: v1: 127.0.0.3; v2: 127.0.0.1");
  CHECK(status_of(checks, "disk_space").starts_with("warn: 9.9% free"));
  facts.node["disk_free_bytes"] = 49;
  facts.node["mode"] = "LEAVING";
  checks = ringd::run_checks(facts, ringd::freshness_of(facts, kCollected, 2s));
  CHECK(status_of(checks, "disk_space").starts_with("fail: 4.9% free"));
  CHECK(status_of(checks, "node_state") == "warn: LEAVING: an operation is in progress");
  facts.node["mode"] = "DECOMMISSIONED";
  CHECK(status_of(ringd::run_checks(facts, ringd::freshness_of(facts, kCollected, 2s)), "node_state")
            .starts_with("fail: DECOMMISSIONED"));
}

TEST_CASE("checks read a malformed document as missing fields, never failing the request") {
  CollectedFacts facts = healthy();
  facts.node["mode"] = 7;
  facts.node["state"] = nullptr;
  facts.node["disk_total_bytes"] = "lots";
  facts.gossip["endpoints"][0]["states"] = "none";
  facts.gossip["endpoints"][1]["address"] = 2;
  facts.gossip["endpoints"][1]["status"] = false;
  std::vector<ringd::Check> checks;
  REQUIRE_NOTHROW(checks = ringd::run_checks(facts, ringd::freshness_of(facts, kCollected + 1s, 2s)));
  CHECK(status_of(checks, "node_state") == "fail: unknown: the node is not serving as a member");
  CHECK(status_of(checks, "peers_up") == "fail: not up in this node's gossip: ? (?)");
  CHECK(status_of(checks, "disk_space") == "warn: the node reports no disk size");
  facts.gossip = "not an object";
  REQUIRE_NOTHROW(checks = ringd::run_checks(facts, ringd::freshness_of(facts, kCollected + 1s, 2s)));
  CHECK(status_of(checks, "peers_up") == "ok: 0 endpoints up");
}

TEST_CASE("with nothing collected yet every check fails and says so") {
  CollectedFacts facts;
  const auto checks = ringd::run_checks(facts, ringd::freshness_of(facts, kCollected, 2s));
  REQUIRE(checks.size() == 5);
  CHECK(status_of(checks, "backend_reachable") == "fail: no collection has finished yet");
  CHECK(status_of(checks, "disk_space") == "fail: no facts collected from the node yet");
  // The first attempt hanging on the node says so, as a later one does.
  CHECK(status_of(ringd::run_checks(facts, ringd::freshness_of(facts, kCollected, 2s, 3s)), "backend_reachable") ==
        "fail: the node has not answered for 3 s");
}
