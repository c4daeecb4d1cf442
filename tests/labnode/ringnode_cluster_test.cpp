// Three real ringnode processes on 127.0.0.1..3: gossip membership, schema agreement, 20,000
// rows written and read at QUORUM through every coordinator, a node killed (marked down,
// QUORUM still served, ALL refused with how many answered), restarted (same identity, tokens
// and data), bad input refused while the node keeps serving, and a graceful stop announced in
// gossip. Waits poll with deadlines; every process is killed when the test ends.
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
#include "ringnode_process.h"

namespace {

using nlohmann::json;
using test_support::ApiReply;
using test_support::call;
using test_support::RingnodeProcess;
using test_support::wait_until;
using namespace std::chrono_literals;

constexpr int kNodes = 3;
constexpr int kTokens = 8;
constexpr int kRows = 20000;
constexpr int kClientThreads = 8;

struct Lab {
  test_support::TempDir dir{"ringnode_cluster_test_"};
  std::vector<std::string> addresses = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
  int storage_port = 0;
  int native_port = 0;
  std::vector<std::unique_ptr<RingnodeProcess>> nodes;

  Lab() {
    storage_port = test_support::free_port(17000, addresses);
    native_port = test_support::free_port(19042, addresses);
    if (native_port == storage_port) native_port = test_support::free_port(storage_port + 1, addresses);
  }

  // Nodes 1 and 2 get initial tokens (interleaved, evenly spaced); node 3 uses the balanced
  // allocator over what it learns from the seed.
  std::vector<ringcore::Token> initial_tokens(int i) const {
    std::vector<ringcore::Token> tokens;
    const auto step = static_cast<std::uint64_t>(-1) / (kTokens * 2);
    for (int t = 0; t < kTokens; ++t) {
      tokens.push_back(static_cast<ringcore::Token>(static_cast<std::uint64_t>(ringcore::kMinToken) +
                                                    step * static_cast<std::uint64_t>(2 * t + i) + 1000));
    }
    return tokens;
  }

  std::string node_dir(int i) const { return dir.path() + "/node" + std::to_string(i + 1); }

  void write_config(int i) const {
    std::filesystem::create_directories(node_dir(i));
    std::ofstream out(node_dir(i) + "/ringnode.yaml");
    out << "cluster_name: itest\nlisten_address: " << addresses[i] << "\nstorage_port: " << storage_port
        << "\nnative_port: " << native_port << "\nseeds: [127.0.0.1]\ndc: dc1\nrack: rack1\nnum_tokens: " << kTokens
        << "\ndata_directory: " << node_dir(i) << "/data\nmax_value_bytes: 65536\nauto_bootstrap: false\n";
    if (i < 2) {
      out << "initial_tokens: [";
      for (ringcore::Token token : initial_tokens(i)) out << '"' << token << "\", ";
      out << "]\n";
    } else {
      out << "token_allocation: balanced\nallocation_rf: 3\n";
    }
  }

  void start(int i) {
    if (!nodes[i]) {
      write_config(i);
      nodes[i] = std::make_unique<RingnodeProcess>(RINGNODE_BIN, node_dir(i) + "/ringnode.yaml", node_dir(i) + "/ringnode.log");
    }
    nodes[i]->start();
    const bool healthy = wait_until([&] { return api(i, "GET", "/v1/health").status == 200; }, 30s);
    if (!healthy) FAIL("node " << addresses[i] << " did not become healthy; log:\n" << nodes[i]->log());
  }

  ApiReply api(int i, const std::string& method, const std::string& path, const std::string& body = "",
               const std::string& content_type = "application/json") const {
    return call(addresses[i], native_port, method, path, body, content_type);
  }

  // The node as node `observer` sees it in /v1/cluster, or null.
  json seen_by(int observer, const std::string& address) const {
    ApiReply cluster = api(observer, "GET", "/v1/cluster");
    if (cluster.status != 200) return nullptr;
    for (const json& node : cluster.body["nodes"]) {
      if (node["address"] == address) return node;
    }
    return nullptr;
  }

  std::string logs() const {
    std::string all;
    for (const auto& node : nodes) {
      if (node) all += "---- " + node->log().substr(node->log().size() > 4000 ? node->log().size() - 4000 : 0) + "\n";
    }
    return all;
  }
};

std::string row_path(const std::string& key, const std::string& cl) {
  return "/v1/keyspaces/itest/rows/" + ringnet::percent_encode(key) + "?cl=" + cl;
}

std::string key_of(int i) { return "user/" + std::to_string(i); }
std::string value_of(int i) { return "value-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 64), 'x'); }

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

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a three-node ringnode cluster: gossip, schema, quorum reads and writes, a crash and a restart") {
  Lab lab;
  lab.nodes.resize(kNodes);
  for (int i = 0; i < kNodes; ++i) lab.start(i);

  // -- membership: every view shows all three up and normal, with the same tokens
  const std::string node3_tokens_path = "/v1/node";
  const json node3 = lab.api(2, "GET", node3_tokens_path).body;
  REQUIRE(node3["tokens"].size() == kTokens);
  std::vector<json> expected_tokens;
  for (int i = 0; i < 2; ++i) {
    json tokens = json::array();
    for (ringcore::Token token : lab.initial_tokens(i)) tokens.push_back(ringcore::format_token(token));
    expected_tokens.push_back(tokens);
  }
  expected_tokens.push_back(node3["tokens"]);
  auto all_up_and_normal = [&] {
    for (int observer = 0; observer < kNodes; ++observer) {
      for (int i = 0; i < kNodes; ++i) {
        const json node = lab.seen_by(observer, lab.addresses[i]);
        if (node.is_null() || node["status"] != "up" || node["state"] != "normal" || node["tokens"] != expected_tokens[i]) {
          return false;
        }
      }
    }
    return true;
  };
  REQUIRE_MESSAGE(wait_until(all_up_and_normal, 30s), "views never converged\n" << lab.logs());
  for (int i = 0; i < kNodes; ++i) {
    const json info = lab.api(i, "GET", "/v1/node").body;
    CHECK(lab.seen_by((i + 1) % kNodes, lab.addresses[i])["host_id"] == info["host_id"]);
  }
  const json node3_before = lab.api(2, "GET", "/v1/node").body;
  const auto rss_at_rest = lab.api(0, "GET", "/v1/node").body["rss_bytes"].get<std::uint64_t>();
  MESSAGE("node RSS at rest: " << rss_at_rest / 1024 << " KiB");

  // -- schema: created on one node, agreed by all
  const ApiReply created = lab.api(0, "POST", "/v1/keyspaces",
                                   R"({"name": "itest", "replication": {"class": "SimpleStrategy", "replication_factor": 3}})");
  REQUIRE_MESSAGE(created.status == 201, describe(created));
  const std::string schema_version = created.body["schema_version"];
  REQUIRE(wait_until([&] {
    for (int i = 0; i < kNodes; ++i) {
      const ApiReply keyspaces = lab.api(i, "GET", "/v1/keyspaces");
      if (keyspaces.body["schema_version"] != schema_version || keyspaces.body["keyspaces"].size() != 1) return false;
    }
    return true;
  }, 15s));
  CHECK(lab.api(2, "GET", "/v1/cluster").body["keyspaces"][0]["name"] == "itest");

  // -- 20,000 rows written at QUORUM through every coordinator, read back at QUORUM
  auto start = std::chrono::steady_clock::now();
  auto failures = in_parallel(kRows, [&](int i) {
    const ApiReply reply = lab.api(i % kNodes, "PUT", row_path(key_of(i), "QUORUM"), value_of(i), "application/octet-stream");
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
  const json node1_info = lab.api(0, "GET", "/v1/node").body;
  MESSAGE("node RSS after the workload: " << node1_info["rss_bytes"].get<std::uint64_t>() / 1024 << " KiB, load "
                                          << node1_info["load_bytes"] << " bytes");
  CHECK(lab.api(0, "GET", "/v1/compaction").body["keyspaces"][0]["name"] == "itest");

  // -- a crash: node 3 is killed
  lab.nodes[2]->kill_hard();
  const auto killed_at = std::chrono::steady_clock::now();
  failures = in_parallel(200, [&](int i) {
    const ApiReply put = lab.api(i % 2, "PUT", row_path("after/" + std::to_string(i), "QUORUM"), "v", "application/octet-stream");
    if (put.status != 200) return "write " + describe(put);
    const ApiReply get = lab.api((i + 1) % 2, "GET", row_path(key_of(i), "QUORUM"));
    return get.status == 200 ? std::string() : "read " + describe(get);
  });
  CHECK_MESSAGE(failures.empty(), "QUORUM failed with a node down: " << (failures.empty() ? "" : failures.front()));
  ApiReply all = lab.api(0, "PUT", row_path("all", "ALL"), "v", "application/octet-stream");
  CHECK(all.status == 503);
  CHECK(all.body["error"]["message"].get<std::string>().starts_with("ALL needs 3 of 3 replicas, 2 answered (127.0.0.3: "));

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

  // -- restart: same host id and tokens, a newer generation, up in every view, data kept
  lab.start(2);
  const json node3_after = lab.api(2, "GET", "/v1/node").body;
  CHECK(node3_after["host_id"] == node3_before["host_id"]);
  CHECK(node3_after["tokens"] == node3_before["tokens"]);
  CHECK(node3_after["generation"].get<std::int64_t>() > node3_before["generation"].get<std::int64_t>());
  REQUIRE_MESSAGE(wait_until(all_up_and_normal, 30s), "127.0.0.3 did not come back in every view\n" << lab.logs());
  for (int i = 0; i < kRows; i += 97) {
    const ApiReply copies = lab.api(0, "GET", "/v1/keyspaces/itest/rows/" + ringnet::percent_encode(key_of(i)) + "/replicas");
    REQUIRE(copies.status == 200);
    for (const json& copy : copies.body) {
      CAPTURE(copy.dump());
      CHECK(copy["found"] == true);
      CHECK(copy["digest"] == ringcore::value_digest(value_of(i)));
    }
  }
  CHECK(lab.api(2, "PUT", row_path("all", "ALL"), "v", "application/octet-stream").status == 200);

  // -- bad input: clear 4xx errors, and the node keeps serving
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

  // -- a graceful stop is announced: the others see it down at once, and it exits 0
  const auto stopped_at = std::chrono::steady_clock::now();
  CHECK(lab.nodes[1]->terminate(15s) == 0);
  CHECK(wait_until([&] { return lab.seen_by(0, "127.0.0.2")["status"] == "down"; }, 5s));
  MESSAGE("gracefully stopped node seen down after " << seconds_since(stopped_at) << " s");
  CHECK(lab.nodes[1]->log().find("SIGTERM received") != std::string::npos);
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
                          << "\nnative_port: " << native_port << "\nseeds: [127.0.0.63]\nnum_tokens: 4\ndata_directory: "
                          << dir.path() << "/" << key << "-data\n";
    RingnodeProcess node(RINGNODE_BIN, config, dir.path() + "/" + key + ".log");
    node.start();
    CHECK(node.wait_exit(10s) == 1);
    const std::string expected = std::string(key) + ": 127.0.0.63:" + std::to_string(taken) + " is already in use by another process";
    CHECK_MESSAGE(node.log().find(expected) != std::string::npos, node.log());
    // Refused before it touched anything: no data directory, nothing announced.
    CHECK_FALSE(std::filesystem::exists(dir.path() + "/" + key + "-data"));
  }
}
