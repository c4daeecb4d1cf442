// Hints on a real RocksDB: kept across a coordinator's restart and replayed then, dropped when
// older than the window, past the size bound (the oldest), or when their endpoint left the
// ring; never dropped for an endpoint gossip has not shown yet.
#include "hints.h"

#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <vector>

#include "coordinator.h"
#include "support/ringnode_process.h"

namespace {

using namespace std::chrono_literals;
using ringnode::Cell;
using ringnode::Hints;
using test_support::wait_until;

// Records the writes delivered to it; never reads.
class RecordingTransport final : public ringnode::ReplicaTransport {
 public:
  ringcore::Status write(const std::string& endpoint, const std::string& keyspace, const std::string& key,
                         const Cell& cell) override {
    std::lock_guard lock(mutex_);
    delivered_.push_back({endpoint, keyspace, key, cell.value});
    return ringcore::Ok{};
  }
  ringcore::Result<std::optional<Cell>> read(const std::string&, const std::string&, const std::string&) override {
    FAIL("hints never read");
    return std::optional<Cell>();
  }
  std::vector<std::vector<std::string>> delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::string>> delivered_;
};

// What gossip says of each endpoint, changed by the test while the replay thread reads it.
struct Gossip {
  std::mutex mutex;
  std::map<std::string, Hints::Liveness> endpoints;
  void set(const std::string& endpoint, Hints::Liveness liveness) {
    std::lock_guard lock(mutex);
    endpoints[endpoint] = liveness;
  }
  std::function<Hints::Liveness(const std::string&)> liveness() {
    return [this](const std::string& endpoint) {
      std::lock_guard lock(mutex);
      auto it = endpoints.find(endpoint);
      return it == endpoints.end() ? Hints::Liveness::kGone : it->second;
    };
  }
};

std::size_t stored_hints(const ringnode::Storage& storage) {
  std::size_t count = 0;
  REQUIRE(storage.scan_local("hint/", [&](std::string_view, std::string_view) { return ++count, true; }).ok());
  return count;
}

}  // namespace

TEST_CASE("hints are kept in RocksDB, and a restarted coordinator replays them once the replica is up") {
  test_support::TempDir dir("hints_test_");
  RecordingTransport transport;
  Gossip gossip;
  gossip.set("127.0.0.3", Hints::Liveness::kDown);
  {
    auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
    auto hints = Hints::open(transport, gossip.liveness(), storage.get(), {}).value_or_throw();
    for (int i = 0; i < 3; ++i)
      hints->add("127.0.0.3", "ks", "key" + std::to_string(i), Cell{10 + i, false, "v" + std::to_string(i)});
    CHECK(hints->pending() == 3);
    CHECK(stored_hints(*storage) == 3);
  }  // the coordinator stops with the replica still down
  CHECK(transport.delivered().empty());
  auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
  auto hints = Hints::open(transport, gossip.liveness(), storage.get(), {}).value_or_throw();
  CHECK(hints->pending() == 3);
  gossip.set("127.0.0.3", Hints::Liveness::kUp);
  REQUIRE(wait_until([&] { return hints->delivered() == 3; }, 10s));
  const std::vector<std::vector<std::string>> in_order = {
      {"127.0.0.3", "ks", "key0", "v0"}, {"127.0.0.3", "ks", "key1", "v1"}, {"127.0.0.3", "ks", "key2", "v2"}};
  CHECK(transport.delivered() == in_order);
  CHECK(hints->pending() == 0);
  CHECK(stored_hints(*storage) == 0);
}

TEST_CASE("past max_hints_bytes the oldest hints are dropped, and the newest kept") {
  test_support::TempDir dir("hints_test_");
  RecordingTransport transport;
  Gossip gossip;
  gossip.set("127.0.0.3", Hints::Liveness::kDown);
  auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
  auto hints =
      Hints::open(transport, gossip.liveness(), storage.get(), {.window = 3600s, .max_bytes = 4096}).value_or_throw();
  for (int i = 0; i < 100; ++i)
    hints->add("127.0.0.3", "ks", "key" + std::to_string(i), Cell{i + 1, false, std::string(100, 'v')});
  const std::size_t kept = hints->pending();
  CHECK(kept < 100);
  CHECK(kept * 100 < 4096);
  CHECK(hints->dropped() == 100 - kept);
  CHECK(stored_hints(*storage) == kept);
  gossip.set("127.0.0.3", Hints::Liveness::kUp);
  REQUIRE(wait_until([&] { return hints->delivered() == kept; }, 10s));
  CHECK(transport.delivered().back()[2] == "key99");
  CHECK(transport.delivered().front()[2] == "key" + std::to_string(100 - kept));
}

TEST_CASE("a hint older than max_hint_window is dropped, not replayed") {
  test_support::TempDir dir("hints_test_");
  RecordingTransport transport;
  Gossip gossip;
  gossip.set("127.0.0.3", Hints::Liveness::kDown);
  auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
  auto hints =
      Hints::open(transport, gossip.liveness(), storage.get(), {.window = 1s, .max_bytes = 1 << 20}).value_or_throw();
  hints->add("127.0.0.3", "ks", "old", Cell{1, false, "v"});
  REQUIRE(wait_until([&] { return hints->dropped() == 1; }, 10s));
  gossip.set("127.0.0.3", Hints::Liveness::kUp);
  hints->add("127.0.0.3", "ks", "new", Cell{2, false, "v"});
  REQUIRE(wait_until([&] { return hints->delivered() == 1; }, 10s));
  CHECK(transport.delivered() == std::vector<std::vector<std::string>>{{"127.0.0.3", "ks", "new", "v"}});
  CHECK(stored_hints(*storage) == 0);
}

TEST_CASE("hints for an endpoint that left the ring are dropped, for one gossip has not shown yet kept") {
  test_support::TempDir dir("hints_test_");
  RecordingTransport transport;
  Gossip gossip;
  gossip.set("127.0.0.3", Hints::Liveness::kDown);
  auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
  auto hints = Hints::open(transport, gossip.liveness(), storage.get(), {}).value_or_throw();
  hints->add("127.0.0.3", "ks", "k", Cell{1, false, "v"});
  hints->add("127.0.0.9", "ks", "k", Cell{1, false, "v"});  // not in gossip yet (a coordinator just restarted)
  REQUIRE(wait_until([&] { return stored_hints(*storage) == 2 && hints->pending() == 2; }, 10s));
  gossip.set("127.0.0.3", Hints::Liveness::kGone);  // it left
  REQUIRE(wait_until([&] { return hints->dropped() == 1; }, 10s));
  CHECK(hints->pending() == 1);
  gossip.set("127.0.0.9", Hints::Liveness::kUp);
  REQUIRE(wait_until([&] { return hints->delivered() == 1; }, 10s));
  CHECK(transport.delivered() == std::vector<std::vector<std::string>>{{"127.0.0.9", "ks", "k", "v"}});
}

TEST_CASE("pending hints are counted by endpoint, and a throttled replay delivers them no faster than the throttle") {
  RecordingTransport transport;
  Gossip gossip;
  gossip.set("127.0.0.2", Hints::Liveness::kDown);
  gossip.set("127.0.0.3", Hints::Liveness::kDown);
  ringnode::HintLimits limits;
  limits.throttle_kib = 1;  // each hint here is about 80 bytes: about 13 a second
  test_support::TempDir dir("hints_test_");
  auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
  auto hints = Hints::open(transport, gossip.liveness(), storage.get(), limits).value_or_throw();
  for (int i = 0; i < 40; ++i) hints->add("127.0.0.3", "ks", "key" + std::to_string(i), Cell{10 + i, false, "v"});
  hints->add("127.0.0.2", "ks", "other", Cell{1, false, "v"});
  CHECK(hints->pending_by_endpoint() == std::map<std::string, std::size_t>{{"127.0.0.2", 1}, {"127.0.0.3", 40}});

  gossip.set("127.0.0.3", Hints::Liveness::kUp);
  // While the replay batch is going (40 hints take over 2 s at 1 KiB/s), its hints still count
  // as pending: a wait for them (topology_steps.h) ends only once they are delivered.
  REQUIRE(wait_until([&] { return !transport.delivered().empty(); }, 10s, 1ms));
  const auto while_replaying = hints->pending_by_endpoint();
  CHECK(transport.delivered().size() < 40);
  CHECK(while_replaying.at("127.0.0.2") == 1);
  CHECK(while_replaying.at("127.0.0.3") == 40);
  REQUIRE(wait_until([&] { return hints->delivered() == 40; }, 30s));
  CHECK(hints->pending_by_endpoint() == std::map<std::string, std::size_t>{{"127.0.0.2", 1}});
}
