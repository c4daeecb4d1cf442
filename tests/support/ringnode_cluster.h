// TestCluster: the one harness for tests that run a cluster of real ringnode processes. Nodes on 127.0.0.<first_octet +
// i> with ports free on all of them, in one TempDir, started one at a time (the first ones with auto_bootstrap false,
// later ones bootstrapping); the calls tests make: keyspaces, rows, operations, jobs, views; and a Writer that keeps
// writing at QUORUM and remembers what was acknowledged.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringnet/http_server.h"
#include "support/ringnode_process.h"
#include "support/test_paths.h"

namespace test_support {

using namespace std::chrono_literals;

class TestCluster {
 public:
  // Up to `max_nodes` nodes on <network><first_octet>... (127.0.0.x by default); node 0 is the seed.
  TestCluster(const std::string& name, int first_octet, int max_nodes, int num_tokens = 8,
              const std::string& network = "127.0.0.")
      : dir_(name + "_"), num_tokens_(num_tokens) {
    for (int i = 0; i < max_nodes; ++i) addresses_.push_back(network + std::to_string(first_octet + i));
    const std::vector<int> ports = free_ports(2, 17700, addresses_);
    storage_port_ = ports[0];
    native_port_ = ports[1];
    nodes_.resize(static_cast<std::size_t>(max_nodes));
  }

  const std::string& address(int i) const { return addresses_[static_cast<std::size_t>(i)]; }
  int native_port() const { return native_port_; }
  int storage_port() const { return storage_port_; }
  std::string data_directory(int i) const { return node_dir(i) + "/data"; }
  RingnodeProcess& process(int i) { return *nodes_[static_cast<std::size_t>(i)]; }

  // Writes node i's config (once, `extra_yaml` appended: more settings, one per line, none of
  // the keys written here) and starts it; waits until its API answers.
  void start(int i, bool bootstrap, const std::string& extra_yaml = "") {
    auto& node = nodes_[static_cast<std::size_t>(i)];
    if (!node) {
      std::filesystem::create_directories(node_dir(i));
      std::ofstream out(node_dir(i) + "/ringnode.yaml");
      out << "cluster_name: topology\nlisten_address: " << address(i) << "\nstorage_port: " << storage_port_
          << "\nnative_port: " << native_port_ << "\nseeds: [" << address(0) << "]\nnum_tokens: " << num_tokens_
          << "\nallocation_rf: 3\ndata_directory: " << data_directory(i) << "\nphi_convict_threshold: 5"
          << "\nauto_bootstrap: " << (bootstrap ? "true" : "false") << "\n"
          << extra_yaml;
      out.close();
      node = std::make_unique<RingnodeProcess>(RINGNODE_BIN, node_dir(i) + "/ringnode.yaml",
                                               node_dir(i) + "/ringnode.log");
    }
    node->start();
    if (!wait_until([&] { return api(i, "GET", "/v1/health").status == 200; }, 60s)) {
      FAIL("node " << address(i) << " did not start; log:\n" << node->log());
    }
  }

  ApiReply api(int i, const std::string& method, const std::string& path, const std::string& body = "",
               const std::string& content_type = "application/json") const {
    return call(address(i), native_port_, method, path, body, content_type);
  }

  // The node at `address` as node `observer` sees it in /v1/cluster, or null.
  nlohmann::json seen_by(int observer, const std::string& address) const {
    const ApiReply cluster = api(observer, "GET", "/v1/cluster");
    if (cluster.status != 200) return nullptr;
    for (const nlohmann::json& node : cluster.body["nodes"]) {
      if (node["address"] == address) return node;
    }
    return nullptr;
  }

  // The last 4,000 characters of each started node's log, for failure messages.
  std::string logs() const {
    std::string all;
    for (const auto& node : nodes_) {
      if (!node) continue;
      const std::string log = node->log();
      all += "---- " + log.substr(log.size() > 4000 ? log.size() - 4000 : 0) + "\n";
    }
    return all;
  }

  // Waits until node `observer` sees exactly `expected` nodes, all up and normal.
  void wait_for_ring(int observer, std::size_t expected, std::chrono::seconds timeout = 60s) const {
    const bool settled = wait_until(
        [&] {
          const ApiReply reply = api(observer, "GET", "/v1/cluster");
          if (reply.status != 200 || reply.body["nodes"].size() != expected) return false;
          for (const auto& node : reply.body["nodes"]) {
            if (node["status"] != "up" || node["state"] != "normal") return false;
          }
          return true;
        },
        timeout, 200ms);
    if (!settled) FAIL("node " << address(observer) << " did not see " << expected << " up normal nodes");
  }

  void create_keyspace(const std::string& name, int rf) const {
    const ApiReply reply =
        api(0, "POST", "/v1/keyspaces",
            nlohmann::json{{"name", name},
                           {"replication", {{"class", "SimpleStrategy"}, {"replication_factor", std::to_string(rf)}}}}
                .dump());
    REQUIRE(reply.status == 201);
  }

  // Starts an operation on node i and returns the job's final JSON (polled until it ended).
  nlohmann::json run_operation(int i, const std::string& operation, const nlohmann::json& body,
                               std::chrono::seconds timeout = 300s) const {
    const ApiReply started = api(i, "POST", "/v1/operations/" + operation, body.dump());
    REQUIRE_MESSAGE(started.status == 202, operation << ": " << started.body.dump());
    return wait_for_job(i, started.body["id"].get<std::string>(), timeout);
  }

  nlohmann::json wait_for_job(int i, const std::string& id, std::chrono::seconds timeout = 300s) const {
    const nlohmann::json job = job_when_ended(address(i), native_port_, id, timeout);
    if (!job.is_object() || job["state"] == "running")
      FAIL("job " << id << " on " << address(i) << " did not end: " << job.dump());
    return job;
  }

  // The bootstrap job of node i (its only job at first start).
  nlohmann::json bootstrap_job(int i) const {
    nlohmann::json job;
    REQUIRE(wait_until(
        [&] {
          const ApiReply reply = api(i, "GET", "/v1/jobs");
          if (reply.status != 200 || reply.body["jobs"].empty()) return false;
          job = reply.body["jobs"][0];
          return true;
        },
        30s));
    return wait_for_job(i, job["id"].get<std::string>());
  }

 private:
  std::string node_dir(int i) const { return dir_.path() + "/node" + std::to_string(i + 1); }

  TempDir dir_;
  int num_tokens_;
  std::vector<std::string> addresses_;
  int storage_port_ = 0;
  int native_port_ = 0;
  std::vector<std::unique_ptr<RingnodeProcess>> nodes_;
};

// Keeps writing rows "<prefix><n>" at QUORUM through the given coordinators (round robin)
// from several threads, and records every key whose write was acknowledged (HTTP 200).
class Writer {
 public:
  // `rows_per_second` > 0 paces the writer as cassandra-stress's `-rate throttle=N/s` does (spread
  // over its threads); 0 writes as fast as the cluster answers.
  Writer(const TestCluster& cluster, std::vector<int> coordinators, std::string keyspace, std::string prefix,
         int threads = 4, int rows_per_second = 0)
      : cluster_(cluster),
        coordinators_(std::move(coordinators)),
        keyspace_(std::move(keyspace)),
        prefix_(std::move(prefix)),
        interval_(rows_per_second > 0 ? std::chrono::nanoseconds(std::chrono::seconds(threads)) / rows_per_second
                                      : std::chrono::nanoseconds::zero()) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this, t, threads] { run(t, threads); });
  }
  ~Writer() { stop(); }

  // Writes exactly `count` rows (numbers from `first`) and returns when done; no thread runs after.
  // `value_bytes`: as value_of's.
  static std::vector<std::string> write_rows(const TestCluster& cluster, const std::string& keyspace,
                                             const std::string& prefix, int count, int threads = 6,
                                             std::size_t value_bytes = 0) {
    std::vector<std::vector<std::string>> written(static_cast<std::size_t>(threads));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int n = t; n < count; n += threads) {
          const std::string key = prefix + std::to_string(n);
          for (int attempt = 0; attempt < 5; ++attempt) {
            if (put(cluster, n % 3, keyspace, key, value_bytes)) {
              written[static_cast<std::size_t>(t)].push_back(key);
              break;
            }
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    std::vector<std::string> keys;
    for (auto& part : written) keys.insert(keys.end(), part.begin(), part.end());
    return keys;
  }

  void stop() {
    stopping_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }

  std::vector<std::string> acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  int failures() const { return failures_.load(); }

  // The row's value: derived from the key, so a reader can check it; padded to `bytes` when
  // that is longer (megabytes of data in a few thousand rows, for tests that need a stream to
  // outlast its throttle's burst without writing for long).
  static std::string value_of(const std::string& key, std::size_t bytes = 0) {
    std::string value = "value-of-" + key + "-padding-padding-padding";
    if (value.size() < bytes) value.resize(bytes, '.');
    return value;
  }

  static bool put(const TestCluster& cluster, int coordinator, const std::string& keyspace, const std::string& key,
                  std::size_t value_bytes = 0) {
    ringnet::HttpClient client(cluster.address(coordinator), cluster.native_port(), std::chrono::seconds(10));
    auto response = client.send({"PUT",
                                 "/v1/keyspaces/" + keyspace + "/rows/" + ringnet::percent_encode(key) + "?cl=QUORUM",
                                 value_of(key, value_bytes),
                                 "application/octet-stream",
                                 {}});
    return response && response->status == 200;
  }

 private:
  void run(int thread, int threads) {
    auto next = std::chrono::steady_clock::now();
    for (long n = thread; !stopping_; n += threads) {
      if (interval_ > std::chrono::nanoseconds::zero()) {
        std::this_thread::sleep_until(next);
        next += interval_;
      }
      const std::string key = prefix_ + std::to_string(n);
      const int coordinator = coordinators_[static_cast<std::size_t>(n) % coordinators_.size()];
      if (put(cluster_, coordinator, keyspace_, key)) {
        std::lock_guard lock(mutex_);
        acknowledged_.push_back(key);
      } else {
        ++failures_;
      }
    }
  }

  const TestCluster& cluster_;
  std::vector<int> coordinators_;
  std::string keyspace_;
  std::string prefix_;
  std::chrono::nanoseconds interval_;  // between one thread's writes; zero when not paced
  std::atomic<bool> stopping_{false};
  std::atomic<int> failures_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> acknowledged_;
  std::vector<std::thread> threads_;
};

// Whether `key` reads back at QUORUM through `coordinator` with the writer's value (of
// `value_bytes`, as written).
inline bool readable(const TestCluster& cluster, int coordinator, const std::string& keyspace, const std::string& key,
                     std::size_t value_bytes = 0) {
  ringnet::HttpClient client(cluster.address(coordinator), cluster.native_port(), std::chrono::seconds(10));
  auto response = client.get("/v1/keyspaces/" + keyspace + "/rows/" + ringnet::percent_encode(key) + "?cl=QUORUM");
  if (!response || response->status != 200) return false;
  const nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
  return body.is_object() && body.value("digest", "") == ringcore::value_digest(Writer::value_of(key, value_bytes));
}

}  // namespace test_support
