#include "coordinator_write_queue.h"

#include <deque>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "coordinator.h"

namespace ringnode {

struct CoordinatorWriteQueue::State {
  struct Waiting {
    RowWrite write;
    Done done;
  };
  struct Peer {
    std::size_t in_flight = 0;    // requests on their way
    std::deque<Waiting> waiting;  // non-empty only while in_flight > 0
  };

  State(ReplicaTransport& transport, std::size_t in_flight_per_peer, std::size_t most_per_batch)
      : transport(transport), in_flight_per_peer(in_flight_per_peer), most_per_batch(most_per_batch) {}

  ReplicaTransport& transport;
  const std::size_t in_flight_per_peer;
  const std::size_t most_per_batch;
  std::mutex mutex;
  std::unordered_map<std::string, Peer> peers;  // guarded by mutex

  // `peer`'s oldest waiting writes, as many as a batch takes. REQUIRES: mutex held.
  std::vector<Waiting> take_batch(Peer& peer) const {
    std::vector<Waiting> batch;
    std::size_t bytes = 0;
    while (!peer.waiting.empty() && batch.size() < most_per_batch) {
      const RowWrite& next = peer.waiting.front().write;
      const std::size_t size = next.key.size() + next.cell.value.size();
      if (!batch.empty() && bytes + size > kMostBytesPerBatch) break;
      bytes += size;
      batch.push_back(std::move(peer.waiting.front()));
      peer.waiting.pop_front();
    }
    return batch;
  }

  // Sends `batch` to `endpoint`, then what waited for it meanwhile, until nothing waits.
  void send(const std::string& endpoint, std::vector<Waiting> batch) {
    while (!batch.empty()) {
      std::vector<RowWrite> writes;
      writes.reserve(batch.size());
      for (const Waiting& waiting : batch) writes.push_back(waiting.write);
      std::vector<ringcore::Status> statuses = transport.write_batch(endpoint, writes);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].done(i < statuses.size()
                          ? statuses[i]
                          : ringcore::Status(ringcore::Error::failed(endpoint + ": no status for this write")));
      }
      std::lock_guard lock(mutex);
      Peer& peer = peers[endpoint];
      batch = take_batch(peer);
      if (batch.empty()) --peer.in_flight;
    }
  }
};

CoordinatorWriteQueue::CoordinatorWriteQueue(ReplicaTransport& transport, WorkerPool& pool,
                                             std::size_t in_flight_per_peer, std::size_t most_per_batch)
    : state_(std::make_shared<State>(transport, in_flight_per_peer, most_per_batch)), pool_(pool) {}

void CoordinatorWriteQueue::write(const std::string& endpoint, RowWrite write, Done done) {
  {
    std::lock_guard lock(state_->mutex);
    State::Peer& peer = state_->peers[endpoint];
    if (peer.in_flight >= state_->in_flight_per_peer) {
      peer.waiting.push_back({std::move(write), std::move(done)});
      return;
    }
    ++peer.in_flight;
  }
  std::vector<State::Waiting> batch;
  batch.push_back({std::move(write), std::move(done)});
  pool_.submit(
      [state = state_, endpoint, batch = std::move(batch)]() mutable { state->send(endpoint, std::move(batch)); });
}

}  // namespace ringnode
