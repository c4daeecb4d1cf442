// RangeStreamer: moves rows between nodes for an operation (bootstrap, decommission,
// removenode). Each transfer copies one keyspace range from a source to a target, page by
// page, through this node: a page is read from the source (this node's storage, or a peer's
// over /internal/stream/page) and passed on as it came, not decoded, to be stored on the
// target as one atomic, synced write (Storage::ingest: each row only where it wins under
// last-write-wins, so a row written meanwhile by a client is never replaced by an older
// streamed copy, and streaming a range twice is harmless: a failed operation can be run again).
//
// stream() first asks each source how many bytes it will send, so the job's progress has an
// exact total, then streams the transfers, several at once (one worker per peer, up to
// kMaxParallelTransfers: several sources send in parallel), every page under the
// StreamManager's one throughput limit.
//
// Retries: one request of a stream (a range's sizing, a page read, a page ingest) that fails
// transiently is asked again, a bounded number of times with back-off, before the transfer and
// so the job fails. Each of them may be repeated safely: a size and a page read change nothing,
// and an ingest merges by last-write-wins, so ingesting a page twice stores it once. Without
// this, one packet-loss burst failed a whole bootstrap (docs/reliability.md, packet loss).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "internode_client.h"
#include "job_registry.h"
#include "ringcore/error.h"
#include "ringcore/token.h"
#include "ringruntime/wait.h"
#include "stream_manager.h"

namespace ringnode {

struct RangeTransfer {
  std::string keyspace;
  ringcore::TokenRange range;
  std::string source;
  std::string target;
};

struct StreamTotals {
  std::uint64_t bytes = 0;  // row_bytes of the rows sent
  std::uint64_t rows = 0;
  std::uint64_t ranges = 0;   // transfers done
  std::uint64_t files = 0;    // pages ingested (each one atomic, unlogged write)
  double seconds = 0;         // the streaming phase: from the first page read to the last flush
  std::uint64_t retries = 0;  // requests asked again after a transient failure (is_transient)
};

inline constexpr std::size_t kMaxParallelTransfers = 4;
// Rounds of streaming a target that keeps restarting before its flush gets, before the stream fails.
inline constexpr int kMaxStreamRounds = 3;
// A test hook (test_hold.h): every page of a round ingested, no target flushed yet.
inline constexpr std::string_view kHoldStreamUnflushed = "stream_unflushed";

// Whether a failed stream request may succeed if asked again. Transient:
// - kUnavailable: no answer from the peer (connection refused, closed, or no answer within the
//   timeout; ringnet::HttpClient's code for those), or the peer answered 503 (it could not do
//   it now);
// - kTimedOut: a peer that gave up waiting for something;
// - kRequestUnread: ringnet's server answers that, on its own, for a request cpp-httplib could
//   not read, which for a request this node built means it did not arrive whole (its body did
//   not come within the server's read timeout; seen under packet loss), not that it was wrong.
// Everything else is not: a request given up because the peer stayed convicted by the failure
// detector (kPeerDown, ClusterTransport::give_up_on_down_peers) is down, not slow, and the job
// fails at once naming it, as Cassandra fails a stream session whose peer is convicted (retried,
// each attempt waited out the conviction grace again: a bootstrap whose source hung failed
// after 49 s, not 11 s); a peer that answered with its own error (the receiver's disk is full,
// kFailed; a request its handler refused, kInvalidInput with the handler's reason; a keyspace it
// does not know, kNotFound) answers the same when asked again, so the job fails at once with
// that message.
bool is_transient(const ringcore::Error& error);

// How often and how patiently a transient failure is retried: `attempts` requests in all, the
// waits between them starting at `first_backoff` and doubling up to `max_backoff`. The default
// rides out about 15 s of trouble per request (0.5 + 1 + 2 + 4 + 8 s between 6 attempts),
// longer than TCP takes to recover from a loss burst and than ringnet's 5 s server read timeout.
struct StreamRetry {
  int attempts = 6;
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  ringruntime::WaitClock clock = ringruntime::real_clock();  // the back-off's; tests pass a fake one
};

class RangeStreamer {
 public:
  RangeStreamer(std::string self, ClusterTransport& transport, StreamManager& streams, StreamRetry retry = {})
      : self_(std::move(self)), transport_(transport), streams_(streams), retry_(retry) {}

  // Streams every transfer as one stream plan named `description` (Cassandra's: "Bootstrap",
  // "Unbootstrap", ...). A request that fails transiently is retried (StreamRetry); the first
  // failure that is not transient, or the last attempt's, fails its transfer, naming it, and the
  // job with it; the plan shows as failed. Gives up (kFailed) when the job is cancelled.
  ringcore::Result<StreamTotals> stream(const std::string& description, const std::vector<RangeTransfer>& transfers,
                                        JobHandle& job);

  // Copies one range's rows from `source` to `target` into the sessions of `plan_id`, not yet
  // durable (flush_targets makes them so); stops (kFailed) at the next page once `stop` is set
  // (another transfer failed). Adds the requests it retried to `retries`, failed or not, and the
  // target's instance ids its ingests answered to `instances`.
  ringcore::Result<StreamTotals> transfer(const std::string& plan_id, const RangeTransfer& transfer, JobHandle& job,
                                          const std::atomic<bool>& stop, std::uint64_t& retries,
                                          std::set<std::string>& instances);

 private:
  // (target, keyspace) -> the target storage instances its pages' ingests answered.
  using TargetInstances = std::map<std::pair<std::string, std::string>, std::set<std::string>>;
  // Runs transfer() for each of `transfers`, several at once (one worker per peer, up to
  // kMaxParallelTransfers), adding to `totals` (not ranges) and `instances`; the first failure.
  ringcore::Status stream_pages(const std::string& plan_id, const std::vector<const RangeTransfer*>& transfers,
                                JobHandle& job, StreamTotals& totals, TargetInstances& instances);
  // Flushes each (target, keyspace) of `instances` that got pages; those whose flush answered
  // another instance than their pages (or whose pages answered several), each with the reason.
  ringcore::Result<std::map<std::pair<std::string, std::string>, std::string>> flush_targets(
      const TargetInstances& instances, JobHandle& job, std::uint64_t& retries);
  std::vector<SessionKey> sessions_for(const std::string& plan_id, const RangeTransfer& transfer) const;
  // Runs `request` (returning a Result) until it succeeds, fails for good (not is_transient),
  // or has run retry_.attempts times; each retry counted in `retries` and logged, naming `what`.
  // Stops waiting, with the last failure, once the job is cancelled or `stop` is set.
  template <class Request>
  auto with_retries(const std::string& what, JobHandle& job, const std::atomic<bool>& stop, std::uint64_t& retries,
                    Request request) -> decltype(request());

  std::string self_;
  ClusterTransport& transport_;
  StreamManager& streams_;
  StreamRetry retry_;
};

}  // namespace ringnode
