// Hints on a real RocksDB: kept across a coordinator's restart and replayed then, dropped when
// older than the window, past the size bound (the oldest), or when their endpoint left the
// ring; never dropped for an endpoint gossip has not shown yet.
#include "hints.h"

#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "coordinator.h"
#include "support/ringnode_process.h"

namespace {

using namespace std::chrono_literals;
using ringnode::Cell;
using ringnode::Hints;
using test_support::wait_until;

// Records the writes delivered to it and the size of each request; refuses the requests the
// test names. The replay sends through write_batch only, and never reads.
class RecordingTransport final : public ringnode::ReplicaTransport {
 public:
  ringcore::Status write(const std::string&, const std::string&, const std::string&, const Cell&) override {
    FAIL("the replay sends through write_batch");
    return ringcore::Ok{};
  }
  std::vector<ringcore::Status> write_batch(const std::string& endpoint,
                                            const std::vector<ringnode::RowWrite>& writes) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(writes.size());
    if (refused_.erase(requests_.size()) > 0) {
      return std::vector<ringcore::Status>(writes.size(), ringcore::Error::failed(endpoint + ": refused by the test"));
    }
    for (const ringnode::RowWrite& w : writes) delivered_.push_back({endpoint, w.keyspace, w.key, w.cell.value});
    return std::vector<ringcore::Status>(writes.size(), ringcore::Ok{});
  }
  ringcore::Result<std::optional<Cell>> read(const std::string&, const std::string&, const std::string&) override {
    FAIL("hints never read");
    return std::optional<Cell>();
  }
  // Refuses the `nth` request from the first (1-based), every write of it.
  void refuse_request(std::size_t nth) {
    std::lock_guard lock(mutex_);
    refused_.insert(nth);
  }
  std::vector<std::vector<std::string>> delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }
  std::vector<std::size_t> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::vector<std::string>> delivered_;
  std::vector<std::size_t> requests_;  // writes in each request, in order
  std::set<std::size_t> refused_;
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
  // While the replay is going (40 hints take over 2 s at 1 KiB/s, a request carrying a second's
  // worth), the hints not yet delivered still count as pending: a wait for them
  // (topology_steps.h) ends only once they are delivered.
  REQUIRE(wait_until([&] { return hints->delivered() > 0; }, 10s, 1ms));
  const std::uint64_t delivered_before = hints->delivered();
  const auto while_replaying = hints->pending_by_endpoint();
  const std::uint64_t delivered_after = hints->delivered();
  CHECK(delivered_after < 40);
  CHECK(while_replaying.at("127.0.0.2") == 1);
  CHECK(while_replaying.at("127.0.0.3") <= 40 - delivered_before);
  CHECK(while_replaying.at("127.0.0.3") >= 40 - delivered_after);
  REQUIRE(wait_until([&] { return hints->delivered() == 40; }, 30s));
  CHECK(hints->pending_by_endpoint() == std::map<std::string, std::size_t>{{"127.0.0.2", 1}});
  CHECK(transport.requests().size() >= 3);  // a second's worth each: 40 hints take over 2 s
}

TEST_CASE("a returning replica's hints go many to a request, and a refused request's wait for the next pass") {
  RecordingTransport transport;
  Gossip gossip;
  gossip.set("127.0.0.3", Hints::Liveness::kDown);
  test_support::TempDir dir("hints_test_");
  auto storage = ringnode::Storage::open(dir.path()).value_or_throw();
  auto hints = Hints::open(transport, gossip.liveness(), storage.get(), {}).value_or_throw();
  std::vector<std::vector<std::string>> in_order;
  for (int i = 0; i < 200; ++i) {
    const std::string key = "key" + std::to_string(i);
    hints->add("127.0.0.3", "ks", key, Cell{10 + i, false, "v"});
    in_order.push_back({"127.0.0.3", "ks", key, "v"});
  }
  transport.refuse_request(2);  // the first pass delivers 64, then stops at the refused request
  gossip.set("127.0.0.3", Hints::Liveness::kUp);
  REQUIRE(wait_until([&] { return hints->delivered() == 200; }, 10s));
  CHECK(transport.requests() == std::vector<std::size_t>{64, 64, 64, 64, 8});
  CHECK(transport.delivered() == in_order);  // each once, in arrival order
  CHECK(hints->pending() == 0);
  CHECK(stored_hints(*storage) == 0);
}
