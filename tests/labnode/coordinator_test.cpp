// The coordinator against a fake cluster: who gets a write, how consistency levels count
// answers, the error when too few answer, last write wins on reads, and read repair.
#include "coordinator.h"

#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "ringcore/murmur3.h"

namespace {

using ringnode::Cell;
using ringnode::ConsistencyLevel;

// Replicas held in memory. Endpoints in `failing` answer with an error.
class FakeTransport final : public ringnode::ReplicaTransport {
 public:
  ringcore::Status write(const std::string& endpoint, const std::string&, const std::string& key,
                         const Cell& cell) override {
    std::lock_guard lock(mutex_);
    if (failing.contains(endpoint)) return ringcore::Error(ringcore::ErrorCode::kUnavailable, "connection refused");
    Cell& stored = rows_[{endpoint, key}];
    if (stored.timestamp_us == 0 || ringnode::supersedes(cell, stored)) stored = cell;
    ++writes_;
    return ringcore::Ok{};
  }
  ringcore::Result<std::optional<Cell>> read(const std::string& endpoint, const std::string&,
                                             const std::string& key) override {
    std::lock_guard lock(mutex_);
    if (failing.contains(endpoint)) return ringcore::Error(ringcore::ErrorCode::kUnavailable, "connection refused");
    auto it = rows_.find({endpoint, key});
    if (it == rows_.end()) return std::optional<Cell>();
    return std::optional<Cell>(it->second);
  }
  std::optional<Cell> stored(const std::string& endpoint, const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = rows_.find({endpoint, key});
    return it == rows_.end() ? std::nullopt : std::optional<Cell>(it->second);
  }
  void put(const std::string& endpoint, const std::string& key, Cell cell) {
    std::lock_guard lock(mutex_);
    rows_[{endpoint, key}] = std::move(cell);
  }
  int writes() {
    std::lock_guard lock(mutex_);
    return writes_;
  }

  bool is_local(const std::string& endpoint) const override { return endpoint == local; }

  std::set<std::string> failing;  // set before requests run
  std::string local;              // the coordinator's own address, "" for none; set before requests run

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Cell> rows_;
  int writes_ = 0;
};

ringcore::Node node(const std::string& address, std::vector<ringcore::Token> tokens,
                    ringcore::NodeStatus status = ringcore::NodeStatus::kUp) {
  ringcore::Node n;
  n.address = address;
  n.host_id = "id-" + address;
  n.dc = "dc1";
  n.rack = "rack1";
  n.status = status;
  n.tokens = std::move(tokens);
  return n;
}

ringnode::KeyspaceDef keyspace(int rf) {
  const nlohmann::json replication = {{"class", "SimpleStrategy"}, {"replication_factor", rf}};
  return {"ks", ringnode::replication_from_json(replication).value_or_throw(), 1};
}

struct Fixture {
  FakeTransport transport;
  ringnode::WorkerPool pool{4};
  ringnode::Coordinator coordinator{transport, pool, std::chrono::milliseconds(2000)};
};

// Three nodes splitting the ring in thirds.
ringnode::ClusterView three_nodes(ringcore::NodeStatus third = ringcore::NodeStatus::kUp) {
  return ringnode::ClusterView({node("127.0.0.1", {-3000000000000000000}), node("127.0.0.2", {3000000000000000000}),
                                node("127.0.0.3", {9000000000000000000}, third)});
}

}  // namespace

TEST_CASE("consistency levels parse in any case and count replicas as Cassandra does") {
  CHECK(*ringnode::parse_consistency_level("quorum") == ConsistencyLevel::kQuorum);
  CHECK(*ringnode::parse_consistency_level("ALL") == ConsistencyLevel::kAll);
  auto bad = ringnode::parse_consistency_level("TWO");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "unknown consistency level 'TWO' (use ONE, QUORUM or ALL)");
  CHECK(ringnode::replicas_needed(ConsistencyLevel::kOne, 3) == 1);
  CHECK(ringnode::replicas_needed(ConsistencyLevel::kQuorum, 3) == 2);
  CHECK(ringnode::replicas_needed(ConsistencyLevel::kQuorum, 4) == 3);
  CHECK(ringnode::replicas_needed(ConsistencyLevel::kQuorum, 5) == 3);
  CHECK(ringnode::replicas_needed(ConsistencyLevel::kAll, 3) == 3);
}

TEST_CASE("replicas come from ringcore placement: the owner of the key's token first") {
  const auto view = three_nodes();
  const std::string key = "some key";
  const ringcore::Token token = ringcore::token_for_key(key);
  auto replicas = ringnode::Coordinator::replicas_for(view, keyspace(2), key);
  REQUIRE(replicas.ok());
  REQUIRE(replicas->natural.size() == 2);
  const std::string owner = token <= -3000000000000000000 || token > 9000000000000000000 ? "127.0.0.1"
                            : token <= 3000000000000000000                               ? "127.0.0.2"
                                                                                         : "127.0.0.3";
  CHECK(replicas->natural[0] == owner);
  CHECK(replicas->pending.empty());
}

TEST_CASE("a write at ALL reaches every replica, and a read returns it") {
  Fixture f;
  const auto view = three_nodes();
  auto written = f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kAll, 100);
  REQUIRE(written.ok());
  CHECK(written->acks == 3);
  CHECK(written->replicas == 3);
  for (const char* replica : {"127.0.0.1", "127.0.0.2", "127.0.0.3"})
    CHECK(f.transport.stored(replica, "k")->value == "v");
  auto read = f.coordinator.read(view, keyspace(3), "k", ConsistencyLevel::kQuorum);
  REQUIRE(read.ok());
  REQUIRE(read->cell);
  CHECK(read->cell->value == "v");
  CHECK(read->cell->timestamp_us == 100);
}

TEST_CASE("QUORUM survives one failed replica, while ALL fails saying how many answered and why") {
  Fixture f;
  f.transport.failing = {"127.0.0.3"};
  const auto view = three_nodes();
  CHECK(f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kQuorum, 1).ok());
  auto all = f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kAll, 2);
  REQUIRE_FALSE(all.ok());
  CHECK(all.error().code() == ringcore::ErrorCode::kUnavailable);
  CHECK(all.error().message() == "ALL needs 3 of 3 replicas, 2 answered (127.0.0.3: connection refused)");
  auto read = f.coordinator.read(view, keyspace(3), "k", ConsistencyLevel::kAll);
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().message() == "ALL needs 3 of 3 replicas, 2 answered (127.0.0.3: connection refused)");
}

TEST_CASE("replicas gossip marks down are not contacted and are named in the error") {
  Fixture f;
  const auto view = three_nodes(ringcore::NodeStatus::kDown);
  CHECK(f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kQuorum, 1).ok());
  CHECK(f.transport.writes() == 2);
  f.transport.failing = {"127.0.0.2"};
  auto quorum = f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kQuorum, 2);
  REQUIRE_FALSE(quorum.ok());
  CHECK(quorum.error().message() ==
        "QUORUM needs 2 of 3 replicas, 1 answered (127.0.0.3: marked down by gossip; 127.0.0.2: connection refused)");
}

TEST_CASE("ALL cannot succeed when fewer nodes than the replication factor exist") {
  Fixture f;
  const ringnode::ClusterView view({node("127.0.0.1", {0})});
  auto all = f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kAll, 1);
  REQUIRE_FALSE(all.ok());
  CHECK(all.error().message() == "ALL needs 3 of 3 replicas, 1 answered (only 1 replicas exist)");
  CHECK(f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kOne, 1).ok());
}

TEST_CASE("a read returns the newest answer, treats a newer tombstone as the answer, and repairs stale replicas") {
  Fixture f;
  const auto view = three_nodes();
  f.transport.put("127.0.0.1", "k", Cell{10, false, "old"});
  f.transport.put("127.0.0.2", "k", Cell{20, false, "new"});
  f.transport.put("127.0.0.3", "k", Cell{20, false, "new"});
  auto read = f.coordinator.read(view, keyspace(3), "k", ConsistencyLevel::kAll);
  REQUIRE(read.ok());
  CHECK(read->cell->value == "new");
  // Read repair runs in the background: poll with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (f.transport.stored("127.0.0.1", "k")->value != "new" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(f.transport.stored("127.0.0.1", "k")->value == "new");

  REQUIRE(f.coordinator.write(view, keyspace(3), "k", std::nullopt, ConsistencyLevel::kAll, 30).ok());
  read = f.coordinator.read(view, keyspace(3), "k", ConsistencyLevel::kOne);
  REQUIRE(read.ok());
  REQUIRE(read->cell);
  CHECK(read->cell->tombstone);
}

TEST_CASE("replica copies list every replica, answered or not") {
  Fixture f;
  f.transport.failing = {"127.0.0.2"};
  const auto view = three_nodes();
  f.transport.put("127.0.0.1", "k", Cell{10, false, "v"});
  auto copies = f.coordinator.replica_copies(view, keyspace(3), "k");
  REQUIRE(copies.ok());
  REQUIRE(copies->size() == 3);
  for (const auto& copy : *copies) {
    CAPTURE(copy.address);
    if (copy.address == "127.0.0.1") CHECK(copy.cell->value == "v");
    if (copy.address == "127.0.0.2") CHECK(copy.error == "connection refused");
    if (copy.address == "127.0.0.3") CHECK((!copy.cell && copy.error.empty()));
  }
}

TEST_CASE(
    "the coordinator's own replica is written on its own thread: ONE is acknowledged with every pool thread busy") {
  Fixture f;
  f.transport.local = "127.0.0.1";
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  for (int i = 0; i < 4; ++i) f.pool.submit([released] { released.wait(); });  // every pool thread held
  const auto view = three_nodes();
  auto written = f.coordinator.write(view, keyspace(3), "k", std::string("v"), ConsistencyLevel::kOne, 7);
  release.set_value();
  REQUIRE_MESSAGE(written.ok(), written.error().message());
  CHECK(written->acks == 1);
  CHECK(f.transport.stored("127.0.0.1", "k")->value == "v");
}
