// The coordinator's replica writes to peers: a lone write goes at once and alone; writes that
// come while a request to the peer is on its way go together in the next one, within the
// batch's limits; each write gets its own status; nothing waiting is dropped.
#include "coordinator_write_queue.h"

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "coordinator.h"
#include "ringruntime/wait.h"

namespace {

using ringnode::Cell;
using ringnode::CoordinatorWriteQueue;
using ringnode::RowWrite;

// Records each request (the keys it carried, per peer). A peer in `held` keeps its requests
// waiting until released; keys in `refused` fail.
class RecordingTransport final : public ringnode::ReplicaTransport {
 public:
  ringcore::Status write(const std::string&, const std::string&, const std::string&, const Cell&) override {
    return ringcore::Error::failed("the queue sends through write_batch");
  }
  std::vector<ringcore::Status> write_batch(const std::string& endpoint, const std::vector<RowWrite>& writes) override {
    std::unique_lock lock(mutex_);
    std::vector<std::string> keys;
    for (const RowWrite& w : writes) keys.push_back(w.key);
    requests_[endpoint].push_back(keys);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_.contains(endpoint); });
    std::vector<ringcore::Status> statuses;
    for (const RowWrite& w : writes) {
      statuses.push_back(refused.contains(w.key) ? ringcore::Status(ringcore::Error::failed(endpoint + ": disk full"))
                                                 : ringcore::Status(ringcore::Ok{}));
    }
    return statuses;
  }
  ringcore::Result<std::optional<Cell>> read(const std::string&, const std::string&, const std::string&) override {
    return std::optional<Cell>();
  }

  void hold(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    held_.insert(endpoint);
  }
  void release(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    held_.erase(endpoint);
    changed_.notify_all();
  }
  int entered() {
    std::lock_guard lock(mutex_);
    return entered_;
  }
  std::vector<std::vector<std::string>> requests(const std::string& endpoint) {
    std::lock_guard lock(mutex_);
    return requests_[endpoint];
  }

  std::set<std::string> refused;  // set before writes run

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> held_;
  std::map<std::string, std::vector<std::vector<std::string>>> requests_;
  int entered_ = 0;
};

// What each write's `done` got: "ok" or the error's message, by key.
class Outcomes {
 public:
  CoordinatorWriteQueue::Done for_key(const std::string& key) {
    return [this, key](const ringcore::Status& status) {
      std::lock_guard lock(mutex_);
      by_key_[key].push_back(status ? "ok" : status.error().message());
    };
  }
  bool all_done(std::size_t count) {
    std::lock_guard lock(mutex_);
    return by_key_.size() == count;
  }
  std::map<std::string, std::vector<std::string>> by_key() {
    std::lock_guard lock(mutex_);
    return by_key_;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::vector<std::string>> by_key_;
};

RowWrite row(const std::string& key, std::size_t value_bytes = 10) {
  return RowWrite{"ks", key, Cell{1, false, std::string(value_bytes, 'v')}};
}

bool eventually(const std::function<bool()>& done) {
  return ringruntime::wait_until(done, std::chrono::seconds(10), std::chrono::milliseconds(1));
}

// Sends "first" to `peer` and holds that request on its way, so that later writes wait.
void hold_first_write(CoordinatorWriteQueue& queue, RecordingTransport& transport, Outcomes& outcomes,
                      const std::string& peer) {
  transport.hold(peer);
  queue.write(peer, row("first"), outcomes.for_key("first"));
  REQUIRE(eventually([&] { return transport.entered() == 1; }));
}

}  // namespace

TEST_CASE("a lone write goes to its peer at once, alone") {
  RecordingTransport transport;
  ringnode::WorkerPool pool(2);
  CoordinatorWriteQueue queue(transport, pool);
  Outcomes outcomes;
  queue.write("127.0.0.2", row("a"), outcomes.for_key("a"));
  REQUIRE(eventually([&] { return outcomes.all_done(1); }));
  CHECK(transport.requests("127.0.0.2") == std::vector<std::vector<std::string>>{{"a"}});
  CHECK(outcomes.by_key()["a"] == std::vector<std::string>{"ok"});
}

TEST_CASE(
    "writes that come while a request to the peer is on its way go together in the next one, each with its own "
    "status") {
  RecordingTransport transport;
  transport.refused = {"bad"};
  ringnode::WorkerPool pool(4);
  CoordinatorWriteQueue queue(transport, pool);
  Outcomes outcomes;
  hold_first_write(queue, transport, outcomes, "127.0.0.2");
  for (const char* key : {"good", "bad", "also good"}) queue.write("127.0.0.2", row(key), outcomes.for_key(key));
  transport.release("127.0.0.2");
  REQUIRE(eventually([&] { return outcomes.all_done(4); }));
  CHECK(transport.requests("127.0.0.2") ==
        std::vector<std::vector<std::string>>{{"first"}, {"good", "bad", "also good"}});
  auto by_key = outcomes.by_key();
  CHECK(by_key["first"] == std::vector<std::string>{"ok"});
  CHECK(by_key["good"] == std::vector<std::string>{"ok"});
  CHECK(by_key["bad"] == std::vector<std::string>{"127.0.0.2: disk full"});
  CHECK(by_key["also good"] == std::vector<std::string>{"ok"});
}

TEST_CASE("a peer's waiting writes do not hold those to another peer") {
  RecordingTransport transport;
  ringnode::WorkerPool pool(4);
  CoordinatorWriteQueue queue(transport, pool);
  Outcomes outcomes;
  transport.hold("127.0.0.2");
  queue.write("127.0.0.2", row("slow"), outcomes.for_key("slow"));
  queue.write("127.0.0.2", row("waits"), outcomes.for_key("waits"));
  queue.write("127.0.0.3", row("other"), outcomes.for_key("other"));
  REQUIRE(eventually([&] { return outcomes.by_key().contains("other"); }));
  CHECK_FALSE(outcomes.by_key().contains("slow"));
  CHECK_FALSE(outcomes.by_key().contains("waits"));
  transport.release("127.0.0.2");
  REQUIRE(eventually([&] { return outcomes.all_done(3); }));
}

TEST_CASE("a batch takes at most its count of writes and its bytes, and at least one write") {
  RecordingTransport transport;
  ringnode::WorkerPool pool(4);
  CoordinatorWriteQueue queue(transport, pool, /*in_flight_per_peer=*/1, /*most_per_batch=*/2);
  Outcomes outcomes;
  hold_first_write(queue, transport, outcomes, "127.0.0.2");
  for (const char* key : {"b", "c", "d"}) queue.write("127.0.0.2", row(key), outcomes.for_key(key));
  // Each alone is over half the byte limit: two never share a request.
  const std::size_t big = ringnode::kMostBytesPerBatch / 2 + 1;
  queue.write("127.0.0.2", row("big1", big), outcomes.for_key("big1"));
  queue.write("127.0.0.2", row("big2", big), outcomes.for_key("big2"));
  queue.write("127.0.0.2", row("huge", 2 * ringnode::kMostBytesPerBatch), outcomes.for_key("huge"));
  transport.release("127.0.0.2");
  REQUIRE(eventually([&] { return outcomes.all_done(7); }));
  CHECK(transport.requests("127.0.0.2") ==
        std::vector<std::vector<std::string>>{{"first"}, {"b", "c"}, {"d", "big1"}, {"big2"}, {"huge"}});
}

TEST_CASE("writes still waiting when the queue is destroyed are sent, and each is answered once") {
  RecordingTransport transport;
  ringnode::WorkerPool pool(4);
  Outcomes outcomes;
  {
    CoordinatorWriteQueue queue(transport, pool);
    hold_first_write(queue, transport, outcomes, "127.0.0.2");
    queue.write("127.0.0.2", row("b"), outcomes.for_key("b"));
  }
  transport.release("127.0.0.2");
  REQUIRE(eventually([&] { return outcomes.all_done(2); }));
  for (const auto& [key, statuses] : outcomes.by_key()) CHECK(statuses == std::vector<std::string>{"ok"});
}
