#include "metrics.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ringcore/ownership.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"
#include "support/temp_dir.h"

namespace {

using Json = nlohmann::json;
using Clock = std::chrono::system_clock;
using ringd::CollectedFacts;
using ringd::render_metrics;

const ringd::MetricsIdentity kWho{"lab", "dc1", "rack1", "127.0.0.1"};
const std::chrono::duration<double> kInterval{2.0};
// 2026-11-22T10:00:00Z, the time the documents below were "collected".
const Clock::time_point kCollected = Clock::time_point(std::chrono::seconds(1795341600));

// One sample line of the text format.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// The samples of an exposition (label values here never hold quotes or commas).
std::vector<Sample> parse_samples(const std::string& text) {
  std::vector<Sample> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    Sample sample;
    const auto name_end = line.find_first_of("{ ");
    sample.name = line.substr(0, name_end);
    std::size_t rest = name_end;
    if (line[name_end] == '{') {
      const auto close = line.find('}', name_end);
      std::istringstream pairs(line.substr(name_end + 1, close - name_end - 1));
      std::string pair;
      while (std::getline(pairs, pair, ',')) {
        const auto eq = pair.find('=');
        sample.labels[pair.substr(0, eq)] = pair.substr(eq + 2, pair.size() - eq - 3);
      }
      rest = close + 1;
    }
    sample.value = std::stod(line.substr(rest + 1));
    samples.push_back(sample);
  }
  return samples;
}

// The samples of one family whose labels include `labels`.
std::vector<Sample> find(const std::string& text, const std::string& name,
                         const std::map<std::string, std::string>& labels = {}) {
  std::vector<Sample> found;
  for (const Sample& sample : parse_samples(text)) {
    if (sample.name != name) continue;
    bool match = true;
    for (const auto& [key, value] : labels) {
      const auto it = sample.labels.find(key);
      match = match && it != sample.labels.end() && it->second == value;
    }
    if (match) found.push_back(sample);
  }
  return found;
}

// The value of the one sample matching; fails the test if there is not exactly one.
double value_of(const std::string& text, const std::string& name,
                const std::map<std::string, std::string>& labels = {}) {
  const std::vector<Sample> found = find(text, name, labels);
  REQUIRE_MESSAGE(found.size() == 1, name << ": " << found.size() << " samples match in\n" << text);
  return found[0].value;
}

std::set<std::string> family_names(const std::string& text) {
  std::set<std::string> names;
  for (const Sample& sample : parse_samples(text)) names.insert(sample.name);
  return names;
}

Json snapshot_node(const std::string& address, const std::string& host_id, const std::string& dc,
                   const std::string& rack, const std::string& token, const std::string& state = "normal") {
  return {{"address", address}, {"host_id", host_id}, {"dc", dc},          {"rack", rack},
          {"status", "up"},     {"state", state},     {"load_bytes", 100}, {"tokens", {token}}};
}

// Three nodes, one token each: 127.0.0.1 at -2^62, 127.0.0.2 at 2^62 (dc1), 127.0.0.3 at 0 (dc2).
Json three_node_cluster() {
  return {{"cluster", "lab"},
          {"nodes",
           {snapshot_node("127.0.0.1", "00000000-0000-4000-8000-000000000001", "dc1", "rack1", "-4611686018427387904"),
            snapshot_node("127.0.0.2", "00000000-0000-4000-8000-000000000002", "dc1", "rack2", "4611686018427387904"),
            snapshot_node("127.0.0.3", "00000000-0000-4000-8000-000000000003", "dc2", "rack1", "0")}},
          {"keyspaces",
           {{{"name", "one"}, {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", "1"}}}},
            {{"name", "nts"}, {"replication", {{"class", "NetworkTopologyStrategy"}, {"dc1", "2"}, {"dc2", "1"}}}},
            {{"name", "local"}, {"replication", {{"class", "LocalStrategy"}}}}}}};
}

Json gossip_endpoint(const std::string& address, const std::string& status) {
  return {{"address", address}, {"generation", 1}, {"heartbeat", 10}, {"status", status}, {"states", Json::array()}};
}

// A node that answered its last collection, 1 s before `kCollected + 1s`.
CollectedFacts collected_facts() {
  CollectedFacts facts;
  facts.node = {{"host_id", "00000000-0000-4000-8000-000000000001"},
                {"address", "127.0.0.1"},
                {"dc", "dc1"},
                {"rack", "rack1"},
                {"state", "normal"},
                {"load_bytes", 123456},
                {"tokens", {"-4611686018427387904"}},
                {"disk_used_bytes", 5000},
                {"disk_free_bytes", 7000}};
  facts.cluster = three_node_cluster();
  facts.gossip = {{"endpoints",
                   {gossip_endpoint("127.0.0.1", "up"), gossip_endpoint("127.0.0.2", "down"),
                    gossip_endpoint("127.0.0.3", "unknown")}}};
  facts.streams = {{"mode", "NORMAL"}, {"throughput_mib_per_second", 0}, {"plans", Json::array()}};
  facts.jobs = Json::array();
  facts.collected_at = kCollected;
  facts.last_collection_duration = std::chrono::milliseconds(250);
  facts.collections_total = 7;
  facts.backend_errors_total = 2;
  return facts;
}

std::string render(const CollectedFacts& facts, Clock::time_point now = kCollected + std::chrono::seconds(1)) {
  return render_metrics(facts, kWho, now, kInterval);
}

Json session(const std::string& peer, const std::string& direction, const std::string& state, double total, double done,
             double rate) {
  return {
      {"peer", peer},      {"direction", direction}, {"state", state}, {"total_bytes", total},    {"done_bytes", done},
      {"total_ranges", 4}, {"done_ranges", 1},       {"rows", 10},     {"bytes_per_second", rate}};
}

// A stream plan of job `job_id`.
Json plan(const std::string& job_id, const std::vector<Json>& sessions) {
  return {{"id", "plan-" + job_id}, {"description", "Bootstrap"}, {"job_id", job_id}, {"sessions", sessions}};
}

Json job(const std::string& id, const std::string& operation, const std::string& state, double done, double total,
         const std::string& unit, const std::string& started_at) {
  return {{"id", id},
          {"operation", operation},
          {"state", state},
          {"progress", {{"done", done}, {"total", total}, {"unit", unit}}},
          {"started_at", started_at},
          {"ended_at", nullptr},
          {"error", nullptr}};
}

}  // namespace

TEST_CASE("before the first collection only the agent's health is exposed") {
  CollectedFacts facts;  // every document null
  facts.collections_total = 3;
  facts.backend_errors_total = 3;
  facts.last_error = "connection refused";
  const std::string text = render(facts);

  CHECK(family_names(text) == std::set<std::string>{"ringd_node_up", "ringd_collection_duration_seconds",
                                                    "ringd_collections_total", "ringd_backend_errors_total",
                                                    "ringd_cache_stale"});
  CHECK(value_of(text, "ringd_node_up") == 0);
  CHECK(value_of(text, "ringd_cache_stale") == 1);
  CHECK(value_of(text, "ringd_collections_total") == 3);
  CHECK(value_of(text, "ringd_backend_errors_total") == 3);
  CHECK(text.find("# HELP ringd_load_bytes") == std::string::npos);  // no empty families either
}

TEST_CASE("every series carries the agent's cluster, dc, rack and node") {
  CollectedFacts facts = collected_facts();
  facts.streams["plans"] = Json::array({plan("j", {session("127.0.0.2", "receiving", "streaming", 10, 5, 1)})});
  facts.jobs = Json::array({job("j", "bootstrap", "running", 5, 10, "bytes", "2026-11-22T09:59:00.000Z")});
  const std::vector<Sample> samples = parse_samples(render(facts));
  REQUIRE(samples.size() > 20);
  for (const Sample& sample : samples) {
    CHECK_MESSAGE(sample.labels.at("cluster") == "lab", sample.name);
    CHECK_MESSAGE(sample.labels.at("dc") == "dc1", sample.name);
    CHECK_MESSAGE(sample.labels.at("rack") == "rack1", sample.name);
    CHECK_MESSAGE(sample.labels.at("node") == "127.0.0.1", sample.name);
  }
}

TEST_CASE("counters and gauges are typed as Prometheus expects") {
  const std::string text = render(collected_facts());
  CHECK(text.find("# TYPE ringd_collections_total counter") != std::string::npos);
  CHECK(text.find("# TYPE ringd_backend_errors_total counter") != std::string::npos);
  CHECK(text.find("# TYPE ringd_peer_up gauge") != std::string::npos);
  CHECK(text.find("# HELP ringd_peer_up ") != std::string::npos);
}

TEST_CASE("the node's facts: state one-hot, load, tokens, disk, up") {
  CollectedFacts facts = collected_facts();
  facts.node["state"] = "leaving";
  const std::string text = render(facts);
  CHECK(value_of(text, "ringd_node_state", {{"state", "leaving"}}) == 1);
  for (const char* other : {"normal", "joining", "moving"}) {
    CHECK(value_of(text, "ringd_node_state", {{"state", other}}) == 0);
  }
  CHECK(value_of(text, "ringd_load_bytes") == 123456);
  CHECK(value_of(text, "ringd_tokens") == 1);
  CHECK(value_of(text, "ringd_disk_used_bytes") == 5000);
  CHECK(value_of(text, "ringd_disk_free_bytes") == 7000);
  CHECK(value_of(text, "ringd_node_up") == 1);
}

TEST_CASE("a failed last collection sets node_up to 0 but keeps the cached facts") {
  CollectedFacts facts = collected_facts();
  facts.last_error = "timed out";
  const std::string text = render(facts);
  CHECK(value_of(text, "ringd_node_up") == 0);
  CHECK(value_of(text, "ringd_load_bytes") == 123456);
}

TEST_CASE("peer_up: one series per gossip endpoint, 1 only for up, placed by the snapshot") {
  CollectedFacts facts = collected_facts();
  facts.gossip["endpoints"].push_back(gossip_endpoint("127.0.0.9", "up"));
  facts.gossip["endpoints"].back()["states"] = {{{"name", "DC"}, {"version", 1}, {"value", "dc9"}},
                                                {{"name", "RACK"}, {"version", 2}, {"value", "rack9"}}};
  const std::string text = render(facts);
  CHECK(find(text, "ringd_peer_up").size() == 4);
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.1"}, {"peer_dc", "dc1"}, {"peer_rack", "rack1"}}) == 1);
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.2"}, {"peer_dc", "dc1"}, {"peer_rack", "rack2"}}) == 0);
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.3"}, {"peer_dc", "dc2"}, {"peer_rack", "rack1"}}) == 0);
  // Not in the snapshot (yet): its gossip states place it.
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.9"}, {"peer_dc", "dc9"}, {"peer_rack", "rack9"}}) == 1);
}

TEST_CASE("peer_up leaves out endpoints that left or were removed, as /v1/checks does") {
  CollectedFacts facts = collected_facts();
  auto with_status = [](const std::string& address, const std::string& status) {
    Json endpoint = gossip_endpoint(address, "down");
    endpoint["states"] = {{{"name", "STATUS"}, {"version", 5}, {"value", status}}};
    return endpoint;
  };
  facts.gossip["endpoints"].push_back(with_status("127.0.0.4", "LEFT,-42,1700000000000"));
  facts.gossip["endpoints"].push_back(with_status("127.0.0.5", "removed,3f2b9c1e-0000-4000-8000-000000000005"));
  facts.gossip["endpoints"].push_back(with_status("127.0.0.6", "NORMAL,17"));
  const std::string text = render(facts);
  CHECK(find(text, "ringd_peer_up").size() == 4);  // 127.0.0.1-3 and the normal 127.0.0.6
  CHECK(text.find("peer=\"127.0.0.4\"") == std::string::npos);
  CHECK(text.find("peer=\"127.0.0.5\"") == std::string::npos);
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.6"}}) == 0);
}

TEST_CASE("peer_up falls back to the snapshot's statuses when gossip is missing") {
  CollectedFacts facts = collected_facts();
  facts.gossip = nullptr;
  facts.cluster["nodes"][2]["status"] = "down";
  const std::string text = render(facts);
  CHECK(find(text, "ringd_peer_up").size() == 3);
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.2"}}) == 1);
  CHECK(value_of(text, "ringd_peer_up", {{"peer", "127.0.0.3"}, {"peer_dc", "dc2"}}) == 0);
}

TEST_CASE("effective ownership of a two-node ring split in halves") {
  CollectedFacts facts = collected_facts();
  facts.cluster = {
      {"nodes",
       {snapshot_node("127.0.0.1", "00000000-0000-4000-8000-000000000001", "dc1", "rack1", "-4611686018427387904"),
        snapshot_node("127.0.0.2", "00000000-0000-4000-8000-000000000002", "dc1", "rack1", "4611686018427387904")}},
      {"keyspaces",
       {{{"name", "rf1"}, {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", "1"}}}},
        {{"name", "rf2"}, {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", "2"}}}}}}};
  const std::string text = render(facts);
  CHECK(value_of(text, "ringd_effective_ownership_ratio", {{"keyspace", "rf1"}}) == doctest::Approx(0.5));
  CHECK(value_of(text, "ringd_effective_ownership_ratio", {{"keyspace", "rf2"}}) == doctest::Approx(1.0));
}

TEST_CASE("effective ownership equals ringcore's for every keyspace with a ring") {
  const CollectedFacts facts = collected_facts();
  const std::string text = render(facts);

  const ringcore::ClusterSnapshot snapshot = ringcore::parse_snapshot(facts.cluster.dump()).value_or_throw();
  const ringcore::TokenRing ring(snapshot);
  for (const char* keyspace : {"one", "nts"}) {
    auto placement = ringcore::ReplicaPlacement::create(ring, snapshot.find_keyspace(keyspace)->replication);
    REQUIRE(placement);
    const double expected = *ringcore::effective_ownership(*placement)[0];  // 127.0.0.1 is nodes[0]
    CHECK(value_of(text, "ringd_effective_ownership_ratio", {{"keyspace", keyspace}}) ==
          doctest::Approx(expected).epsilon(1e-9));
  }
  CHECK(find(text, "ringd_effective_ownership_ratio", {{"keyspace", "local"}}).empty());
}

TEST_CASE("ownership follows changes of the ring and keyspaces between scrapes") {
  CollectedFacts facts = collected_facts();
  const double before = value_of(render(facts), "ringd_effective_ownership_ratio", {{"keyspace", "one"}});
  facts.cluster["nodes"][0]["load_bytes"] = 999;  // not a ring change
  CHECK(value_of(render(facts), "ringd_effective_ownership_ratio", {{"keyspace", "one"}}) == before);

  // 127.0.0.1's primary range is (2^62, -2^62], wrapping: half the ring. Moved to -1 (just
  // below 127.0.0.3 at 0), it becomes (2^62, -1]: three quarters.
  CHECK(before == doctest::Approx(0.5));
  facts.cluster["nodes"][0]["tokens"] = {"-1"};
  CHECK(value_of(render(facts), "ringd_effective_ownership_ratio", {{"keyspace", "one"}}) == doctest::Approx(0.75));

  facts.cluster["keyspaces"][0]["replication"]["replication_factor"] = "3";
  CHECK(value_of(render(facts), "ringd_effective_ownership_ratio", {{"keyspace", "one"}}) == doctest::Approx(1.0));
}

TEST_CASE("ownership is found by host id, and absent for a joining node or an unparseable snapshot") {
  CollectedFacts facts = collected_facts();
  SUBCASE("by host id, whatever the agent's node label") {
    const std::string text = render_metrics(facts, {"lab", "dc1", "rack1", "node-a"}, kCollected, kInterval);
    CHECK(find(text, "ringd_effective_ownership_ratio").size() == 2);
  }
  SUBCASE("joining") {
    facts.cluster["nodes"][0]["state"] = "joining";
    CHECK(find(render(facts), "ringd_effective_ownership_ratio").empty());
  }
  SUBCASE("unparseable snapshot: no ownership, peers still there") {
    facts.cluster["nodes"][0]["tokens"] = {"not a token"};
    const std::string text = render(facts);
    CHECK(find(text, "ringd_effective_ownership_ratio").empty());
    CHECK(find(text, "ringd_peer_up").size() == 3);
  }
}

TEST_CASE("streaming bytes per peer and direction, summed over plans") {
  CollectedFacts facts = collected_facts();
  facts.streams["plans"] = Json::array({plan("j1", {session("127.0.0.2", "receiving", "streaming", 1000, 400, 100),
                                                    session("127.0.0.3", "receiving", "complete", 500, 500, 0)}),
                                        plan("j0", {session("127.0.0.2", "receiving", "complete", 200, 200, 0),
                                                    session("127.0.0.2", "sending", "failed", 300, 10, 0)})});
  const std::string text = render(facts);
  CHECK(value_of(text, "ringd_stream_planned_bytes", {{"peer", "127.0.0.2"}, {"direction", "receiving"}}) == 1200);
  CHECK(value_of(text, "ringd_stream_transferred_bytes", {{"peer", "127.0.0.2"}, {"direction", "receiving"}}) == 600);
  CHECK(value_of(text, "ringd_stream_planned_bytes", {{"peer", "127.0.0.2"}, {"direction", "sending"}}) == 300);
  CHECK(value_of(text, "ringd_stream_transferred_bytes", {{"peer", "127.0.0.2"}, {"direction", "sending"}}) == 10);
  CHECK(value_of(text, "ringd_stream_transferred_bytes", {{"peer", "127.0.0.3"}, {"direction", "receiving"}}) == 500);
  CHECK(find(text, "ringd_stream_planned_bytes").size() == 3);
}

TEST_CASE("job progress and ETA for running jobs only") {
  CollectedFacts facts = collected_facts();
  const Clock::time_point now = kCollected;  // 2026-11-22T10:00:00Z
  facts.streams["plans"] = Json::array({plan("boot", {session("127.0.0.2", "receiving", "streaming", 3000, 1000, 100),
                                                      session("127.0.0.3", "receiving", "streaming", 3000, 1000, 100),
                                                      session("127.0.0.3", "sending", "complete", 10, 10, 999)})});
  facts.jobs = Json::array({// 4000 bytes left at 200 B/s from the two streaming sessions: 20 s.
                            job("boot", "bootstrap", "running", 2000, 6000, "bytes", "2026-11-22T09:59:00.000Z"),
                            // No rate for ranges: 30 s spent on 1 of 4 ranges, so 90 s left.
                            job("rep", "repair", "running", 1, 4, "ranges", "2026-11-22T09:59:30.000Z"),
                            // Nothing done yet and no rate: no estimate.
                            job("clean", "cleanup", "running", 0, 10, "bytes", "2026-11-22T09:59:59.000Z"),
                            job("old", "decommission", "succeeded", 10, 10, "bytes", "2026-11-21T09:00:00.000Z")});
  const std::string text = render(facts, now);

  CHECK(value_of(text, "ringd_job_progress_ratio", {{"operation", "bootstrap"}, {"job_id", "boot"}}) ==
        doctest::Approx(1.0 / 3));
  CHECK(value_of(text, "ringd_job_eta_seconds", {{"job_id", "boot"}}) == doctest::Approx(20));
  CHECK(value_of(text, "ringd_job_progress_ratio", {{"operation", "repair"}, {"job_id", "rep"}}) == 0.25);
  CHECK(value_of(text, "ringd_job_eta_seconds", {{"job_id", "rep"}}) == doctest::Approx(90));
  CHECK(value_of(text, "ringd_job_progress_ratio", {{"job_id", "clean"}}) == 0);
  CHECK(find(text, "ringd_job_eta_seconds", {{"job_id", "clean"}}).empty());
  CHECK(find(text, "ringd_job_progress_ratio", {{"job_id", "old"}}).empty());
}

TEST_CASE("cache age and staleness: stale after 3 intervals without a successful collection") {
  CollectedFacts facts = collected_facts();
  SUBCASE("fresh") {
    const std::string text = render(facts, kCollected + std::chrono::milliseconds(1500));
    CHECK(value_of(text, "ringd_cache_age_seconds") == doctest::Approx(1.5));
    CHECK(value_of(text, "ringd_cache_stale") == 0);
  }
  SUBCASE("exactly 3 intervals old is not yet stale") {
    const std::string text = render(facts, kCollected + std::chrono::seconds(6));
    CHECK(value_of(text, "ringd_cache_age_seconds") == doctest::Approx(6));
    CHECK(value_of(text, "ringd_cache_stale") == 0);
  }
  SUBCASE("older is stale, and the cached facts stay exposed") {
    const std::string text = render(facts, kCollected + std::chrono::milliseconds(6100));
    CHECK(value_of(text, "ringd_cache_stale") == 1);
    CHECK(value_of(text, "ringd_load_bytes") == 123456);
  }
  CHECK(value_of(render(facts), "ringd_collection_duration_seconds") == doctest::Approx(0.25));
}

TEST_CASE("the agent's cache of a collection's families answers as render_metrics, with the scrape's time") {
  ringd::MetricsCache cache;
  CollectedFacts first = collected_facts();
  first.jobs = Json::array({job("rep", "repair", "running", 1, 4, "ranges", "2026-11-22T09:59:30.000Z")});
  const auto facts = std::make_shared<const CollectedFacts>(first);
  for (const int ms : {500, 1500, 7000}) {  // the same facts scraped again: age, staleness and ETA move on
    const Clock::time_point now = kCollected + std::chrono::milliseconds(ms);
    const std::string text = cache.render(facts, kWho, now, kInterval);
    CHECK(text == render(*facts, now));
    CHECK(value_of(text, "ringd_cache_age_seconds") == doctest::Approx(ms / 1000.0));
  }
  CHECK(value_of(cache.render(facts, kWho, kCollected + std::chrono::seconds(7), kInterval), "ringd_cache_stale") == 1);

  CollectedFacts second = first;  // the next collection: a new facts object
  second.node["load_bytes"] = 999;
  second.collections_total = 8;
  const auto next = std::make_shared<const CollectedFacts>(second);
  const std::string text = cache.render(next, kWho, kCollected, kInterval);
  CHECK(text == render(*next, kCollected));
  CHECK(value_of(text, "ringd_load_bytes") == 999);
  CHECK(value_of(text, "ringd_collections_total") == 8);

  const ringd::MetricsIdentity other{"lab", "dc1", "rack1", "127.0.0.9"};  // the node's address learnt later
  CHECK(find(cache.render(next, other, kCollected, kInterval), "ringd_load_bytes", {{"node", "127.0.0.9"}}).size() ==
        1);
}

TEST_CASE("with no job running the cache writes only the age and staleness per scrape, as render_metrics would") {
  ringd::MetricsCache cache;
  CollectedFacts ended = collected_facts();  // a job that ended has no ETA: nothing timed but freshness
  ended.jobs = Json::array({job("rep", "repair", "succeeded", 4, 4, "ranges", "2026-11-22T09:59:30.000Z")});
  const auto facts = std::make_shared<const CollectedFacts>(ended);
  // Ages of every shape the serializer writes: whole, fractional, 17 significant digits, below
  // 1e-4 (an exponent), at the staleness boundary and past it.
  for (const auto age : {std::chrono::nanoseconds(0), std::chrono::nanoseconds(1), std::chrono::nanoseconds(12345),
                         std::chrono::nanoseconds(500'000'000), std::chrono::nanoseconds(1'234'567'891),
                         std::chrono::nanoseconds(6'000'000'000), std::chrono::nanoseconds(6'000'000'001),
                         std::chrono::nanoseconds(86'400'123'456'789)}) {
    const Clock::time_point now = kCollected + std::chrono::duration_cast<Clock::duration>(age);
    CHECK(cache.render(facts, kWho, now, kInterval) == render(*facts, now));
  }
  CHECK(cache.render(facts, kWho, kCollected - std::chrono::seconds(5), kInterval) ==
        render(*facts, kCollected - std::chrono::seconds(5)));  // a clock stepping back: age 0

  CollectedFacts never = collected_facts();  // before any collection: no age, stale
  never.collected_at.reset();
  const auto none = std::make_shared<const CollectedFacts>(never);
  CHECK(cache.render(none, kWho, kCollected, kInterval) == render(*none, kCollected));
  CHECK(find(cache.render(none, kWho, kCollected, kInterval), "ringd_cache_age_seconds").empty());

  // A label holding what the cache marks its values with changes nothing.
  const ringd::MetricsIdentity odd{"1234567.25", "7654321.5", "rack1", "127.0.0.1"};
  const Clock::time_point now = kCollected + std::chrono::milliseconds(1500);
  CHECK(cache.render(facts, odd, now, kInterval) == render_metrics(*facts, odd, now, kInterval));
}

TEST_CASE("documents of unexpected shapes are skipped, not fatal") {
  CollectedFacts facts = collected_facts();
  facts.node = {{"state", 3}, {"load_bytes", "lots"}, {"tokens", "x"}};
  facts.gossip = {{"endpoints", Json::array({1, "two", Json{{"status", "up"}}})}};
  facts.streams = {{"plans", Json::array({Json{{"sessions", Json::array({Json{{"peer", "127.0.0.2"}}})}}})}};
  facts.jobs = Json::array({Json{{"state", "running"}, {"progress", "half"}}, 7});
  facts.cluster = Json::array();
  const std::string text = render(facts);
  CHECK(find(text, "ringd_load_bytes").empty());
  CHECK(find(text, "ringd_node_state").empty());
  CHECK(find(text, "ringd_peer_up").empty());
  CHECK(value_of(text, "ringd_job_progress_ratio") == 0);
}

// promtool is the linter Prometheus ships; CI installs it (scripts/install-deps.sh test).
TEST_CASE("promtool check metrics finds nothing in a full exposition") {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    if (std::getenv("CI") != nullptr) FAIL("promtool is not installed (scripts/install-deps.sh test installs it)");
    MESSAGE("SKIPPED: promtool is not installed; run scripts/install-deps.sh test");
    return;
  }
  CollectedFacts facts = collected_facts();
  facts.streams["plans"] = Json::array({plan("j", {session("127.0.0.2", "receiving", "streaming", 10, 5, 1)})});
  facts.jobs = Json::array({job("j", "bootstrap", "running", 5, 10, "bytes", "2026-11-22T09:59:00.000Z")});
  const std::string text = render(facts);

  const test_support::TempDir temp("metrics_test_");
  const std::filesystem::path dir = temp.path();
  std::ofstream(dir / "metrics.txt") << text;
  const std::string command =
      "promtool check metrics < " + (dir / "metrics.txt").string() + " > " + (dir / "out.txt").string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream out_file(dir / "out.txt");
  const std::string output((std::istreambuf_iterator<char>(out_file)), std::istreambuf_iterator<char>());
  CHECK_MESSAGE(status == 0, output << "\n" << text);
  CHECK_MESSAGE(output.empty(), output);
}

TEST_CASE("the node's capacity figures become the contract's metrics") {
  CollectedFacts facts = collected_facts();
  facts.node["capacity"] = {{"cpu_utilization_ratio", 0.25},
                            {"memory_used_bytes", 1000},
                            {"memory_limit_bytes", 8000},
                            {"cpus", 4},
                            {"memory_total_bytes", 16000},
                            {"disk_total_bytes", 12000},
                            {"disk_used_bytes", 5000},
                            {"read_latency_p50_seconds", 0.002},
                            {"read_latency_p99_seconds", 0.040},
                            {"write_latency_p50_seconds", 0.001},
                            {"write_latency_p99_seconds", 0.020},
                            {"requests_total", 30},
                            {"dropped_messages_total", 3},
                            {"pending_compactions", 7},
                            {"pending_compaction_bytes", 123456789}};
  facts.node["requests"] = {
      {"read", {{"active", 1}, {"completed", 10}, {"dropped", 1}, {"latency_sum_seconds", 0.5}}},
      {"write", {{"active", 0}, {"completed", 20}, {"dropped", 2}, {"latency_sum_seconds", 0.25}}}};
  const std::string text = render(facts);
  CHECK(value_of(text, "ringd_cpu_utilization_ratio") == 0.25);
  CHECK(value_of(text, "ringd_memory_used_bytes") == 1000);
  CHECK(value_of(text, "ringd_memory_limit_bytes") == 8000);
  CHECK(value_of(text, "ringd_hardware_cpus") == 4);
  CHECK(value_of(text, "ringd_memory_total_bytes") == 16000);
  CHECK(value_of(text, "ringd_disk_total_bytes") == 12000);
  CHECK(value_of(text, "ringd_pending_compactions") == 7);
  CHECK(value_of(text, "ringd_pending_compaction_bytes") == 123456789);
  CHECK(value_of(text, "ringd_request_latency_seconds", {{"operation", "read"}, {"quantile", "0.5"}}) == 0.002);
  CHECK(value_of(text, "ringd_request_latency_seconds", {{"operation", "read"}, {"quantile", "0.99"}}) == 0.040);
  CHECK(value_of(text, "ringd_request_latency_seconds", {{"operation", "write"}, {"quantile", "0.5"}}) == 0.001);
  CHECK(value_of(text, "ringd_request_latency_seconds", {{"operation", "write"}, {"quantile", "0.99"}}) == 0.020);
  CHECK(value_of(text, "ringd_requests_total", {{"operation", "read"}}) == 10);
  CHECK(value_of(text, "ringd_requests_total", {{"operation", "write"}}) == 20);
  CHECK(value_of(text, "ringd_dropped_messages_total", {{"operation", "read"}}) == 1);
  CHECK(value_of(text, "ringd_dropped_messages_total", {{"operation", "write"}}) == 2);
  CHECK(text.find("# TYPE ringd_requests_total counter") != std::string::npos);
  // The latency is a summary: the node's window quantiles, its cumulative count and sum.
  CHECK(text.find("# TYPE ringd_request_latency_seconds summary") != std::string::npos);
  CHECK(value_of(text, "ringd_request_latency_seconds_count", {{"operation", "read"}}) == 10);
  CHECK(value_of(text, "ringd_request_latency_seconds_sum", {{"operation", "read"}}) == 0.5);
  CHECK(value_of(text, "ringd_request_latency_seconds_count", {{"operation", "write"}}) == 20);
  CHECK(value_of(text, "ringd_request_latency_seconds_sum", {{"operation", "write"}}) == 0.25);
  for (const Sample& sample : find(text, "ringd_request_latency_seconds_count")) {
    CHECK(sample.labels.at("cluster") == "lab");
    CHECK(sample.labels.at("node") == "127.0.0.1");
  }
  CHECK(text.find("# TYPE ringd_dropped_messages_total counter") != std::string::npos);
}

TEST_CASE("a capacity figure the node does not report is absent, never 0") {
  CollectedFacts facts = collected_facts();
  facts.node["capacity"] = {{"cpus", 2}, {"requests_total", 0}};  // no CPU interval measured, no latency yet
  const std::string text = render(facts);
  CHECK(value_of(text, "ringd_hardware_cpus") == 2);
  const std::set<std::string> names = family_names(text);
  for (const char* absent : {"ringd_cpu_utilization_ratio", "ringd_memory_used_bytes", "ringd_memory_limit_bytes",
                             "ringd_request_latency_seconds", "ringd_pending_compactions", "ringd_disk_total_bytes",
                             "ringd_requests_total", "ringd_dropped_messages_total"}) {
    CHECK_MESSAGE(!names.contains(absent), absent);
    CHECK_MESSAGE(text.find(std::string("# HELP ") + absent + " ") == std::string::npos, absent);
  }
}

TEST_CASE("only the latency quantiles the node reports are exposed, beside the count and sum") {
  CollectedFacts facts = collected_facts();
  facts.node["capacity"] = {{"write_latency_p99_seconds", 0.03}};
  facts.node["requests"] = {{"write", {{"active", 0}, {"completed", 4}, {"dropped", 0}, {"latency_sum_seconds", 0.1}}}};
  const std::string text = render(facts);
  CHECK(find(text, "ringd_request_latency_seconds").size() == 1);
  CHECK(value_of(text, "ringd_request_latency_seconds", {{"operation", "write"}, {"quantile", "0.99"}}) == 0.03);
  CHECK(value_of(text, "ringd_request_latency_seconds_count", {{"operation", "write"}}) == 4);
  CHECK(find(text, "ringd_request_latency_seconds_count", {{"operation", "read"}}).empty());
}

TEST_CASE("without the node's count and sum there is no latency summary, even with quantiles") {
  CollectedFacts facts = collected_facts();
  facts.node["capacity"] = {{"read_latency_p50_seconds", 0.01}};
  CHECK(render(facts).find("ringd_request_latency_seconds") == std::string::npos);
}
