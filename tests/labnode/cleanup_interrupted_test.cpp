// A cleanup interrupted by SIGKILL, on real ringnode processes, a QUORUM writer running. A
// fourth node joins, so each first node holds about a quarter of its rows for ranges it no
// longer replicates; cleanup on one of them, throttled (compaction_throughput_mib, as
// Cassandra's compaction_throughput holds cleanup), is SIGKILLed: between its ranges
// (127.0.92.21..24), or once every range is dropped, in its final compaction (127.0.74.21..24).
// After the restart no cleanup runs (jobs live in the process: the clear state is "not done");
// run again, it completes, removing what the killed run had left (nothing, when it was killed
// in its final compaction: what it removed stayed removed). Then the node holds exactly its
// ranges' rows: none outside them (read from its RocksDB, the node stopped) and every
// acknowledged row inside them; and every acknowledged row reads back at QUORUM; the load it
// reports is what it holds.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "ringcore/murmur3.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"
#include "storage.h"
#include "support/cluster_checks.h"

using namespace std::chrono_literals;
using namespace test_support;

namespace {

const std::string kKeyspace = "ks";
// About 0.7 MB of rows on every node: the cleaned node drops about a quarter, about 175 KB, in
// about 8 ranges; at 0.025 MiB/s that takes about 7 s, so the kill lands while it runs.
constexpr int kRows = 10000;
const std::string kThrottled = "compaction_throughput_mib: 0.025\n";
constexpr int kCleaned = 1;

// Where the cleanup is killed.
enum class KillPoint {
  kBetweenRanges,    // some ranges dropped, not all
  kFinalCompaction,  // every range dropped, the job still running: pacing the last one or compacting
};

// Node i's cleanup job once it has reached `point` and is still running, or null.
Json cleanup_at(const TestCluster& cluster, int i, const std::string& id, KillPoint point) {
  const auto reply = cluster.api(i, "GET", "/v1/jobs/" + id);
  if (reply.status != 200 || reply.body["state"] != "running") return nullptr;
  const Json& progress = reply.body["progress"];
  const bool reached = point == KillPoint::kBetweenRanges
                           ? progress["done"].get<std::uint64_t>() > 0 && progress["done"] != progress["total"]
                           : progress["total"].get<std::uint64_t>() > 0 && progress["done"] == progress["total"];
  return reached ? reply.body : Json();
}

// Whether the node at `address` is one of the replicas `placement` gives `token`.
bool replica_of(const ringcore::ReplicaPlacement& placement, const ringcore::ClusterSnapshot& snapshot,
                const std::string& address, ringcore::Token token) {
  for (const ringcore::NodeIndex node : placement.replicas_for_token(token)) {
    if (snapshot.nodes[node].address == address) return true;
  }
  return false;
}

void cleanup_killed(const std::string& network, KillPoint point) {
  const auto test_started = std::chrono::steady_clock::now();
  TestCluster cluster("cleanup_kill", 21, 4, 8, network);
  const std::vector<std::string> seeded = seed_keyspace(cluster, 3, kKeyspace, kRows, kThrottled);

  Writer writer(cluster, {0, 2, 3}, kKeyspace, "w", 1);
  cluster.start(3, true);
  const Json joined = cluster.bootstrap_job(3);
  REQUIRE_MESSAGE(joined["state"] == "succeeded", joined.dump());
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);

  const auto started = cluster.api(kCleaned, "POST", "/v1/operations/cleanup", Json{{"keyspace", kKeyspace}}.dump());
  REQUIRE_MESSAGE(started.status == 202, started.body.dump());
  Json midway;
  REQUIRE_MESSAGE(wait_until(
                      [&] {
                        midway = cleanup_at(cluster, kCleaned, started.body["id"].get<std::string>(), point);
                        return !midway.is_null();
                      },
                      30s, 20ms),
                  cluster.api(kCleaned, "GET", "/v1/jobs").body.dump());
  cluster.process(kCleaned).kill_hard();
  MESSAGE("killed at " << midway["progress"]["done"] << " of " << midway["progress"]["total"] << " ranges");
  CHECK(writes_acknowledged(writer, 100));  // QUORUM of 3: two replicas are up

  cluster.start(kCleaned, false);
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  CHECK(cluster.api(kCleaned, "GET", "/v1/jobs").body["jobs"].empty());  // nothing claims to run
  const Json again = cluster.run_operation(kCleaned, "cleanup", {{"keyspace", kKeyspace}}, 60s);
  CHECK_MESSAGE(again["state"] == "succeeded", again.dump());
  if (point == KillPoint::kBetweenRanges) {
    CHECK(again["result"]["rows_removed"].get<std::uint64_t>() > 0);  // what the killed run had not
  } else {
    CHECK(again["result"]["rows_removed"] == 0);  // the killed run's removals outlived it
  }
  // Once cleaned, a cleanup finds nothing left to remove.
  const Json idle = cluster.run_operation(kCleaned, "cleanup", {{"keyspace", kKeyspace}}, 60s);
  CHECK_MESSAGE(idle["state"] == "succeeded", idle.dump());
  CHECK(idle["result"]["rows_removed"] == 0);
  CHECK(writes_acknowledged(writer, 100));
  writer.stop();

  const std::vector<std::string> keys = with_acknowledged(seeded, writer);
  REQUIRE(hints_delivered(cluster, {0, 1, 2, 3}));
  check_all_readable(cluster, {0, 1, 2, 3}, kKeyspace, keys);

  // The ring as node 0 sees it, and the rows the cleaned node holds, read from its RocksDB.
  const auto ring_reply = cluster.api(0, "GET", "/v1/cluster");
  REQUIRE(ring_reply.status == 200);
  const ringcore::ClusterSnapshot snapshot = ringcore::parse_snapshot(ring_reply.body.dump()).value_or_throw();
  const ringcore::TokenRing ring(snapshot);
  const auto placement = ringcore::ReplicaPlacement::create(ring, snapshot.find_keyspace(kKeyspace)->replication);
  REQUIRE(placement);
  const std::string& cleaned = cluster.address(kCleaned);
  const std::uint64_t load = node_info(cluster, kCleaned)["load_bytes"].get<std::uint64_t>();
  REQUIRE(cluster.process(kCleaned).terminate(30s) == 0);
  std::set<std::string> held;
  std::uint64_t held_bytes = 0;
  std::vector<std::string> outside;
  {
    auto storage = ringnode::Storage::open(cluster.data_directory(kCleaned));
    if (!storage) FAIL(storage.error().message());
    REQUIRE((*storage)->scan(kKeyspace, {0, 0}, [&](const ringnode::StoredRow& row) {
      held.insert(row.key);
      held_bytes += ringnode::row_bytes(row.key, row.cell);
      if (!replica_of(*placement, snapshot, cleaned, row.token)) outside.push_back(row.key);
      return true;
    }));
  }
  CHECK(load == held_bytes);  // the load it reports is what it holds, after the kill and the rerun
  std::size_t belonging = 0;
  std::vector<std::string> missing;
  for (const std::string& key : keys) {
    if (!replica_of(*placement, snapshot, cleaned, ringcore::token_for_key(key))) continue;
    ++belonging;
    if (!held.contains(key)) missing.push_back(key);
  }
  CHECK_MESSAGE(outside.empty(), outside.size()
                                     << " rows outside its ranges, first " << (outside.empty() ? "" : outside.front()));
  CHECK_MESSAGE(missing.empty(), missing.size() << " acknowledged rows of its ranges missing, first "
                                                << (missing.empty() ? "" : missing.front()));
  MESSAGE("cleanup killed at " << midway["progress"].dump() << " and rerun: " << again["result"].dump()
                               << "; the node holds " << held.size() << " rows, " << belonging
                               << " acknowledged rows belong to it, outside " << outside.size() << ", missing "
                               << missing.size() << "; " << keys.size() << " acknowledged rows read back; "
                               << seconds_since(test_started) << " s");
}

}  // namespace

TEST_CASE(
    "a cleanup SIGKILLed between its ranges completes when run again, and the node then holds exactly its ranges") {
  cleanup_killed("127.0.92.", KillPoint::kBetweenRanges);
}

TEST_CASE(
    "a cleanup SIGKILLed in its final compaction completes when run again, and the node then holds exactly its "
    "ranges") {
  cleanup_killed("127.0.74.", KillPoint::kFinalCompaction);
}
