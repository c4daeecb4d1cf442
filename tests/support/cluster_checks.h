// What topology fault tests ask of a TestCluster beside its own calls: a node's facts and views,
// stream sessions in progress, the throughput limit, the first nodes started, replicas made
// consistent, and whether acknowledged rows still read back at QUORUM.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/ringnode_cluster.h"

namespace test_support {

using Json = nlohmann::json;

inline Json node_info(const TestCluster& cluster, int i) {
  const auto reply = cluster.api(i, "GET", "/v1/node");
  REQUIRE_MESSAGE(reply.status == 200, reply.error);
  return reply.body;
}

// Node `observer`'s view of `address` in /v1/cluster, or null when it does not list it.
inline Json member_seen_by(const TestCluster& cluster, int observer, const std::string& address) {
  const auto reply = cluster.api(observer, "GET", "/v1/cluster");
  if (reply.status != 200) return nullptr;
  for (const Json& node : reply.body["nodes"]) {
    if (node["address"] == address) return node;
  }
  return nullptr;
}

inline bool seen_down(const TestCluster& cluster, int observer, int node) {
  const Json member = member_seen_by(cluster, observer, cluster.address(node));
  return member.is_object() && member["status"] == "down";
}

// The first stream session of node i in `direction` that has moved bytes, or null.
inline Json session_in_progress(const TestCluster& cluster, int i, const std::string& direction) {
  const auto reply = cluster.api(i, "GET", "/v1/streams");
  if (reply.status != 200) return nullptr;
  for (const Json& plan : reply.body["plans"]) {
    for (const Json& session : plan["sessions"]) {
      if (session["direction"] == direction && session["done_bytes"].get<std::uint64_t>() > 0 &&
          session["done_bytes"].get<std::uint64_t>() < session["total_bytes"].get<std::uint64_t>()) {
        return session;
      }
    }
  }
  return nullptr;
}

inline void set_throughput(const TestCluster& cluster, int i, double mib_per_second) {
  const auto reply = cluster.api(i, "PUT", "/v1/streams/throughput", Json{{"mib_per_second", mib_per_second}}.dump());
  REQUIRE_MESSAGE(reply.status == 200, reply.body.dump());
}

// The keys of `keys` that do not read back at QUORUM (coordinators taken in turn), read from
// several threads.
inline std::vector<std::string> unreadable(const TestCluster& cluster, const std::vector<int>& coordinators,
                                           const std::string& keyspace, const std::vector<std::string>& keys) {
  constexpr int kThreads = 6;
  std::vector<std::vector<std::string>> missing(kThreads);
  std::vector<std::thread> readers;
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&, t] {
      for (std::size_t n = static_cast<std::size_t>(t); n < keys.size(); n += kThreads) {
        const int coordinator = coordinators[n % coordinators.size()];
        if (!test_support::readable(cluster, coordinator, keyspace, keys[n])) {
          missing[static_cast<std::size_t>(t)].push_back(keys[n]);
        }
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  std::vector<std::string> all;
  for (auto& part : missing) all.insert(all.end(), part.begin(), part.end());
  return all;
}

inline void check_all_readable(const TestCluster& cluster, const std::vector<int>& coordinators,
                               const std::string& keyspace, const std::vector<std::string>& keys) {
  const std::vector<std::string> missing = unreadable(cluster, coordinators, keyspace, keys);
  CHECK_MESSAGE(missing.empty(), missing.size() << " of " << keys.size() << " keys unreadable, first: "
                                                << (missing.empty() ? "" : missing.front()));
}

// Whether the writer gets `more` acknowledgements beyond what it had (the cluster serves writes).
inline bool writes_acknowledged(const Writer& writer, std::size_t more) {
  const std::size_t before = writer.acknowledged().size();
  return wait_until([&] { return writer.acknowledged().size() >= before + more; }, 20s);
}

// Starts nodes 0..count-1 as the first nodes of the cluster; returns once every one of them
// sees them all up and normal (a node's own checks use its own view).
inline void start_nodes(TestCluster& cluster, int count) {
  for (int i = 0; i < count; ++i) {
    cluster.start(i, false);
    // The next node allocates its tokens around the ones the seed knows: this node's first.
    cluster.wait_for_ring(0, static_cast<std::size_t>(i + 1));
  }
  for (int i = 0; i < count; ++i) cluster.wait_for_ring(i, static_cast<std::size_t>(count));
}

// A QUORUM write's last replica may still be waiting for its hint: one repair makes every
// replica hold every row before a test takes one away.
inline void make_replicas_consistent(const TestCluster& cluster, const std::string& keyspace) {
  const Json repair = cluster.run_operation(0, "repair", {{"keyspace", keyspace}}, 120s);
  REQUIRE_MESSAGE(repair["state"] == "succeeded", repair.dump());
  MESSAGE("rows a QUORUM write left off a replica, restored by repair: " << repair["result"]["rows_streamed"]);
}

}  // namespace test_support
