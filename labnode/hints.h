// Hints: the writes a replica missed, kept by the coordinator and replayed when gossip shows
// the replica up again (Cassandra's hinted handoff, in memory). A QUORUM write is acknowledged
// once a quorum stored it; without hints, a replica that timed out under load or was down
// would lack the row until a read or a repair found it, and a bootstrap or decommission that
// streams the range from that replica would carry the gap on.
//
// Hints live in memory only: a coordinator that dies loses its hints (repair restores those
// rows). At most kMaxHints are kept (the oldest are dropped, with a warning); a hint for an
// endpoint that left the ring is dropped.
//
// Thread-safety: all members may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "storage.h"

namespace ringnode {

class ReplicaTransport;

class Hints {
 public:
  static constexpr std::size_t kMaxHints = 1'000'000;

  // What gossip says of an endpoint: up (replay now), down (keep), or gone from the ring (drop).
  enum class Liveness { kUp, kDown, kGone };

  Hints(ReplicaTransport& transport, std::function<Liveness(const std::string&)> liveness);
  ~Hints();  // stops the replay thread; undelivered hints are lost
  Hints(const Hints&) = delete;
  Hints& operator=(const Hints&) = delete;

  void add(std::string endpoint, std::string keyspace, std::string key, Cell cell);
  std::size_t pending() const;
  std::uint64_t delivered() const;

 private:
  struct Hint {
    std::string endpoint, keyspace, key;
    Cell cell;
  };
  void replay_loop();

  ReplicaTransport& transport_;
  std::function<Liveness(const std::string&)> liveness_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Hint> hints_;        // guarded by mutex_
  std::uint64_t delivered_ = 0;   // guarded by mutex_
  bool stopping_ = false;         // guarded by mutex_
  std::thread replayer_;
};

}  // namespace ringnode
