// What topology fault tests ask of a TestCluster beside its own calls: a node's facts and views,
// its running jobs, whether the test hook holds it, stream sessions in progress, the throughput
// limit, the first nodes started and seeded, replicas made consistent, hints delivered, and
// whether acknowledged rows still read back at QUORUM and are on every replica.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <string_view>
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

// Waits until node i's log, past its first `from` bytes, says the nodes' test hook
// (labnode/test_hold.h) holds it at `phase`.
inline void held_at(TestCluster& cluster, int i, std::string_view phase, std::size_t from = 0) {
  const std::string line = "test hold: " + std::string(phase);
  REQUIRE_MESSAGE(wait_until([&] { return cluster.process(i).log().find(line, from) != std::string::npos; }, 60s),
                  cluster.api(i, "GET", "/v1/jobs").body.dump());
}

// session_in_progress (ringnode_process.h) of node i.
inline Json session_in_progress(const TestCluster& cluster, int i, const std::string& direction,
                                const std::string& peer = "", const std::string& job_id = "") {
  return session_in_progress(cluster.address(i), cluster.native_port(), direction, peer, job_id);
}

// The job of node i that runs `operation`, or null.
inline Json running_job(const TestCluster& cluster, int i, const std::string& operation) {
  const auto reply = cluster.api(i, "GET", "/v1/jobs");
  if (reply.status != 200) return nullptr;
  for (const Json& job : reply.body["jobs"]) {
    if (job["operation"] == operation && job["state"] == "running") return job;
  }
  return nullptr;
}

// A stream session of node i's plan named `description` ("Repair", "Restore replica count"...)
// that has moved bytes, or null. For the plans whose sessions learn their total as they go
// (repair's), where session_in_progress cannot tell "some, not all".
inline Json plan_session_moving(const TestCluster& cluster, int i, const std::string& description) {
  const auto reply = cluster.api(i, "GET", "/v1/streams");
  if (reply.status != 200) return nullptr;
  for (const Json& plan : reply.body["plans"]) {
    if (plan["description"] != description) continue;
    for (const Json& session : plan["sessions"]) {
      if (session["done_bytes"].get<std::uint64_t>() > 0) return session;
    }
  }
  return nullptr;
}

inline void set_throughput(const TestCluster& cluster, int i, double mib_per_second) {
  const auto reply = cluster.api(i, "PUT", "/v1/streams/throughput", Json{{"mib_per_second", mib_per_second}}.dump());
  REQUIRE_MESSAGE(reply.status == 200, reply.body.dump());
}

// The keys of `keys` that do not read back at QUORUM (coordinators taken in turn), read from
// several threads; `value_bytes` as written (Writer::value_of).
inline std::vector<std::string> unreadable(const TestCluster& cluster, const std::vector<int>& coordinators,
                                           const std::string& keyspace, const std::vector<std::string>& keys,
                                           std::size_t value_bytes = 0) {
  constexpr int kThreads = 6;
  std::vector<std::vector<std::string>> missing(kThreads);
  std::vector<std::thread> readers;
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&, t] {
      for (std::size_t n = static_cast<std::size_t>(t); n < keys.size(); n += kThreads) {
        const int coordinator = coordinators[n % coordinators.size()];
        if (!test_support::readable(cluster, coordinator, keyspace, keys[n], value_bytes)) {
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
                               const std::string& keyspace, const std::vector<std::string>& keys,
                               std::size_t value_bytes = 0) {
  const std::vector<std::string> missing = unreadable(cluster, coordinators, keyspace, keys, value_bytes);
  CHECK_MESSAGE(missing.empty(), missing.size() << " of " << keys.size() << " keys unreadable, first: "
                                                << (missing.empty() ? "" : missing.front()));
}

// Whether the writer gets `more` acknowledgements beyond what it had (the cluster serves writes).
inline bool writes_acknowledged(const Writer& writer, std::size_t more) {
  const std::size_t before = writer.acknowledged().size();
  return wait_until([&] { return writer.acknowledged().size() >= before + more; }, 20s);
}

// Starts nodes 0..count-1 as the first nodes of the cluster (each with `extra_yaml` in its
// config); returns once every one of them sees them all up and normal (a node's own checks use
// its own view).
inline void start_nodes(TestCluster& cluster, int count, const std::string& extra_yaml = "") {
  for (int i = 0; i < count; ++i) {
    cluster.start(i, false, extra_yaml);
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

// Starts `nodes` nodes (start_nodes) with `keyspace` at RF 3 and `rows` rows on every replica;
// returns the keys.
inline std::vector<std::string> seed_keyspace(TestCluster& cluster, int nodes, const std::string& keyspace, int rows,
                                              const std::string& extra_yaml = "") {
  start_nodes(cluster, nodes, extra_yaml);
  cluster.create_keyspace(keyspace, 3);
  const std::vector<std::string> keys = Writer::write_rows(cluster, keyspace, "seed", rows);
  REQUIRE(keys.size() == static_cast<std::size_t>(rows));
  make_replicas_consistent(cluster, keyspace);
  return keys;
}

// `keys` and every write `writer` had acknowledged (the writer stopped), which it reports.
inline std::vector<std::string> with_acknowledged(std::vector<std::string> keys, const Writer& writer) {
  const std::vector<std::string> acknowledged = writer.acknowledged();
  MESSAGE(acknowledged.size() << " writes acknowledged meanwhile, " << writer.failures() << " refused");
  keys.insert(keys.end(), acknowledged.begin(), acknowledged.end());
  return keys;
}

// The hints node i holds, as it reports them in /v1/node; -1 when it does not answer or say.
inline std::int64_t hints_pending(const TestCluster& cluster, int i) {
  return hints_pending(cluster.address(i), cluster.native_port());
}

// Waits (up to 120 s) until none of `nodes` holds a hint: what replica checks may expect.
inline bool hints_delivered(const TestCluster& cluster, const std::vector<int>& nodes) {
  return wait_until(
      [&] {
        for (const int i : nodes) {
          if (hints_pending(cluster, i) != 0) return false;
        }
        return true;
      },
      120s, 200ms);
}

// Every one of `keys` (a sample of every `every`th) is on all `rf` of its replicas with the
// writer's value (of `value_bytes`), asked of each replica directly through `coordinator`.
inline void check_on_every_replica(const TestCluster& cluster, int coordinator, const std::string& keyspace,
                                   const std::vector<std::string>& keys, std::size_t rf, std::size_t every = 25,
                                   std::size_t value_bytes = 0) {
  int short_of_replicas = 0;
  for (std::size_t n = 0; n < keys.size(); n += every) {
    const auto copies = cluster.api(
        coordinator, "GET", "/v1/keyspaces/" + keyspace + "/rows/" + ringnet::percent_encode(keys[n]) + "/replicas");
    REQUIRE(copies.status == 200);
    std::size_t found = 0;
    for (const Json& copy : copies.body) {
      found += copy["found"] == true && copy["digest"] == ringcore::value_digest(Writer::value_of(keys[n], value_bytes))
                   ? 1
                   : 0;
    }
    if (found != rf && short_of_replicas++ < 3) MESSAGE(keys[n] << ": " << copies.body.dump());
  }
  CHECK(short_of_replicas == 0);
}

// The end of a fault test with a writer: stops it, waits until none of `nodes` holds a hint,
// then checks every acknowledged row, the `seeded` ones (of `seeded_value_bytes`) and the
// writer's, reads back at QUORUM through each of `nodes`, and every `every`th is on all 3 of its
// replicas (asked through nodes.front()). Returns how many rows were checked.
inline std::size_t check_acknowledged_rows(const TestCluster& cluster, Writer& writer, const std::vector<int>& nodes,
                                           const std::string& keyspace, const std::vector<std::string>& seeded,
                                           std::size_t seeded_value_bytes, std::size_t every) {
  writer.stop();
  REQUIRE(hints_delivered(cluster, nodes));
  const std::vector<std::string> written = with_acknowledged({}, writer);
  check_all_readable(cluster, nodes, keyspace, seeded, seeded_value_bytes);
  check_all_readable(cluster, nodes, keyspace, written);
  check_on_every_replica(cluster, nodes.front(), keyspace, seeded, 3, every, seeded_value_bytes);
  check_on_every_replica(cluster, nodes.front(), keyspace, written, 3, every);
  return seeded.size() + written.size();
}

}  // namespace test_support
