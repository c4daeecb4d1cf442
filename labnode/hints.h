// Hints: the writes a replica missed, kept by the coordinator and replayed when gossip shows
// the replica up again (Cassandra's hinted handoff). A QUORUM write is acknowledged once a
// quorum stored it; without hints, a replica that timed out under load or was down would lack
// the row until a read or a repair found it, and a bootstrap or decommission that streams the
// range from that replica would carry the gap on.
//
// Durable: each hint is kept in the node's RocksDB (local values under "hint/", in the
// write-ahead log, so a killed coordinator keeps them) and removed once delivered; a
// restarted coordinator loads the hints it had and replays them like new ones.
//
// Bounded, like Cassandra's max_hint_window and max_hints_size_per_host:
// - age: a hint older than HintLimits::window is dropped, not replayed (repair restores its
//   row); Cassandra stops hinting a replica down longer than its window.
// - size: when the hints' bytes would pass HintLimits::max_bytes, the oldest are dropped.
// An endpoint gossip showed in this run and that has since left the ring loses its hints; one
// gossip has not shown yet (a coordinator just restarted) keeps them until it does or they
// expire. Every drop is logged (the first, then every 10,000th) and counted.
//
// Replayed in batches: every 500 ms a pass sends each endpoint up its hints in arrival order,
// many to a request (POST /internal/rows/write_batch, as the coordinator's writes go), one
// request at a time per endpoint; a request with a write that failed ends that endpoint's pass,
// its failed writes and the endpoint's hints not sent yet kept for the next. A hint counts as
// pending until it is delivered or dropped.
//
// Throttled, like Cassandra's hinted_handoff_throttle: with HintLimits::throttle_kib set, the
// replay delivers at most that many KiB of hints a second (a request carries at most a second's
// worth), so a replica coming back is not flooded; 0 delivers as fast as the replica takes them.
//
// A topology operation asks every live node for its hints by endpoint (pending_by_endpoint,
// GET /internal/hints) and waits for those of its stream sources before streaming
// (topology_steps.h): a source that missed a write would otherwise stream without it.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "storage.h"

namespace ringnode {

class ReplicaTransport;

struct HintLimits {
  std::chrono::seconds window{3 * 3600};               // max_hint_window_seconds (Cassandra's 3 h)
  std::uint64_t max_bytes = std::uint64_t{256} << 20;  // max_hints_bytes
  std::uint64_t throttle_kib = 0;                      // hinted_handoff_throttle_kib: KiB/s, 0 = unlimited
};

class Hints {
 public:
  // What gossip says of an endpoint: up (replay now), down (keep), or gone from the ring (drop).
  enum class Liveness { kUp, kDown, kGone };

  // `storage` keeps the hints (nullptr: memory only); the hints it holds are loaded now.
  // Errors (kFailed) when they cannot be read.
  static ringcore::Result<std::unique_ptr<Hints>> open(ReplicaTransport& transport,
                                                       std::function<Liveness(const std::string&)> liveness,
                                                       Storage* storage, HintLimits limits);
  ~Hints();  // stops the replay thread; kept hints stay in the storage
  Hints(const Hints&) = delete;
  Hints& operator=(const Hints&) = delete;

  void add(std::string endpoint, std::string keyspace, std::string key, Cell cell);
  std::size_t pending() const;
  // The pending hints (held or being replayed) by the endpoint they are for.
  std::map<std::string, std::size_t> pending_by_endpoint() const;
  std::uint64_t delivered() const;
  std::uint64_t dropped() const;  // expired, over the size bound, or for an endpoint that left

 private:
  struct Hint {
    std::uint64_t id = 0;
    std::int64_t created_ms = 0;  // since the epoch
    std::string endpoint, keyspace, key;
    Cell cell;
    std::uint64_t bytes = 0;  // of its stored record
  };
  Hints(ReplicaTransport& transport, std::function<Liveness(const std::string&)> liveness, Storage* storage,
        HintLimits limits);
  void replay_loop();
  // One pass over `batch`: drops the expired hints and those of endpoints gone, delivers those
  // of endpoints up, and returns the rest, kept for the next pass.
  std::deque<Hint> replay(std::deque<Hint> batch);
  // Sends `hints` (one endpoint's, in arrival order) in write_batch requests, one at a time,
  // until a request has a write that failed; the failed writes and those not sent go to `kept`.
  void deliver(const std::string& endpoint, std::vector<Hint>& hints, std::deque<Hint>& kept);
  // `done` delivered (no reason) or dropped for `dropped_why`: out of the storage and the counts.
  void settle(std::span<const Hint> done, const std::optional<std::string>& dropped_why);
  bool stopping() const;
  void forget(const Hint& hint);               // removes it from the storage
  void count_dropped(const std::string& why);  // REQUIRES: mutex_ held
  // Endpoints gossip has shown: only their leaving drops their hints (a hint loaded at start
  // for an endpoint gossip has not shown yet is kept until it does).
  void remember_seen(const std::string& endpoint);
  bool was_seen(const std::string& endpoint) const;

  ReplicaTransport& transport_;
  std::function<Liveness(const std::string&)> liveness_;
  Storage* storage_;
  HintLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Hint> hints_;                                    // guarded by mutex_
  std::map<std::string, std::size_t> in_flight_by_endpoint_;  // being replayed, by endpoint; guarded
  std::uint64_t bytes_ = 0;      // of every hint held, in hints_ or being replayed; guarded
  std::uint64_t next_id_ = 1;    // guarded by mutex_
  std::uint64_t delivered_ = 0;  // guarded by mutex_
  std::uint64_t dropped_ = 0;    // guarded by mutex_
  bool stopping_ = false;        // guarded by mutex_
  mutable std::mutex seen_mutex_;
  std::set<std::string> seen_;  // endpoints gossip has shown in this run; guarded by seen_mutex_
  std::thread replayer_;
};

}  // namespace ringnode
