// Three real ringnode processes on 127.0.0.1..3: gossip membership, schema agreement, 20,000
// rows written and read at QUORUM through every coordinator, a node killed (marked down,
// QUORUM still served, ALL refused with how many answered), restarted (same identity, tokens
// and data), bad input refused while the node keeps serving, a peer's write that reached the
// wrong node refused there, and a graceful stop announced in gossip. Waits poll with deadlines;
// every process is killed when the test ends.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringcore/token.h"
#include "ringnet/http_server.h"
#include "support/ringnode_cluster.h"
#include "support/test_paths.h"

namespace {

using nlohmann::json;
using test_support::ApiReply;
using test_support::call;
using test_support::RingnodeProcess;
using test_support::seconds_since;
using test_support::TestCluster;
using test_support::wait_until;
using namespace std::chrono_literals;

constexpr int kNodes = 3;
constexpr int kTokens = 8;
constexpr int kRows = 20000;
constexpr int kClientThreads = 8;

// Nodes 1 and 2 get initial tokens (interleaved, evenly spaced); node 3 uses the balanced
// allocator over what it learns from the seed.
std::vector<ringcore::Token> initial_tokens(int i) {
  std::vector<ringcore::Token> tokens;
  const auto step = static_cast<std::uint64_t>(-1) / (kTokens * 2);
  for (int t = 0; t < kTokens; ++t) {
    tokens.push_back(static_cast<ringcore::Token>(static_cast<std::uint64_t>(ringcore::kMinToken) +
                                                  step * static_cast<std::uint64_t>(2 * t + i) + 1000));
  }
  return tokens;
}

std::string node_settings(int i) {
  std::string yaml = "max_value_bytes: 65536\n";
  if (i < 2) {
    yaml += "initial_tokens: [";
    for (ringcore::Token token : initial_tokens(i)) yaml += '"' + ringcore::format_token(token) + "\", ";
    return yaml + "]\n";
  }
  return yaml + "token_allocation: balanced\n";
}

// The one cluster the cases below share, started on first use: three nodes on 127.0.0.1..3.
// Each case establishes what it needs (the keyspace, the rows) if an earlier case has not, so
// any case also runs alone (-tc); run in order, they tell the cluster's story.
struct SharedCluster {
  TestCluster cluster{"ringnode_cluster_test", 1, kNodes, kTokens};
  std::vector<json> expected_tokens;
  bool keyspace_created = false;
  bool rows_written = false;

  SharedCluster() {
    for (int i = 0; i < kNodes; ++i) cluster.start(i, /*bootstrap=*/false, node_settings(i));
    for (int i = 0; i < 2; ++i) {
      json tokens = json::array();
      for (ringcore::Token token : initial_tokens(i)) tokens.push_back(ringcore::format_token(token));
      expected_tokens.push_back(tokens);
    }
    expected_tokens.push_back(api(2, "GET", "/v1/node").body["tokens"]);
  }

  ApiReply api(int i, const std::string& method, const std::string& path, const std::string& body = "",
               const std::string& content_type = "application/json") const {
    return cluster.api(i, method, path, body, content_type);
  }
  const std::string& address(int i) const { return cluster.address(i); }
  json seen_by(int observer, const std::string& address) const { return cluster.seen_by(observer, address); }
  std::string logs() const { return cluster.logs(); }

  // Every node, in every view, up and normal with its tokens.
  bool all_up_and_normal() const {
    for (int observer = 0; observer < kNodes; ++observer) {
      for (int i = 0; i < kNodes; ++i) {
        const json node = seen_by(observer, address(i));
        if (node.is_null() || node["status"] != "up" || node["state"] != "normal" ||
            node["tokens"] != expected_tokens[i]) {
          return false;
        }
      }
    }
    return true;
  }
};

SharedCluster& shared_cluster() {
  static SharedCluster shared;
  return shared;
}

std::string row_path(const std::string& key, const std::string& cl) {
  return "/v1/keyspaces/itest/rows/" + ringnet::percent_encode(key) + "?cl=" + cl;
}

std::string key_of(int i) { return "user/" + std::to_string(i); }
std::string value_of(int i) {
  return "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 64), 'x');
}

// Runs `work(i)` for i in [0, count) on kClientThreads threads; returns the failures' messages.
std::vector<std::string> in_parallel(int count, const std::function<std::string(int)>& work) {
  std::atomic<int> next{0};
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kClientThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        std::string failure = work(i);
        if (failure.empty()) continue;
        std::lock_guard lock(mutex);
        failures.push_back(std::move(failure));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return failures;
}

std::string describe(const ApiReply& reply) {
  return reply.status == 0 ? reply.error : std::to_string(reply.status) + " " + reply.body.dump();
}

// A keyspace "itest" (SimpleStrategy, rf 3) created on node 1, agreed by every node.
void ensure_keyspace(SharedCluster& lab) {
  if (lab.keyspace_created) return;
  const ApiReply created =
      lab.api(0, "POST", "/v1/keyspaces",
              R"({"name": "itest", "replication": {"class": "SimpleStrategy", "replication_factor": 3}})");
  REQUIRE_MESSAGE(created.status == 201, describe(created));
  const std::string schema_version = created.body["schema_version"];
  REQUIRE(wait_until(
      [&] {
        for (int i = 0; i < kNodes; ++i) {
          const ApiReply keyspaces = lab.api(i, "GET", "/v1/keyspaces");
          if (keyspaces.body["schema_version"] != schema_version || keyspaces.body["keyspaces"].size() != 1)
            return false;
        }
        return true;
      },
      15s));
  lab.keyspace_created = true;
}

// kRows rows written at QUORUM through every coordinator, and read back at QUORUM through
// another.
void ensure_rows(SharedCluster& lab) {
  if (lab.rows_written) return;
  ensure_keyspace(lab);
  auto start = std::chrono::steady_clock::now();
  auto failures = in_parallel(kRows, [&](int i) {
    const ApiReply reply =
        lab.api(i % kNodes, "PUT", row_path(key_of(i), "QUORUM"), value_of(i), "application/octet-stream");
    return reply.status == 200 ? std::string() : key_of(i) + ": " + describe(reply);
  });
  const double write_seconds = seconds_since(start);
  REQUIRE_MESSAGE(failures.empty(), failures.size() << " writes failed, first: " << failures.front());
  start = std::chrono::steady_clock::now();
  failures = in_parallel(kRows, [&](int i) {
    const ApiReply reply = lab.api((i + 1) % kNodes, "GET", row_path(key_of(i), "QUORUM"));
    if (reply.status != 200) return key_of(i) + ": " + describe(reply);
    const std::string value = reply.body["value"];
    return reply.body["digest"] == ringcore::value_digest(value_of(i)) ? std::string() : key_of(i) + ": wrong value";
  });
  const double read_seconds = seconds_since(start);
  REQUIRE_MESSAGE(failures.empty(), failures.size() << " reads failed, first: " << failures.front());
  MESSAGE(kRows << " rows: written in " << write_seconds << " s, read in " << read_seconds << " s (QUORUM, "
                << kClientThreads << " client threads)");
  lab.rows_written = true;
}

}  // namespace

TEST_CASE(
    "three ringnode processes agree on membership: every view has all up and normal, with the same tokens and host "
    "ids") {
  SharedCluster& lab = shared_cluster();
  REQUIRE(lab.expected_tokens[2].size() == kTokens);
  REQUIRE_MESSAGE(wait_until([&] { return lab.all_up_and_normal(); }, 30s), "views never converged\n" << lab.logs());
  for (int i = 0; i < kNodes; ++i) {
    const json info = lab.api(i, "GET", "/v1/node").body;
    CHECK(lab.seen_by((i + 1) % kNodes, lab.address(i))["host_id"] == info["host_id"]);
  }
  const auto rss_at_rest = lab.api(0, "GET", "/v1/node").body["rss_bytes"].get<std::uint64_t>();
  MESSAGE("node RSS at rest: " << rss_at_rest / 1024 << " KiB");
}

TEST_CASE("a keyspace created on one node is agreed by every node and shown in the cluster view") {
  SharedCluster& lab = shared_cluster();
  ensure_keyspace(lab);
  CHECK(lab.api(2, "GET", "/v1/cluster").body["keyspaces"][0]["name"] == "itest");
}

TEST_CASE("20,000 rows written at QUORUM through every coordinator read back at QUORUM") {
  SharedCluster& lab = shared_cluster();
  ensure_rows(lab);
  const json node1_info = lab.api(0, "GET", "/v1/node").body;
  MESSAGE("node RSS after the workload: " << node1_info["rss_bytes"].get<std::uint64_t>() / 1024 << " KiB, load "
                                          << node1_info["load_bytes"] << " bytes");
  CHECK(lab.api(0, "GET", "/v1/compaction").body["keyspaces"][0]["name"] == "itest");
  // The load by keyspace: all of it is itest's (the only keyspace), and holds every row's copy.
  CHECK(node1_info["keyspace_loads"] == json{{"itest", node1_info["load_bytes"]}});
  CHECK(node1_info["load_bytes"].get<std::int64_t>() > 0);
}

TEST_CASE(
    "a killed node: QUORUM goes on, ALL is refused naming it, every view marks it down; restarted, it is whole again") {
  SharedCluster& lab = shared_cluster();
  ensure_rows(lab);
  REQUIRE_MESSAGE(wait_until([&] { return lab.all_up_and_normal(); }, 30s), "views never converged\n" << lab.logs());
  const json node3_before = lab.api(2, "GET", "/v1/node").body;
  lab.cluster.process(2).kill_hard();
  const auto killed_at = std::chrono::steady_clock::now();
  auto failures = in_parallel(200, [&](int i) {
    const ApiReply put =
        lab.api(i % 2, "PUT", row_path("after/" + std::to_string(i), "QUORUM"), "v", "application/octet-stream");
    if (put.status != 200) return "write " + describe(put);
    const ApiReply get = lab.api((i + 1) % 2, "GET", row_path(key_of(i), "QUORUM"));
    return get.status == 200 ? std::string() : "read " + describe(get);
  });
  CHECK_MESSAGE(failures.empty(), "QUORUM failed with a node down: " << (failures.empty() ? "" : failures.front()));
  ApiReply all = lab.api(0, "PUT", row_path("all", "ALL"), "v", "application/octet-stream");
  CHECK(all.status == 503);
  CHECK(all.body["error"]["message"].get<std::string>().starts_with(
      "ALL needs 3 of 3 replicas, 2 answered (127.0.0.3: "));

  auto node3_down = [&] {
    for (int observer = 0; observer < 2; ++observer) {
      const json seen = lab.seen_by(observer, "127.0.0.3");
      if (seen.is_null() || seen["status"] != "down") return false;
    }
    return true;
  };
  REQUIRE_MESSAGE(wait_until(node3_down, 30s, 250ms), "127.0.0.3 was not marked down within 30 s\n" << lab.logs());
  MESSAGE("killed node marked down in every view after " << seconds_since(killed_at) << " s");
  all = lab.api(1, "GET", row_path(key_of(7), "ALL"));
  CHECK(all.status == 503);
  CHECK(all.body["error"]["message"] == "ALL needs 3 of 3 replicas, 2 answered (127.0.0.3: marked down by gossip)");
  CHECK(lab.api(1, "GET", row_path(key_of(7), "QUORUM")).status == 200);

  // Restarted: the same host id and tokens, a newer generation, up in every view, data kept.
  {
    lab.cluster.start(2, /*bootstrap=*/false);
    const json node3_after = lab.api(2, "GET", "/v1/node").body;
    CHECK(node3_after["host_id"] == node3_before["host_id"]);
    CHECK(node3_after["tokens"] == node3_before["tokens"]);
    CHECK(node3_after["generation"].get<std::int64_t>() > node3_before["generation"].get<std::int64_t>());
    REQUIRE_MESSAGE(wait_until([&] { return lab.all_up_and_normal(); }, 30s),
                    "127.0.0.3 did not come back in every view\n"
                        << lab.logs());
    for (int i = 0; i < kRows; i += 97) {
      const ApiReply copies =
          lab.api(0, "GET", "/v1/keyspaces/itest/rows/" + ringnet::percent_encode(key_of(i)) + "/replicas");
      REQUIRE(copies.status == 200);
      for (const json& copy : copies.body) {
        CAPTURE(copy.dump());
        CHECK(copy["found"] == true);
        CHECK(copy["digest"] == ringcore::value_digest(value_of(i)));
      }
    }
    CHECK(lab.api(2, "PUT", row_path("all", "ALL"), "v", "application/octet-stream").status == 200);
  }
}

TEST_CASE("bad input gets a clear 4xx error, and the node keeps serving") {
  SharedCluster& lab = shared_cluster();
  ensure_rows(lab);
  ApiReply bad = lab.api(0, "GET", "/v1/keyspaces/nope/rows/k");
  CHECK(bad.status == 404);
  CHECK(bad.body["error"]["message"] == "keyspace 'nope' does not exist (keyspaces: itest)");
  bad = lab.api(0, "GET", row_path("k", "TWO"));
  CHECK(bad.status == 400);
  CHECK(bad.body["error"]["message"] == "unknown consistency level 'TWO' (use ONE, QUORUM or ALL)");
  bad = lab.api(0, "PUT", row_path("big", "ONE"), std::string(65537, 'x'), "application/octet-stream");
  CHECK(bad.status == 400);
  CHECK(bad.body["error"]["message"] == "value is 65537 bytes; max_value_bytes is 65536");
  bad = lab.api(0, "POST", "/v1/keyspaces", "{not json");
  CHECK(bad.status == 400);
  bad = lab.api(0, "POST", "/v1/keyspaces", R"({"name": "x", "replication": {"class": "Nope"}})");
  CHECK(bad.status == 400);
  CHECK(bad.body["error"]["message"].get<std::string>().find("unknown replication class 'Nope'") != std::string::npos);
  CHECK(lab.api(0, "GET", row_path("missing", "ONE")).status == 404);
  CHECK(lab.api(0, "GET", "/v1/health").status == 200);
  CHECK(lab.api(0, "GET", row_path(key_of(1), "ONE")).status == 200);
}

TEST_CASE("a peer's row write that reaches a node addressed to another is refused with 421, and not stored") {
  SharedCluster& lab = shared_cluster();
  ensure_keyspace(lab);
  const int port = lab.cluster.storage_port();
  const ringnet::HttpClient node1(lab.address(0), port, 5s);
  const std::string write = R"({"keyspace":"itest","key":"bWlzZGlyZWN0ZWQ=","timestamp_us":1,"value":"dg=="})";
  const std::string read = R"({"keyspace":"itest","key":"bWlzZGlyZWN0ZWQ="})";  // "misdirected"
  const std::string node2 = lab.address(1) + ":" + std::to_string(port);
  const auto refused = node1.send({"POST", "/internal/rows/write", write, "application/json", {{"Host", node2}}});
  REQUIRE(refused.ok());
  CHECK(refused->status == 421);
  CHECK(json::parse(refused->body)["error"]["message"] ==
        "addressed to " + node2 + ", this is " + lab.address(0) + ":" + std::to_string(port));
  const auto absent = node1.post("/internal/rows/read", read);
  REQUIRE(absent.ok());
  CHECK(json::parse(absent->body) == json{{"found", false}});

  const auto applied = node1.post("/internal/rows/write", write);  // its Host names node1
  REQUIRE(applied.ok());
  CHECK(applied->status == 200);
  const auto found = node1.post("/internal/rows/read", read);
  REQUIRE(found.ok());
  CHECK(json::parse(found->body)["found"] == true);
}

TEST_CASE("a graceful stop is announced: the others see the node down at once, and it exits 0") {
  SharedCluster& lab = shared_cluster();
  const auto stopped_at = std::chrono::steady_clock::now();
  CHECK(lab.cluster.process(1).terminate(15s) == 0);
  CHECK(wait_until([&] { return lab.seen_by(0, "127.0.0.2")["status"] == "down"; }, 5s));
  MESSAGE("gracefully stopped node seen down after " << seconds_since(stopped_at) << " s");
  CHECK(lab.cluster.process(1).log().find("SIGTERM received") != std::string::npos);
}

TEST_CASE("ringnode refuses a bad config with exit code 1 and a message naming the key") {
  test_support::TempDir dir("ringnode_config_test_");
  const std::string config = dir.path() + "/ringnode.yaml";
  std::ofstream(config) << "cluster_name: x\nlisten_address: 127.0.0.1\nseeds: []\ndata_directory: " << dir.path()
                        << "/data\nnum_tokens: lots\n";
  RingnodeProcess node(RINGNODE_BIN, config, dir.path() + "/ringnode.log");
  node.start();
  CHECK(node.wait_exit(10s) == 1);
  CHECK(node.log().find("num_tokens: must be an integer in 1..1536, not 'lots'") != std::string::npos);
}

TEST_CASE("ringnode refuses to start on a storage or client port another process listens on, naming it") {
  // 127.0.0.63: an address of this test only. The impostor is a listener in this process.
  test_support::TempDir dir("ringnode_ports_test_");
  const int storage_port = test_support::free_port(17560, {"127.0.0.63"});
  const int native_port = test_support::free_port(storage_port + 1, {"127.0.0.63"});
  for (auto [key, taken] : {std::pair{"storage_port", storage_port}, {"native_port", native_port}}) {
    CAPTURE(key);
    ringnet::HttpServer impostor;
    REQUIRE(impostor.start("127.0.0.63", taken).ok());
    const std::string config = dir.path() + "/" + key + ".yaml";
    std::ofstream(config) << "cluster_name: ports\nlisten_address: 127.0.0.63\nstorage_port: " << storage_port
                          << "\nnative_port: " << native_port
                          << "\nseeds: [127.0.0.63]\nnum_tokens: 4\ndata_directory: " << dir.path() << "/" << key
                          << "-data\n";
    RingnodeProcess node(RINGNODE_BIN, config, dir.path() + "/" + key + ".log");
    node.start();
    CHECK(node.wait_exit(10s) == 1);
    const std::string expected =
        std::string(key) + ": 127.0.0.63:" + std::to_string(taken) + " is already in use by another process";
    CHECK_MESSAGE(node.log().find(expected) != std::string::npos, node.log());
    // Refused before it touched anything: no data directory, nothing announced.
    CHECK_FALSE(std::filesystem::exists(dir.path() + "/" + key + "-data"));
  }
}
