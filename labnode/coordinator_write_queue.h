// CoordinatorWriteQueue: the coordinator's replica writes on their way to peers, several to a
// peer sent in one request when they come faster than the peer answers.
//
// A write to a peer with fewer than `in_flight_per_peer` requests on their way goes at once, on
// a pool thread, alone (ReplicaTransport::write_batch of one write). Past that, writes wait, and
// the next request to that peer carries the writes waiting for it (up to `most_per_batch`
// writes and kMostBytesPerBatch bytes of keys and values, at least one): the pool thread that
// got an answer sends what waited meanwhile. So a lone write is not delayed, and under load one
// HTTP exchange carries many rows, as Cassandra's internode messaging carries many mutations per
// flush on one connection to a peer. One request in flight per peer: measured on the 3-node lab
// at QUORUM (2 cores), it used 248-288 us of the nodes' CPU per row against 283-350 us with two
// and 421-462 us with a request per write.
//
// Each write's `done` runs once, on a pool thread, with that write's own status; a request that
// fails as a whole fails each of its writes with its error. Nothing waiting is dropped: a write
// waits only while a request to its peer is on its way, and the thread of that request sends
// the waiting writes before it returns to the pool (also while the pool shuts down).
//
// Thread-safety: write() may be called from any thread. The transport must outlive the pool's
// threads (as every other task of the pool requires); the queue itself may be destroyed first.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "internode_api.h"
#include "ringcore/error.h"
#include "worker_pool.h"

namespace ringnode {

class ReplicaTransport;

class CoordinatorWriteQueue {
 public:
  using Done = std::function<void(const ringcore::Status&)>;

  static constexpr std::size_t kInFlightPerPeer = 1;

  // REQUIRES: in_flight_per_peer >= 1, most_per_batch >= 1.
  CoordinatorWriteQueue(ReplicaTransport& transport, WorkerPool& pool,
                        std::size_t in_flight_per_peer = kInFlightPerPeer,
                        std::size_t most_per_batch = kMostWritesPerBatch);

  // Sends `write` to `endpoint`; `done` gets its status.
  void write(const std::string& endpoint, RowWrite write, Done done);

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the pool's tasks, which may outlive the queue
  WorkerPool& pool_;
};

}  // namespace ringnode
