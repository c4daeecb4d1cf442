// Scale-up and scale-down of a real lab cluster while a client keeps writing at QUORUM:
// 3 nodes at RF 3 with 100,000 rows; a 4th node bootstraps, then another node decommissions.
// Nothing acknowledged is lost, each operation streams what ringcore's movement plan says
// (within 5%), and after cleanup every row is on exactly its replicas.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "base64.h"
#include "ringcore/placement.h"
#include "ringcore/ring.h"
#include "ringcore/snapshot.h"
#include "row_stream.h"
#include "support/ringnode_cluster.h"

namespace {

using test_support::TestCluster;
using test_support::Writer;
using namespace std::chrono_literals;

constexpr int kRows = 100000;
const std::string kKeyspace = "scale";

// Every key node i stores for the keyspace, read through its streaming endpoint.
std::set<std::string> keys_on(const TestCluster& cluster, int i) {
  std::set<std::string> keys;
  for (const ringcore::TokenRange& half : ringnode::split_whole_ring({ringcore::kMinToken, ringcore::kMinToken})) {
    nlohmann::json request = {{"keyspace", kKeyspace}, {"range", ringcore::format_range(half)}, {"max_bytes", 1 << 20}};
    ringnet::HttpClient client(cluster.address(i), cluster.storage_port(), std::chrono::seconds(30));
    while (true) {
      auto response = client.post("/internal/stream/page", request.dump());
      REQUIRE(response);
      REQUIRE(response->status == 200);
      auto rows = ringnode::decode_rows(response->body);
      REQUIRE(rows);
      if (rows->empty()) break;
      for (const ringnode::StoredRow& row : *rows) keys.insert(row.key);
      request["after_token"] = ringcore::format_token(rows->back().token);
      request["after_key"] = ringnode::base64_encode(rows->back().key);
    }
  }
  return keys;
}

// Waits until node `observer`'s gossip shows node `subject`'s load within 2% of what the node
// itself reports, so a movement plan made now estimates from current loads.
void wait_for_fresh_load(const TestCluster& cluster, int observer, int subject) {
  const bool fresh = test_support::wait_until(
      [&] {
        const auto own = cluster.api(subject, "GET", "/v1/node");
        const auto view = cluster.api(observer, "GET", "/v1/cluster");
        if (own.status != 200 || view.status != 200) return false;
        const double actual = own.body["load_bytes"].get<double>();
        for (const auto& node : view.body["nodes"]) {
          if (node["address"] == cluster.address(subject) && node.contains("load_bytes")) {
            return std::abs(node["load_bytes"].get<double>() - actual) <= 0.02 * actual;
          }
        }
        return false;
      },
      30s, 500ms);
  REQUIRE_MESSAGE(fresh, "gossip did not carry " << cluster.address(subject) << "'s load");
}

void check_streamed_as_planned(const nlohmann::json& job) {
  INFO(job.dump());
  REQUIRE(job["state"] == "succeeded");
  const double streamed = job["result"]["bytes_streamed"].get<double>();
  const double planned = job["result"]["planned_bytes"].get<double>();
  CHECK(streamed > 0);
  CHECK(std::abs(streamed - planned) <= 0.05 * planned);
}

void check_all_readable(const TestCluster& cluster, const std::vector<std::string>& keys,
                        std::vector<int> coordinators) {
  std::atomic<int> missing{0};
  std::string first_missing;
  std::mutex mutex;
  std::vector<std::thread> readers;
  constexpr int kThreads = 6;
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&, t] {
      for (std::size_t k = static_cast<std::size_t>(t); k < keys.size(); k += kThreads) {
        if (!test_support::readable(cluster, coordinators[k % coordinators.size()], kKeyspace, keys[k])) {
          if (missing++ == 0) {
            std::lock_guard lock(mutex);
            first_missing = keys[k];
          }
        }
      }
    });
  }
  for (std::thread& reader : readers) reader.join();
  CHECK_MESSAGE(missing.load() == 0,
                missing.load() << " of " << keys.size() << " acknowledged rows unreadable, e.g. " << first_missing);
}

// After cleanup each key is stored on exactly the replicas the final ring gives it.
void check_exact_replicas(const TestCluster& cluster, const std::vector<int>& members,
                          const std::vector<std::string>& keys) {
  const auto view = cluster.api(members.front(), "GET", "/v1/cluster");
  REQUIRE(view.status == 200);
  const ringcore::ClusterSnapshot snapshot = ringcore::parse_snapshot(view.body.dump()).value_or_throw();
  const ringcore::TokenRing ring(snapshot);
  const auto placement =
      ringcore::ReplicaPlacement::create(ring, snapshot.require_keyspace(kKeyspace).value_or_throw()->replication)
          .value_or_throw();
  std::map<std::string, std::set<std::string>> holders;
  for (int i : members) {
    for (const std::string& key : keys_on(cluster, i)) holders[key].insert(cluster.address(i));
  }
  int wrong = 0;
  for (const std::string& key : keys) {
    std::set<std::string> expected;
    for (ringcore::NodeIndex node : placement.replicas_for_token(ringcore::token_for_key(key))) {
      expected.insert(snapshot.nodes[node].address);
    }
    if (holders[key] != expected && wrong++ < 3) {
      MESSAGE("key " << key << " is on " << holders[key].size() << " nodes, expected " << expected.size());
    }
  }
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("a node joins and another leaves while a client writes at QUORUM and nothing acknowledged is lost") {
  TestCluster cluster("topology_test", 100, 4);
  for (int i = 0; i < 3; ++i) {
    cluster.start(i, /*bootstrap=*/false);
    cluster.wait_for_ring(0, static_cast<std::size_t>(i + 1));  // the next node allocates around this one's tokens
  }
  // Every coordinator must know every replica before writing, or it writes to fewer.
  for (int i = 0; i < 3; ++i) cluster.wait_for_ring(i, 3);
  cluster.create_keyspace(kKeyspace, 3);
  std::vector<std::string> acknowledged = Writer::write_rows(cluster, kKeyspace, "row", kRows);
  REQUIRE(acknowledged.size() == static_cast<std::size_t>(kRows));

  // The joiner plans from the loads gossip carries, published every few rounds: every node must
  // see the others' loads after the rows above, or the plan misses the last seconds of them
  // (CI once saw 5.3% more streamed than planned when the bootstrap began straight after).
  for (int observer = 0; observer < 3; ++observer) {
    for (int subject = 0; subject < 3; ++subject) wait_for_fresh_load(cluster, observer, subject);
  }
  // Rows written between the last load a node published (every 5 gossip rounds) and the stream are
  // streamed but not planned. Unpaced, one writer thread added enough of them on a fast machine to
  // push a bootstrap 5.3% over its plan (CI, twice). 100 rows/s adds about 1% over a 10 s lag,
  // and a cluster's data dwarfs its seconds of writes in production too.
  Writer writer(cluster, {0, 1, 2}, kKeyspace, "during-", /*threads=*/1, /*rows_per_second=*/100);

  // Scale up: the 4th node bootstraps while the writer writes.
  cluster.start(3, /*bootstrap=*/true);
  const nlohmann::json bootstrap = cluster.bootstrap_job(3);
  check_streamed_as_planned(bootstrap);
  // Cleanup refuses while the node still sees a membership change, so every node must have
  // seen the join settle, not only the first and the joiner.
  for (int i = 0; i < 4; ++i) cluster.wait_for_ring(i, 4);
  for (int i = 0; i < 3; ++i)
    REQUIRE(cluster.run_operation(i, "cleanup", nlohmann::json::object())["state"] == "succeeded");

  // Scale down: node 1 leaves while the writer writes (through nodes 0 and 2 as well as 1,
  // whose writes fail once it has left: only acknowledged ones count).
  wait_for_fresh_load(cluster, 1, 1);
  for (int i : {0, 2, 3}) wait_for_fresh_load(cluster, 1, i);
  const nlohmann::json decommission = cluster.run_operation(1, "decommission", {{"force", false}});
  check_streamed_as_planned(decommission);
  CHECK(cluster.api(1, "GET", "/v1/node").body["mode"] == "DECOMMISSIONED");
  for (int i : {0, 2, 3}) cluster.wait_for_ring(i, 3);

  writer.stop();
  const std::vector<std::string> during = writer.acknowledged();
  MESSAGE(during.size() << " rows acknowledged during the operations, " << writer.failures() << " writes refused");
  CHECK(during.size() > 100);
  acknowledged.insert(acknowledged.end(), during.begin(), during.end());

  for (int i : {0, 2, 3}) {
    const nlohmann::json cleanup = cluster.run_operation(i, "cleanup", nlohmann::json::object());
    REQUIRE(cleanup["state"] == "succeeded");
  }
  check_all_readable(cluster, acknowledged, {0, 2, 3});
  check_exact_replicas(cluster, {0, 2, 3}, acknowledged);
}
